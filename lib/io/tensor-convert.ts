import * as tf from '@tensorflow/tfjs';
import { toFloat32, toInt32, type TensorRecord } from './tensor-record.js';

/** The tfjs dtype a record naturally becomes: floats → float32, integers → int32, BOOL → bool. */
export function naturalDtype(record: TensorRecord): 'float32' | 'int32' | 'bool' {
  if (record.dtype === 'BOOL') return 'bool';
  return record.dtype === 'F32' || record.dtype === 'F16' || record.dtype === 'BF16' || record.dtype === 'F64' ? 'float32' : 'int32';
}

/**
 * A tfjs tensor of a host record, converted to `dtype` (default: its natural dtype). int64 values must
 * fit int32; `what` names the tensor in errors.
 */
export function tensorFromRecord(record: TensorRecord, dtype: tf.DataType = naturalDtype(record), what = 'tensor'): tf.Tensor {
  switch (dtype) {
    case 'float32':
      return tf.tensor(toFloat32(record), record.shape, 'float32');
    case 'int32':
      if (record.dtype === 'F32' || record.dtype === 'F16' || record.dtype === 'BF16' || record.dtype === 'F64') {
        throw new Error(`${what}: ${record.dtype} values cannot become an int32 tensor`);
      }
      return tf.tensor(toInt32(record, what), record.shape, 'int32');
    case 'bool': {
      const values = toFloat32(record);
      return tf.tensor(Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)), record.shape, 'bool');
    }
    default:
      throw new Error(`${what}: cannot convert ${record.dtype} to a ${dtype} tensor`);
  }
}

/** A host record of a tfjs tensor (float32 → F32, int32 → I32, bool → BOOL), read synchronously. */
export function recordFromTensor(tensor: tf.Tensor, what = 'tensor'): TensorRecord {
  const shape = [...tensor.shape];
  switch (tensor.dtype) {
    case 'float32': return { dtype: 'F32', shape, data: Float32Array.from(tensor.dataSync() as Float32Array) };
    case 'int32': return { dtype: 'I32', shape, data: Int32Array.from(tensor.dataSync() as Int32Array) };
    case 'bool': return { dtype: 'BOOL', shape, data: Uint8Array.from(tensor.dataSync() as Uint8Array) };
    default: throw new Error(`${what}: a ${tensor.dtype} tensor cannot be stored as a record`);
  }
}
