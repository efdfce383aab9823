import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/index.js';
import { getModelSize, overrideModelSize } from '../lib/model/sizes.js';
import { prismerConfigForSize } from '../lib/model/prismer.js';
import { PrismerCaption } from '../lib/model/prismer-caption.js';
import { AdamW } from '../lib/train/adamw.js';

import { installFastConv2dGradient } from '../lib/train/conv-gradient.js';
installFastConv2dGradient();
const backend = await initBackend((process.env.B as 'wasm') ?? 'wasm');
const B = Number(process.env.BS ?? 16);
const R = Number(process.env.R ?? 64);
const L = Number(process.env.LR ?? 64);
const experts = (process.env.EXPERTS ?? 'depth,normal,seg_coco,edge,obj_detection,ocr_detection').split(',').filter(Boolean);
const size = overrideModelSize(getModelSize(process.env.SIZE ?? 'prismer_small'), { vocab_size: 700, ...(process.env.OV ? JSON.parse(process.env.OV) : {}) });
const config = prismerConfigForSize(size, experts, R);
const model = new PrismerCaption(config, { seed: 1 });
console.log(backend, 'params', model.store.parameterCount());
const inputs: Record<string, any> = { rgb: tf.randomNormal([B, 3, R, R]) as tf.Tensor4D };
for (const e of experts) {
  if (e === 'depth' || e === 'edge') inputs[e] = tf.randomUniform([B, 1, L, L], -1, 1);
  else if (e === 'normal') inputs[e] = tf.randomUniform([B, 3, L, L], -1, 1);
  else if (e === 'obj_detection') inputs[e] = { label: tf.randomNormal([B, 64, L, L]), instance: tf.fill([B, 1, L, L], 255, 'int32') };
  else inputs[e] = tf.randomNormal([B, 64, L, L]);
}
const T = 14;
const ids = Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7) % 600))));
const batch = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)), labels: ids.map((r) => r.map((v, t) => (t < 4 ? -100 : v))) };
const trainable = model.store.entries().filter(([n, v]) => v.trainable && !model.store.isBuffer(n));
const opt = new AdamW(trainable, { lr: 1e-4 });
const nameOf = new Map(trainable.map(([n, v]) => [v.name, n]));
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const { value, grads } = tf.variableGrads(() => model.captionLoss(inputs as any, batch, { training: true, encoder: { training: true } }).loss, trainable.map(([, v]) => v));
  const loss = value.dataSync()[0];
  const t1 = performance.now();
  opt.step(new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, g])));
  tf.dispose(Object.values(grads)); value.dispose();
  const t2 = performance.now();
  console.log(`step ${i} loss ${loss.toFixed(3)} fwd+bwd ${(t1 - t0).toFixed(0)}ms opt ${(t2 - t1).toFixed(0)}ms tensors ${tf.memory().numTensors}`);
}
