import * as tf from '@tensorflow/tfjs';

/**
 * Collects named intermediate tensors of a forward pass (`enc.stem.rgb`, `enc.resampler_block0_out`,
 * ... — the names of the parity fixtures). Pass one to `ExpertEncoder.apply`; without it nothing is
 * recorded or copied. The caller owns the tensors: call `dispose()` when done.
 */
export class EncoderCapture {
  readonly tensors = new Map<string, tf.Tensor>();

  /** Keeps a copy of `value` (or of what the thunk computes) beyond the enclosing tf.tidy. */
  record(name: string, value: tf.Tensor | (() => tf.Tensor)): void {
    const tensor = typeof value === 'function' ? tf.tidy(value) : value.clone();
    this.tensors.get(name)?.dispose();
    this.tensors.set(name, tf.keep(tensor));
  }

  get(name: string): tf.Tensor {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new Error(`EncoderCapture: nothing recorded under '${name}' (recorded: ${[...this.tensors.keys()].join(', ')})`);
    return tensor;
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }
}
