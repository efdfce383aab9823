// Integer ids for tokens and n-grams (n = 1..4), stored in flat pools, so that the scorers count
// and compare numbers instead of tuple keys and a corpus of 240k sentences allocates a few arrays
// instead of millions. Every n-gram of every order gets one dense id: (prefix id, token id) is
// interned in an open-addressing table, the empty prefix being id 0.
import { TokenVocabulary } from './token-vocabulary.js';

export const MAX_NGRAM = 4;

/** An append-only Int32Array. */
export class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  /** A copy of the filled part. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Sentences as token-id sequences plus their n-gram counts. Sentence s has `length(s)` tokens;
 * its n-grams of order n (1-based) are entries `start(s, n) .. end(s, n)` of `ids` / `counts`,
 * sorted by id, unique.
 */
export class NgramStore {
  /** The token ids sentences are made of. */
  readonly vocabulary = new TokenVocabulary();
  // n-gram hash table: keys (prefix, token) -> id
  private keyPrefix = new Int32Array(1 << 16);
  private keyToken = new Int32Array(1 << 16);
  private keyId = new Int32Array(1 << 16).fill(-1);
  private mask = (1 << 16) - 1;
  private nextId = 1;
  private readonly pool = new GrowableInt32(1 << 16);
  private readonly poolCounts = new GrowableInt32(1 << 16);
  /** Per sentence: MAX_NGRAM + 1 offsets into the pools (order n spans offsets[n-1]..offsets[n]). */
  private readonly offsets = new GrowableInt32(1 << 12);
  private readonly lengths = new GrowableInt32(1 << 10);
  private scratchPrev = new Int32Array(64);
  private scratchCur = new Int32Array(64);
  private scratchTok = new Int32Array(64);

  /** One more than the largest n-gram id handed out. */
  get ngramCount(): number {
    return this.nextId;
  }

  get sentenceCount(): number {
    return this.lengths.length;
  }

  /** The n-gram id pool (a view that is replaced when sentences are added: read it after building). */
  get ids(): Int32Array {
    return this.pool.data;
  }

  /** The counts matching `ids` (same caveat). */
  get counts(): Int32Array {
    return this.poolCounts.data;
  }

  length(sentence: number): number {
    return this.lengths.data[sentence];
  }

  start(sentence: number, n: number): number {
    return this.offsets.data[sentence * (MAX_NGRAM + 1) + n - 1];
  }

  end(sentence: number, n: number): number {
    return this.offsets.data[sentence * (MAX_NGRAM + 1) + n];
  }

  tokenId(token: string): number {
    return this.vocabulary.id(token);
  }

  private ngramId(prefix: number, token: number): number {
    let slot = (Math.imul(prefix, 0x9e3779b1) ^ Math.imul(token, 0x85ebca77)) & this.mask;
    for (;;) {
      const id = this.keyId[slot];
      if (id < 0) break;
      if (this.keyPrefix[slot] === prefix && this.keyToken[slot] === token) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.nextId++;
    this.keyPrefix[slot] = prefix;
    this.keyToken[slot] = token;
    this.keyId[slot] = id;
    if (this.nextId * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const oldPrefix = this.keyPrefix;
    const oldToken = this.keyToken;
    const oldId = this.keyId;
    const size = oldId.length * 2;
    this.keyPrefix = new Int32Array(size);
    this.keyToken = new Int32Array(size);
    this.keyId = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < oldId.length; i++) {
      if (oldId[i] < 0) continue;
      let slot = (Math.imul(oldPrefix[i], 0x9e3779b1) ^ Math.imul(oldToken[i], 0x85ebca77)) & this.mask;
      while (this.keyId[slot] >= 0) slot = (slot + 1) & this.mask;
      this.keyPrefix[slot] = oldPrefix[i];
      this.keyToken[slot] = oldToken[i];
      this.keyId[slot] = oldId[i];
    }
  }

  /** Adds a sentence given as tokens; returns its index. */
  addSentence(tokens: readonly string[]): number {
    const ids = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) ids[i] = this.tokenId(tokens[i]);
    return this.addSentenceIds(ids, tokens.length);
  }

  /** Adds a sentence given as token ids (from `tokenId`) tokens[0..len); returns its index. */
  addSentenceIds(tokens: ArrayLike<number>, len: number): number {
    if (this.scratchTok.length < len) {
      this.scratchTok = new Int32Array(len * 2);
      this.scratchPrev = new Int32Array(len * 2);
      this.scratchCur = new Int32Array(len * 2);
    }
    const tok = this.scratchTok;
    for (let i = 0; i < len; i++) tok[i] = tokens[i];
    const sentence = this.lengths.length;
    this.lengths.push(len);
    let prev = this.scratchPrev;
    let cur = this.scratchCur;
    prev.fill(0, 0, len);
    this.offsets.push(this.pool.length);
    for (let n = 1; n <= MAX_NGRAM; n++) {
      const m = len - n + 1;
      for (let i = 0; i < m; i++) cur[i] = this.ngramId(prev[i], tok[i + n - 1]);
      this.appendCounted(cur, m);
      this.offsets.push(this.pool.length);
      const swap = prev;
      prev = cur;
      cur = swap;
    }
    return sentence;
  }

  /** Appends the sorted unique ids of cur[0..m) with their counts (cur is left intact). */
  private appendCounted(cur: Int32Array, m: number): void {
    if (m <= 0) return;
    const sorted = m <= 64 ? insertionSorted(cur, m) : cur.slice(0, m).sort();
    let last = -1;
    for (let i = 0; i < m; i++) {
      const id = sorted[i];
      if (id === last) this.poolCounts.data[this.poolCounts.length - 1]++;
      else {
        this.pool.push(id);
        this.poolCounts.push(1);
        last = id;
      }
    }
  }
}

const sortScratch = new Int32Array(64);
function insertionSorted(values: Int32Array, m: number): Int32Array {
  for (let i = 0; i < m; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && sortScratch[j] > v) {
      sortScratch[j + 1] = sortScratch[j];
      j--;
    }
    sortScratch[j + 1] = v;
  }
  return sortScratch;
}

/** The evaluated set: image i's candidate is sentence `candidates[i]`, its references are sentences `refOffsets[i] .. refOffsets[i+1] - 1`. */
export interface NgramCorpus {
  store: NgramStore;
  candidates: Int32Array;
  refOffsets: Int32Array;
}
