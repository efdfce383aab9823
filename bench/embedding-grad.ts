// Gradient of an embedding lookup: tf.gather's own gradient (UnsortedSegmentSum) against
// embeddingLookup's scatter-add gradient, on the cpu and wasm backends. Prints seconds per
// gradient and the ratio gather / embeddingLookup measured in the same run. The cpu gather gradient
// grows with vocab x tokens x dim (vocab 4096 takes ~100 s per gradient on a 2-core machine).
// Usage: node --import tsx bench/embedding-grad.ts [--vocab 1024] [--dim 256] [--tokens 256] [--runs 2] [--backends cpu,wasm]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { embeddingLookup, initBackend, type BackendName } from '../lib/backend/index.js';

const { values } = parseArgs({
  options: {
    vocab: { type: 'string', default: '1024' },
    dim: { type: 'string', default: '256' },
    tokens: { type: 'string', default: '256' },
    runs: { type: 'string', default: '2' },
    backends: { type: 'string', default: 'cpu,wasm' },
  },
});
const vocab = Number(values.vocab);
const dim = Number(values.dim);
const tokens = Number(values.tokens);
const runs = Number(values.runs);

function seconds(body: () => tf.Tensor): number {
  tf.tidy(() => void body().dataSync()); // warm-up (kernel setup, wasm memory growth)
  const start = performance.now();
  for (let r = 0; r < runs; r++) tf.tidy(() => void body().dataSync());
  return (performance.now() - start) / 1000 / runs;
}

for (const backend of values.backends.split(',') as BackendName[]) {
  await initBackend(backend);
  const table = tf.randomNormal([vocab, dim], 0, 1, 'float32', 1) as tf.Tensor2D;
  const ids = tf.randomUniform([tokens], 0, vocab, 'int32', 2);
  const upstream = tf.randomNormal([tokens, dim], 0, 1, 'float32', 3);
  const viaGather = seconds(() => tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(upstream).sum())(table));
  const viaScatter = seconds(() => tf.grad((t: tf.Tensor) => embeddingLookup(t as tf.Tensor2D, ids).mul(upstream).sum())(table));
  console.log(`${backend}: vocab ${vocab} x ${dim}, ${tokens} tokens: tf.gather grad ${viaGather.toFixed(4)} s, embeddingLookup grad ${viaScatter.toFixed(4)} s, ratio ${(viaGather / viaScatter).toFixed(1)}x`);
  tf.dispose([table, ids, upstream]);
}
