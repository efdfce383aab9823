import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/index.js';
import { getModelSize, overrideModelSize } from '../lib/model/sizes.js';
import { prismerConfigForSize } from '../lib/model/prismer.js';
import { PrismerCaption } from '../lib/model/prismer-caption.js';

import { installFastConv2dGradient } from '../lib/train/conv-gradient.js';
installFastConv2dGradient();
await initBackend((process.env.B as 'wasm') ?? 'wasm');
const B = Number(process.env.BS ?? 2);
const R = 64, L = Number(process.env.LR ?? 64);
const experts = (process.env.EXPERTS ?? '').split(',').filter(Boolean);
const size = overrideModelSize(getModelSize('prismer_small'), { vocab_size: 700 });
const model = new PrismerCaption(prismerConfigForSize(size, experts, R), { seed: 1 });
const inputs: Record<string, any> = { rgb: tf.randomNormal([B, 3, R, R]) };
for (const e of experts) {
  if (e === 'depth' || e === 'edge') inputs[e] = tf.randomUniform([B, 1, L, L], -1, 1);
  else if (e === 'normal') inputs[e] = tf.randomUniform([B, 3, L, L], -1, 1);
  else if (e === 'obj_detection') inputs[e] = { label: tf.randomNormal([B, 64, L, L]), instance: tf.fill([B, 1, L, L], 255, 'int32') };
  else inputs[e] = tf.randomNormal([B, 64, L, L]);
}
const T = 14;
const ids = Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7) % 600))));
const batch = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)), labels: ids.map((r) => r.map((v, t) => (t < 4 ? -100 : v))) };
const vars = model.store.trainableVariables();
const run = () => { const { value, grads } = tf.variableGrads(() => model.captionLoss(inputs as any, batch, { training: true, encoder: { training: true } }).loss, vars); value.dataSync(); tf.dispose(Object.values(grads)); value.dispose(); };
run();
const info = await tf.profile(run);
const agg = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0 }; a.ms += Number(k.kernelTimeMs) || 0; a.n++; agg.set(k.name, a); }
console.log([...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).map(([k, v]) => `${k} ${v.ms.toFixed(0)}ms x${v.n}`).join('\n'));
const mm = info.kernels.filter((k) => k.name === 'BatchMatMul').sort((a, b) => (Number(b.kernelTimeMs) || 0) - (Number(a.kernelTimeMs) || 0));
for (const k of mm.slice(0, 12)) console.log(Number(k.kernelTimeMs).toFixed(1), JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes), JSON.stringify((k as any).extraInfo ?? ''));
