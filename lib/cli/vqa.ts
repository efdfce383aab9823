import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic.js';
import { VqaAnswerer, type VqaResult } from '../inference/vqa.js';
import { UsageError, type Command } from './command.js';
import { loadModelFromArgs, MODEL_OPTIONS, MODEL_USAGE } from './inference-options.js';

const usage = `usage: prismer vqa <image> "<question>" ["<question>" ...] --model vqa_prismer_base [options]

Answers questions about an image as the official PrismerVQA. With --answers, ranks that answer list
(official 'rank' inference, k_test candidates by first-token probability, then by mean log-probability);
without, generates the answer (3 beams, length_penalty -1, up to 10 tokens).

options:
${MODEL_USAGE}
  --answers FILE          JSON list of candidate answers (the official answer_list.json)
  --k-test N              candidates kept for ranking (official 16)`;

/** Reads an answer list: a JSON array of strings. */
export function readAnswerListFile(path: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read the answer list (${(error as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0 || value.some((a) => typeof a !== 'string')) throw new Error(`${path}: expected a non-empty JSON array of answer strings`);
  return value as string[];
}

function resultJson(r: VqaResult): Record<string, unknown> {
  return { image: r.image, question: r.question, answer: r.text, score: r.score, token_ids: r.tokenIds, ...(r.candidates ? { candidates: r.candidates } : {}), ...(r.beams ? { beams: r.beams.map((b) => ({ answer: b.text, score: b.score, token_ids: b.tokenIds })) } : {}) };
}

export const vqaCommand: Command = {
  name: 'vqa',
  summary: 'answer questions about an image with an official Prismer VQA model',
  usage,
  async run(args: string[]): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { ...MODEL_OPTIONS, answers: { type: 'string' }, 'k-test': { type: 'string' } } });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    const [image, ...questions] = positionals;
    if (!image || questions.length === 0) throw new UsageError('give an image and at least one question');
    const kTest = values['k-test'] === undefined ? 16 : Number(values['k-test']);
    if (!Number.isInteger(kTest) || kTest < 1) throw new UsageError(`--k-test must be a positive integer (got '${values['k-test']}')`);
    const answers = values.answers ? readAnswerListFile(values.answers) : undefined;
    const { loaded, decoding } = await loadModelFromArgs(values, 'vqa');
    try {
      const results = await new VqaAnswerer(loaded, { answers, kTest, decoding }).answer(image, questions, { labelPath: values.labels, allowMissingLabels: values['allow-missing-labels'] });
      if (values.out) writeFileAtomic(values.out, JSON.stringify(results.map(resultJson), null, 1) + '\n');
      for (const r of results) console.log(`${r.question}\t${r.text}\t${r.score.toFixed(4)}`);
      return 0;
    } finally {
      loaded.model.dispose();
    }
  },
};
