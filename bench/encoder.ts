// Expert-encoder forward of prismer_base at 224 px, batch 1, on wasm (random weights): seconds per
// image for PrismerZ (rgb) and for all six experts, and the achieved GFLOP/s as a ratio of a plain
// 1024³ matmul's rate measured in the same run (how close the forward runs to the backend's peak).
// Usage: node --import tsx bench/encoder.ts [--backend wasm|cpu|...] [--runs 3] [--size prismer_base] [--resolution 224]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendChoice } from '../lib/backend/index.js';
import { ExpertEncoder, prismerExperts, type EncoderInputs } from '../lib/model/encoder/index.js';
import { encoderConfigForSize, getModelSize, type ModelSize } from '../lib/model/sizes.js';
import { ParameterStore } from '../lib/nn/parameters.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, runs: { type: 'string', default: '3' }, size: { type: 'string', default: 'prismer_base' }, resolution: { type: 'string', default: '224' } } });
const runs = Number(values.runs);
const resolution = Number(values.resolution);

function seconds(fn: () => void, repeats: number): number {
  fn(); // warm-up (kernel set-up, weight transposes)
  const start = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  return (performance.now() - start) / 1000 / repeats;
}

/** Multiply-adds ×2 of the matmul/conv work (attention, MLPs, adaptors, stems, resampler); elementwise ops ignored. */
function encoderFlops(size: ModelSize, experts: number, dense: number, res: number): number {
  const { width: D, layers, patchSize: p } = size.encoder;
  const rgb = (Math.floor(res / p)) ** 2;
  const L = rgb + (experts > 0 ? 64 : 0);
  const layer = L * D * D * (3 + 1 + 8 + 2) + 2 * L * L * D;
  let total = layers * layer + rgb * 3 * p * p * D;
  const stem = (inC: number, side: number, strides: number[]) => {
    let c = inC, s = side, f = 0;
    const widths = [D / 8, D / 4, D / 2, D];
    strides.forEach((stride, i) => { s = Math.ceil(s / stride); f += s * s * widths[i]! * c * 9; c = widths[i]!; });
    return f + s * s * D * D;
  };
  total += dense * stem(1, Math.floor(res * 16 / p), [2, 2, 2, 2]) + (experts - dense) * stem(64, Math.floor(res * 4 / p), [2, 2, 1, 1]);
  const tokens = experts * (Math.floor(res / p)) ** 2;
  total += experts > 0 ? 4 * (64 * D * D * 2 + (64 + tokens) * D * D * 2 + 2 * 64 * (64 + tokens) * D + 64 * D * D * 8) : 0;
  return 2 * total;
}

if (!isBackendChoice(values.backend!)) throw new Error(`--backend: unknown backend '${values.backend}'`);
await initBackend(values.backend);
const size = getModelSize(values.size!);
const n = 1024;
const a = tf.randomNormal([n, n]) as tf.Tensor2D;
const b = tf.randomNormal([n, n]) as tf.Tensor2D;
const matmulSeconds = seconds(() => tf.matMul(a, b).dataSync(), 3);
const peak = (2 * n ** 3) / matmulSeconds / 1e9;
console.log(`backend ${tf.getBackend()}, ${size.name}, rgb ${resolution} px, experts ${resolution} px, batch 1`);
console.log(`baseline matMul ${n}³: ${(matmulSeconds * 1000).toFixed(1)} ms = ${peak.toFixed(2)} GFLOP/s`);

for (const [label, configExperts] of [['PrismerZ (rgb)', ['none']], ['all six experts', ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection']]] as const) {
  const store = new ParameterStore(0);
  const experts = prismerExperts([...configExperts]);
  const encoder = new ExpertEncoder(store, 'expert_encoder', encoderConfigForSize(size, experts, resolution));
  const inputs: EncoderInputs = {};
  for (const e of experts) {
    const channels = e === 'rgb' || e === 'normal' ? 3 : e === 'depth' || e === 'edge' ? 1 : 64;
    const label4 = tf.randomUniform([1, channels, resolution, resolution], -1, 1) as tf.Tensor4D;
    inputs[e === 'seg' ? 'seg_coco' : e] = e === 'obj_detection' ? { label: label4, instance: tf.randomUniform([1, 1, resolution, resolution], 0, 6, 'int32') as tf.Tensor4D } : label4;
  }
  const perImage = seconds(() => encoder.apply(inputs).dispose(), runs);
  const dense = experts.filter((e) => e === 'depth' || e === 'normal' || e === 'edge').length;
  const gflops = encoderFlops(size, experts.length - 1, dense, resolution) / perImage / 1e9;
  console.log(`${label}: ${perImage.toFixed(3)} s per image, ${gflops.toFixed(2)} GFLOP/s = ${(gflops / peak).toFixed(2)} x matMul rate`);
  store.dispose();
}
tf.dispose([a, b]);
