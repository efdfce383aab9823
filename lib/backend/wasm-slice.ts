import * as tf from '@tensorflow/tfjs';

/**
 * `Slice` and `SplitV` for the wasm backend that read their input in place. tfjs-backend-wasm's own
 * kernels start with `readSync(x)`, which copies the WHOLE input out of the wasm heap; SplitV slices once
 * per piece, so splitting into n pieces copies the input n times (O(n²) in the number of pieces). Splitting
 * a batch of 50 × 4 heads for the batched matmuls took 23 of the 52 s of `prismer eval vqa` on the npm start
 * model. These kernels view the input on the heap (`typedArrayFromHeap`) and copy each box once, one
 * contiguous run at a time; other dtypes (strings) keep the original kernels.
 */

type HeapArray = Float32Array | Int32Array | Uint8Array;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
}

const IN_PLACE_DTYPES: ReadonlySet<tf.DataType> = new Set(['float32', 'int32', 'bool']);

/** Copies the box at `begin` of extent `size` out of `src` (row-major, `shape`) into `dst`, in row-major order. */
export function copyBox(src: HeapArray, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: HeapArray): void {
  const rank = shape.length;
  if (rank === 0) {
    if (dst.length > 0) dst[0] = src[0]!;
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  // Trailing dimensions taken whole merge into one contiguous run with the last partial one.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k]! * strides[k]!;
  let count = 1;
  for (let i = 0; i < k; i++) count *= size[i]!;
  if (run === 0 || count === 0) return;
  const index = new Array<number>(k).fill(0);
  let written = 0;
  for (let c = 0; c < count; c++) {
    let offset = begin[k]! * strides[k]!;
    for (let i = 0; i < k; i++) offset += (begin[i]! + index[i]!) * strides[i]!;
    dst.set(src.subarray(offset, offset + run), written);
    written += run;
    for (let i = k - 1; i >= 0; i--) {
      if (++index[i]! < size[i]!) break;
      index[i] = 0;
    }
  }
}

function sliceInPlace(backend: WasmHeapBackend, x: tf.TensorInfo, begin: readonly number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views after the allocation: growing the heap replaces its buffer.
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/** Replacements for the registered wasm kernels `original` (their configs, taken before unregistering). */
export function inPlaceSliceKernels(original: { slice: tf.KernelConfig; splitV: tf.KernelConfig }): tf.KernelConfig[] {
  return [
    {
      kernelName: 'Slice',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (!IN_PLACE_DTYPES.has(x.dtype)) return original.slice.kernelFunc(args);
        const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
        const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
        return sliceInPlace(args.backend as WasmHeapBackend, x, begin!, size!);
      },
    },
    {
      kernelName: 'SplitV',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (!IN_PLACE_DTYPES.has(x.dtype)) return original.splitV.kernelFunc(args);
        const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
        const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
        const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
        const begin = new Array<number>(x.shape.length).fill(0);
        return sizes.map((piece) => {
          const size = x.shape.slice();
          size[axis] = piece;
          const out = sliceInPlace(args.backend as WasmHeapBackend, x, begin, size);
          begin[axis]! += piece;
          return out;
        });
      },
    },
  ];
}

let replaced = false;

/** Replaces, once, the wasm backend's `Slice` and `SplitV` kernels by the in-place ones above. */
export function replaceWasmSliceKernels(): void {
  if (replaced) return;
  const slice = tf.getKernel('Slice', 'wasm');
  const splitV = tf.getKernel('SplitV', 'wasm');
  if (!slice || !splitV) return;
  for (const name of ['Slice', 'SplitV']) tf.unregisterKernel(name, 'wasm');
  for (const kernel of inPlaceSliceKernels({ slice, splitV })) tf.registerKernel(kernel);
  replaced = true;
}
