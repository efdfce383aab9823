/**
 * Counts the label files that were missing or empty and were replaced by the official fallback
 * (zeros for depth/normal/edge/seg, background for detection/OCR). Each (expert, reason) is
 * reported once through `log` when first seen; `summary()` gives the totals at the end of a run.
 */
export type FallbackReason = 'missing' | 'empty' | 'no-ocr-features';

export class LabelFallbackCounter {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, string>();

  /** `log` prints the first case of each kind; `onRecord` sees every case (worker threads forward them). */
  constructor(
    private readonly log: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
    private readonly onRecord?: (expert: string, reason: FallbackReason, path: string) => void,
  ) {}

  record(expert: string, reason: FallbackReason, path: string): void {
    this.onRecord?.(expert, reason, path);
    const key = `${expert}\t${reason}`;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count === 1) {
      this.examples.set(key, path);
      this.log(`prismer data: ${expert} label ${reason} (${path}); using the official fallback. Further cases are counted and summarised once.`);
    }
  }

  /** Total fallbacks so far. */
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Per expert and reason, with one example path each. */
  entries(): Array<{ expert: string; reason: FallbackReason; count: number; example: string }> {
    return [...this.counts.entries()].map(([key, count]) => {
      const [expert, reason] = key.split('\t');
      return { expert, reason: reason as FallbackReason, count, example: this.examples.get(key) ?? '' };
    });
  }

  /** One line per (expert, reason), or '' when nothing fell back. */
  summary(): string {
    return this.entries().map((e) => `${e.expert}: ${e.count} label file(s) ${e.reason}, replaced by the official fallback (e.g. ${e.example})`).join('\n');
  }
}
