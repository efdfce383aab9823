// Benchmark: caption metrics on 40,000 images x 5 references (COCO val2014 scale, resampled from
// the fixture captions) plus VQA accuracy on 9,000 questions (resampled from the fixture set).
// Prints seconds and the ratio to the official Python+Java tools, which take about 76 s for COCO
// val2014 (202,654 captions) on the 2-core development machine (figure from issue 2; the official
// tools need Java and cannot run here, so that baseline is quoted, not re-measured).
// Run: npx tsx bench/metrics.ts
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import { scoreCaptions } from '../lib/metrics/captions.js';
import { parseCaptionReferences, parseCaptionResults } from '../lib/metrics/caption-io.js';
import { scoreVqa } from '../lib/metrics/vqa.js';
import { parseVqaAnnotations, parseVqaResults, type VqaAnnotation } from '../lib/metrics/vqa-io.js';

const OFFICIAL_SECONDS = 76;
const IMAGES = 40_000;
const REFS_PER_IMAGE = 5;
const QUESTIONS = 9_000;
const F = 'test/fixtures/metrics';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(2024);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

const refsJson = JSON.parse(readFileSync(`${F}/captions/fakecap1000/refs.json`, 'utf8')) as Record<string, string[]>;
const candidatesJson = JSON.parse(readFileSync(`${F}/captions/fakecap1000/candidates.json`, 'utf8')) as { image_id: number; caption: string }[];
const refPool = Object.values(refsJson).flat();
const candPool = candidatesJson.map((c) => c.caption);
const refs: Record<string, string[]> = {};
const results: { image_id: number; caption: string }[] = [];
for (let i = 0; i < IMAGES; i++) {
  const id = 100_000 + i * 7;
  refs[String(id)] = Array.from({ length: REFS_PER_IMAGE }, () => pick(refPool));
  results.push({ image_id: id, caption: pick(candPool) });
}

const annotationsJson = JSON.parse(gunzipSync(readFileSync(`${F}/vqa/annotations.json.gz`)).toString('utf8')) as { annotations: VqaAnnotation[] };
const predictionsJson = JSON.parse(readFileSync(`${F}/vqa/predictions_annotator1_raw.json`, 'utf8')) as { question_id: number; answer: string }[];
const predictionById = new Map(predictionsJson.map((p) => [p.question_id, p.answer]));
const vqaAnnotations: VqaAnnotation[] = [];
const vqaPredictions: { question_id: number; answer: string }[] = [];
for (let i = 0; i < QUESTIONS; i++) {
  const source = pick(annotationsJson.annotations);
  const question_id = 1_000_000 + i;
  vqaAnnotations.push({ ...source, question_id });
  vqaPredictions.push({ question_id, answer: random() < 0.5 ? predictionById.get(source.question_id as number)! : pick(predictionsJson).answer });
}

const captionCount = IMAGES * (REFS_PER_IMAGE + 1);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const captionScores = scoreCaptions(parseCaptionReferences(refs, 'bench refs'), parseCaptionResults(results, 'bench results'));
const t1 = performance.now();
const cpu1 = process.cpuUsage();
const vqaScores = scoreVqa(parseVqaAnnotations({ annotations: vqaAnnotations }, 'bench annotations'), parseVqaResults(vqaPredictions, 'bench results'));
const t2 = performance.now();
const cpu2 = process.cpuUsage();
const cpuSeconds = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number => (to.user - from.user + to.system - from.system) / 1e6;

const captionSeconds = (t1 - t0) / 1000;
const vqaSeconds = (t2 - t1) / 1000;
const total = captionSeconds + vqaSeconds;
const captionCpu = cpuSeconds(cpu0, cpu1);
const vqaCpu = cpuSeconds(cpu1, cpu2);
const totalCpu = captionCpu + vqaCpu;
// CPU seconds are reported next to wall seconds because the shared 2-core machine is often busy;
// on an idle machine the two agree (one thread, plus garbage collection).
console.log(`captions: ${IMAGES} images, ${captionCount} captions (PTB tokenize + BLEU + ROUGE-L + CIDEr): ${captionSeconds.toFixed(2)} s wall, ${captionCpu.toFixed(2)} s CPU  (CIDEr ${captionScores.corpus.CIDEr.toFixed(4)})`);
console.log(`vqa:      ${QUESTIONS} questions: ${vqaSeconds.toFixed(2)} s wall, ${vqaCpu.toFixed(2)} s CPU  (overall ${vqaScores.overall})`);
console.log(`total:    ${total.toFixed(2)} s wall, ${totalCpu.toFixed(2)} s CPU  (target < 5 s)  load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
console.log(`ratio:    official Python+Java tools ~${OFFICIAL_SECONDS} s for COCO val2014 (202,654 captions) / ours = ${(OFFICIAL_SECONDS / total).toFixed(1)}x faster (wall), ${(OFFICIAL_SECONDS / totalCpu).toFixed(1)}x (CPU)`);
