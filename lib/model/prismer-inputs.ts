import * as tf from '@tensorflow/tfjs';
import { toFloat32, toInt32, type TensorRecord } from '../io/tensor-record.js';
import type { ExpertInputs } from './encoder/expert-encoder.js';
import { expertDomain } from './encoder/experts.js';
import type { DecoderTokenBatch } from './prismer.js';

/**
 * Named host tensors (a safetensors file) → model inputs. The names:
 * - `rgb` F32 [B, 3, R, R] (normalised); `depth`, `edge` [B, 1, H, W]; `normal` [B, 3, H, W] (in [-1, 1]);
 * - 64-channel experts (`seg_coco` / `seg_ade`, `obj_detection`, `ocr_detection`): dense `<name>` F32
 *   [B, 64, H, W], or the lossless compact form `<name>.table` F32 [K, 64] + `<name>.index` integer [B, H, W]
 *   with `dense[b, :, h, w] = table[index[b, h, w]]`;
 * - `obj_detection.instance` integer [B, 1, H, W] (or [B, H, W]): raw instance ids, 255 = background;
 * - decoder: `input_ids` integer [B, T], `attention_mask` integer [B, T] (default: 1 where the id is not the
 *   pad id), `labels` integer [B, T] with -100 where no loss is taken (optional).
 * Other names (e.g. `<name>.label_ids` of the fixtures) are ignored.
 */

function required(records: ReadonlyMap<string, TensorRecord>, name: string, source: string): TensorRecord {
  const record = records.get(name);
  if (!record) throw new Error(`${source}: tensor '${name}' is missing (present: ${[...records.keys()].join(', ')})`);
  return record;
}

function floatInput(record: TensorRecord, name: string, source: string, rank: number): tf.Tensor {
  if (record.shape.length !== rank) throw new Error(`${source}: '${name}' has shape [${record.shape.join(', ')}], expected rank ${rank}`);
  if (!['F32', 'F16', 'BF16', 'F64'].includes(record.dtype)) throw new Error(`${source}: '${name}' has dtype ${record.dtype}, expected a float type`);
  return tf.tensor(toFloat32(record), record.shape, 'float32');
}

function intInput(record: TensorRecord, name: string, source: string): tf.Tensor {
  if (['F32', 'F16', 'BF16', 'F64'].includes(record.dtype)) throw new Error(`${source}: '${name}' has dtype ${record.dtype}, expected an integer type`);
  return tf.tensor(toInt32(record, `${source}: '${name}'`), record.shape, 'int32');
}

/** A 64-channel label map, dense or from `.table` + `.index`. */
function categoricalInput(records: ReadonlyMap<string, TensorRecord>, name: string, source: string): tf.Tensor4D {
  if (records.has(name)) return floatInput(records.get(name)!, name, source, 4) as tf.Tensor4D;
  const tableRecord = required(records, `${name}.table`, source);
  const indexRecord = required(records, `${name}.index`, source);
  if (indexRecord.shape.length !== 3) throw new Error(`${source}: '${name}.index' has shape [${indexRecord.shape.join(', ')}], expected [B, H, W]`);
  return tf.tidy(() => {
    const table = floatInput(tableRecord, `${name}.table`, source, 2) as tf.Tensor2D;
    const index = intInput(indexRecord, `${name}.index`, source);
    const values = index.dataSync();
    for (let i = 0; i < values.length; i++) {
      if (values[i]! < 0 || values[i]! >= table.shape[0]) throw new Error(`${source}: '${name}.index' holds row ${values[i]}, the table has ${table.shape[0]} rows`);
    }
    return tf.transpose(tf.gather(table, index) as tf.Tensor, [0, 3, 1, 2]) as tf.Tensor4D;
  });
}

/**
 * Encoder inputs for an experiment's `experts` (official names, e.g. `['depth', 'seg_coco', 'obj_detection']`),
 * keyed and ordered as the official experts dict: `rgb` first, then `experts` in order. `source` names the
 * file in errors. The caller disposes the tensors (`disposeExpertInputs`).
 */
export function expertInputsFromRecords(records: ReadonlyMap<string, TensorRecord>, experts: readonly string[], source = 'inputs'): ExpertInputs {
  const out: ExpertInputs = {};
  try {
    out.rgb = floatInput(required(records, 'rgb', source), 'rgb', source, 4) as tf.Tensor4D;
    for (const name of experts) {
      if (name === 'none') continue;
      const domain = expertDomain(name);
      if (!domain || domain === 'rgb') throw new Error(`${source}: unknown expert '${name}'`);
      if (domain === 'depth' || domain === 'normal' || domain === 'edge') {
        out[name] = floatInput(required(records, name, source), name, source, 4) as tf.Tensor4D;
      } else if (domain === 'obj_detection') {
        const label = categoricalInput(records, name, source);
        const instance = intInput(required(records, `${name}.instance`, source), `${name}.instance`, source);
        out[name] = { label, instance: instance as tf.Tensor4D | tf.Tensor3D };
      } else {
        out[name] = categoricalInput(records, name, source);
      }
    }
  } catch (error) {
    disposeExpertInputs(out);
    throw error;
  }
  return out;
}

export function disposeExpertInputs(inputs: ExpertInputs): void {
  for (const value of Object.values(inputs)) {
    if (value instanceof tf.Tensor) value.dispose();
    else tf.dispose([value.label, value.instance]);
  }
}

function rows(record: TensorRecord, name: string, source: string): number[][] {
  if (record.shape.length !== 2) throw new Error(`${source}: '${name}' has shape [${record.shape.join(', ')}], expected [B, T]`);
  if (['F32', 'F16', 'BF16', 'F64'].includes(record.dtype)) throw new Error(`${source}: '${name}' has dtype ${record.dtype}, expected an integer type`);
  const flat = Array.from(toInt32(record, `${source}: '${name}'`));
  const [b, t] = record.shape as [number, number];
  return Array.from({ length: b }, (_, i) => flat.slice(i * t, (i + 1) * t));
}

/** The decoder batch of `input_ids` / `attention_mask` / `labels` (see the names above). */
export function tokenBatchFromRecords(records: ReadonlyMap<string, TensorRecord>, padTokenId: number, source = 'inputs'): DecoderTokenBatch {
  const inputIds = rows(required(records, 'input_ids', source), 'input_ids', source);
  const attentionMask = records.has('attention_mask')
    ? rows(records.get('attention_mask')!, 'attention_mask', source)
    : inputIds.map((r) => r.map((id) => (id === padTokenId ? 0 : 1)));
  const labels = records.has('labels') ? rows(records.get('labels')!, 'labels', source) : undefined;
  const width = inputIds[0]?.length ?? 0;
  for (const [name, value] of [['attention_mask', attentionMask], ['labels', labels]] as const) {
    if (value && (value.length !== inputIds.length || value.some((r) => r.length !== width))) {
      throw new Error(`${source}: '${name}' must have the shape of input_ids [${inputIds.length}, ${width}]`);
    }
  }
  return labels ? { inputIds, attentionMask, labels } : { inputIds, attentionMask };
}
