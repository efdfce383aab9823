// Encoder + teacher-forced decoder forward of prismer_base (random weights) at 224 px, batch 1, on wasm by
// default; prints seconds per image (median of the timed repeats after one warm-up), split into encoder and
// decoder, and the decoder's share. Baseline comparisons against other backends come with those backends.
//
//   npx tsx bench/forward.ts [--size prismer_base] [--resolution 224] [--experts depth,normal,...|none]
//                            [--tokens 20] [--repeats 3] [--backend wasm]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, isBackendChoice } from '../lib/backend/init.js';
import { getModelSize } from '../lib/model/sizes.js';
import { Prismer, prismerConfigForSize } from '../lib/model/prismer.js';
import type { ExpertInputs } from '../lib/model/encoder/expert-encoder.js';
import { disposeExpertInputs } from '../lib/model/prismer-inputs.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'prismer_base' }, resolution: { type: 'string', default: '224' },
    experts: { type: 'string', default: 'depth,normal,seg_coco,edge,obj_detection,ocr_detection' },
    tokens: { type: 'string', default: '20' }, repeats: { type: 'string', default: '3' }, backend: { type: 'string', default: 'wasm' },
  },
});
if (!isBackendChoice(values.backend!)) throw new Error(`--backend: unknown backend '${values.backend}'`);
const backend = await initBackend(values.backend);
const resolution = Number(values.resolution);
const tokens = Number(values.tokens);
const repeats = Math.max(1, Number(values.repeats));
const experts = values.experts === 'none' ? [] : values.experts!.split(',').filter(Boolean);

const buildStart = performance.now();
const model = new Prismer(prismerConfigForSize(getModelSize(values.size!), experts, resolution), { seed: 1 });
const buildSeconds = (performance.now() - buildStart) / 1000;

// Random inputs shaped like the real pipeline: expert labels at the rgb resolution, a caption-length sequence.
const inputs: ExpertInputs = { rgb: tf.randomNormal([1, 3, resolution, resolution], 0, 1, 'float32', 1) as tf.Tensor4D };
for (const name of experts) {
  const label = (channels: number): tf.Tensor4D => tf.randomUniform([1, channels, resolution, resolution], -1, 1, 'float32', 2) as tf.Tensor4D;
  if (name === 'depth' || name === 'edge') inputs[name] = label(1);
  else if (name === 'normal') inputs[name] = label(3);
  else if (name === 'obj_detection') {
    const instance = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([1, 1, resolution, resolution], 0, 6, 'float32', 3)), 'int32')) as tf.Tensor4D;
    inputs[name] = { label: label(64), instance };
  } else inputs[name] = label(64);
}
const ids = [Array.from({ length: tokens }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7919) % 50000)))];
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
console.log(`${values.size} ${resolution}px experts=[${experts.join(',') || 'none'}] tokens=${tokens} batch=1 backend=${backend}`);
console.log(`parameters ${(model.store.parameterCount() / 1e6).toFixed(1)} M, built in ${buildSeconds.toFixed(1)} s`);
console.log(`forward: ${total.toFixed(3)} s/image (encoder ${median.encoder.toFixed(3)} s, decoder ${median.decoder.toFixed(3)} s; decoder/total ${(median.decoder / total).toFixed(2)}), median of ${repeats}`);
disposeExpertInputs(inputs);
model.dispose();
