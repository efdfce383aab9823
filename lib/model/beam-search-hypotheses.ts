/**
 * The n-best list of finished hypotheses of one batch element, with the semantics of transformers
 * 4.26 `BeamHypotheses`: score = sum_logprobs / length ** length_penalty where length counts the prompt
 * (decoder-only models) and not the EOS token; the worst entry is evicted once more than `numBeams`
 * are kept; `isDone` implements early_stopping true / false / 'never'.
 */

export type EarlyStopping = boolean | 'never';

export interface Hypothesis {
  /** Token ids (prompt included, EOS not included). */
  ids: number[];
  /** Length-penalised score. */
  score: number;
  /** Sum of token log-probabilities (the beam score when it finished). */
  sumLogProbs: number;
}

export class BeamHypotheses {
  readonly beams: Hypothesis[] = [];
  worstScore = 1e9;

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: EarlyStopping,
    readonly maxLength: number,
  ) {}

  get size(): number {
    return this.beams.length;
  }

  add(ids: number[], sumLogProbs: number): void {
    const score = sumLogProbs / ids.length ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ ids, score, sumLogProbs });
      if (this.beams.length > this.numBeams) {
        // Python: sorted([(s, idx) ...]) - ties go to the earlier entry, which is evicted.
        const order = this.beams.map((b, i) => [b.score, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(order[0]![1], 1);
        this.worstScore = order[1]![0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /** Whether no open beam can still beat the worst kept hypothesis (`best` = best open beam score, `curLen` = current length). */
  isDone(bestSumLogProbs: number, curLen: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    if (this.earlyStopping === false || this.lengthPenalty <= 0) {
      return this.worstScore >= bestSumLogProbs / curLen ** this.lengthPenalty;
    }
    return this.worstScore >= bestSumLogProbs / this.maxLength ** this.lengthPenalty;
  }

  /** Hypotheses best first; among equal scores the later-added one first (Python's stable sort, then pop()). */
  ranked(): Hypothesis[] {
    const indexed = this.beams.map((h, i) => ({ h, i }));
    indexed.sort((a, b) => b.h.score - a.h.score || b.i - a.i);
    return indexed.map((x) => x.h);
  }
}
