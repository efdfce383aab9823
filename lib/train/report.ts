import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { CaptionMetricScores } from '../metrics/captions.js';
import { savePlot } from '../viz/save.js';
import { groupedComparison } from '../viz/specs/grouped-comparison.js';
import { trainingCurves } from '../viz/specs/training-curves.js';
import { readTrainLog } from './log.js';

/** What `prismer start` measured: the trained models against the baselines on the held-out split. */
export interface StartSummary {
  caption: { corpus: CaptionMetricScores; baseline: { caption: string; corpus: CaptionMetricScores }; trainSeconds: number; steps: number } | null;
  vqa: {
    overall: number; perQuestionType: Record<string, number>;
    baseline: { overall: number; perQuestionType: Record<string, number>; answers: Record<string, string> };
    /** Per question type whose answer names a colour or kind: a random one of those in the scene (`answerInSceneBaseline`). */
    inScene?: Record<string, number>;
    questions: number; trainSeconds: number; steps: number;
  } | null;
  images: number;
  wallSeconds: number;
  backend: string;
}

/** The results table printed at the end of `npm start` (also the body of report.md). */
export function formatStartTable(summary: StartSummary): string {
  const lines: string[] = [];
  const row = (label: string, model: string, baseline: string, note = ''): string => `${label.padEnd(26)}${model.padStart(10)}${baseline.padStart(12)}${note ? `   ${note}` : ''}`;
  lines.push(row('held-out split', 'model', 'baseline'));
  lines.push('-'.repeat(48));
  if (summary.caption) {
    const c = summary.caption;
    lines.push(row('CIDEr-D', c.corpus.CIDEr.toFixed(3), c.baseline.corpus.CIDEr.toFixed(3), `baseline: best constant caption "${c.baseline.caption}"`));
    lines.push(row('BLEU-4', c.corpus.Bleu_4.toFixed(3), c.baseline.corpus.Bleu_4.toFixed(3)));
    lines.push(row('ROUGE-L', c.corpus.ROUGE_L.toFixed(3), c.baseline.corpus.ROUGE_L.toFixed(3)));
  }
  if (summary.vqa) {
    const v = summary.vqa;
    lines.push(row('VQA accuracy (%)', v.overall.toFixed(2), v.baseline.overall.toFixed(2), 'baseline: best single answer per question type'));
    for (const [type, acc] of Object.entries(v.perQuestionType)) {
      const inScene = v.inScene?.[type];
      const note = `prior answer '${v.baseline.answers[type] ?? '?'}'${inScene === undefined ? '' : `; one in the scene at random: ${inScene.toFixed(2)}`}`;
      lines.push(row(`  ${type}`, acc.toFixed(2), (v.baseline.perQuestionType[type] ?? 0).toFixed(2), note));
    }
    if (v.inScene) lines.push('  (one in the scene at random: a colour or kind of the scene\'s shapes, the answer of a model that sees them but not which one the question means)');
  }
  return lines.join('\n');
}

/** Writes summary.json, report.md and the SVG plots (loss/lr curves, model vs baseline bars) into `dir`. */
export async function writeStartReport(dir: string, summary: StartSummary, runDirs: { caption?: string; vqa?: string }): Promise<string[]> {
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileAtomic(join(dir, name), text);
    written.push(join(dir, name));
  };
  write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  const runs = Object.entries(runDirs).flatMap(([name, runDir]) => {
    if (!runDir) return [];
    const rows = readTrainLog(join(runDir, 'train.jsonl')).filter((r) => r.kind === 'step').map((r) => ({ step: r.step, loss: r.loss as number, lr: r.lr as number }));
    return [{ name, rows }];
  });
  if (runs.length > 0) {
    await savePlot(trainingCurves(runs, { metrics: ['loss', 'lr'], logScale: ['lr'], smoothing: 10, title: 'Training on Prism Shapes' }), join(dir, 'training-curves.svg'));
    written.push(join(dir, 'training-curves.svg'));
  }
  if (summary.vqa) {
    const v = summary.vqa;
    const scores = Object.keys(v.perQuestionType).flatMap((type) => [
      { group: 'model', metric: type, value: v.perQuestionType[type]! },
      { group: 'best single answer per type', metric: type, value: v.baseline.perQuestionType[type] ?? 0 },
      ...(v.inScene?.[type] === undefined ? [] : [{ group: 'one in the scene at random', metric: type, value: v.inScene[type]! }]),
    ]);
    scores.push({ group: 'model', metric: 'overall', value: v.overall }, { group: 'best single answer per type', metric: 'overall', value: v.baseline.overall });
    await savePlot(groupedComparison(scores, { title: 'VQA accuracy (%) on held-out Prism Shapes', groupTitle: 'answers from', independentScales: false }), join(dir, 'vqa-accuracy.svg'));
    written.push(join(dir, 'vqa-accuracy.svg'));
  }
  if (summary.caption) {
    const c = summary.caption;
    const scores = (['CIDEr', 'Bleu_4', 'ROUGE_L'] as const).flatMap((metric) => [
      { group: 'model', metric, value: c.corpus[metric] },
      { group: 'best constant caption', metric, value: c.baseline.corpus[metric] },
    ]);
    await savePlot(groupedComparison(scores, { title: 'Captioning on held-out Prism Shapes', groupTitle: 'captions from' }), join(dir, 'caption-metrics.svg'));
    written.push(join(dir, 'caption-metrics.svg'));
  }
  const md = [
    '# prismer start: Prism Shapes report', '',
    `Backend ${summary.backend}; ${summary.images} held-out images; wall time ${summary.wallSeconds.toFixed(0)} s.`, '',
    '```', formatStartTable(summary), '```', '',
    'Files: `summary.json` (all numbers), `caption/` and `vqa/` (config.json, train.jsonl, checkpoints, results in the official formats, metrics.json), `*.svg` plots.', '',
  ].join('\n');
  write('report.md', md);
  return written;
}

/** Reads a run's metrics.json as written by evaluateExperiment. */
export function readRunMetrics(runDir: string): { task: string; results: string; scores: Record<string, unknown> | null } {
  const path = join(runDir, 'metrics.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { task: string; results: string; scores: Record<string, unknown> | null };
  } catch (error) {
    throw new Error(`${path}: cannot read the run's metrics (${(error as Error).message}); did training finish?`);
  }
}

