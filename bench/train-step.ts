// Training throughput of the npm start model (configs/start-caption.yaml) on the wasm backend:
// optimiser steps per second for a few batch sizes, the filter-gradient speed-up of
// installFastConv2dGradient against tfjs's stock Conv2DBackpropFilter, and one batched matmul against
// n split 2-D matmuls per attention shape, which sets SPLIT_BATCHED_MATMUL_MIN_WORK in
// lib/nn/weight-matmul.ts, and, with the expert encoder frozen as npm start trains, a step that runs the
// encoder against one that reads its cached output (lib/train/encoder-cache.ts) (all measured in the same run).
// Usage: node --import tsx bench/train-step.ts [--steps N] [--batches 8,16,32]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../lib/backend/index.js';
import { loadExperimentConfig } from '../lib/config/index.js';
import { getModelSize, overrideModelSize } from '../lib/model/sizes.js';
import { prismerConfigForSize } from '../lib/model/prismer.js';
import { PrismerCaption } from '../lib/model/prismer-caption.js';
import { AdamW } from '../lib/train/adamw.js';
import { conv2dFilterGradient, installFastConv2dGradient } from '../lib/train/conv-gradient.js';
import { SPLIT_BATCHED_MATMUL_MIN_WORK, splitBatchedMatMul } from '../lib/nn/weight-matmul.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '4' }, batches: { type: 'string', default: '8,16,32' } } });
await initBackend('wasm');
const config = loadExperimentConfig('configs/start-caption.yaml');
const size = overrideModelSize(getModelSize(config.prismer_model), { ...config.model.overrides, 'decoder.vocab_size': 600 });
const R = config.image_resolution;

function timeIt(f: () => void, repeats: number): number {
  f();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) f();
  return (performance.now() - start) / repeats;
}

// 1. Conv filter gradient of the first depth-stem conv (64x64 input, 3x3 stride 2), stock vs ours.
const x = tf.randomNormal([16, R, R, 1]) as tf.Tensor4D;
const dy = tf.randomNormal([16, R / 2, R / 2, 16]) as tf.Tensor4D;
const pad = [[0, 0], [1, 1], [1, 1], [0, 0]];
const stock = timeIt(() => tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad, dataFormat: 'NHWC', filterShape: [3, 3, 1, 16] } as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync()), 3);
const ours = timeIt(() => tf.tidy(() => conv2dFilterGradient(x, dy, [3, 3, 1, 16], 2, pad)!.dataSync()), 3);
console.log(`conv filter gradient: stock ${stock.toFixed(1)} ms, dilated-conv ${ours.toFixed(1)} ms, speed-up ${(stock / ours).toFixed(1)}x`);

// 2. Attention products [n, m, k] @ [n, p, k]^T: one batched matmul vs n split 2-D (XNNPACK) matmuls.
for (const [n, m, k, p] of [[64, 20, 32, 20], [64, 20, 32, 48], [64, 48, 32, 48], [64, 128, 32, 128], [12, 197, 64, 197]] as const) {
  const a = tf.randomNormal([n, m, k]) as tf.Tensor3D;
  const b = tf.randomNormal([n, p, k]) as tf.Tensor3D;
  const repeats = m * k * p > 100_000 ? 3 : 10;
  const plain = timeIt(() => tf.tidy(() => tf.matMul(a, b, false, true).dataSync()), repeats);
  const split = timeIt(() => tf.tidy(() => splitBatchedMatMul(a, b, true).dataSync()), repeats);
  const work = m * k * p;
  console.log(`batched matmul ${n}x[${m}x${k}]@[${k}x${p}] (${work} per item, ${work >= SPLIT_BATCHED_MATMUL_MIN_WORK ? 'split' : 'plain'} chosen): plain ${plain.toFixed(1)} ms, split ${split.toFixed(1)} ms, split/plain ${(split / plain).toFixed(2)}`);
  tf.dispose([a, b]);
}

// 3. Full optimiser steps of the start model per batch size.
installFastConv2dGradient();
const model = new PrismerCaption(prismerConfigForSize(size, config.experts, R), { seed: 1 });
const trainable = model.store.entries().filter(([n, v]) => v.trainable && !model.store.isBuffer(n));
const optimizer = new AdamW(trainable, { lr: 1e-4 });
const nameOf = new Map(trainable.map(([n, v]) => [v.name, n]));
/** Random rgb / depth / OCR inputs and 20-token captions (the first 4 tokens unlabelled) for `batch` samples. */
function startModelBatch(batch: number) {
  const inputs = { rgb: tf.randomNormal([batch, 3, R, R]) as tf.Tensor4D, depth: tf.randomUniform([batch, 1, R, R], -1, 1) as tf.Tensor4D, ocr_detection: tf.randomNormal([batch, 64, R, R]) as tf.Tensor4D };
  const ids = Array.from({ length: batch }, () => Array.from({ length: 20 }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7) % 500))));
  const tokens = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)), labels: ids.map((r) => r.map((v, t) => (t < 4 ? -100 : v))) };
  return { inputs, tokens };
}
for (const batch of (values.batches as string).split(',').map(Number)) {
  const { inputs, tokens } = startModelBatch(batch);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => model.captionLoss(inputs, tokens, { training: true, encoder: { training: true } }).loss, trainable.map(([, v]) => v));
    value.dataSync();
    optimizer.step(new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, g])));
    tf.dispose([value, ...Object.values(grads)]);
  };
  const ms = timeIt(step, Number(values.steps));
  console.log(`batch ${batch}: ${(1000 / ms).toFixed(2)} steps/s, ${((1000 * batch) / ms).toFixed(1)} samples/s`);
  tf.dispose(Object.values(inputs));
}

// 4. npm start's setting: the expert encoder frozen (no gradient), batch 16. Running the encoder every step
//    (BatchNorm on batch statistics) vs decoding a cached encoding, as EncoderOutputCache lets training do.
{
  const batch = 16;
  const decoderOnly = trainable.filter(([n]) => !n.startsWith('expert_encoder.'));
  const decoderOptimizer = new AdamW(decoderOnly, { lr: 1e-4 });
  const decoderNameOf = new Map(decoderOnly.map(([n, v]) => [v.name, n]));
  const { inputs, tokens } = startModelBatch(batch);
  const cached = model.encode(inputs, { training: false });
  const encoded = cached.dataSync().slice();
  const stepWith = (loss: () => tf.Scalar): void => {
    const { value, grads } = tf.variableGrads(loss, decoderOnly.map(([, v]) => v));
    value.dataSync();
    decoderOptimizer.step(new Map(Object.entries(grads).map(([k, g]) => [decoderNameOf.get(k)!, g])));
    tf.dispose([value, ...Object.values(grads)]);
  };
  const repeats = Math.max(4, Number(values.steps));
  const withEncoder = timeIt(() => stepWith(() => model.captionLoss(inputs, tokens, { training: true, encoder: { training: true } }).loss), repeats);
  const fromCache = timeIt(() => stepWith(() => model.captionLossFromEncoding(tf.tensor3d(encoded, cached.shape), tokens, { training: true }).loss), repeats);
  console.log(`frozen encoder, batch ${batch}: encoder every step ${withEncoder.toFixed(0)} ms, cached encoding ${fromCache.toFixed(0)} ms, speed-up ${(withEncoder / fromCache).toFixed(2)}x`);
  tf.dispose([cached, ...Object.values(inputs)]);
}

// 5. The VQA loss of npm start's decoder, batch 16, from a cached encoding: 13 question tokens then 2 answer tokens, labels
//    on the answer only. Logits at every position then the loss (`forward(...).lossPerSample`) vs the output-layer FFN and
//    LM head at the labelled positions only (`lossPerSample`, what training runs), forward + backward.
{
  const batch = 16;
  const decoder = model.textDecoder;
  const variables = trainable.filter(([n]) => n.startsWith('text_decoder.')).map(([, v]) => v);
  const encoding = tf.randomNormal([batch, model.expertEncoder.outputLength(R), size.decoder.visionHiddenSize]) as tf.Tensor3D;
  const ids = tf.tensor2d(Array.from({ length: batch }, (_, b) => Array.from({ length: 15 }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7 + b) % 500)))), undefined, 'int32');
  const labels = tf.tensor2d(Array.from({ length: batch }, (_, b) => Array.from({ length: 15 }, (_, t) => (t < 13 ? -100 : 4 + ((t * 7 + b) % 500)))), undefined, 'int32');
  const gradientsOf = (loss: () => tf.Tensor1D): void => {
    const { value, grads } = tf.variableGrads(() => tf.mean(loss()) as tf.Scalar, variables);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const repeats = Math.max(10, Number(values.steps));
  const everyPosition = timeIt(() => gradientsOf(() => tf.tidy(() => {
    const out = decoder.forward(ids, encoding, { labels });
    out.logits.dispose();
    return out.lossPerSample!;
  })), repeats);
  const labelledOnly = timeIt(() => gradientsOf(() => decoder.lossPerSample(ids, encoding, labels)), repeats);
  console.log(`VQA loss, batch ${batch}, 15 tokens (2 labelled): logits at every position ${everyPosition.toFixed(1)} ms, labelled rows only ${labelledOnly.toFixed(1)} ms, speed-up ${(everyPosition / labelledOnly).toFixed(2)}x`);
  tf.dispose([encoding, ids, labels]);
}
