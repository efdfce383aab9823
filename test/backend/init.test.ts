import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { CUDA_ADDON_RELATIVE_PATH, cudaAddonCandidates, cudaUnavailableReason, findCudaAddon } from '../../lib/backend/cuda.js';
import { CUDA_ADDON_FUNCTIONS } from '../../lib/backend/cuda/addon.js';
import { currentBackend, initBackend } from '../../lib/backend/init.js';
import { loadTfjsNode } from '../../lib/backend/tensorflow.js';

const tfjsNodeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((p) => existsSync(join('node_modules', p)));

test('cpu and wasm initialise and report their names', async () => {
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(currentBackend(), 'cpu');
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual([...tf.add(tf.tensor1d([1, 2]), 1).dataSync()], [2, 3]);
});

test('the cuda addon is looked up in the repository, and its absence is a clear error', { skip: findCudaAddon() !== undefined && 'a cuda addon is built here' }, async () => {
  const candidates = cudaAddonCandidates();
  assert.ok(candidates.includes(join(process.cwd(), CUDA_ADDON_RELATIVE_PATH)), 'the repository root is searched');
  await assert.rejects(initBackend('cuda'), (error: Error) => {
    assert.match(error.message, /^backend 'cuda': the CUDA addon is not built \(no kernels\/cuda\/build\/prismer_cuda\.node in the repository; set PRISMER_CUDA_ADDON to its path or use 'wasm'\)$/);
    return true;
  });
});

test('an addon file that is not a loadable addon is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-cuda-'));
  const saved = process.env.PRISMER_CUDA_ADDON;
  try {
    mkdirSync(join(dir, 'build'));
    const fake = join(dir, 'build', 'prismer_cuda.node');
    writeFileSync(fake, 'not really an addon');
    process.env.PRISMER_CUDA_ADDON = fake;
    assert.equal(findCudaAddon(), fake);
    // init.ts registers the tfjs bridge, so the addon is there and only its loading can fail.
    assert.equal(cudaUnavailableReason(), undefined);
    await assert.rejects(initBackend('cuda'), /^Error: backend 'cuda': .*prismer_cuda\.node failed to load: /);
  } finally {
    if (saved === undefined) delete process.env.PRISMER_CUDA_ADDON;
    else process.env.PRISMER_CUDA_ADDON = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an addon that loads but finds no GPU is a clear error, and auto falls back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-cuda-'));
  const saved = process.env.PRISMER_CUDA_ADDON;
  try {
    const fake = join(dir, 'prismer_cuda.cjs');
    // Every addon function, with deviceInfo failing as the real addon does on a machine without a GPU.
    writeFileSync(fake, `${CUDA_ADDON_FUNCTIONS.map((n) => `exports.${n} = () => {};`).join('\n')}\nexports.deviceInfo = () => { throw new Error('prismer_cuda: no CUDA device found'); };\n`);
    process.env.PRISMER_CUDA_ADDON = fake;
    await assert.rejects(initBackend('cuda'), /^Error: backend 'cuda' failed to initialise: prismer_cuda: no CUDA device found$/);
    tf.removeBackend('cuda');
    if (!process.env.PRISMER_BACKEND && !tfjsNodeInstalled) assert.equal(await initBackend('auto'), 'wasm');
  } finally {
    if (tf.findBackendFactory('cuda')) tf.removeBackend('cuda');
    if (saved === undefined) delete process.env.PRISMER_CUDA_ADDON;
    else process.env.PRISMER_CUDA_ADDON = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tensorflow without tfjs-node installed is a clear error, and auto falls back to wasm', { skip: tfjsNodeInstalled && 'tfjs-node is installed here' }, async () => {
  assert.equal(await loadTfjsNode(), undefined);
  await assert.rejects(initBackend('tensorflow'), /^Error: backend 'tensorflow' needs @tensorflow\/tfjs-node-gpu or @tensorflow\/tfjs-node, and neither is installed/);
  if (findCudaAddon() === undefined && !process.env.PRISMER_BACKEND) assert.equal(await initBackend('auto'), 'wasm');
});

test('PRISMER_BACKEND steers auto, and bad names are refused', async () => {
  const saved = process.env.PRISMER_BACKEND;
  try {
    process.env.PRISMER_BACKEND = 'cpu';
    assert.equal(await initBackend(), 'cpu');
    process.env.PRISMER_BACKEND = 'gpu';
    await assert.rejects(initBackend(), /PRISMER_BACKEND='gpu' is not a backend \(expected one of auto, wasm, cpu, cuda, tensorflow\)/);
    // @ts-expect-error: a name outside the union, as a notebook user might type it
    await assert.rejects(initBackend('webgpu'), /unknown backend 'webgpu'/);
  } finally {
    if (saved === undefined) delete process.env.PRISMER_BACKEND;
    else process.env.PRISMER_BACKEND = saved;
  }
});
