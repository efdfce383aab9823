// The batched matmul of attention on wasm (lib/nn/weight-matmul.ts `splitBatchedMatMul`: one SplitV per
// operand, then n 2-D matmuls) with tfjs-backend-wasm's own Slice/SplitV kernels against the in-place ones
// (lib/backend/wasm-slice.ts), in the same run. The shapes default to the npm start model's evaluation:
// batch 50 x 4 heads, 52 tokens, 32-dim heads. Prints seconds per product and the ratio original / in-place.
// Usage: node --import tsx bench/wasm-split.ts [--items 200] [--m 52] [--k 32] [--p 52] [--runs 5]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { replaceWasmSliceKernels } from '../lib/backend/wasm-slice.js';
import { splitBatchedMatMul } from '../lib/nn/weight-matmul.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '200' },
    m: { type: 'string', default: '52' },
    k: { type: 'string', default: '32' },
    p: { type: 'string', default: '52' },
    runs: { type: 'string', default: '5' },
  },
});
const [items, m, k, p, runs] = ['items', 'm', 'k', 'p', 'runs'].map((key) => Number(values[key as keyof typeof values]));

function seconds(a: tf.Tensor3D, b: tf.Tensor3D): { seconds: number; sum: number } {
  const product = (): number => tf.tidy(() => splitBatchedMatMul(a, b).sum().dataSync()[0]!);
  product(); // warm-up (kernel setup, wasm memory growth)
  const start = performance.now();
  let sum = 0;
  for (let r = 0; r < runs!; r++) sum = product();
  return { seconds: (performance.now() - start) / 1000 / runs!, sum };
}

await tf.setBackend('wasm');
await tf.ready();
const a = tf.randomNormal([items!, m!, k!], 0, 1, 'float32', 1) as tf.Tensor3D;
const b = tf.randomNormal([items!, k!, p!], 0, 1, 'float32', 2) as tf.Tensor3D;
const original = seconds(a, b);
replaceWasmSliceKernels();
const inPlace = seconds(a, b);
tf.dispose([a, b]);
console.log(`splitBatchedMatMul [${items}, ${m}, ${k}] x [${items}, ${k}, ${p}] on wasm, ${runs} runs`);
console.log(`  tfjs-wasm Slice/SplitV: ${(original.seconds * 1000).toFixed(1)} ms`);
console.log(`  in-place Slice/SplitV:  ${(inPlace.seconds * 1000).toFixed(1)} ms (same result: ${original.sum === inPlace.sum})`);
console.log(`  ratio original / in-place: ${(original.seconds / inPlace.seconds).toFixed(2)}x`);
