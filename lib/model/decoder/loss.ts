import * as tf from '@tensorflow/tfjs';

/** PyTorch's `CrossEntropyLoss` ignore index. */
export const IGNORE_INDEX = -100;

/** The label smoothing of Prismer's decoder loss. */
export const PRISMER_LABEL_SMOOTHING = 0.1;

/**
 * Per-token `CrossEntropyLoss(reduction='none', label_smoothing=ε)`: `(1-ε)·(-log p[y]) + (ε/V)·Σ_c(-log p_c)`,
 * 0 where the label is `IGNORE_INDEX`. `logits` [N, V], `labels` int32 [N] → [N]. The gradient is the closed
 * form `softmax − target` (no gather gradient, which is slow for RoBERTa's 50k vocabulary).
 */
export function labelSmoothedTokenLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing = PRISMER_LABEL_SMOOTHING): tf.Tensor1D {
  const [rows, vocab] = logits.shape;
  if (labels.shape[0] !== rows) throw new Error(`labelSmoothedTokenLoss: ${labels.shape[0]} labels for ${rows} logit rows`);
  const prepared = tf.tidy(() => {
    const valid = tf.notEqual(labels, IGNORE_INDEX);
    const safe = tf.where(valid, tf.cast(labels, 'int32'), tf.zerosLike(labels).toInt());
    const [low, high] = tf.stack([tf.min(safe), tf.max(safe)]).dataSync() as unknown as [number, number];
    if (rows > 0 && (low < 0 || high >= vocab)) throw new Error(`labelSmoothedTokenLoss: label ${low < 0 ? low : high} is outside [0, ${vocab}) and not ${IGNORE_INDEX}`);
    return { valid: tf.cast(valid, 'float32') as tf.Tensor1D, safe: safe as tf.Tensor1D };
  });
  const loss = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    // The tape keeps clones of saved tensors until backprop, so the label tensors may be disposed below.
    save([x, prepared.safe, prepared.valid]);
    const value = tf.tidy(() => {
      const logProbs = tf.logSoftmax(x, -1);
      const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), prepared.safe);
      const picked = tf.gather(logProbs.reshape([-1]), flatIndex);
      const total = tf.sum(logProbs, -1);
      const perToken = tf.add(tf.mul(picked, -(1 - smoothing)), tf.mul(total, -smoothing / vocab));
      return tf.mul(perToken, prepared.valid) as tf.Tensor1D;
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor => tf.tidy(() => {
      const [savedLogits, safe, valid] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
      const probabilities = tf.softmax(savedLogits, -1);
      const target = tf.add(tf.mul(tf.oneHot(safe, vocab), 1 - smoothing), smoothing / vocab);
      const scale = tf.mul(dy, valid).reshape([rows, 1]);
      return tf.mul(tf.sub(probabilities, target), scale);
    });
    return { value, gradFunc };
  })(logits) as tf.Tensor1D;
  prepared.valid.dispose();
  prepared.safe.dispose();
  return loss;
}

/**
 * Prismer's decoder loss per sample: labels shifted left by one against the logits (`logits[:, :-1]` predict
 * `labels[:, 1:]`), label-smoothed token losses, **summed** per sample (not averaged). `logits` [B, T, V],
 * `labels` int32 [B, T] with IGNORE_INDEX at ignored positions → [B].
 */
export function decoderLossPerSample(logits: tf.Tensor3D, labels: tf.Tensor2D, smoothing = PRISMER_LABEL_SMOOTHING): tf.Tensor1D {
  const [batch, length, vocab] = logits.shape;
  if (labels.shape[0] !== batch || labels.shape[1] !== length) {
    throw new Error(`decoderLossPerSample: labels [${labels.shape.join(', ')}] do not match logits [${batch}, ${length}, ${vocab}]`);
  }
  return tf.tidy(() => {
    if (length < 2) return tf.zeros([batch]) as tf.Tensor1D;
    const shiftedLogits = tf.slice(logits, [0, 0, 0], [batch, length - 1, vocab]).reshape([-1, vocab]) as tf.Tensor2D;
    const shiftedLabels = tf.slice(labels, [0, 1], [batch, length - 1]).reshape([-1]) as tf.Tensor1D;
    return labelSmoothedTokenLoss(shiftedLogits, shiftedLabels, smoothing).reshape([batch, length - 1]).sum(1) as tf.Tensor1D;
  });
}
