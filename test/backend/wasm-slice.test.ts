// The in-place wasm Slice / SplitV (lib/backend/wasm-slice.ts) against the cpu backend, and the box copy itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/init.js';
import { copyBox } from '../../lib/backend/wasm-slice.js';

/** Row-major reference of the box copy, one element at a time. */
function boxByElement(src: Float32Array, shape: number[], begin: number[], size: number[]): Float32Array {
  const out: number[] = [];
  const total = size.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let offset = 0;
    let stride = 1;
    const index = new Array<number>(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      index[i] = rest % size[i]!;
      rest = Math.floor(rest / size[i]!);
    }
    for (let i = shape.length - 1; i >= 0; i--) {
      offset += (begin[i]! + index[i]!) * stride;
      stride *= shape[i]!;
    }
    out.push(src[offset]!);
  }
  return Float32Array.from(out);
}

test('copyBox copies any box of a row-major array like an element-by-element loop', () => {
  const cases: Array<[number[], number[], number[]]> = [
    [[7], [2], [4]], [[3, 5], [1, 0], [2, 5]], [[3, 5], [0, 1], [3, 3]], [[4, 3, 6], [1, 2, 0], [2, 1, 6]],
    [[4, 3, 6], [0, 0, 2], [4, 3, 3]], [[2, 3, 4, 5], [1, 1, 1, 1], [1, 2, 2, 3]], [[2, 3, 4, 5], [0, 0, 0, 0], [2, 3, 4, 5]],
    [[2, 3, 4, 5, 2], [1, 0, 2, 1, 0], [1, 3, 2, 4, 2]], [[3, 4], [1, 1], [0, 2]], [[3, 4], [3, 0], [0, 4]],
  ];
  for (const [shape, begin, size] of cases) {
    const src = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3);
    const dst = new Float32Array(size.reduce((a, b) => a * b, 1));
    copyBox(src, shape, begin, size, dst);
    assert.deepEqual(Array.from(dst), Array.from(boxByElement(src, shape, begin, size)), `shape [${shape}] begin [${begin}] size [${size}]`);
  }
});

test('wasm slice and split equal the cpu backend for float32, int32 and bool, every axis, empty pieces and (slice) strings', async () => {
  const run = (): unknown[] => tf.tidy(() => {
    const x = tf.tensor(Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => Math.sin(i) * 10), [2, 3, 4, 5]);
    const ints = tf.cast(x, 'int32');
    const bools = tf.greater(x, 0);
    const out: tf.Tensor[] = [
      tf.slice(x, [1, 0, 1, 2], [1, 3, 2, 3]), tf.slice(x, [0, 1], [-1, 2]), tf.slice(ints, [0, 0, 0, 4], [2, 3, 4, 1]),
      tf.slice(bools, [1, 2, 0, 0], [1, 1, 4, 5]), tf.slice(x, [0, 0, 0, 0], [2, 0, 4, 5]),
      ...tf.split(x, 2, 0), ...tf.split(x, [1, 2], 1), ...tf.split(ints, [1, 0, 3], 2), ...tf.split(bools, 5, 3), ...tf.split(x, [2, -1], 3),
    ];
    return out.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync() as ArrayLike<number>) }));
  });
  const strings = (): string[] => tf.tidy(() => tf.slice(tf.tensor(['a', 'b', 'c', 'd'], [4]), [1], [2]).dataSync() as unknown as string[]);
  await initBackend('cpu');
  const cpu = run();
  const cpuStrings = strings();
  await initBackend('wasm');
  assert.deepEqual(run(), cpu);
  assert.deepEqual(strings(), cpuStrings);
  // The replacement is what runs: the wasm kernel registry holds ours.
  assert.match(String(tf.getKernel('SplitV', 'wasm')?.kernelFunc), /sliceInPlace/);
});
