import * as tf from '@tensorflow/tfjs';

/**
 * `table[ids]` (shape `[...ids.shape, D]`) whose gradient is a scatter-add into a dense table gradient.
 * tf.gather's own gradient goes through UnsortedSegmentSum, which the cpu backend computes with a mask
 * per table row: O(vocab · tokens · D), minutes per step for a 50k-token vocabulary.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (table.rank !== 2) throw new Error(`embeddingLookup: table has shape [${table.shape.join(', ')}], expected [vocab, dim]`);
  if (ids.dtype !== 'int32') throw new Error(`embeddingLookup: ids have dtype ${ids.dtype}, expected int32`);
  const [vocab, dim] = table.shape;
  const lookup = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [t, i, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([i]);
    return {
      value: tf.gather(t, i),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedIds = saved[0]!;
        const grad = dy as tf.Tensor;
        const tableGrad = tf.scatterND(tf.reshape(savedIds, [-1, 1]), tf.reshape(grad, [-1, dim]), [vocab, dim]);
        return [tableGrad, tf.zerosLike(savedIds)];
      },
    };
  });
  return lookup(table, ids);
}
