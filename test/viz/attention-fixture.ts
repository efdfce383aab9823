// A synthetic attention capture (seeded softmax rows) with Prismer's token layout, small enough for fast tests.
import type { AttentionCaptureResult, AttentionMatrix, EncoderTokenLayout } from '../../lib/viz/index.js';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Softmax rows of random logits (scaled by `sharpness`); `allowed(q, k)` false masks a key out. */
export function randomAttention(heads: number, queries: number, keys: number, random: () => number, allowed: (q: number, k: number) => boolean = () => true, sharpness = 3): AttentionMatrix {
  const weights = new Float32Array(heads * queries * keys);
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < queries; q++) {
      const o = (h * queries + q) * keys;
      let sum = 0;
      for (let k = 0; k < keys; k++) {
        const v = allowed(q, k) ? Math.exp(sharpness * random()) : 0;
        weights[o + k] = v;
        sum += v;
      }
      for (let k = 0; k < keys; k++) weights[o + k] /= sum;
    }
  }
  return { heads, queries, keys, weights };
}

export const LAYOUT: EncoderTokenLayout = {
  grid: { rows: 4, cols: 4, patchSize: 16, imageSize: 64 },
  rgbTokens: 16,
  latents: 8,
  experts: [
    { expert: 'depth', offset: 0, tokens: 4, rows: 2, cols: 2 },
    { expert: 'seg_coco', offset: 4, tokens: 4, rows: 2, cols: 2 },
  ],
};

export const TOKENS = ['<s>', 'A', 'Ġpicture', 'Ġof', 'Ġa', 'Ġred', 'Ġsquare', '</s>'];

export function syntheticCapture(seed = 1): AttentionCaptureResult {
  const random = seededRandom(seed);
  const n = LAYOUT.rgbTokens + LAYOUT.latents;
  const t = TOKENS.length;
  return {
    layout: LAYOUT,
    tokens: [...TOKENS],
    tokenIds: TOKENS.map((_, i) => i + 10),
    promptLength: 4,
    vit: [0, 1].map((layer) => ({ layer, ...randomAttention(2, n, n, random) })),
    resampler: [0, 1].map((block) => ({ block, ...randomAttention(2, LAYOUT.latents, LAYOUT.latents + 8, random) })),
    decoderCross: [0, 1].map((layer) => ({ layer, ...randomAttention(2, t, n, random) })),
    decoderSelf: [0, 1, 2].map((layer) => ({ layer, ...randomAttention(2, t, t, random, (q, k) => k <= q) })),
  };
}
