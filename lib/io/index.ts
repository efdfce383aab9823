// Checkpoint and tensor-file I/O: torch.save zip files, safetensors, weight mapping onto model parameters.
export { writeFileAtomic } from './atomic.js';
export {
  parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors,
  type SafetensorsEntry, type SafetensorsFile, type SafetensorsHeader,
} from './safetensors.js';
export { BYTES_PER_ELEMENT, elementCount, toFloat32, toInt32, typedFromBytes, typedView, type DType, type TensorRecord, type TypedData } from './tensor-record.js';
export { naturalDtype, recordFromTensor, tensorFromRecord } from './tensor-convert.js';
export { ZipReader, withZip, fileByteSource, memoryByteSource, type ByteSource, type ZipEntry } from './zip.js';
export { PickleGlobal, unpickle, type PickleHooks } from './pickle.js';
export { TorchDtype, isTensorRecord, readTorchFile, unpickleTorchValue, type TorchValue } from './torch.js';
export { detectCheckpointFormat, readCheckpoint, readStateDict, type CheckpointFormat, type ReadStateDictOptions } from './checkpoint.js';
export {
  PRISMER_RESIZABLE_POSITIONAL_EMBEDDINGS, PRISMER_TIED_ALIASES, checkStateDict, isIgnorableBuffer, loadStateDictInto, stateDictProblems,
  type ParameterShape, type ShapeMismatch, type StateDictLoadOptions, type StateDictLoadReport,
} from './load-state-dict.js';
