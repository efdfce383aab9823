// Python and numpy behaviours the official scorers rely on, reproduced exactly.

/** Python's `str.isspace()` set, which `str.split()` and `str.strip()` use (differs from JS `\s`). */
const PY_WS = '\\t\\n\\u000B\\u000C\\r\\u001C-\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`);
const PY_WS_ANY = new RegExp(`[${PY_WS.replace('\\u001C-\\u0020', '\\u001C-\\u001F')}]`);
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');

/** Whether s contains Python whitespace other than the plain space. */
export function hasOtherPythonWhitespace(s: string): boolean {
  return PY_WS_ANY.test(s);
}

/** Python `s.split()`: split on runs of Python whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  if (!PY_WS_ANY.test(s)) {
    // Only plain spaces can separate: the common case after the PTB tokenizer.
    if (s.length === 0) return [];
    if (!s.includes('  ') && s.charCodeAt(0) !== 32 && s.charCodeAt(s.length - 1) !== 32) return s.split(' ');
  }
  return s.split(PY_WS_RUN).filter((t) => t.length > 0);
}

/** Python `s.strip()` with no argument. */
export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * Python 3 `round(x, ndigits)`: rounds the exact binary value of x, ties to even. `toFixed` also
 * rounds the exact binary value but sends exact ties up, so only exact ties need a second look.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x)) return x;
  const scale = 10 ** ndigits;
  const ax = Math.abs(x);
  const scaled = ax * scale; // exact whenever ax is an exact tie, so this test never misses one
  const k = Math.floor(scaled);
  if (scaled - k === 0.5 && isExactTie(ax, ndigits, k)) {
    const even = k % 2 === 0 ? k : k + 1;
    return (x < 0 ? -even : even) / scale;
  }
  return Number(x.toFixed(ndigits));
}

/** Whether ax (>= 0) equals (k + 0.5) / 10^ndigits exactly, compared in integers. */
function isExactTie(ax: number, ndigits: number, k: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, ax);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  if (biased !== 0) mantissa |= 1n << 52n;
  const e2 = (biased === 0 ? 1 : biased) - 1075; // ax = mantissa * 2^e2
  let lhs = mantissa * 10n ** BigInt(ndigits) * 2n; // 2 * ax * 10^ndigits, scaled by 2^-e2
  let rhs = BigInt(2 * k + 1);
  if (e2 >= 0) lhs <<= BigInt(e2);
  else rhs <<= BigInt(-e2);
  return lhs === rhs;
}

/** `numpy.mean` of a float64 vector: numpy's pairwise sum divided by n. */
export function npMean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  return pairwiseSum(values, 0, n) / n;
}

/** numpy's `pairwise_sum` (8-way unrolled blocks of up to 128, halves above). */
function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** Python 3.11 `sum()` of floats: plain left-to-right addition. */
export function pySum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
