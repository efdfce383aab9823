// Runs the PTBLexer 3.4.1 rules over a whole input text, as `PTBTokenizer -preserveLines
// -lowerCase` does: tokens are lower-cased after lexing and every line-break token starts a new
// output line. Plain words, '.' and ',' take a fast path when no other rule can match longer
// (checked against the grammar: see the conditions below); everything else tries every rule.
import { PTB_DOT_SENSITIVE_WORDS, PTB_RULES, type PtbAction } from './ptb-rules.js';

const LEFT_SINGLE = /[\u0091\u2018\u201B\u2039]/g;
const RIGHT_SINGLE = /[\u0092\u2019\u203A]/g;
const LEFT_DOUBLE = /[\u0093\u201C\u00AB]/g;
const RIGHT_DOUBLE = /[\u0094\u201D\u00BB]/g;

function latexQuotes(text: string, probablyLeft: boolean): string {
  let s = probablyLeft
    ? text.replace(/&apos;|'/g, '`').replace(/"|&quot;/g, '``')
    : text.replace(/&apos;|'/g, "'").replace(/"|&quot;/g, "''");
  s = s.replace(LEFT_SINGLE, '`').replace(RIGHT_SINGLE, "'").replace(LEFT_DOUBLE, '``').replace(RIGHT_DOUBLE, "''");
  return s;
}

function removeSoftHyphens(text: string): string {
  if (!text.includes('\u00AD')) return text;
  const out = text.replace(/\u00AD/g, '');
  return out.length === 0 ? '-' : out;
}

const FRACTIONS: Record<string, string> = { '\u00BC': '1/4', '\u00BD': '1/2', '\u00BE': '3/4', '\u2153': '1/3', '\u2154': '2/3' };

/** Token text for a matched rule, or null when the rule produces no token. */
function tokenText(action: PtbAction, text: string): string | null {
  switch (action) {
    case 'text': return text;
    case 'softHyphens': return removeSoftHyphens(text);
    case 'sgml': return text.replace(/ /g, '\u00A0');
    case 'mdash': return '--';
    case 'amp': return text.replace(/&amp;/gi, '&');
    case 'quoteLeft': return latexQuotes(text, true);
    case 'quoteRight': return latexQuotes(text, false);
    case 'frac': return text.replace(/ /g, '\u00A0');
    case 'fraction2': return FRACTIONS[text] ?? text;
    case 'currency': return text.replace(/\u00A2/g, 'cents').replace(/\u00A3/g, '#').replace(/[\u0080\u00A4\u20A0\u20AC]/g, '$');
    case 'acronymSentEnd': return text.length === 2 ? text.slice(0, 1) : text;
    case 'abbrevSentEnd': return text;
    case 'phone': return text.replace(/ /g, '\u00A0').replace(/\(/g, '-LRB-').replace(/\)/g, '-RRB-');
    case 'lt': return '<';
    case 'gt': return '>';
    case 'parens': return text.replace(/\(/g, '-LRB-').replace(/\)/g, '-RRB-');
    case 'hyphens': return text.length >= 3 && text.length <= 4 ? '--' : text;
    case 'ellipsis': return '...';
    case 'lcb': return '-LCB-';
    case 'rcb': return '-RCB-';
    case 'lsb': return '-LSB-';
    case 'rsb': return '-RSB-';
    case 'lrb': return '-LRB-';
    case 'rrb': return '-RRB-';
    case 'skip': case 'delete': case 'newline': return null;
  }
}

const SURROGATE = /[\uD800-\uDFFF]/;
const SURROGATES = /[\uD800-\uDFFF]/g;

// Whole words that a rule before WORD splits (cannot → can not, gonna → gon na, ...).
const SPLIT_WORDS = new Set(['cannot', 'gonna', 'gotta', 'lemme', 'gimme', 'wanna']);

/** The lexer's SPACE class: [ \t\u00A0\u2000-\u200A\u3000]. */
function isLexerSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x3000;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** A space, a '\n' or the end of the text: nothing any rule can extend a plain word or '.'/',' into. */
function isPlainBoundary(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c === 32 || c === 10;
}

/** Receives the lexer's output: lower-cased tokens, and the end of each output line. */
export interface PtbTokenSink {
  token(text: string): void;
  endLine(): void;
}

/**
 * Lexes `original` into `sink` (line i of the text is output line i; a line-break character
 * inside a line ends an output line too, as in the official tool). The last line is not ended.
 */
export function ptbLex(original: string, sink: PtbTokenSink): void {
  // The Java lexer reads UTF-16 code units: each half of a surrogate pair is an untokenizable
  // character of its own (an emoji or 𝐀 splits a word and is deleted). Matching runs on a copy
  // where every surrogate is U+FFFF, which no rule treats as a letter, digit or symbol either;
  // token text is cut from the original, so kept surrogates (inside URLs, say) stay intact.
  const text = SURROGATE.test(original) ? original.replace(SURROGATES, '\uFFFF') : original;
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    const c = text.charCodeAt(pos);
    if (c === 32) {
      // The SPACES rule takes the whole run, including no-break and other spaces after this one.
      pos++;
      while (pos < n && isLexerSpace(text.charCodeAt(pos))) pos++;
      continue;
    }
    if (c === 10) { sink.endLine(); pos++; continue; }
    if (isAsciiLetter(c)) {
      let e = pos;
      let upper = false;
      for (; e < n; e++) {
        const d = text.charCodeAt(e);
        if (d >= 97 && d <= 122) continue;
        if (d >= 65 && d <= 90) upper = true;
        else break;
      }
      // A plain word before a boundary, or before ',' or '.' and a boundary (then not an
      // abbreviation candidate), is exactly what the WORD rule returns.
      const next = e < n ? text.charCodeAt(e) : -1;
      const plain = next === -1 || next === 32 || next === 10 || ((next === 44 || next === 46) && isPlainBoundary(text, e + 1));
      if (plain) {
        const word = upper ? original.slice(pos, e).toLowerCase() : original.slice(pos, e);
        const special = (e - pos >= 5 && e - pos <= 6 && SPLIT_WORDS.has(word)) || (next === 46 && PTB_DOT_SENSITIVE_WORDS.has(word));
        if (!special) {
          sink.token(word);
          pos = e;
          continue;
        }
      }
    } else if (c === 46 || c === 44) {
      // '.' or ',' before '\n', the end, or a space not followed by '.' (". . ." is an ellipsis).
      const next = pos + 1;
      if (next >= n || text.charCodeAt(next) === 10 || (text.charCodeAt(next) === 32 && (c === 44 || text.charCodeAt(next + 1) !== 46))) {
        sink.token(c === 46 ? '.' : ',');
        pos = next;
        continue;
      }
    }
    pos = lexOne(text, original, pos, sink);
  }
}

/** The lower-cased tokens of each output line. */
export function ptbLexLines(text: string): string[][] {
  let line: string[] = [];
  const lines: string[][] = [line];
  ptbLex(text, {
    token: (token) => void line.push(token),
    endLine: () => void lines.push((line = [])),
  });
  return lines;
}

/** Applies the longest-matching rule at `pos`; returns the next position. */
function lexOne(text: string, original: string, pos: number, sink: PtbTokenSink): number {
  let best = -1;
  let bestLength = 0;
  let bestMatch: RegExpExecArray | null = null;
  for (let i = 0; i < PTB_RULES.length; i++) {
    const re = PTB_RULES[i].re;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) continue;
    const length = m[0].length + (m[1] === undefined ? 0 : m[1].length);
    if (length > bestLength) {
      best = i;
      bestLength = length;
      bestMatch = m;
    }
  }
  if (bestMatch === null) return pos + 1; // unreachable: the last rule matches any character but '\n'
  const rule = PTB_RULES[best];
  const matched = original.slice(pos, pos + bestMatch[0].length);
  let consumed = matched.length;
  let yytext = matched;
  if (rule.action === 'acronymSentEnd' || rule.action === 'abbrevSentEnd') {
    consumed -= 1; // the period is lexed again as a token of its own
  } else if (rule.pushback !== undefined) {
    consumed -= rule.pushback;
    yytext = matched.slice(0, consumed);
  }
  if (rule.action === 'newline') sink.endLine();
  else {
    const token = tokenText(rule.action, yytext);
    if (token !== null) sink.token(token.toLowerCase());
  }
  return pos + consumed;
}
