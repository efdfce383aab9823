// Public API of lib/data: official data lists, expert labels, transforms, loader, Prism Shapes.
export { SeededRng, mixSeed } from './rng.js';
export {
  DATA_LIST_FILES, parseDataList, parseAnswerList, parseClassIndex,
  readCaptionTrainList, readCaptionTestList, readVqaTrainList, readVqaTestList, readAnswerList, readClassIndex,
  validateCaptionTrainEntry, validateCaptionTestEntry, validateVqaTrainEntry, validateVqaTestEntry, vqaEntryWeight, writeDataList,
} from './formats.js';
export type { CaptionTrainEntry, CaptionTestEntry, VqaTrainEntry, VqaTestEntry, VqaSource } from './formats.js';
export { listImageCaptionFolder, listClassificationImages } from './folders.js';
export type { ImageCaptionFile, ClassificationImage } from './folders.js';
export { resizePil } from './pil-resize.js';
export type { RasterU8, PilFilter, ResizeBox } from './pil-resize.js';
export { decodeRgb, decodeGrey, toRgb, toGrey, imageSize, resizeSharpCubic } from './decode.js';
export { LABEL_FILL, RAND_AUGMENT_OPS, affinePil, autocontrast, equalize, brightness, sharpness, applyAugmentOp, randAugment } from './augment.js';
export type { LabelRasters, RandAugmentOpName, RandAugmentOptions } from './augment.js';
export { CLIP_MEAN, CLIP_STD, applyPrismerTransform, randomResizedCropBox, cropRaster, hflipRaster, normalizeClip } from './transform.js';
export type { PrismerTransformOptions, TransformedSample } from './transform.js';
export { FEATURE_DIM, FEATURE_TABLE_FILES, readFeatureTables, writeFeatureTables, featureRow } from './feature-tables.js';
export type { FeatureTable, ExpertFeatureTables } from './feature-tables.js';
export { LABEL_EXPERTS, isLabelExpert, labelFilePath, parseDetectionClasses, readOcrWords, readExpertLabels } from './expert-labels.js';
export type { LabelExpert, ExpertName, OcrWord, ExpertLabelSet, ReadExpertLabelsOptions } from './expert-labels.js';
export { LabelFallbackCounter } from './label-fallbacks.js';
export type { FallbackReason } from './label-fallbacks.js';
export { minMaxNormalize, paintFeatures, featureLookup, expandFeaturesInto, postLabelProcess, postLabelProcessCompact, expandExpertInputs } from './post-label.js';
export type { ExpertInputs, CompactExpertInputs, PaintedFeatures, LabelInfo } from './post-label.js';
export { serializeTorchPickle, writeTorchPickle, pyFloat } from './torch-save.js';
export type { PyValue, PyFloat, PyDict, Float32Tensor } from './torch-save.js';
export { CaptionDataset, VqaDataset, loadPrismerSample, datasetFromSpec } from './datasets.js';
export type { PrismerDataset, PrismerSample, DatasetPaths, DatasetPathsSpec, PrismerDatasetSpec, CaptionSplit } from './datasets.js';
export { startSampleWorkers } from './worker-pool.js';
export type { SampleWorkerPool } from './worker-pool.js';
export { EXPERT_CHANNELS, collatePrismerBatch, iteratePrismerBatches, prismerBatchCount, prismerEpochOrder } from './loader.js';
export type { PrismerBatch, BatchExperts, LoaderOptions } from './loader.js';
export * from './synthetic/index.js';
