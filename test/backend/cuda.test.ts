// The cuda backend's TypeScript half (storage, refcounts, kernel registrations, strides, cpu fallbacks) run over
// the host reference addon and compared with the tfjs cpu backend; and the clear error without the addon.
// The native kernels are checked on the GPU host by bench/gpu.ts with the same cases.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { findCudaAddon } from '../../lib/backend/cuda.js';
import { CUDA_NATIVE_KERNELS, createCudaBackend, registerCudaKernels } from '../../lib/backend/cuda/register.js';
import { cudaFallbackCounts, resetCudaFallbackCounts } from '../../lib/backend/cuda/fallback.js';
import { asCudaAddon } from '../../lib/backend/cuda/addon.js';
import { CudaBackend } from '../../lib/backend/cuda/backend.js';
import { initBackend } from '../../lib/backend/init.js';
import { HostCudaAddon } from './cuda-host-addon.js';
import { quickGelu } from '../../lib/nn/activations.js';
import { BatchNorm2d } from '../../lib/nn/batch-norm.js';
import { LayerNorm } from '../../lib/nn/layer-norm.js';
import { Linear } from '../../lib/nn/linear.js';
import { MultiheadAttention } from '../../lib/nn/multihead-attention.js';
import { ParameterStore } from '../../lib/nn/parameters.js';
import { compareKernelCases } from './cuda-kernel-cases.js';
import { FIXTURE_TOLERANCE, fixtureChecks } from './cuda-fixture-checks.js';

/** Native kernels that tfjs ops never dispatch by that name in 4.22 (registered for completeness). */
const NOT_DISPATCHED = new Set(['Squeeze']);

test('initBackend("cuda") without the addon fails with a clear message', { skip: findCudaAddon() !== undefined && 'a cuda addon is built here' }, async () => {
  await assert.rejects(initBackend('cuda'), /^Error: backend 'cuda': the CUDA addon is not built \(no kernels\/cuda\/build\/prismer_cuda\.node/);
});

test('an object without the addon functions is refused, naming what is missing', () => {
  assert.throws(() => asCudaAddon({ alloc: () => 1 }), /the addon lacks deviceInfo, free, upload, .* \(rebuild it: npm run build:cuda\)/);
});

describe('cuda backend over the host reference addon', () => {
  const addon = new HostCudaAddon();
  before(async () => {
    // The name 'cuda' so that the kernels registered for it apply; the addon is the host reference.
    if (!tf.findBackendFactory('cuda')) tf.registerBackend('cuda', () => createCudaBackend(addon), 0);
    await tf.setBackend('cuda');
    await tf.setBackend('cpu');
  });

  test('every native kernel matches the cpu backend', async () => {
    const results = await compareKernelCases('cuda');
    const failures = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? `max rel ${r.maxRel}`}`);
    assert.deepEqual(failures, []);
    const exercised = new Set(results.flatMap((r) => r.kernels));
    const untested = CUDA_NATIVE_KERNELS.filter((k) => !exercised.has(k) && !NOT_DISPATCHED.has(k));
    assert.deepEqual(untested, [], 'native kernels no case dispatches');
  });

  test('without GEMM epilogues (an addon built without cuBLASLt) the bias, ReLU and residual take their second passes, with the same results', async () => {
    addon.epilogues = false;
    try {
      const results = await compareKernelCases('cuda');
      const epilogueCases = results.filter((r) => /epilogue|PrismerLinearAdd|Linear with bias|FusedConv2D/.test(r.name));
      assert.ok(epilogueCases.length >= 5, `found ${epilogueCases.length} epilogue cases`);
      assert.deepEqual(epilogueCases.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? `max rel ${r.maxRel}`}`), []);
    } finally {
      addon.epilogues = true;
    }
  });

  test('kernels without a native implementation fall back to the cpu, counted', async () => {
    await tf.setBackend('cuda');
    resetCudaFallbackCounts();
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const reversed = tf.reverse(x, 1);
    assert.deepEqual(reversed.arraySync(), [[3, 2, 1], [6, 5, 4]]);
    assert.equal(cudaFallbackCounts().Reverse, 1);
    assert.ok(registerCudaKernels().fallback.includes('Reverse'));
    tf.dispose([x, reversed]);
  });

  test('data is freed with its last reference (no leak over repeated work)', async () => {
    await tf.setBackend('cuda');
    const backend = tf.backend() as CudaBackend;
    const init = tf.randomNormal([16, 16], 0, 1, 'float32', 3);
    const w = tf.variable(init);
    init.dispose();
    const step = () => tf.tidy(() => {
      const h = tf.reshape(tf.matMul(tf.reshape(tf.range(0, 32, 1), [2, 16]), w), [2, 4, 4]);
      const s = tf.softmax(tf.add(tf.transpose(h, [0, 2, 1]), 0.5));
      return tf.sum(tf.concat([s, tf.slice(s, [0, 0, 0], [2, 4, 2])], 2));
    });
    step().dispose();
    const tensors = tf.memory().numTensors;
    const ids = backend.numDataIds();
    const allocations = addon.memory().allocations;
    for (let i = 0; i < 5; i++) step().dispose();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(backend.numDataIds(), ids);
    assert.equal(addon.memory().allocations, allocations);
    const references = backend.refCount(w.dataId);
    const reshaped = tf.reshape(w, [256]);
    assert.equal(backend.refCount(w.dataId), references + 1, 'reshape shares the data');
    reshaped.dispose();
    assert.equal(backend.refCount(w.dataId), references);
    w.dispose();
    assert.equal(backend.numDataIds(), ids - 1);
  });

  test('reads, writes and moves between backends keep values and dtypes', async () => {
    await tf.setBackend('cpu');
    const onCpu = tf.tensor([true, false, true], [3], 'bool');
    await tf.setBackend('cuda');
    const both = tf.logicalAnd(onCpu, tf.tensor([true, true, false], [3], 'bool'));
    assert.deepEqual(Array.from(await both.data()), [1, 0, 0]);
    assert.equal(both.dtype, 'bool');
    const big = tf.tensor(Float32Array.from({ length: 100 }, (_, i) => i / 3));
    assert.deepEqual(Array.from(big.dataSync()), Array.from(Float32Array.from({ length: 100 }, (_, i) => i / 3)));
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    assert.ok((mem.numBytesInGPU ?? 0) >= 400);
    tf.dispose([onCpu, both, big]);
  });

  test('the addon refuses out-of-bounds work with a clear error', () => {
    const h = addon.alloc(16);
    assert.throws(() => addon.copy(h, h, [8], [1], 0, [1], 0), /copy: x: needs 8 elements, allocation holds 4/);
    assert.throws(() => addon.free(h + 1000), /unknown device handle/);
    addon.free(h);
  });

  test('the parity fixtures hold on the cuda backend', async () => {
    await tf.setBackend('cuda');
    const failures: string[] = [];
    for (const check of fixtureChecks()) {
      for (const [tensor, d] of Object.entries(check.run())) if (!(d <= FIXTURE_TOLERANCE)) failures.push(`${check.name} ${tensor}: ${d}`);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(Object.keys(cudaFallbackCounts()).filter((k) => k !== 'Reverse'), [], 'the Prismer forward needs no cpu fallback');
  });

  test('under a gradient tape the fused kernels stand aside: gradients are those of the composite ops, as on the cpu', async () => {
    // A block touching every fused path: LayerNorm, Linear with bias, attention, QuickGELU, eval BatchNorm + ReLU.
    const run = () => {
      const store = new ParameterStore(5);
      const ln = new LayerNorm(store, 'ln', 16);
      const mha = new MultiheadAttention(store, 'mha', 16, 4);
      const fc = new Linear(store, 'fc', 16, 16);
      const bn = new BatchNorm2d(store, 'bn', 16);
      const x = tf.tensor3d(Array.from({ length: 5 * 2 * 16 }, (_, i) => Math.sin(i * 0.37)), [5, 2, 16]);
      const loss = (input: tf.Tensor) => {
        const h = mha.apply(ln.apply(input as tf.Tensor3D)).output;
        const y = quickGelu(fc.apply(h));
        return tf.sum(bn.apply(tf.reshape(y, [1, 5, 2, 16]) as tf.Tensor4D, { relu: true }));
      };
      const grad = tf.grad(loss)(x);
      const values = Array.from(grad.dataSync());
      tf.dispose([x, grad]);
      store.dispose();
      return values;
    };
    await tf.setBackend('cpu');
    const expected = run();
    await tf.setBackend('cuda');
    const profile = await tf.profile(() => { run(); });
    const fused = [...new Set(profile.kernels.map((k) => k.name))].filter((name) => name.startsWith('Prismer'));
    const actual = run();
    assert.deepEqual(fused, [], 'no fused kernel runs under a tape');
    const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!))), 0);
    assert.ok(worst < 1e-4, `gradients differ from the cpu backend's by ${worst}`);
  });
});
