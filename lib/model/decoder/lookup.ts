import * as tf from '@tensorflow/tfjs';
import { embeddingLookup } from '../../backend/embedding.js';

/**
 * Rows of an embedding table for int32 ids of any shape → [...ids.shape, width], with the scatter-add
 * gradient of `embeddingLookup`. Ids outside the table raise (tf.gather silently returns zeros on some
 * backends); `limit` is the table size named in the error.
 */
export function lookupEmbeddingRows(table: tf.Tensor2D | tf.Variable, ids: tf.Tensor, limit = table.shape[0]): tf.Tensor {
  return tf.tidy(() => {
    const intIds = tf.cast(ids, 'int32');
    if (intIds.size > 0) {
      // One read for both bounds: on the GPU each read waits for the queue to drain.
      const [low, high] = tf.stack([tf.min(intIds), tf.max(intIds)]).dataSync() as unknown as [number, number];
      if (low < 0 || high >= limit) throw new Error(`embedding lookup: id ${low < 0 ? low : high} is outside [0, ${limit})`);
    }
    return embeddingLookup(table as tf.Tensor2D, intIds);
  });
}
