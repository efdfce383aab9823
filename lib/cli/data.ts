import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';
import { generatePrismShapes } from '../data/synthetic/generate.js';

const usage = `Usage: prismer data synth --out DIR [--n N] [--seed S] [--size PX] [--test-fraction F] [--force]

  synth   Generate the Prism Shapes synthetic benchmark (images, oracle labels of the six experts in the
          official on-disk formats, caption/VQA lists, answer list, feature tables, tokenizer).
          --n              number of scenes, train + test (default 2000)
          --seed           random seed (default 0); same options give byte-identical files
          --size           image and label side in pixels (default 64)
          --test-fraction  held-out fraction (default 0.2)
          --force          replace DIR if it exists`;

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

export const dataCommand: Command = {
  name: 'data',
  summary: 'generate datasets (the Prism Shapes synthetic benchmark)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(`${usage}\n`);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== 'synth') throw new UsageError(`unknown data sub-command '${sub}' (expected 'synth')`);
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: {
          out: { type: 'string' }, n: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' },
          'test-fraction': { type: 'string' }, force: { type: 'boolean' },
        },
        strict: true, allowPositionals: false,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const v = parsed.values;
    if (!v.out) throw new UsageError('--out DIR is required');
    const testFraction = v['test-fraction'] === undefined ? 0.2 : Number(v['test-fraction']);
    if (!(testFraction > 0 && testFraction < 1)) throw new UsageError(`--test-fraction must be in (0, 1), got '${v['test-fraction']}'`);
    const n = positiveInt(v.n, 'n', 2000);
    if (n < 2) throw new UsageError('--n must be at least 2');
    const size = positiveInt(v.size, 'size', 64);
    if (size < 16 || size > 1024) throw new UsageError('--size must be in [16, 1024]');
    const started = Date.now();
    const summary = await generatePrismShapes({ out: v.out, n, seed: positiveInt(v.seed, 'seed', 0), size, testFraction, force: v.force ?? false });
    process.stdout.write(`${summary.out}: ${summary.scenes} scenes (${summary.trainScenes} train, ${summary.testScenes} test), ` +
      `${summary.trainQuestions}+${summary.testQuestions} questions, ${summary.answers} answers, vocabulary ${summary.vocabularySize} tokens, ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
