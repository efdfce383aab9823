import type * as tf from '@tensorflow/tfjs';
import { Linear } from '../../nn/linear.js';
import { applyLinear } from '../../nn/weight-matmul.js';

/**
 * nn.Linear computed through lib/nn/weight-matmul (cached transposed weight, hand-written gradient): same
 * parameters, names and numbers as Linear, about 10× faster on wasm, where `matMul(x, W, false, true)`
 * leaves XNNPACK.
 */
export class FastLinear extends Linear {
  override apply<T extends tf.Tensor>(x: T): T {
    return applyLinear(this, x);
  }
}
