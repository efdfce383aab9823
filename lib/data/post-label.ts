/**
 * The official `post_label_process`: depth/normal/edge -> min-max over the whole tensor (all
 * channels) to [-1, 1] in float32; seg/obj/ocr ids -> 64-d features painted per pixel (255 ->
 * background), obj_detection also keeps its instance map. Outputs are CHW host arrays.
 */
import type { LabelRasters } from './augment.js';
import { FEATURE_DIM, featureRow, type ExpertFeatureTables } from './feature-tables.js';
import type { OcrWord } from './expert-labels.js';
import type { RasterU8 } from './pil-resize.js';

/** Model inputs of one sample for the label experts (CHW, float32; instance ids int32). */
export interface ExpertInputs {
  depth?: Float32Array;
  normal?: Float32Array;
  edge?: Float32Array;
  seg_coco?: Float32Array;
  seg_ade?: Float32Array;
  obj_detection?: { label: Float32Array; instance: Int32Array };
  ocr_detection?: Float32Array;
}

export interface LabelInfo {
  detectionClasses?: Map<number, number>;
  ocrWords?: Map<number, OcrWord> | null;
}

const EPS = Math.fround(1e-6);

/** `2 * (x - min) / (max - min + 1e-6) - 1` with x = u8 / 255, in float32 like torch. */
export function minMaxNormalize(raster: RasterU8): Float32Array {
  const { width, height, channels, data } = raster;
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  const min = Math.fround(lo / 255);
  const max = Math.fround(hi / 255);
  const denom = Math.fround(Math.fround(max - min) + EPS);
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const x = Math.fround(v / 255);
    lut[v] = Math.fround(Math.fround(Math.fround(2 * Math.fround(x - min)) / denom) - 1);
  }
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) out[c * plane + i] = lut[data[i * channels + c]];
  return out;
}

/**
 * A 64-channel expert input before it is expanded: the per-pixel id map and a channel-major lookup
 * table (`lut[d * 256 + id]` = channel d of id's feature). `dense[d, p] = lut[d * 256 + ids[p]]`.
 * The loader paints this straight into the batch buffer instead of materialising it per sample.
 */
export interface PaintedFeatures {
  ids: Uint8Array;
  lut: Float32Array;
  width: number;
  height: number;
}

/** Builds the lookup table of a one-channel id map; `rowOf(id)` is asked once per id present. */
export function featureLookup(ids: RasterU8, rowOf: (id: number) => Float32Array): PaintedFeatures {
  if (ids.channels !== 1) throw new Error(`featureLookup: expected a one-channel id map, got ${ids.channels} channels`);
  const plane = ids.width * ids.height;
  const present = new Uint8Array(256);
  const data = ids.data;
  for (let i = 0; i < plane; i++) present[data[i]] = 1;
  const lut = new Float32Array(FEATURE_DIM * 256);
  for (let id = 0; id < 256; id++) {
    if (!present[id]) continue;
    const row = rowOf(id);
    for (let d = 0; d < FEATURE_DIM; d++) lut[d * 256 + id] = row[d];
  }
  return { ids: Uint8Array.from(data), lut, width: ids.width, height: ids.height };
}

/** Writes the dense [64, H, W] features of `painted` into `out` at `offset`. */
export function expandFeaturesInto(painted: PaintedFeatures, out: Float32Array, offset: number): void {
  const plane = painted.width * painted.height;
  const { ids, lut } = painted;
  for (let d = 0; d < FEATURE_DIM; d++) {
    const base = d * 256;
    const o = offset + d * plane;
    for (let i = 0; i < plane; i++) out[o + i] = lut[base + ids[i]];
  }
}

/** Paints [64, H, W] from a one-channel id map (the official in-painting with CLIP features). */
export function paintFeatures(ids: RasterU8, rowOf: (id: number) => Float32Array): Float32Array {
  const painted = featureLookup(ids, rowOf);
  const out = new Float32Array(FEATURE_DIM * ids.width * ids.height);
  expandFeaturesInto(painted, out, 0);
  return out;
}

/** `post_label_process` output with the 64-channel experts still as id map + lookup table. */
export interface CompactExpertInputs {
  depth?: Float32Array;
  normal?: Float32Array;
  edge?: Float32Array;
  seg_coco?: PaintedFeatures;
  seg_ade?: PaintedFeatures;
  obj_detection?: { label: PaintedFeatures; instance: Int32Array };
  ocr_detection?: PaintedFeatures;
}

/** Applies `post_label_process`, keeping the 64-channel experts compact (see `expandExpertInputs`). */
export function postLabelProcessCompact(labels: LabelRasters, info: LabelInfo, tables: ExpertFeatureTables, source = 'sample'): CompactExpertInputs {
  const out: CompactExpertInputs = {};
  const bg = tables.background;
  for (const [expert, raster] of Object.entries(labels)) {
    switch (expert) {
      case 'depth': case 'normal': case 'edge':
        out[expert] = minMaxNormalize(raster);
        break;
      case 'seg_coco':
        out.seg_coco = featureLookup(raster, (id) => (id === 255 ? bg : featureRow(tables.coco, id, `${source}: seg_coco`)));
        break;
      case 'seg_ade': {
        const ade = tables.ade;
        if (!ade) throw new Error(`${source}: seg_ade needs ade_features.pt in the feature tables`);
        out.seg_ade = featureLookup(raster, (id) => (id === 255 ? bg : featureRow(ade, id, `${source}: seg_ade`)));
        break;
      }
      case 'obj_detection': {
        const classes = info.detectionClasses ?? new Map<number, number>();
        const label = featureLookup(raster, (id) => {
          if (id === 255) return bg;
          const cls = classes.get(id);
          if (cls === undefined) throw new Error(`${source}: obj_detection instance ${id} is in the label image but not in its .json`);
          return featureRow(tables.detection, cls, `${source}: obj_detection instance ${id}`);
        });
        out.obj_detection = { label, instance: Int32Array.from(raster.data) };
        break;
      }
      case 'ocr_detection': {
        const words = info.ocrWords;
        out.ocr_detection = featureLookup(raster, (id) => {
          if (id === 255) return bg;
          const word = words?.get(id);
          if (!word) throw new Error(`${source}: ocr_detection word ${id} is in the label image but not in its .pt`);
          return word.features;
        });
        break;
      }
      default:
        throw new Error(`${source}: unknown expert '${expert}' (expected one of depth, normal, edge, seg_coco, seg_ade, obj_detection, ocr_detection)`);
    }
  }
  return out;
}

function expand(painted: PaintedFeatures): Float32Array {
  const out = new Float32Array(FEATURE_DIM * painted.width * painted.height);
  expandFeaturesInto(painted, out, 0);
  return out;
}

/** Dense model inputs of one sample from the compact form. */
export function expandExpertInputs(compact: CompactExpertInputs): ExpertInputs {
  const out: ExpertInputs = {};
  if (compact.depth) out.depth = compact.depth;
  if (compact.normal) out.normal = compact.normal;
  if (compact.edge) out.edge = compact.edge;
  if (compact.seg_coco) out.seg_coco = expand(compact.seg_coco);
  if (compact.seg_ade) out.seg_ade = expand(compact.seg_ade);
  if (compact.obj_detection) out.obj_detection = { label: expand(compact.obj_detection.label), instance: compact.obj_detection.instance };
  if (compact.ocr_detection) out.ocr_detection = expand(compact.ocr_detection);
  return out;
}

/** Applies the official `post_label_process` to transformed label rasters (each labelResolution², u8): dense outputs. */
export function postLabelProcess(labels: LabelRasters, info: LabelInfo, tables: ExpertFeatureTables, source = 'sample'): ExpertInputs {
  return expandExpertInputs(postLabelProcessCompact(labels, info, tables, source));
}
