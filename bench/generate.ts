// Cached (KV-cache) versus uncached (full re-forward per token, the official behaviour) generation on
// prismer_base-sized decoder shapes with random weights: 20 new tokens after the 4-token caption prefix
// with 3 beams (the official captioning setting; --beams 1 for greedy),
// batch 1, encoder output [1, L, 768] (L = 30x30 rgb tokens + 64 latents at 480 px). Both paths share the
// cross-attention key/value memo, so the ratio measures what the cache saves. Prints seconds per caption
// for each path (median of the repeats after a warm-up) and the ratio uncached / cached.
//
//   npx tsx bench/generate.ts [--size prismer_base] [--tokens 20] [--beams 3] [--encoder-length 964]
//                             [--repeats 3] [--backend wasm]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendChoice } from '../lib/backend/init.js';
import { ParameterStore } from '../lib/nn/parameters.js';
import { PrismerTextDecoder } from '../lib/model/decoder/index.js';
import { getModelSize } from '../lib/model/sizes.js';
import { generate } from '../lib/model/generate.js';
import { reorderTextDecoderCache } from '../lib/model/decoder/index.js';
import type { GenerationModel } from '../lib/model/beam-search-steps.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'prismer_base' }, tokens: { type: 'string', default: '20' }, beams: { type: 'string', default: '3' },
    'encoder-length': { type: 'string', default: '964' }, repeats: { type: 'string', default: '3' }, backend: { type: 'string', default: 'wasm' },
  },
});
if (!isBackendChoice(values.backend!)) throw new Error(`--backend: unknown backend '${values.backend}'`);
const backend = await initBackend(values.backend);
const tokens = Number(values.tokens);
const beams = Number(values.beams);
const repeats = Math.max(1, Number(values.repeats));
const size = getModelSize(values.size!);

const buildStart = performance.now();
const store = new ParameterStore(1);
const decoder = new PrismerTextDecoder(store, 'text_decoder', size.decoder);
const encoder = tf.randomNormal([1, Number(values['encoder-length']), size.decoder.visionHiddenSize], 0, 1, 'float32', 7) as tf.Tensor3D;
console.log(`${size.name} decoder (random weights) built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s on ${backend}`);

const withEncoder = <T>(enc: tf.Tensor3D, body: () => T): T => decoder.withCrossAttentionCache(enc, body);
const paths: Record<'cached' | 'uncached', GenerationModel> = {
  cached: { kind: 'cached', decoder, acceptsPromptMask: true, reorderCache: reorderTextDecoderCache, withEncoder },
  uncached: { kind: 'full', forward: (ids, mask, enc) => decoder.forward(ids, enc, { attentionMask: mask }).logits, withEncoder },
};
const prefix = [[0, 250, 2170, 9]]; // <s> A picture of (RoBERTa ids)
// min_length = max_length: exactly `tokens` new tokens, no early EOS.
const options = { numBeams: beams, maxLength: prefix[0]!.length + tokens, minLength: prefix[0]!.length + tokens, eosTokenId: 2, padTokenId: 1 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const seconds: Record<string, number> = {};
const outputs: Record<string, number[][]> = {};
for (const name of ['cached', 'uncached'] as const) {
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const start = performance.now();
    const out = generate(paths[name], prefix, [prefix[0]!.map(() => 1)], encoder, options);
    if (r > 0) times.push((performance.now() - start) / 1000);
    outputs[name] = out.sequences;
  }
  seconds[name] = median(times);
  console.log(`${name.padEnd(8)} ${seconds[name]!.toFixed(3)} s per caption (${tokens} tokens, ${beams} beam${beams > 1 ? 's' : ''}; runs ${times.map((t) => t.toFixed(2)).join(', ')})`);
}
console.log(`same tokens: ${JSON.stringify(outputs.cached) === JSON.stringify(outputs.uncached)}`);
console.log(`ratio uncached / cached: ${(seconds.uncached! / seconds.cached!).toFixed(2)}x`);
encoder.dispose();
decoder.releaseCaches();
store.dispose();
