// Cost of attention capture: encoder + teacher-forced decoder forward of a random-weight Prismer without a
// recorder, with one (all heads), and with one averaging heads; prints seconds per image (median of the
// repeats after a warm-up), the ratios to the unrecorded pass measured in the same run, and the recorded size.
//
//   npx tsx bench/attention-capture.ts [--size prismer_small] [--resolution 224] [--experts depth,...|none]
//                                      [--tokens 20] [--repeats 5] [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import { modelBenchArgs, randomExpertInputs } from './random-model.js';
import { getModelSize } from '../lib/model/sizes.js';
import { Prismer, prismerConfigForSize } from '../lib/model/prismer.js';
import { AttentionRecorder } from '../lib/model/attention.js';
import { disposeExpertInputs } from '../lib/model/prismer-inputs.js';

const { size, resolution, experts, tokens, repeats, backend } = await modelBenchArgs({ size: 'prismer_small', repeats: 5 });
const model = new Prismer(prismerConfigForSize(getModelSize(size), experts, resolution), { seed: 1 });

const inputs = randomExpertInputs(experts, resolution, 224);
const vocab = model.config.decoder.vocabSize;
const ids = [Array.from({ length: tokens }, (_, t) => (t === 0 ? 0 : 4 + ((t * 7919) % (vocab - 4))))];
const batch = { inputIds: ids, attentionMask: ids.map((r) => r.map(() => 1)) };

function pass(recorder?: () => AttentionRecorder): { seconds: number; floats: number } {
  const attention = recorder?.();
  const start = performance.now();
  const hidden = model.encode(inputs, { attention });
  const { logits } = model.decode(hidden, batch, { attention });
  logits.dataSync();
  const seconds = (performance.now() - start) / 1000;
  tf.dispose([hidden, logits]);
  return { seconds, floats: attention ? attention.records.reduce((s, r) => s + r.weights.length, 0) : 0 };
}

// The three variants run interleaved, repeat by repeat, so that load drift on the machine hits them alike.
const variants = { off: undefined, all: () => new AttentionRecorder(), mean: () => new AttentionRecorder({ meanOverHeads: true }) };
for (const make of Object.values(variants)) pass(make); // warm-up
const samples = { off: [] as number[], all: [] as number[], mean: [] as number[] };
const floats = { off: 0, all: 0, mean: 0 };
for (let r = 0; r < repeats; r++) {
  for (const [name, make] of Object.entries(variants) as [keyof typeof variants, (() => AttentionRecorder) | undefined][]) {
    const run = pass(make);
    samples[name].push(run.seconds);
    floats[name] = run.floats;
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const off = { seconds: med(samples.off) };
const all = { seconds: med(samples.all), floats: floats.all };
const mean = { seconds: med(samples.mean), floats: floats.mean };
console.log(`${size} ${resolution} px, experts [${experts.join(', ') || 'none'}], ${tokens} tokens, ${backend}, median of ${repeats}:`);
console.log(`  no recorder          ${off.seconds.toFixed(3)} s`);
console.log(`  recorder, all heads  ${all.seconds.toFixed(3)} s  ratio ${(all.seconds / off.seconds).toFixed(2)}x  ${(all.floats * 4 / 2 ** 20).toFixed(1)} MiB recorded`);
console.log(`  recorder, head mean  ${mean.seconds.toFixed(3)} s  ratio ${(mean.seconds / off.seconds).toFixed(2)}x  ${(mean.floats * 4 / 2 ** 20).toFixed(1)} MiB recorded`);
disposeExpertInputs(inputs);
model.dispose();
