/**
 * Python `str` methods the official text cleaning relies on, with CPython 3.8+ semantics: `capitalize()`
 * title-cases the first character and lower-cases the rest (unlike JS idioms that keep the rest as is),
 * and `\s` / `strip()` use Python's notion of whitespace (`str.isspace`), which differs from JS `\s`.
 */

/** Characters for which CPython's `str.isspace()` is true (also what `re`'s `\s` matches in str patterns). */
export const PYTHON_WHITESPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const LEADING_WS = new RegExp(`^[${PYTHON_WHITESPACE}]+`, 'u');
const TRAILING_WS = new RegExp(`[${PYTHON_WHITESPACE}]+$`, 'u');

/** Python `s.strip()` (no argument): removes leading and trailing `isspace()` characters. */
export function pythonStrip(s: string): string {
  return s.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

/** Python `s.strip(chars)` / `s.rstrip(chars)` with an explicit character set. */
export function pythonStripChars(s: string, chars: string, side: 'both' | 'right' = 'both'): string {
  const set = new Set(Array.from(chars));
  const cps = Array.from(s);
  let end = cps.length;
  while (end > 0 && set.has(cps[end - 1]!)) end--;
  let start = 0;
  if (side === 'both') while (start < end && set.has(cps[start]!)) start++;
  return cps.slice(start, end).join('');
}

// Title case differs from upper case for these code points (Unicode UnicodeData.txt / SpecialCasing.txt).
const TITLE_CASE: Record<string, string> = {
  '\u01c4': '\u01c5', '\u01c5': '\u01c5', '\u01c6': '\u01c5',
  '\u01c7': '\u01c8', '\u01c8': '\u01c8', '\u01c9': '\u01c8',
  '\u01ca': '\u01cb', '\u01cb': '\u01cb', '\u01cc': '\u01cb',
  '\u01f1': '\u01f2', '\u01f2': '\u01f2', '\u01f3': '\u01f2',
  '\u0149': '\u02bcN',
};

/** Title case of one code point as CPython's `str.capitalize` computes it for the first character. */
function titleCase(cp: string): string {
  const mapped = TITLE_CASE[cp];
  if (mapped !== undefined) return mapped;
  const code = cp.codePointAt(0)!;
  // Greek letters with ypogegrammeni title-case to the single capital with prosgegrammeni.
  if ((code >= 0x1f80 && code <= 0x1faf)) return String.fromCodePoint(code | 0x08);
  const greekIota: Record<number, number> = { 0x1fb3: 0x1fbc, 0x1fbc: 0x1fbc, 0x1fc3: 0x1fcc, 0x1fcc: 0x1fcc, 0x1ff3: 0x1ffc, 0x1ffc: 0x1ffc };
  if (greekIota[code] !== undefined) return String.fromCodePoint(greekIota[code]!);
  const upper = cp.toUpperCase();
  const parts = Array.from(upper);
  if (parts.length <= 1) return upper;
  // Multi-character upper-case expansions (ß -> SS, ﬁ -> FI, և -> ԵՒ): title case keeps the first one upper.
  return parts[0]! + parts.slice(1).join('').toLowerCase();
}

/** Python 3.8+ `s.capitalize()`: first character title-cased, every other character lower-cased. */
export function pythonCapitalize(s: string): string {
  if (s.length === 0) return s;
  const first = String.fromCodePoint(s.codePointAt(0)!);
  // Lower-case the rest with the first character still in front, so context rules (final sigma) see it.
  const lowerFirst = first.toLowerCase();
  const lowered = (first + s.slice(first.length)).toLowerCase();
  return titleCase(first) + lowered.slice(lowerFirst.length);
}
