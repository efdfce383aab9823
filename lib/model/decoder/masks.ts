import * as tf from '@tensorflow/tfjs';

/** `torch.finfo(torch.float32).min`, the additive mask value HF 4.26 uses for masked positions. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * RoBERTa position ids from padding (`create_position_ids_from_input_ids`): every non-pad token gets
 * `pad + (number of non-pad tokens up to and including it)`, pads get `pad`. Tokens after pads in the middle
 * of a row keep counting only real tokens. `pastTokens` [N] (or one number for every row) is the count of
 * non-pad tokens already decoded before `inputIds` (incremental decoding); with it the ids equal those a
 * full re-forward of the whole sequence would give. Returns int32 [N, t].
 */
export function decoderPositionIds(inputIds: tf.Tensor2D, padTokenId: number, pastTokens: tf.Tensor1D | number = 0): tf.Tensor2D {
  return tf.tidy(() => {
    const notPad = tf.cast(tf.notEqual(inputIds, padTokenId), 'int32');
    let counts: tf.Tensor = tf.cumsum(notPad, 1);
    if (typeof pastTokens === 'number') {
      if (pastTokens !== 0) counts = tf.add(counts, tf.scalar(pastTokens, 'int32'));
    } else {
      if (pastTokens.shape[0] !== inputIds.shape[0]) throw new Error(`decoderPositionIds: pastTokens has ${pastTokens.shape[0]} rows, input_ids ${inputIds.shape[0]}`);
      counts = tf.add(counts, tf.cast(pastTokens, 'int32').reshape([-1, 1]));
    }
    return tf.add(tf.mul(counts, notPad), tf.scalar(padTokenId, 'int32')) as tf.Tensor2D;
  });
}

/**
 * HF 4.26 `get_extended_attention_mask` for a decoder: `causal[b, i, j] = j <= i + past` (past columns always
 * allowed by causality) times the padding mask over key columns, then `(1 - m) * finfo(f32).min`.
 * `attentionMask` [N, past + t] (1 = token, 0 = pad) covers the cached and the new positions; the result is
 * [N, 1, t, past + t] float32 with -0 where attended and FLOAT32_MIN where masked, exactly as PyTorch.
 */
export function decoderExtendedAttentionMask(attentionMask: tf.Tensor2D, queryLength = attentionMask.shape[1]): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, keyLength] = attentionMask.shape;
    const past = keyLength - queryLength;
    if (past < 0) throw new Error(`decoderExtendedAttentionMask: mask has ${keyLength} columns, fewer than the ${queryLength} query positions`);
    const rows = tf.range(past, keyLength, 1, 'int32').reshape([queryLength, 1]);
    const columns = tf.range(0, keyLength, 1, 'int32').reshape([1, keyLength]);
    const causal = tf.cast(tf.lessEqual(columns, rows), 'float32'); // [t, P+t]
    const padding = tf.cast(attentionMask, 'float32').reshape([batch, 1, 1, keyLength]);
    const combined = tf.mul(causal.reshape([1, 1, queryLength, keyLength]), padding);
    return tf.mul(tf.sub(1, combined), FLOAT32_MIN) as tf.Tensor4D;
  });
}
