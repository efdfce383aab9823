import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/index.js';
await initBackend((process.env.B as 'wasm') ?? 'wasm');
for (const [ta, tb, label] of [[false, false, 'NN'], [true, false, 'TN'], [false, true, 'NT']] as const) {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const x = ta ? tf.randomNormal([256, 28]) : tf.randomNormal([28, 256]);
    const b = tf.randomNormal([256, 256]); b.dataSync();
    const t0 = performance.now(); const c = tf.matMul(x, b, ta, tb); c.dataSync(); times.push(performance.now() - t0); c.dispose(); x.dispose(); b.dispose();
  }
  console.log(label, times.map((t) => t.toFixed(1)).join(' '));
}
