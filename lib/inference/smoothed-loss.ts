import * as tf from '@tensorflow/tfjs';

/** Label value ignored by the loss (PyTorch's ignore_index). */
const IGNORE = -100;

/**
 * The Prismer text-decoder loss per row: next-token cross-entropy with label smoothing (official 0.1) on
 * shifted logits/labels, `reduction='none'` then summed per sample (MANIFEST §8 item 15):
 * per token `(1 - eps) * -logp[y] + (eps / V) * sum_c -logp[c]`, 0 where the label is -100.
 * `logits` [N, T, V], `labels` [N][T] → loss [N] (float32 arithmetic in tfjs).
 */
export function labelSmoothedLossPerRow(logits: tf.Tensor3D, labels: readonly (readonly number[])[], smoothing = 0.1): Float32Array {
  const [n, t, v] = logits.shape;
  if (labels.length !== n || labels.some((row) => row.length !== t)) {
    throw new Error(`labelSmoothedLossPerRow: labels must be [${n}][${t}] like the logits`);
  }
  if (t < 2) return new Float32Array(n);
  const targets = labels.map((row) => row.slice(1));
  const keep = targets.map((row) => row.map((y) => (y === IGNORE ? 0 : 1)));
  for (const row of targets) for (const y of row) if (y !== IGNORE && (y < 0 || y >= v)) throw new Error(`labelSmoothedLossPerRow: label ${y} outside the vocabulary [0, ${v})`);
  const loss = tf.tidy(() => {
    const logp = tf.logSoftmax(logits.slice([0, 0, 0], [n, t - 1, v]), -1);
    const safeTargets = tf.tensor2d(targets.map((row) => row.map((y) => (y === IGNORE ? 0 : y))), [n, t - 1], 'int32');
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(safeTargets, v)), -1));
    const smooth = tf.neg(tf.sum(logp, -1)).mul(smoothing / v);
    const perToken = nll.mul(1 - smoothing).add(smooth).mul(tf.tensor2d(keep, [n, t - 1]));
    return tf.sum(perToken, -1);
  });
  const values = loss.dataSync() as Float32Array;
  loss.dispose();
  return values;
}
