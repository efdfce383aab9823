// The tfjs KernelBackend 'cuda': tensor data lives in device memory owned by the addon, addressed by handles.
// Reference counting follows the cpu backend (reshape-like kernels share a dataId and incRef it). Values
// written from the host that are tiny (scalars, shapes) also keep a host copy: kernels can then pass a
// scalar as an argument instead of reading device memory, and the upload happens only if a kernel needs
// the device copy.
import * as tf from '@tensorflow/tfjs';
import { F32, I32, type CudaAddon, type CudaDeviceInfo, type DeviceDType, type DeviceHandle } from './addon.js';
import { sizeOf } from './strides.js';

type DataId = object;
type HostValues = Float32Array | Int32Array;

/** Largest tensor (elements) whose host copy is kept after a write. */
const HOST_COPY_MAX = 16;

interface Entry {
  dtype: tf.DataType;
  size: number;
  refCount: number;
  /** Device allocation; undefined while only the host copy exists. */
  handle?: DeviceHandle;
  /** Host copy of small or integer written values (int32 for int32 and bool); uploaded on first device use. */
  host?: HostValues;
}

export function deviceDType(dtype: tf.DataType): DeviceDType {
  if (dtype === 'float32') return F32;
  if (dtype === 'int32' || dtype === 'bool') return I32;
  throw new Error(`backend 'cuda' does not store ${dtype} tensors (float32, int32 and bool only)`);
}

/** tfjs values (bool as Uint8Array, numbers, …) as the 4-byte array the device stores. */
function toDeviceArray(values: tf.backend_util.BackendValues, dtype: tf.DataType, size: number): HostValues {
  if (dtype === 'float32') {
    if (values instanceof Float32Array) return values;
    return Float32Array.from(values as ArrayLike<number>);
  }
  if (dtype === 'int32' && values instanceof Int32Array) return values;
  if (Array.isArray(values) && values.length > 0 && values[0] instanceof Uint8Array) throw new Error(`backend 'cuda' does not store string tensors`);
  const out = new Int32Array(size);
  const source = values as ArrayLike<number>;
  for (let i = 0; i < size; i++) out[i] = dtype === 'bool' ? (source[i] ? 1 : 0) : source[i]!;
  return out;
}

/** The device array as tfjs expects it back from readSync (bool as Uint8Array). */
function toTfjsValues(values: HostValues, dtype: tf.DataType): tf.backend_util.BackendValues {
  if (dtype === 'bool') return Uint8Array.from(values);
  return values;
}

export class CudaBackend extends tf.KernelBackend {
  private readonly data = new WeakMap<DataId, Entry>();
  private live = 0;
  private nextId = 0;
  readonly device: CudaDeviceInfo;

  constructor(readonly addon: CudaAddon) {
    super();
    this.device = addon.deviceInfo();
  }

  // ------------------------------------------------------------ storage

  /** The entry of a dataId; data still held by another backend is moved here first (as tfjs' DataStorage does). */
  private entry(dataId: DataId): Entry {
    let e = this.data.get(dataId);
    if (!e) {
      try {
        tf.engine().moveData(this, dataId);
      } catch {
        throw new Error(`backend 'cuda': unknown or disposed tensor data`);
      }
      e = this.data.get(dataId);
      if (!e) throw new Error(`backend 'cuda': unknown or disposed tensor data`);
    }
    return e;
  }

  private register(dataId: DataId, entry: Entry): void {
    if (!this.data.has(dataId)) this.live++;
    this.data.set(dataId, entry);
  }

  override write(values: tf.backend_util.BackendValues | null, shape: number[], dtype: tf.DataType): DataId {
    const dataId = { id: this.nextId++ };
    this.store(dataId, values, shape, dtype, 1);
    return dataId;
  }

  override move(dataId: DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.store(dataId, values, shape, dtype, refCount);
  }

  private store(dataId: DataId, values: tf.backend_util.BackendValues | null, shape: number[], dtype: tf.DataType, refCount: number): void {
    deviceDType(dtype);
    const size = sizeOf(shape);
    const entry: Entry = { dtype, size, refCount };
    if (values == null) {
      entry.handle = this.addon.alloc(size * 4);
    } else {
      const array = toDeviceArray(values, dtype, size);
      if (array.length !== size) throw new Error(`backend 'cuda': ${array.length} values for shape [${shape.join(', ')}]`);
      // Integer data written from the host (instance maps, token ids) stays on the host until a kernel needs it:
      // the model reads such maps back (expert-encoder.ts), and a device read would drain the whole queue.
      if (size <= HOST_COPY_MAX || dtype !== 'float32') entry.host = array.slice();
      else {
        entry.handle = this.addon.alloc(size * 4);
        this.addon.upload(entry.handle, array);
      }
    }
    this.register(dataId, entry);
  }

  /** The device allocation of a tensor, uploading its host copy first if it has none yet. */
  handle(dataId: DataId): DeviceHandle {
    const e = this.entry(dataId);
    if (e.handle === undefined) {
      e.handle = this.addon.alloc(e.size * 4);
      if (e.host && e.size > 0) this.addon.upload(e.handle, e.host);
    }
    return e.handle;
  }

  /** The value of a one-element tensor when the host knows it without a device read, else undefined. */
  hostScalar(dataId: DataId): number | undefined {
    const e = this.entry(dataId);
    return e.size === 1 && e.host ? e.host[0] : undefined;
  }

  /** A new tensor of `shape` with uninitialised device memory, for a kernel to fill. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo {
    const dataId = { id: this.nextId++ };
    const size = sizeOf(shape);
    this.register(dataId, { dtype, size, refCount: 1, handle: this.addon.alloc(size * 4) });
    return { dataId, shape, dtype };
  }

  /** A new tensor holding host values (uploaded, or kept on the host when tiny). */
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): tf.TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  /** The same data under another shape (reshape, identity): shares the dataId, as the cpu backend does. */
  alias(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype: x.dtype };
  }

  /** Frees a temporary a kernel made and does not return. */
  disposeIntermediateTensorInfo(info: tf.TensorInfo): void {
    this.disposeData(info.dataId);
  }

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    this.entry(dataId).refCount++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const e = this.data.get(dataId);
    if (!e) return true;
    e.refCount--;
    if (!force && e.refCount > 0) return false;
    if (e.handle !== undefined) this.addon.free(e.handle);
    this.data.delete(dataId);
    this.live--;
    return true;
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const e = this.entry(dataId);
    if (e.host) return toTfjsValues(e.host.slice(), e.dtype);
    const out = e.dtype === 'float32' ? new Float32Array(e.size) : new Int32Array(e.size);
    this.addon.download(e.handle!, out);
    return toTfjsValues(out, e.dtype);
  }

  override async read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override numDataIds(): number {
    return this.live;
  }

  override memory(): { unreliable: boolean; reasons?: string[] } & { numBytesInGPU: number; numDeviceAllocations: number } {
    const m = this.addon.memory();
    return { unreliable: false, numBytesInGPU: m.allocatedBytes, numDeviceAllocations: m.allocations };
  }

  override timerAvailable(): boolean {
    return true;
  }

  /** Wall time of f with the queue drained before and after (kernels are asynchronous). */
  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    this.addon.synchronize();
    const start = performance.now();
    f();
    this.addon.synchronize();
    return { kernelMs: performance.now() - start };
  }

  override floatPrecision(): 16 | 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    this.addon.synchronize();
  }
}

export { I32, F32 };
