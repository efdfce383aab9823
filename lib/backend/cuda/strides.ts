// Index arithmetic shared by the cuda kernels: row-major strides, broadcast strides, and collapsing an index
// space so the native kernels see as few dimensions as possible (fewer divisions per element, and the
// common cases become contiguous or scalar, which the native side runs on fast paths).

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d]!;
  }
  return strides;
}

/** Strides reading `inShape` (right-aligned, numpy broadcasting) over the index space `outShape`. */
export function broadcastStrides(inShape: readonly number[], outShape: readonly number[]): number[] {
  const own = rowMajorStrides(inShape);
  const offset = outShape.length - inShape.length;
  if (offset < 0) throw new Error(`cannot broadcast [${inShape.join(', ')}] to [${outShape.join(', ')}]`);
  return outShape.map((extent, d) => {
    const i = d - offset;
    if (i < 0) return 0;
    const e = inShape[i]!;
    if (e === extent) return e === 1 ? 0 : own[i]!;
    if (e === 1) return 0;
    throw new Error(`cannot broadcast [${inShape.join(', ')}] to [${outShape.join(', ')}]`);
  });
}

/**
 * Drops extent-1 dimensions and merges neighbours d, d+1 wherever every stride set has
 * stride[d] == stride[d+1] · shape[d+1]; the walk order over the elements is unchanged.
 */
export function collapse(shape: readonly number[], strideSets: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const extent = shape[d]!;
    if (extent === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strideSets.every((s, k) => outStrides[k]![last] === s[d]! * extent);
    if (mergeable) {
      outShape[last] = outShape[last]! * extent;
      strideSets.forEach((s, k) => { outStrides[k]![last] = s[d]!; });
    } else {
      outShape.push(extent);
      strideSets.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}
