// The cuda backend on the GPU host (issue 6), in parts that each catch their own failures so that one device run
// yields everything it can:
//   kernels   every native kernel against the tfjs cpu backend on seeded inputs (max abs/rel error)
//   fixtures  the parity fixtures through the cuda backend (1e-4)
//   overhead  host cost per native call and per tfjs op on tiny tensors (what bounds the small-kernel decoder)
//   gemm      the addon's GEMM alone on the model's shapes (ViT, resampler, attention, decoder, convolution
//             im2col): ms per call and TFLOP/s, to compare with torch.matmul (bench/gpu_torch.py --gemm)
//   forward   prismer_base forward (encoder at 480 px with all six experts + teacher-forced decoder, 20 tokens,
//             batch 8, random weights): images/s, encoder/decoder split, host issue time, the kernels that
//             dominate (by name, by name and input shapes, per side), cpu fallbacks; then tfjs and device memory
//             over 100 more iterations (no leak)
// Results go to $OUT (default out/gpu): gpu-<part>.json and lines appended to summary.txt.
//
//   node .device/bundle.cjs [--part all|kernels|fixtures|gemm|overhead|attention|forward] [--batch 8] [--resolution 480] [--tokens 20]
//                           [--repeats 5] [--memory-iterations 100] [--tf32] [--no-op-addon]
//   --no-op-addon runs the TypeScript half over bench/no-op-addon.ts (no GPU needed): kernel counts and host times only.
// Bundled by `npm run gpu:stage` (esbuild, the .node addon stays external); run on the device by bench/gpu-device.sh.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../lib/backend/init.js';
import type { CudaBackend } from '../lib/backend/cuda/backend.js';
import { cudaFallbackCounts, resetCudaFallbackCounts } from '../lib/backend/cuda/fallback.js';
import { CUDA_NATIVE_KERNELS, createCudaBackend, registerCudaKernels } from '../lib/backend/cuda/register.js';
import { noOpCudaAddon } from './no-op-addon.js';
import { F32, UnaryOp } from '../lib/backend/cuda/addon.js';
import { getModelSize } from '../lib/model/sizes.js';
import { Prismer, prismerConfigForSize } from '../lib/model/prismer.js';
import { disposeExpertInputs } from '../lib/model/prismer-inputs.js';
import type { ExpertInputs } from '../lib/model/encoder/expert-encoder.js';
import { compareKernelCases } from '../test/backend/cuda-kernel-cases.js';
import { FIXTURE_TOLERANCE, fixtureChecks } from '../test/backend/cuda-fixture-checks.js';

const { values: args } = parseArgs({
  options: {
    part: { type: 'string', default: 'all' },
    batch: { type: 'string', default: '8' },
    resolution: { type: 'string', default: '480' },
    tokens: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '5' },
    'memory-iterations': { type: 'string', default: '100' },
    tf32: { type: 'boolean', default: false },
    'no-op-addon': { type: 'boolean', default: false },
  },
});

const OUT = process.env.OUT || join('out', 'gpu');
mkdirSync(OUT, { recursive: true });
const EXPERTS = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'];

function summary(line: string): void {
  console.log(line);
  appendFileSync(join(OUT, 'summary.txt'), `${line}\n`);
}

function save(part: string, data: unknown): void {
  writeFileSync(join(OUT, `gpu-${part}.json`), `${JSON.stringify(data, null, 2)}\n`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

function cuda(): CudaBackend {
  return tf.backend() as CudaBackend;
}

async function partKernels(): Promise<void> {
  const started = performance.now();
  const results = await compareKernelCases('cuda', (r) => {
    if (!r.ok) console.log(`  FAIL ${r.name}: ${r.error ?? `max abs ${r.maxAbs}, max rel ${r.maxRel}`}`);
  });
  await tf.setBackend('cuda');
  const failed = results.filter((r) => !r.ok);
  const exercised = new Set(results.flatMap((r) => r.kernels));
  const untested = CUDA_NATIVE_KERNELS.filter((k) => !exercised.has(k));
  save('kernels', { results, untestedNativeKernels: untested, seconds: (performance.now() - started) / 1000 });
  const worst = results.filter((r) => r.ok).reduce((m, r) => Math.max(m, r.maxRel), 0);
  summary(`kernels: ${results.length - failed.length}/${results.length} cases within tolerance (worst passing rel error ${worst.toExponential(2)}); native kernels not exercised: ${untested.join(', ') || 'none'}`);
  for (const r of failed) summary(`  FAIL ${r.name}: ${r.error ?? `max abs ${r.maxAbs}, max rel ${r.maxRel}`}`);
}

async function partFixtures(): Promise<void> {
  resetCudaFallbackCounts();
  const rows: { name: string; diffs?: Record<string, number>; ok: boolean; error?: string }[] = [];
  for (const check of fixtureChecks()) {
    try {
      const diffs = check.run();
      const ok = Object.values(diffs).every((d) => d <= FIXTURE_TOLERANCE);
      rows.push({ name: check.name, diffs, ok });
    } catch (error) {
      rows.push({ name: check.name, ok: false, error: message(error) });
    }
  }
  const fallbacks = cudaFallbackCounts();
  save('fixtures', { tolerance: FIXTURE_TOLERANCE, rows, fallbacks });
  summary(`fixtures: ${rows.filter((r) => r.ok).length}/${rows.length} checks within ${FIXTURE_TOLERANCE}; cpu fallbacks: ${JSON.stringify(fallbacks)}`);
  for (const r of rows) summary(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.error ?? Object.entries(r.diffs!).map(([k, d]) => `${k} ${d.toExponential(2)}`).join(', ')}`);
}

/**
 * C[m,n] = A[m,k]·B[k,n] as the forward issues them at batch 8, 480 px, 20 tokens (964 ViT tokens: 900 patches +
 * 64 latents; tf.profile's BatchMatMul/Conv2D input shapes). bench/gpu_torch.py --gemm has the same list.
 */
const GEMM_SHAPES: { name: string; batch?: number; m: number; n: number; k: number; transB?: boolean }[] = [
  { name: 'vit qkv', m: 7712, n: 2304, k: 768 },
  { name: 'vit out/adaptor', m: 7712, n: 768, k: 768 },
  { name: 'vit fc', m: 7712, n: 3072, k: 768 },
  { name: 'vit proj', m: 7712, n: 768, k: 3072 },
  { name: 'resampler kv', m: 43712, n: 1536, k: 768 },
  { name: 'vit attn QK^T', batch: 96, m: 964, n: 964, k: 64, transB: true },
  { name: 'vit attn PV', batch: 96, m: 964, n: 64, k: 964 },
  { name: 'dec 768', m: 160, n: 768, k: 768 },
  { name: 'dec fc', m: 160, n: 3072, k: 768 },
  { name: 'dec lm head', m: 160, n: 50265, k: 768 },
  { name: 'stem conv 120px', m: 115200, n: 192, k: 864 },
  { name: 'stem conv 30px', m: 7200, n: 768, k: 3456 },
  { name: 'stem resize', m: 245760, n: 120, k: 480 },
];

/** Milliseconds per call of f after `warmup` calls, the device queue drained before and after the timed ones. */
function msPerCall(f: () => void, warmup: number, calls: number): number {
  const addon = cuda().addon;
  for (let i = 0; i < warmup; i++) f();
  addon.synchronize();
  const start = performance.now();
  for (let i = 0; i < calls; i++) f();
  addon.synchronize();
  return (performance.now() - start) / calls;
}

/**
 * Host cost per call, which bounds the forward where kernels are small (the decoder): native calls alone (a
 * launch of a 1-element kernel, an alloc/free pair) and whole tfjs ops on tiny tensors, each timed over many calls
 * with the queue drained once at the end.
 */
async function partOverhead(): Promise<void> {
  const addon = cuda().addon;
  const calls = 5000;
  const time = (f: () => void): number => 1000 * msPerCall(f, 200, calls);
  const h = addon.alloc(4), o = addon.alloc(4);
  const a = tf.ones([2, 3]), b = tf.ones([3]);
  const rows = {
    nativeLaunchUs: time(() => addon.unary(UnaryOp.NEG, F32, F32, h, o, 1, 0, 0)),
    nativeAllocFreeUs: time(() => addon.free(addon.alloc(4096))),
    tfjsAddUs: time(() => tf.add(a, b).dispose()),
    tfjsReshapeUs: time(() => tf.reshape(a, [3, 2]).dispose()),
    tfjsMatMulUs: time(() => tf.matMul(a, a, false, true).dispose()),
  };
  tf.dispose([a, b]);
  addon.free(h);
  addon.free(o);
  save('overhead', rows);
  summary(`host cost per call (µs, mean of ${calls}): ${Object.entries(rows).map(([k, v]) => `${k.replace(/Us$/, '')} ${v.toFixed(1)}`).join(', ')}`);
}

async function partGemm(): Promise<void> {
  const addon = cuda().addon;
  const warmup = 3, iterations = 20;
  const rows: { name: string; batch: number; m: number; n: number; k: number; transB: boolean; ms: number; tflops: number }[] = [];
  for (const { name, batch = 1, m, n, k, transB = false } of GEMM_SHAPES) {
    const handles = [batch * m * k, batch * k * n, batch * m * n].map((elements) => {
      const h = addon.alloc(4 * elements);
      addon.fill(F32, h, elements, 0.5);
      return h;
    });
    const [a, b, c] = handles as [number, number, number];
    try {
      const ms = msPerCall(() => addon.gemm(a, b, c, batch, m, n, k, false, transB, batch > 1 ? m * k : 0, batch > 1 ? n * k : 0, batch > 1 ? m * n : 0), warmup, iterations);
      rows.push({ name, batch, m, n, k, transB, ms, tflops: (2 * batch * m * n * k) / (ms / 1000) / 1e12 });
    } finally {
      for (const h of handles) addon.free(h);
    }
  }
  save(`gemm${args.tf32 ? '-tf32' : ''}`, { tf32: args.tf32, warmup, iterations, rows });
  summary(`gemm (addon, ${args.tf32 ? 'TF32' : 'fp32'}, mean of ${iterations} after ${warmup} warm-up; batch×m×n×k):`);
  for (const r of rows) summary(`  ${r.name} ${r.batch}×${r.m}×${r.n}×${r.k}${r.transB ? ' Bᵀ' : ''}: ${r.ms.toFixed(3)} ms, ${r.tflops.toFixed(1)} TFLOP/s`);
}

/**
 * The pieces the forward profile lumps together, on the forward's shapes: the attention core (ViT self-attention
 * over the packed [L, B, 3·768] projection, sequence-first; the decoder's cross-attention over token-major keys and
 * values) with its two-level GEMMs as one pointer-array call and as a loop of strided-batched calls
 * (PRISMER_CUDA_TWO_LEVEL), the ViT's without the probabilities (scratch under PRISMER_CUDA_ATTENTION=gemm, and the
 * fused kernel), the GEMMs and softmax of the ViT attention alone, and im2col on the expert stems' convs.
 */
async function partAttention(): Promise<void> {
  const addon = cuda().addon;
  const warmup = 3, iterations = 20;
  const rows: { name: string; ms: number }[] = [];
  const buffers: number[] = [];
  const buffer = (elements: number): number => {
    const h = addon.alloc(4 * elements);
    addon.fill(F32, h, elements, 0.01);
    buffers.push(h);
    return h;
  };
  const time = (name: string, f: () => void): void => { rows.push({ name, ms: msPerCall(f, warmup, iterations) }); };
  try {
    const B = 8, H = 12, d = 64, E = H * d, L = 964, T = 20;
    const qkv = buffer(L * B * 3 * E), context = buffer(L * B * E), probs = buffer(B * H * L * L);
    const vit = [B, H, L, L, d, 0, 3 * E, d, B * 3 * E, E, 3 * E, d, B * 3 * E, 2 * E, 3 * E, d, B * 3 * E, 0, E, d, B * E, 0, 0, 0, 0];
    const q = buffer(B * T * E), kv = buffer(B * L * E), out = buffer(B * T * E), crossProbs = buffer(B * H * T * L);
    const cross = [B, H, T, L, d, 0, T * E, d, E, 0, L * E, d, E, 0, L * E, d, E, 0, T * E, d, E, 0, 0, 0, 0];
    for (const mode of ['pointers', 'loop']) {
      process.env.PRISMER_CUDA_TWO_LEVEL = mode;
      time(`vit self-attention ${B}x${H}x${L}x${L}x${d} (${mode})`, () => addon.attention(qkv, qkv, qkv, 0, context, probs, vit, 1 / 8));
      time(`decoder cross-attention ${B}x${H}x${T}x${L}x${d} (${mode})`, () => addon.attention(q, kv, kv, 0, out, crossProbs, cross, 1 / 8));
    }
    delete process.env.PRISMER_CUDA_TWO_LEVEL;
    process.env.PRISMER_CUDA_ATTENTION = 'gemm';
    time(`vit self-attention without probabilities (GEMM path, scratch)`, () => addon.attention(qkv, qkv, qkv, 0, context, 0, vit, 1 / 8));
    delete process.env.PRISMER_CUDA_ATTENTION;
    time(`vit self-attention without probabilities (fused kernel)`, () => addon.attention(qkv, qkv, qkv, 0, context, 0, vit, 1 / 8));
    const heads = B * H;
    const qc = buffer(heads * L * d), kc = buffer(heads * L * d);
    time(`vit QK^T alone, contiguous heads ${heads}x${L}x${L}x${d}`, () => addon.gemm(qc, kc, probs, heads, L, L, d, false, true, L * d, L * d, L * L));
    time(`vit PV alone, contiguous heads ${heads}x${L}x${d}x${L}`, () => addon.gemm(probs, kc, qc, heads, L, d, L, false, false, L * L, L * d, L * d));
    time(`vit softmax alone ${heads * L}x${L}`, () => addon.softmax(probs, probs, heads * L, L));
    for (const [name, N, HW, C, stride, OHW] of [['stem conv 240px→120', 8, 240, 96, 2, 120], ['stem conv 120px→60', 8, 120, 192, 2, 60], ['stem conv 30px', 8, 30, 384, 1, 30], ['stem conv 480px→240, 1 channel', 8, 480, 1, 2, 240]] as const) {
      const x = buffer(N * HW * HW * C), cols = buffer(N * OHW * OHW * 9 * C);
      time(`im2col ${name} (${N}x${HW}x${HW}x${C}, 3x3)`, () => addon.im2col(x, cols, [N, HW, HW, C, 3, 3, stride, stride, 1, 1, 1, 1, OHW, OHW]));
      addon.free(x);
      addon.free(cols);
      buffers.splice(buffers.indexOf(x), 1);
      buffers.splice(buffers.indexOf(cols), 1);
    }
  } finally {
    for (const h of buffers) addon.free(h);
  }
  save('attention', { warmup, iterations, rows });
  summary(`attention and im2col pieces (mean of ${iterations} after ${warmup} warm-up):`);
  for (const r of rows) summary(`  ${r.name}: ${r.ms.toFixed(3)} ms`);
}

type ProfileKernel = Awaited<ReturnType<typeof tf.profile>>['kernels'][number];

/** Kernel time summed per key; scopes (customGrad's 'unnamed scope') enclose kernels already counted, so they are skipped. */
function aggregate(kernels: ProfileKernel[], key: (k: ProfileKernel) => string): { name: string; ms: number; calls: number }[] {
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of kernels) {
    if (!tf.getKernel(k.name, 'cuda')) continue;
    const e = by.get(key(k)) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.calls += 1;
    by.set(key(k), e);
  }
  return [...by].sort((a, b) => b[1].ms - a[1].ms).map(([name, e]) => ({ name, ms: e.ms, calls: e.calls }));
}

// Absent optional inputs (_FusedMatMul's prelu weights) come as null shapes.
const withShapes = (k: ProfileKernel): string => `${k.name}(${k.inputShapes.filter((s) => s != null).map((s) => s.join('x')).join(',')})`;
const total = (rows: { ms: number; calls: number }[]) => ({ ms: rows.reduce((t, r) => t + r.ms, 0), calls: rows.reduce((t, r) => t + r.calls, 0) });
const brief = (rows: { name: string; ms: number; calls: number }[], count: number) => rows.slice(0, count).map((k) => `${k.name} ${k.ms.toFixed(1)} ms/${k.calls}`).join(', ');

/** Seeded batch inputs shaped like the real pipeline: rgb and every expert label at the model resolution. */
function batchInputs(batch: number, resolution: number): ExpertInputs {
  const r = resolution;
  const uniform = (channels: number, seed: number) => tf.randomUniform([batch, channels, r, r], -1, 1, 'float32', seed) as tf.Tensor4D;
  return {
    rgb: tf.randomNormal([batch, 3, r, r], 0, 1, 'float32', 1) as tf.Tensor4D,
    depth: uniform(1, 2),
    normal: uniform(3, 3),
    seg_coco: uniform(64, 4),
    edge: uniform(1, 5),
    // The instance map comes from the host, as lib/data delivers it (decoded label images), so the model's host read
    // of the ids finds it there.
    obj_detection: { label: uniform(64, 6), instance: tf.tensor4d(Int32Array.from({ length: batch * r * r }, (_, i) => i % 6), [batch, 1, r, r], 'int32') },
    ocr_detection: uniform(64, 8),
  };
}

/**
 * Where the host's issue time goes: every native call of the addon timed on the host (not synchronised) over three
 * forwards, per side, beside the side's whole issue time (the rest is TypeScript and tfjs). A native call that
 * waits on the device (a download, or a launch into a full queue) shows here.
 */
function hostProfile(model: Prismer, inputs: ExpertInputs, tokenBatch: { inputIds: number[][]; attentionMask: number[][] }, result: Record<string, unknown>): void {
  const addon = cuda().addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  let side = 'encoder';
  const native = new Map<string, { ms: number; calls: number }>();
  for (const [name, fn] of Object.entries(addon)) {
    if (typeof fn !== 'function') continue;
    originals.set(name, fn);
    addon[name] = (...a: unknown[]) => {
      const t = performance.now();
      try {
        return fn(...a);
      } finally {
        const key = `${side}:${name}`, entry = native.get(key) ?? { ms: 0, calls: 0 };
        entry.ms += performance.now() - t;
        entry.calls++;
        native.set(key, entry);
      }
    };
  }
  const issue = { encoder: 0, decoder: 0 };
  const runs = 3;
  try {
    for (let r = 0; r < runs; r++) {
      side = 'encoder';
      let t = performance.now();
      const hidden = model.encode(inputs);
      issue.encoder += performance.now() - t;
      originals.get('synchronize')!();
      side = 'decoder';
      t = performance.now();
      const { logits } = model.decode(hidden, tokenBatch);
      issue.decoder += performance.now() - t;
      side = 'read';
      logits.dataSync();
      tf.dispose([hidden, logits]);
    }
  } finally {
    for (const [name, fn] of originals) addon[name] = fn;
  }
  const report: Record<string, unknown> = {};
  for (const which of ['encoder', 'decoder'] as const) {
    const rows = [...native.entries()].filter(([key]) => key.startsWith(`${which}:`))
      .map(([key, v]) => ({ name: key.slice(which.length + 1), ms: v.ms / runs, calls: v.calls / runs })).sort((a, b) => b.ms - a.ms);
    const nativeMs = rows.reduce((sum, row) => sum + row.ms, 0);
    report[which] = { issueMs: issue[which] / runs, nativeMs, calls: rows };
    summary(`host profile ${which} (mean of ${runs}, not synchronised): issue ${(issue[which] / runs).toFixed(1)} ms, in native calls ${nativeMs.toFixed(1)} ms: ${rows.slice(0, 6).map((row) => `${row.name} ${row.ms.toFixed(2)} ms/${row.calls}`).join(', ')}`);
  }
  result.hostProfile = report;
}

async function partForward(): Promise<void> {
  const batch = Number(args.batch), resolution = Number(args.resolution), tokens = Number(args.tokens), repeats = Number(args.repeats);
  const result: Record<string, unknown> = { batch, resolution, tokens, experts: EXPERTS, tf32: args.tf32 };
  const buildStart = performance.now();
  const model = new Prismer(prismerConfigForSize(getModelSize('prismer_base'), EXPERTS, resolution), { seed: 1 });
  result.parameters = model.store.parameterCount();
  result.buildSeconds = (performance.now() - buildStart) / 1000;
  const inputs = batchInputs(batch, resolution);
  const vocab = model.config.decoder.vocabSize;
  const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: tokens }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7919 + b * 104729) % (vocab - 4)))));
  const tokenBatch = { inputIds: ids, attentionMask: ids.map((row) => row.map(() => 1)) };
  // Issue times (until encode/decode return, before the queue drains): close to the side's total means the host
  // dispatch, not the GPU, bounds it.
  const once = (): { encoder: number; decoder: number; encoderIssue: number; decoderIssue: number } => {
    const t0 = performance.now();
    const hidden = model.encode(inputs);
    const issued0 = performance.now();
    cuda().addon.synchronize();
    const t1 = performance.now();
    const { logits } = model.decode(hidden, tokenBatch);
    const issued1 = performance.now();
    logits.dataSync();
    const t2 = performance.now();
    tf.dispose([hidden, logits]);
    return { encoder: (t1 - t0) / 1000, decoder: (t2 - t1) / 1000, encoderIssue: (issued0 - t0) / 1000, decoderIssue: (issued1 - t1) / 1000 };
  };
  try {
    resetCudaFallbackCounts();
    const warm = once();
    result.warmupSeconds = warm.encoder + warm.decoder;
    result.fallbacksPerForward = cudaFallbackCounts();
    resetCudaFallbackCounts();
    const runs = Array.from({ length: repeats }, once).sort((a, b) => a.encoder + a.decoder - (b.encoder + b.decoder));
    const median = runs[Math.floor(runs.length / 2)]!;
    const seconds = median.encoder + median.decoder;
    Object.assign(result, { seconds, encoderSeconds: median.encoder, decoderSeconds: median.decoder, imagesPerSecond: batch / seconds, runs });
    save(`forward${args.tf32 ? '-tf32' : ''}`, result);
    summary(`forward: prismer_base ${resolution}px all experts, batch ${batch}, ${tokens} tokens, fp32${args.tf32 ? ' (TF32 GEMM)' : ''}: ${(batch / seconds).toFixed(2)} images/s (${(seconds * 1000).toFixed(1)} ms per batch: encoder ${(median.encoder * 1000).toFixed(1)}, decoder ${(median.decoder * 1000).toFixed(1)}; median of ${repeats}); cpu fallbacks per forward: ${JSON.stringify(result.fallbacksPerForward)}; host issue time: encoder ${(median.encoderIssue * 1000).toFixed(1)}, decoder ${(median.decoderIssue * 1000).toFixed(1)} ms`);

    // Profile: each kernel timed with the queue drained around it (so the total exceeds a real forward),
    // which shows where device time goes. Encoder and decoder are profiled apart (the encoder output carried over).
    // tf.profile returns the engine's one profile object, so each side's kernel list is taken before the next.
    let hidden: tf.Tensor3D | undefined;
    const encoderKernels = (await tf.profile(() => {
      hidden = model.encode(inputs);
      return [];
    })).kernels;
    const decoderKernels = (await tf.profile(() => {
      tf.dispose(model.decode(hidden!, tokenBatch).logits);
      return [];
    })).kernels;
    tf.dispose(hidden);
    const kernels = [...encoderKernels, ...decoderKernels];
    const top = aggregate(kernels, (k) => k.name);
    const byShape = aggregate(kernels, withShapes);
    const encoder = aggregate(encoderKernels, (k) => k.name), decoder = aggregate(decoderKernels, (k) => k.name);
    const encoderTotal = total(encoder), decoderTotal = total(decoder);
    Object.assign(result, {
      profile: top, profileByShape: byShape.slice(0, 40), profileEncoder: encoder, profileDecoder: decoder,
      profileTotals: { encoder: encoderTotal, decoder: decoderTotal }, kernelLaunches: kernels.length,
    });
    save(`forward${args.tf32 ? '-tf32' : ''}`, result);
    summary(`forward profile (synchronised per kernel, ${kernels.length} kernels): ${brief(top, 8)}`);
    summary(`forward profile encoder: ${encoderTotal.ms.toFixed(1)} ms in ${encoderTotal.calls} kernels (${brief(encoder, 6)}); decoder: ${decoderTotal.ms.toFixed(1)} ms in ${decoderTotal.calls} kernels (${brief(decoder, 6)})`);
    summary(`forward profile by input shapes (top 15 of ${byShape.length}):`);
    for (const k of byShape.slice(0, 15)) summary(`  ${k.name} ${k.ms.toFixed(1)} ms/${k.calls}`);
    hostProfile(model, inputs, tokenBatch, result);
  } catch (error) {
    result.error = message(error);
    summary(`forward: FAILED ${result.error}`);
  }

  const iterations = Number(args['memory-iterations']);
  if (iterations > 0) try {
    const samples: { iteration: number; numTensors: number; numDataIds: number; deviceBytes: number; deviceAllocations: number }[] = [];
    for (let i = 1; i <= iterations; i++) {
      once();
      if (i === 1 || i % 10 === 0) {
        const m = cuda().addon.memory();
        samples.push({ iteration: i, numTensors: tf.memory().numTensors, numDataIds: cuda().numDataIds(), deviceBytes: m.allocatedBytes, deviceAllocations: m.allocations });
      }
    }
    const first = samples[0]!, last = samples[samples.length - 1]!;
    const stable = first.numTensors === last.numTensors && first.deviceBytes === last.deviceBytes && first.deviceAllocations === last.deviceAllocations;
    result.memory = { iterations, stable, samples };
    summary(`memory over ${iterations} forwards: ${stable ? 'stable' : 'GROWING'} (tensors ${first.numTensors} → ${last.numTensors}, device ${(first.deviceBytes / 2 ** 20).toFixed(1)} → ${(last.deviceBytes / 2 ** 20).toFixed(1)} MiB in ${first.deviceAllocations} → ${last.deviceAllocations} allocations)`);
  } catch (error) {
    result.memoryError = message(error);
    summary(`memory: FAILED ${result.memoryError}`);
  }
  save(`forward${args.tf32 ? '-tf32' : ''}`, result);
  disposeExpertInputs(inputs);
  model.dispose();
}

async function main(): Promise<void> {
  try {
    if (args['no-op-addon']) {
      tf.registerBackend('cuda', () => createCudaBackend(noOpCudaAddon()), 0);
      await tf.setBackend('cuda');
    } else await initBackend('cuda');
  } catch (error) {
    summary(`cuda backend: FAILED to initialise: ${message(error)}`);
    save('init', { error: message(error) });
    process.exitCode = 1;
    return;
  }
  const backend = cuda();
  if (args.tf32) backend.addon.setTF32(true);
  const { native, fallback } = registerCudaKernels();
  save('init', { device: backend.device, nativeKernels: native, fallbackKernels: fallback });
  summary(`cuda backend on ${backend.device.name} (sm ${backend.device.computeCapability}, ${(backend.device.totalBytes / 2 ** 30).toFixed(0)} GiB, cudart ${backend.device.runtimeVersion}, cuBLAS ${backend.device.cublasVersion}): ${native.length} native kernels, ${fallback.length} via cpu fallback`);
  const parts = args.part === 'all' ? ['kernels', 'fixtures', 'gemm', 'overhead', 'attention', 'forward'] : args.part!.split(',');
  for (const part of parts) {
    const started = performance.now();
    try {
      if (part === 'kernels') await partKernels();
      else if (part === 'fixtures') await partFixtures();
      else if (part === 'gemm') await partGemm();
      else if (part === 'overhead') await partOverhead();
      else if (part === 'attention') await partAttention();
      else if (part === 'forward') await partForward();
      else throw new Error(`unknown part '${part}' (kernels, fixtures, gemm, overhead, attention, forward)`);
    } catch (error) {
      summary(`${part}: FAILED ${message(error)}`);
      process.exitCode = 1;
    }
    console.log(`(${part} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}

// No top-level await: the bundle is CommonJS.
main().catch((error: unknown) => {
  summary(`bench/gpu.ts: FAILED ${message(error)}`);
  process.exitCode = 1;
});
