import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, fusedActivation, fusedAvailable } from './fused.js';

const fusable = (x: tf.Tensor) => x.dtype === 'float32' && fusedAvailable(FUSED_KERNELS.activation);

/** Exact GELU, `x * Φ(x)` with the error function (PyTorch `F.gelu`, HF 'gelu'). */
export function gelu<T extends tf.Tensor>(x: T): T {
  if (fusable(x)) return fusedActivation(x, 'gelu');
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
}

/** CLIP's QuickGELU, `x * sigmoid(1.702 x)`. */
export function quickGelu<T extends tf.Tensor>(x: T): T {
  if (fusable(x)) return fusedActivation(x, 'quick_gelu');
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))) as T);
}

/** Prismer's SquaredReLU, `relu(x)^2`. */
export function squaredRelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.square(tf.relu(x)) as T);
}
