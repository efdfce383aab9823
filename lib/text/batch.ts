import type { TextTokenizer } from './tokenizer.js';

/** A tokenised batch as plain arrays: `inputIds[b][t]`, `attentionMask[b][t]` (1 = token, 0 = pad). */
export interface TokenBatch {
  inputIds: number[][];
  attentionMask: number[][];
}

/** HF tokenizer call options Prismer uses (`tokenizer(texts, padding=..., truncation=..., max_length=..., add_special_tokens=...)`). */
export interface EncodeBatchOptions {
  /** 'longest': right-pad to the longest row; 'max_length': right-pad to `maxLength`; false: no padding (rows must then have equal length to form a batch). Default 'longest'. */
  padding?: 'longest' | 'max_length' | false;
  /** Truncate each row (from the right, before specials are added) so that it fits `maxLength` including specials. Default false. */
  truncation?: boolean;
  maxLength?: number;
  /** Wrap each row in `<s> ... </s>`. Default true. */
  addSpecialTokens?: boolean;
}

/**
 * Batch encoding with the semantics of transformers 4.26's slow tokenizer `__call__` for single texts:
 * truncation removes content tokens from the right so that content + specials <= max_length, then
 * specials are added, then rows are padded on the right with `<pad>` (mask 0).
 */
export function encodeBatch(tokenizer: TextTokenizer, texts: readonly string[], options: EncodeBatchOptions = {}): TokenBatch {
  const padding = options.padding ?? 'longest';
  const addSpecial = options.addSpecialTokens ?? true;
  const maxLength = options.maxLength;
  if ((options.truncation || padding === 'max_length') && (maxLength === undefined || !(maxLength > 0))) {
    throw new Error(`encodeBatch: truncation / padding 'max_length' need a positive maxLength (got ${maxLength})`);
  }
  const rows = texts.map((text) => {
    let ids = tokenizer.encode(text, false);
    if (options.truncation) {
      const budget = maxLength! - (addSpecial ? 2 : 0);
      if (budget < 0) throw new Error(`encodeBatch: maxLength ${maxLength} leaves no room for the special tokens`);
      if (ids.length > budget) ids = ids.slice(0, budget);
    }
    return addSpecial ? [tokenizer.bosId, ...ids, tokenizer.eosId] : ids;
  });
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const width = padding === 'max_length' ? Math.max(maxLength!, longest) : longest;
  if (padding === false && rows.some((r) => r.length !== longest)) {
    throw new Error(`encodeBatch: rows have different lengths (${rows.map((r) => r.length).join(', ')}) and padding is off`);
  }
  return {
    inputIds: rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(tokenizer.padId)]),
    attentionMask: rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(width - r.length).fill(0)]),
  };
}
