import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/index.js';
import { getModelSize, overrideModelSize } from '../../lib/model/sizes.js';
import { prismerConfigForSize } from '../../lib/model/prismer.js';
import { PrismerCaption } from '../../lib/model/prismer-caption.js';
import { installFastConv2dGradient } from '../../lib/train/conv-gradient.js';

// The analytic gradient of the whole training loss (expert stems with batch statistics, ViT, resampler,
// adaptors, decoder, label-smoothed loss, our custom gradients for Linear, embeddings and conv filters)
// against central differences, one tensor at a time along its own gradient direction:
// (L(θ + h·ĝ) − L(θ − h·ĝ)) / 2h must equal ‖g‖. float32 losses resolve ~1e-4 in that quotient, so only
// tensors whose gradient norm is well above it are compared.
const H = 3e-2;
const MIN_NORM = 1e-3;
const TOLERANCE = 0.05;

test('training-loss gradients of a small Prismer match central differences, tensor by tensor', async () => {
  await initBackend('cpu');
  installFastConv2dGradient();
  const size = overrideModelSize(getModelSize('prismer_small'), {
    'encoder.width': 32, 'encoder.layers': 1, 'encoder.heads': 2, resampler_layers: 1, resampler_heads: 2, resampler_latents: 4,
    'decoder.hidden_size': 32, vision_hidden_size: 32, 'decoder.num_attention_heads': 2, num_hidden_layers: 1, intermediate_size: 64, 'decoder.vocab_size': 50,
  });
  const R = 64;
  const B = 3;
  const model = new PrismerCaption(prismerConfigForSize(size, ['depth', 'ocr_detection'], R), { seed: 3 });
  const inputs = {
    rgb: tf.randomNormal([B, 3, R, R], 0, 1, 'float32', 1) as tf.Tensor4D,
    depth: tf.randomUniform([B, 1, R, R], -1, 1, 'float32', 2) as tf.Tensor4D,
    ocr_detection: tf.randomNormal([B, 64, R, R], 0, 1, 'float32', 4) as tf.Tensor4D,
  };
  const ids = Array.from({ length: B }, (_, b) => Array.from({ length: 7 }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7 + b * 5) % 40))));
  const tokens = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)), labels: ids.map((r) => r.map((v, t) => (t < 3 ? -100 : v))) };
  const loss = (): tf.Scalar => model.captionLoss(inputs, tokens, { training: false, encoder: { training: true } }).loss;
  const lossValue = (): number => tf.tidy(() => loss().dataSync()[0]!);
  const entries = model.store.entries().filter(([n, v]) => v.trainable && !model.store.isBuffer(n));
  const { value, grads } = tf.variableGrads(loss, entries.map(([, v]) => v));
  value.dispose();
  const failures: string[] = [];
  const checked = new Set<string>();
  for (const [name, variable] of entries) {
    const g = grads[variable.name]!.dataSync() as Float32Array;
    let squares = 0;
    for (const x of g) squares += x * x;
    const norm = Math.sqrt(squares);
    if (norm < MIN_NORM) continue;
    const original = variable.dataSync().slice();
    const lossAt = (delta: number): number => {
      variable.assign(tf.tensor((original as Float32Array).map((w, i) => w + (delta * g[i]!) / norm), variable.shape));
      return lossValue();
    };
    const quotient = (h: number): number => (lossAt(h) - lossAt(-h)) / (2 * h);
    let numeric = quotient(H);
    // A strongly curved direction (the first conv of the 64-channel OCR stem, under batch statistics of a
    // 4-channel map) needs a smaller step: its quotient converges to the analytic value as h shrinks.
    if (Math.abs(numeric - norm) / norm > TOLERANCE) numeric = quotient(H / 4);
    variable.assign(tf.tensor(original, variable.shape));
    const relative = Math.abs(numeric - norm) / norm;
    if (relative > TOLERANCE) failures.push(`${name}: analytic ${norm.toExponential(3)}, numeric ${numeric.toExponential(3)} (${(100 * relative).toFixed(1)} %)`);
    checked.add(name.split('.').slice(0, 3).join('.'));
  }
  tf.dispose(Object.values(grads));
  tf.dispose(Object.values(inputs));
  model.dispose();
  assert.deepEqual(failures, []);
  // Every part of the model took part: rgb and expert stems, ViT, resampler, decoder layers and head.
  for (const part of ['expert_encoder.conv1.rgb', 'expert_encoder.conv1.depth', 'expert_encoder.conv1.ocr_detection', 'expert_encoder.transformer.resblocks', 'expert_encoder.resampler.perceiver_blocks', 'text_decoder.roberta.encoder', 'text_decoder.lm_head.dense']) {
    assert.ok([...checked].some((c) => c.startsWith(part) || part.startsWith(c)), `no tensor of ${part} was compared (checked: ${[...checked].join(', ')})`);
  }
});
