// The pycocoevalcap tokenizer wrapper around PTBTokenizer: one batch of captions is joined with
// '\n', tokenized, split back into lines and stripped of the punctuation tokens below.
import { ptbLex, ptbLexLines } from './ptb-lexer.js';
import type { TokenVocabulary } from './token-vocabulary.js';

/** Tokens the official wrapper drops after the Java tokenizer (upper-case entries never match: tokens are lower-cased). */
export const PTB_PUNCTUATION_REMOVED: readonly string[] = ["''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-', '--', '...', ';'];
const REMOVED = new Set(PTB_PUNCTUATION_REMOVED);

/**
 * What to do with line-break characters other than '\n' (CR, VT, FF, U+2028, U+2029) inside a caption.
 * - `space` (default): treat them like '\n', i.e. as a space. Captions stay with their images.
 * - `official`: do what the official wrapper does: the tokenizer ends a line there, so the caption
 *   becomes two lines and every later caption of the batch is paired with the wrong entry.
 * - `reject`: throw an error naming the caption.
 */
export type PtbLineBreakPolicy = 'space' | 'official' | 'reject';

export interface PtbTokenizeOptions {
  lineBreaks?: PtbLineBreakPolicy;
  /** Names the input in errors (e.g. a file name). */
  source?: string;
  /** Names caption i in errors (e.g. its image id). */
  describe?: (index: number) => string;
}

const HAZARD = /[\r\u000B\u000C\u2028\u2029]/;
const HAZARD_ALL = /[\r\u000B\u000C\u2028\u2029]/g;
const NEWLINE_ALL = /\n/g;

function escapeChar(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Tokenizes one batch exactly as `PTBTokenizer.tokenize()` of pycocoevalcap does for the captions
 * it is given in one call: entry i of the result belongs to caption i. The batch matters: the last
 * caption is lexed at end of input and a caption's end may be lexed with the next caption's start
 * in view (e.g. `p.m.` before a line starting with `At`).
 */
export function ptbTokenizeBatch(captions: readonly string[], options: PtbTokenizeOptions = {}): string[] {
  return ptbTokenizeBatchTokens(captions, options).map((tokens) => tokens.join(' '));
}

/**
 * Like `ptbTokenizeBatch`, but returns each caption's kept tokens instead of their space-joined
 * string (no token is empty or contains a plain space; an empty list stands for "").
 */
export function ptbTokenizeBatchTokens(captions: readonly string[], options: PtbTokenizeOptions = {}): string[][] {
  const lines = ptbLexLines(joinBatch(captions, options));
  const out: string[][] = new Array(captions.length);
  for (let i = 0; i < captions.length; i++) {
    const tokens = lines[i] ?? [];
    // Filter in place: the lexer's arrays are ours.
    let kept = 0;
    for (let t = 0; t < tokens.length; t++) if (!REMOVED.has(tokens[t])) tokens[kept++] = tokens[t];
    tokens.length = kept;
    out[i] = tokens;
  }
  return out;
}

/** Token ids of a batch: caption i's kept tokens are ids[offsets[i] .. offsets[i+1]). */
export interface PtbTokenIds {
  ids: Int32Array;
  offsets: Int32Array;
}

/**
 * Like `ptbTokenizeBatchTokens`, with tokens interned in `vocabulary` as they are lexed, so that a
 * large corpus keeps one string per distinct token instead of one per occurrence.
 */
export function ptbTokenizeBatchIds(captions: readonly string[], vocabulary: TokenVocabulary, options: PtbTokenizeOptions = {}): PtbTokenIds {
  let ids = new Int32Array(Math.max(16, captions.length * 12));
  let count = 0;
  const offsets = new Int32Array(captions.length + 1);
  let line = 0;
  ptbLex(joinBatch(captions, options), {
    token(text: string): void {
      if (line >= captions.length || REMOVED.has(text)) return;
      if (count === ids.length) {
        const grown = new Int32Array(ids.length * 2);
        grown.set(ids);
        ids = grown;
      }
      ids[count++] = vocabulary.id(text);
    },
    endLine(): void {
      // Lines past the last caption (the official line-break bug) are dropped, as zip() does.
      if (line < captions.length) offsets[++line] = count;
    },
  });
  while (line < captions.length) offsets[++line] = count;
  return { ids: ids.subarray(0, count), offsets };
}

/** The batch text the wrapper hands to the tokenizer, after applying the line-break policy. */
function joinBatch(captions: readonly string[], options: PtbTokenizeOptions): string {
  const policy = options.lineBreaks ?? 'space';
  return captions
    .map((caption, i) => {
      let text = caption.includes('\n') ? caption.replace(NEWLINE_ALL, ' ') : caption;
      if (policy !== 'official' && HAZARD.test(text)) {
        if (policy === 'reject') {
          const ch = HAZARD.exec(text)![0];
          const where = options.describe ? options.describe(i) : `caption ${i}`;
          throw new Error(`${options.source ?? 'captions'}: ${where} contains the line-break character ${escapeChar(ch)}, which would shift captions in the official tokenizer (use lineBreaks 'space' to treat it as a space)`);
        }
        text = text.replace(HAZARD_ALL, ' ');
      }
      return text;
    })
    .join('\n');
}

/** Tokenizes a single caption on its own (lexed at end of input, like a one-caption batch). */
export function ptbTokenize(caption: string, options: PtbTokenizeOptions = {}): string {
  return ptbTokenizeBatch([caption], options)[0];
}

/** The tokens before the wrapper's punctuation filter, one space-joined string per line (the Java output). */
export function ptbRawLines(captions: readonly string[]): string[] {
  return ptbLexLines(captions.map((c) => c.replace(NEWLINE_ALL, ' ')).join('\n')).map((tokens) => tokens.join(' '));
}
