import * as tf from '@tensorflow/tfjs';

interface Entry {
  sources: readonly tf.Tensor[];
  dataIds: readonly object[];
  values: tf.Tensor[];
}

/**
 * Tensors computed from parameters alone (a transposed weight, a BatchNorm folded into a conv, stacked
 * projections), kept under a key between calls instead of recomputed by every forward. An entry is valid while
 * each source holds the data it was computed from: `Variable.assign` (a checkpoint load, an optimiser step) gives
 * the variable a new data id, and the next `get` recomputes. The kept tensors are not on any gradient tape.
 */
export class DerivedTensors {
  private readonly entries = new Map<string, Entry>();

  get<T extends tf.Tensor[]>(key: string, sources: readonly tf.Tensor[], compute: () => T): T {
    const kept = this.entries.get(key);
    if (kept && isCurrent(kept, sources)) return kept.values as T;
    // A miss usually means the weights changed (an optimiser step): free every entry gone stale, not just this one.
    this.prune();
    if (kept) this.drop(key);
    const values = tf.tidy(compute);
    for (const value of values) tf.keep(value);
    this.entries.set(key, { sources: [...sources], dataIds: sources.map((source) => source.dataId), values });
    return values;
  }

  /** Frees the entries whose sources were disposed or hold new data. */
  prune(): void {
    for (const [key, entry] of this.entries) if (!isCurrent(entry, entry.sources)) this.drop(key);
  }

  /** Number of entries (stale ones included until the next `prune`). */
  get size(): number {
    return this.entries.size;
  }

  /** Frees every kept tensor; they are recomputed on demand. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    tf.dispose(this.entries.get(key)?.values ?? []);
    this.entries.delete(key);
  }
}

function isCurrent(entry: Entry, sources: readonly tf.Tensor[]): boolean {
  return entry.dataIds.length === sources.length &&
    sources.every((source, i) => !source.isDisposed && source.dataId === entry.dataIds[i]) &&
    entry.values.every((value) => !value.isDisposed);
}
