import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from './tokenizer.js';

/**
 * RoBERTa's byte-level BPE through `@huggingface/tokenizers`, configured like the `roberta-base` hub
 * tokenizer (ByteLevel pre-tokenizer without prefix space, RobertaProcessing `<s> x </s>`, `<mask>` with
 * lstrip) and decoding like transformers 4.26's slow `RobertaTokenizer` (clean_up_tokenization_spaces on).
 */

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'] as const;

/** Options of the decoder; the default replicates transformers 4.26 (`clean_up_tokenization_spaces=True`). */
export interface RobertaDecodeOptions {
  /** Remove spaces before `. ? ! ,` and in contractions as HF's `clean_up_tokenization` does. Default true. */
  cleanUpTokenizationSpaces?: boolean;
}

/** A `tokenizer.json` document (the parts we read or write). */
export interface TokenizerJson {
  added_tokens: Array<{ id: number; content: string; special: boolean; lstrip?: boolean; rstrip?: boolean; single_word?: boolean; normalized?: boolean }>;
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: { type?: string; vocab: Record<string, number>; merges: Array<string | [string, string]>; unk_token?: string | null; [key: string]: unknown };
  [key: string]: unknown;
}

/** Builds the `tokenizer.json` equivalent of a RoBERTa `vocab.json` + `merges.txt` pair. */
export function robertaTokenizerJson(vocab: Record<string, number>, merges: string[], source = 'vocab.json'): TokenizerJson {
  for (const special of ['<s>', '<pad>', '</s>'] as const) {
    if (vocab[special] === undefined) throw new Error(`${source}: missing special token '${special}' (a RoBERTa vocabulary has <s> <pad> </s> <unk> <mask>)`);
  }
  const added = SPECIALS.filter((t) => vocab[t] !== undefined).map((content) => ({
    id: vocab[content]!, content, special: true, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false,
  }));
  return {
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: ['</s>', vocab['</s>']], cls: ['<s>', vocab['<s>']], trim_offsets: true, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: vocab['<unk>'] !== undefined ? '<unk>' : null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, vocab, merges },
  };
}

/** Parses merges.txt: skips the `#version` header and blank lines; each line is `left right`. */
export function parseMergesTxt(text: string, source = 'merges.txt'): string[] {
  const merges: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.length === 0 || (i === 0 && line.startsWith('#version'))) continue;
    if (line.split(' ').length !== 2) throw new Error(`${source}: line ${i + 1} is not a 'left right' merge: ${JSON.stringify(line)}`);
    merges.push(line);
  }
  return merges;
}

export class RobertaBpeTokenizer implements TextTokenizer {
  readonly bosId: number;
  readonly padId: number;
  readonly eosId: number;
  readonly vocabSize: number;
  private readonly tokenizer: Tokenizer;
  private readonly specialIds: Set<number>;
  private readonly cleanUp: boolean;

  constructor(json: TokenizerJson, options: RobertaDecodeOptions = {}, source = 'tokenizer.json') {
    this.cleanUp = options.cleanUpTokenizationSpaces ?? true;
    this.tokenizer = new Tokenizer(json, { clean_up_tokenization_spaces: this.cleanUp });
    const id = (token: string): number => {
      const value = this.tokenizer.token_to_id(token);
      if (value === undefined) throw new Error(`${source}: vocabulary has no '${token}' token`);
      return value;
    };
    this.bosId = id('<s>');
    this.padId = id('<pad>');
    this.eosId = id('</s>');
    this.specialIds = new Set(json.added_tokens.filter((t) => t.special).map((t) => t.id));
    let maxId = -1;
    for (const value of Object.values(json.model.vocab)) maxId = Math.max(maxId, value);
    for (const t of json.added_tokens) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;
  }

  encode(text: string, addSpecialTokens: boolean): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    if (ids.length === 0) return '';
    const kept = skipSpecialTokens ? ids.filter((i) => !this.specialIds.has(i)) : [...ids];
    if (kept.length === 0) return '';
    return this.tokenizer.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: this.cleanUp });
  }

  /** The byte-level BPE pieces of a text (without specials), e.g. `['A', 'Ġpicture', 'Ġof']`. */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }

  idToToken(id: number): string | undefined {
    return this.tokenizer.id_to_token(id);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read JSON (${(error as Error).message})`);
  }
}

/**
 * Loads a RoBERTa tokenizer from a folder holding `tokenizer.json`, or `vocab.json` + `merges.txt`
 * (as downloaded by `prismer download roberta-base`), or from a path to a `tokenizer.json` file.
 */
export function loadRobertaTokenizer(path: string, options: RobertaDecodeOptions = {}): RobertaBpeTokenizer {
  if (path.endsWith('.json') && existsSync(path)) {
    return new RobertaBpeTokenizer(readJson(path) as TokenizerJson, options, path);
  }
  const tokenizerJson = join(path, 'tokenizer.json');
  if (existsSync(tokenizerJson)) {
    const json = readJson(tokenizerJson) as TokenizerJson;
    if (!json || typeof json !== 'object' || !json.model || typeof json.model.vocab !== 'object') {
      throw new Error(`${tokenizerJson}: expected a tokenizers document with model.vocab and model.merges`);
    }
    return new RobertaBpeTokenizer(json, options, tokenizerJson);
  }
  const vocabPath = join(path, 'vocab.json');
  const mergesPath = join(path, 'merges.txt');
  if (!existsSync(vocabPath) || !existsSync(mergesPath)) {
    throw new Error(`${path}: no tokenizer.json and no vocab.json + merges.txt (download them with 'prismer download roberta-base')`);
  }
  const vocab = readJson(vocabPath) as Record<string, number>;
  const merges = parseMergesTxt(readFileSync(mergesPath, 'utf8'), mergesPath);
  return new RobertaBpeTokenizer(robertaTokenizerJson(vocab, merges, vocabPath), options, vocabPath);
}
