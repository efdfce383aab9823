import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What `prismer download` knows how to fetch: the 12 official Prismer checkpoints (Hugging Face repo
 * `shikunl/prismer`, file `<name>/pytorch_model.bin`, the list of the official download_checkpoints.py)
 * and the RoBERTa tokenizer files the models need, and where they are placed under PRISMER_HOME.
 */

export const PRISMER_REPO = 'shikunl/prismer';

export const PRISMER_MODELS = [
  'vqa_prismer_base', 'vqa_prismer_large', 'vqa_prismerz_base', 'vqa_prismerz_large',
  'caption_prismerz_base', 'caption_prismerz_large', 'caption_prismer_base', 'caption_prismer_large',
  'pretrain_prismer_base', 'pretrain_prismer_large', 'pretrain_prismerz_base', 'pretrain_prismerz_large',
] as const;

export type PrismerModelName = (typeof PRISMER_MODELS)[number];

export const TOKENIZER_REPOS = ['roberta-base', 'roberta-large'] as const;
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt'] as const;

/** One file to fetch from the hub and where it goes. */
export interface HubFile {
  repo: string;
  /** Path inside the repository. */
  path: string;
  revision: string;
  /** Absolute destination path. */
  dest: string;
}

/** PRISMER_HOME, or ~/.cache/prismer. */
export function prismerHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PRISMER_HOME && env.PRISMER_HOME.length > 0 ? env.PRISMER_HOME : join(homedir(), '.cache', 'prismer');
}

/** Where a downloaded checkpoint lives: `<home>/checkpoints/<name>/pytorch_model.bin`. */
export function checkpointPath(name: string, home = prismerHome()): string {
  return join(home, 'checkpoints', name, 'pytorch_model.bin');
}

/** Where a tokenizer's files live: `<home>/tokenizers/<roberta-base|roberta-large>/`. */
export function tokenizerDir(name: string, home = prismerHome()): string {
  return join(home, 'tokenizers', name);
}

/** The tokenizer a model uses (prismer(z)_base → roberta-base, _large → roberta-large). */
export function tokenizerForModel(name: string): (typeof TOKENIZER_REPOS)[number] {
  return name.endsWith('_large') ? 'roberta-large' : 'roberta-base';
}

/** Every name `prismer download` accepts. */
export function downloadableNames(): string[] {
  return [...PRISMER_MODELS, ...TOKENIZER_REPOS];
}

/** The files of one downloadable name; unknown names are an error listing the valid ones. */
export function filesFor(name: string, home = prismerHome()): HubFile[] {
  if ((PRISMER_MODELS as readonly string[]).includes(name)) {
    return [{ repo: PRISMER_REPO, path: `${name}/pytorch_model.bin`, revision: 'main', dest: checkpointPath(name, home) }];
  }
  if ((TOKENIZER_REPOS as readonly string[]).includes(name)) {
    return TOKENIZER_FILES.map((file) => ({ repo: name, path: file, revision: 'main', dest: join(tokenizerDir(name, home), file) }));
  }
  throw new Error(`unknown download '${name}': expected one of ${downloadableNames().join(', ')}`);
}
