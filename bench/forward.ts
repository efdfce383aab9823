// Encoder + teacher-forced decoder forward of prismer_base (random weights) at 224 px, batch 1, on wasm by
// default; prints seconds per image (median of the timed repeats after one warm-up), split into encoder and
// decoder, and the decoder's share. Baseline comparisons against other backends come with those backends.
//
//   npx tsx bench/forward.ts [--size prismer_base] [--resolution 224] [--experts depth,normal,...|none]
//                            [--tokens 20] [--repeats 3] [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import { modelBenchArgs, randomExpertInputs } from './random-model.js';
import { getModelSize } from '../lib/model/sizes.js';
import { Prismer, prismerConfigForSize } from '../lib/model/prismer.js';
import { disposeExpertInputs } from '../lib/model/prismer-inputs.js';

const { size, resolution, experts, tokens, repeats, backend } = await modelBenchArgs({ size: 'prismer_base', repeats: 3 });

const buildStart = performance.now();
const model = new Prismer(prismerConfigForSize(getModelSize(size), experts, resolution), { seed: 1 });
const buildSeconds = (performance.now() - buildStart) / 1000;

// Random inputs shaped like the real pipeline: expert labels at the rgb resolution, a caption-length sequence.
const inputs = randomExpertInputs(experts, resolution, resolution);
const ids = [Array.from({ length: tokens }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7919) % (model.config.decoder.vocabSize - 4))))];
const batch = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)) };

function timeOnce(): { encoder: number; decoder: number } {
  const t0 = performance.now();
  const hidden = model.encode(inputs);
  hidden.dataSync();
  const t1 = performance.now();
  const { logits } = model.decode(hidden, batch);
  logits.dataSync();
  const t2 = performance.now();
  tf.dispose([hidden, logits]);
  return { encoder: (t1 - t0) / 1000, decoder: (t2 - t1) / 1000 };
}

timeOnce(); // warm-up: kernel compilation, weight upload
const runs = Array.from({ length: repeats }, timeOnce).sort((a, b) => a.encoder + a.decoder - b.encoder - b.decoder);
const median = runs[Math.floor(runs.length / 2)]!;
const total = median.encoder + median.decoder;
console.log(`${size} ${resolution}px experts=[${experts.join(',') || 'none'}] tokens=${tokens} batch=1 backend=${backend}`);
console.log(`parameters ${(model.store.parameterCount() / 1e6).toFixed(1)} M, built in ${buildSeconds.toFixed(1)} s`);
console.log(`forward: ${total.toFixed(3)} s/image (encoder ${median.encoder.toFixed(3)} s, decoder ${median.decoder.toFixed(3)} s; decoder/total ${(median.decoder / total).toFixed(2)}), median of ${repeats}`);
disposeExpertInputs(inputs);
model.dispose();
