/**
 * A RoBERTa-style byte-level BPE tokenizer (`vocab.json` + `merges.txt`) whose merges make every
 * word of the Prism Shapes texts one token, so training needs no RoBERTa download. Ids follow
 * RoBERTa's layout: `<s>`=0 `<pad>`=1 `</s>`=2 `<unk>`=3, the 256 byte symbols, the merged words,
 * `<mask>` last. Also the deterministic 64-d "text features" of class names and words.
 */
import { SeededRng } from '../rng.js';

function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const map = new Array<string>(256);
  bs.forEach((b) => { map[b] = String.fromCharCode(b); });
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) map[b] = String.fromCharCode(256 + n++);
  return map;
}

const PRE_TOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface BpeFiles {
  vocab: Record<string, number>;
  merges: string[];
}

/** Builds vocab + merges covering every pre-token of `texts` with a single token each. */
export function buildBpeVocabulary(texts: Iterable<string>): BpeFiles {
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();
  const words = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(PRE_TOKEN)) words.add(Array.from(encoder.encode(m[0]), (b) => byteChar[b]).join(''));
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  let next = 4;
  for (const ch of byteChar) vocab[ch] = next++;
  // merges grow each word left to right; shorter results get lower ranks so prefixes exist first
  const merges = new Map<string, number>();
  for (const word of [...words].sort()) {
    const chars = Array.from(word);
    let piece = chars[0];
    for (let i = 1; i < chars.length; i++) {
      const merge = `${piece} ${chars[i]}`;
      piece += chars[i];
      if (!merges.has(merge)) merges.set(merge, piece.length);
    }
  }
  const ordered = [...merges.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([m]) => m);
  for (const merge of ordered) {
    const token = merge.replace(' ', '');
    if (vocab[token] === undefined) vocab[token] = next++;
  }
  vocab['<mask>'] = next;
  return { vocab, merges: ordered };
}

export function mergesTxt(merges: readonly string[]): string {
  return `#version: 0.2\n${merges.join('\n')}\n`;
}

function stringSeed(text: string): number {
  let h = 2166136261;
  for (const ch of new TextEncoder().encode(text)) h = Math.imul(h ^ ch, 16777619) >>> 0;
  return h;
}

/** A fixed pseudo-random 64-d feature for a name (Gaussian, norm ≈ 8 like the official tables). */
export function syntheticTextFeature(name: string, dim = 64): Float32Array {
  const rng = new SeededRng(stringSeed(name));
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const u = Math.max(rng.next(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  }
  return out;
}

export function featureTableOf(names: readonly string[], dim = 64): Float32Array {
  const out = new Float32Array(names.length * dim);
  names.forEach((n, i) => out.set(syntheticTextFeature(n, dim), i * dim));
  return out;
}
