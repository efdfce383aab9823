// `prismer score captions|vqa`: the official COCO caption metrics and VQA accuracy from files.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { writeFileAtomic } from '../io/atomic.js';
import { CAPTION_METRICS_NOT_COMPUTED, loadCaptionReferences, loadCaptionResults, loadVqaAnnotations, loadVqaQuestions, loadVqaResults, scoreCaptions, scoreVqa } from '../metrics/index.js';
import type { CaptionScores, PtbLineBreakPolicy, VqaScores } from '../metrics/index.js';

const usage = `usage:
  prismer score captions --refs <file> --results <file> [--json] [--per-image <out.json>]
                         [--line-breaks space|official|reject] [--image-order ascending|results]
  prismer score vqa --annotations <file> --questions <file> --results <file> [--json]
                    [--no-official-quirks] [--allow-duplicate-results]

captions: BLEU-1..4, ROUGE-L and CIDEr(-D) exactly as pycocoevalcap 1.2 computes them (PTB tokenizer
  included). --refs: COCO {images, annotations} or {"<image_id>": [captions]}; --results:
  [{image_id, caption}] or {"<image_id>": caption}. --per-image writes the per-image scores as JSON.
  --line-breaks: what CR, VT, FF, U+2028/9 inside a caption do: 'space' (default), 'official'
  (the official wrapper's bug: later captions shift to the wrong image) or 'reject'.
  METEOR and SPICE are not computed: the official tools need Java.
vqa: the official VQA accuracy (vqaEval.py, n = 2). --no-official-quirks always normalises
  answers, strips every period and matches contraction keys case-insensitively.
--json prints one JSON object instead of tables. Files may be gzip-compressed.`;

function captionTable(scores: CaptionScores, refsPath: string, resultsPath: string): string {
  const refCount = scores.tokenized.reduce((n, t) => n + t.gts.length, 0);
  const t = scores.bleuTotals;
  const rows = Object.entries(scores.corpus).map(([metric, value]) => `  ${metric.padEnd(8)}  ${value.toFixed(6)}`);
  return [
    `COCO caption metrics (pycocoevalcap 1.2 replica): ${scores.perImage.length} images, ${refCount} reference captions`,
    `  references: ${refsPath}`,
    `  results:    ${resultsPath}`,
    '',
    '  metric    score',
    ...rows,
    '',
    `  BLEU totals: testlen ${t.testlen}, reflen ${t.reflen}, guess [${t.guess.join(', ')}], correct [${t.correct.join(', ')}], ratio ${scores.bleuRatio}`,
    `  ${CAPTION_METRICS_NOT_COMPUTED.join(' and ')}: not computed (the official tools need Java)`,
  ].join('\n');
}

function vqaTable(scores: VqaScores): string {
  const width = Math.max(...Object.keys(scores.perQuestionType).map((k) => k.length), 12);
  const lines = [`VQA accuracy (official vqaEval, n = 2): ${scores.perQuestion.length} questions`, '', `  Overall accuracy: ${scores.overall.toFixed(2)}`, '', '  per answer type'];
  for (const [type, acc] of Object.entries(scores.perAnswerType)) lines.push(`    ${type.padEnd(width)}  ${acc.toFixed(2)}`);
  lines.push('', '  per question type');
  const types = Object.entries(scores.perQuestionType).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [type, acc] of types) lines.push(`    ${type.padEnd(width)}  ${acc.toFixed(2)}`);
  return lines.join('\n');
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} <file> is required`);
  return value;
}

async function runCaptions(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      refs: { type: 'string' },
      results: { type: 'string' },
      json: { type: 'boolean', default: false },
      'per-image': { type: 'string' },
      'line-breaks': { type: 'string', default: 'space' },
      'image-order': { type: 'string', default: 'ascending' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const refsPath = required(values, 'refs');
  const resultsPath = required(values, 'results');
  const lineBreaks = values['line-breaks'];
  if (lineBreaks !== 'space' && lineBreaks !== 'official' && lineBreaks !== 'reject') throw new UsageError(`--line-breaks must be space, official or reject, got '${lineBreaks}'`);
  const imageOrder = values['image-order'];
  if (imageOrder !== 'ascending' && imageOrder !== 'results') throw new UsageError(`--image-order must be ascending or results, got '${imageOrder}'`);
  const scores = scoreCaptions(loadCaptionReferences(refsPath), loadCaptionResults(resultsPath), { lineBreaks: lineBreaks as PtbLineBreakPolicy, imageOrder });
  if (values['per-image'] !== undefined) writeFileAtomic(values['per-image'], `${JSON.stringify(scores.perImage)}\n`);
  if (values.json) {
    console.log(JSON.stringify({ corpus: scores.corpus }));
    console.error(`${CAPTION_METRICS_NOT_COMPUTED.join(' and ')}: not computed (the official tools need Java)`);
  } else console.log(captionTable(scores, refsPath, resultsPath));
  return 0;
}

async function runVqa(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      annotations: { type: 'string' },
      questions: { type: 'string' },
      results: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-official-quirks': { type: 'boolean', default: false },
      'allow-duplicate-results': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const annotations = loadVqaAnnotations(required(values, 'annotations'));
  const questions = loadVqaQuestions(required(values, 'questions'));
  const results = loadVqaResults(required(values, 'results'), { allowDuplicateResults: values['allow-duplicate-results'] });
  const scores = scoreVqa(annotations, results, questions, { replicateOfficialQuirks: !values['no-official-quirks'] });
  if (values.json) console.log(JSON.stringify({ overall: scores.overall, perAnswerType: scores.perAnswerType, perQuestionType: scores.perQuestionType }));
  else console.log(vqaTable(scores));
  return 0;
}

function parseError(error: unknown): never {
  // parseArgs reports unknown or malformed options with a TypeError carrying an ERR_PARSE_ARGS_* code.
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message);
  throw error;
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'Score captions (BLEU, ROUGE-L, CIDEr) or VQA answers exactly as the official tools',
  usage,
  async run(args: string[]): Promise<number> {
    const [kind, ...rest] = args;
    try {
      if (kind === 'captions') return await runCaptions(rest);
      if (kind === 'vqa') return await runVqa(rest);
    } catch (error) {
      parseError(error);
    }
    throw new UsageError(kind === undefined ? 'say what to score: captions or vqa' : `unknown kind '${kind}' (expected captions or vqa)`);
  },
};
