import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend/init.js';
import { registerWasmFallbackKernels, WASM_UNBRIDGEABLE_KERNELS } from '../../lib/backend/wasm-fallback.js';
import { embeddingLookup } from '../../lib/backend/embedding.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function input(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Runs `body` on each backend and returns its outputs as plain arrays. */
async function onBoth(body: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const out: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend(backend);
    out[backend] = tf.tidy(body).map((t) => {
      const data = Float32Array.from(t.dataSync());
      t.dispose();
      return data;
    });
  }
  return { cpu: out.cpu!, wasm: out.wasm! };
}

function assertClose(actual: Float32Array[], expected: Float32Array[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, k) => {
    const e = expected[k]!;
    assert.equal(a.length, e.length, `${what}[${k}] length`);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(e[i]!)));
    assert.ok(worst <= tolerance, `${what}[${k}]: max relative difference ${worst} > ${tolerance}`);
  });
}

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

test('every kernel of the cpu backend runs on wasm (natively or through a fallback) unless it needs complex numbers or a canvas', () => {
  registerWasmFallbackKernels();
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const lacking = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((name) => !wasm.has(name) && !(name in WASM_UNBRIDGEABLE_KERNELS));
  assert.deepEqual(lacking, []);
  for (const name of ['UnsortedSegmentSum', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Erf']) assert.ok(wasm.has(name), name);
});

test('conv2d gradients (input and filter, strided, explicit padding) on wasm equal the cpu backend', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const x = input([2, 9, 9, 3], 1);
    const w = input([3, 3, 3, 5], 2);
    const dy = input([2, 5, 5, 5], 3);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const [dx, dw] = tf.grads(f)([x, w], dy);
    const patch = tf.grad((filter: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 3, 'valid').square().sum())(input([3, 3, 3, 4], 4));
    return [f(x, w), dx!, dw!, patch];
  });
  assertClose(wasm, cpu, 1e-5, 'conv2d');
});

test('depthwise conv2d gradients on wasm equal the cpu backend', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').square().sum();
    return tf.grads(f)([input([1, 6, 6, 4], 5), input([3, 3, 4, 2], 6)]);
  });
  assertClose(wasm, cpu, 1e-5, 'depthwiseConv2d');
});

test('gather gradients and unsortedSegmentSum (repeated and out-of-range ids) on wasm equal the cpu backend', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const table = input([50, 8], 7);
    const ids = tf.tensor2d([[3, 3, 49, 0], [7, 3, 0, 12]], [2, 4], 'int32');
    const weights = input([2, 4, 8], 8);
    const gatherGrad = tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(weights).sum())(table);
    const segments = tf.tensor1d([2, -1, 0, 2, 5, 1], 'int32');
    const summed = tf.unsortedSegmentSum(input([6, 3], 9), segments, 4);
    const ints = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], 'int32'), tf.tensor1d([1, 1, 0], 'int32'), 2);
    return [gatherGrad, summed, ints];
  });
  assertClose(wasm, cpu, 1e-6, 'segment sums');
  assert.deepEqual([...cpu[2]!], [5, 6, 4, 6]);
});

test('einsum and erf-based gelu run on wasm like on cpu', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const a = input([2, 3, 4], 10);
    const b = input([2, 4, 5], 11);
    const gelu = tf.grad((x: tf.Tensor) => x.mul(tf.erf(x.div(Math.SQRT2)).add(1)).mul(0.5).sum())(input([7], 12));
    return [tf.einsum('bij,bjk->bik', a, b), gelu];
  });
  assertClose(wasm, cpu, 1e-5, 'einsum/gelu');
});

test('a training step of a conv-stem transformer has the same gradients on wasm and cpu', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const image = input([2, 8, 8, 3], 20);
    const ids = tf.tensor2d([[1, 5, 9], [2, 2, 0]], [2, 3], 'int32');
    const params = [input([4, 4, 3, 16], 21), input([16, 48], 22), input([16, 16], 23), input([10, 16], 24), input([16], 25)];
    const loss = (stem: tf.Tensor, qkv: tf.Tensor, out: tf.Tensor, vocab: tf.Tensor, gamma: tf.Tensor) => {
      const patches = tf.conv2d(image as tf.Tensor4D, stem as tf.Tensor4D, 4, 'valid').reshape([2, 4, 16]);
      const words = embeddingLookup(vocab as tf.Tensor2D, ids);
      const x = tf.concat([patches, words], 1);
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gamma);
      const [q, k, v] = tf.split(tf.matMul(normed.reshape([14, 16]), qkv).reshape([2, 7, 48]), 3, -1);
      const attention = tf.softmax(tf.matMul(q!, k!, false, true).div(4));
      const mixed = tf.matMul(attention, v!).reshape([14, 16]);
      const h = tf.matMul(mixed, out);
      const gelu = h.mul(tf.erf(h.div(Math.SQRT2)).add(1)).mul(0.5);
      const logits = tf.matMul(gelu, vocab, false, true);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([...Array(14).keys()].map((i) => i % 10), 'int32'), 10), logits);
    };
    return tf.grads(loss)(params);
  });
  assertClose(wasm, cpu, 1e-4, 'transformer gradients');
});

test('embeddingLookup: same values and gradients as tf.gather, on wasm and cpu', async () => {
  const { cpu, wasm } = await onBoth(() => {
    const table = input([300, 6], 30);
    const ids = tf.tensor2d([[5, 299, 5, 0], [17, 5, 1, 1]], [2, 4], 'int32');
    const weights = input([2, 4, 6], 31);
    const lookup = embeddingLookup(table as tf.Tensor2D, ids);
    const viaGather = tf.gather(table, ids);
    const grad = tf.grad((t: tf.Tensor) => embeddingLookup(t as tf.Tensor2D, ids).mul(weights).sum())(table);
    const gatherGrad = tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(weights).sum())(table);
    return [lookup, viaGather, grad, gatherGrad];
  });
  for (const run of [cpu, wasm]) {
    assert.deepEqual(run[0], run[1]);
    assertClose([run[2]!], [run[3]!], 1e-6, 'embedding gradient');
  }
  assertClose(wasm, cpu, 1e-6, 'embeddingLookup across backends');
  assert.throws(() => embeddingLookup(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2])), /ids have dtype float32, expected int32/);
});

test('the cpu bridge leaves no tensors behind in either backend', async () => {
  await initBackend('wasm');
  const cpu = tf.findBackend('cpu') as unknown as { numDataIds(): number };
  const x = input([1, 6, 6, 2], 40);
  const dy = input([1, 6, 6, 3], 41);
  tf.dispose(tf.tidy(() => tf.conv2d(x as tf.Tensor4D, input([3, 3, 2, 3], 42) as tf.Tensor4D, 1, 'same'))); // warm-up
  const cpuBefore = cpu.numDataIds();
  const wasmBefore = tf.memory().numTensors;
  tf.dispose(tf.tidy(() => tf.grad((w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').mul(dy).sum())(input([3, 3, 2, 3], 45))));
  tf.dispose(tf.tidy(() => tf.einsum('ij,jk->ik', input([2, 3], 43), input([3, 2], 44))));
  tf.dispose(tf.tidy(() => tf.unsortedSegmentSum(input([3, 2], 46), tf.tensor1d([1, 0, 1], 'int32'), 2)));
  assert.equal(cpu.numDataIds(), cpuBefore);
  assert.equal(tf.memory().numTensors, wasmBefore);
  tf.dispose([x, dy]);
});
