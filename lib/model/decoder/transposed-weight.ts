import * as tf from '@tensorflow/tfjs';

/**
 * `x @ weight^T` for a [out, in] weight. The wasm backend's matMul with transposeB is about 10× slower
 * than on a pre-transposed operand (measured 0.5 vs 5–10 GFLOP/s), so outside gradient recording this
 * keeps a transposed copy per weight, refreshed when the variable is reassigned (its dataId changes).
 * While a gradient tape records, the plain transposeB product is used so gradients reach `weight`.
 */
export class TransposedWeightCache {
  private readonly entries = new Map<tf.Variable, { dataId: object; transposed: tf.Tensor2D }>();

  matMul(x: tf.Tensor2D, weight: tf.Variable): tf.Tensor2D {
    if (tf.getBackend() !== 'wasm' || tf.engine().isTapeOn()) return tf.matMul(x, weight as tf.Tensor2D, false, true);
    let entry = this.entries.get(weight);
    if (!entry || entry.dataId !== weight.dataId || entry.transposed.isDisposed) {
      entry?.transposed.dispose();
      entry = { dataId: weight.dataId, transposed: tf.keep(tf.tidy(() => tf.transpose(weight) as tf.Tensor2D)) };
      this.entries.set(weight, entry);
    }
    return tf.matMul(x, entry.transposed);
  }

  /** Frees the transposed copies (they are rebuilt on the next call). */
  clear(): void {
    for (const entry of this.entries.values()) entry.transposed.dispose();
    this.entries.clear();
  }
}
