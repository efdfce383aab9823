import { PickleGlobal, unpickle, type PickleHooks } from './pickle.js';
import { BYTES_PER_ELEMENT, typedView, type DType, type TensorRecord } from './tensor-record.js';
import { tensorFromStorage, type TorchStorage } from './torch-view.js';
import { withZip } from './zip.js';

/**
 * Reads files written by `torch.save` (the zip format of torch ≥ 1.6): `<stem>/data.pkl` is a pickle
 * whose persistent ids name raw storages `<stem>/data/<key>`. Only tensors, storages and plain Python
 * containers are rebuilt (the globals `torch.load(weights_only=True)` accepts for such files);
 * anything else is refused with an error naming the global and the file.
 */

/** A pickled `torch.dtype` (e.g. `torch.float16`), as it appears in some pickles. */
export class TorchDtype {
  constructor(readonly name: string) {}
  toString(): string {
    return `torch.${this.name}`;
  }
}

/**
 * A value loaded from a torch file. Tuples are frozen arrays, dicts (and OrderedDicts) are Maps,
 * ints beyond 2^53 are bigints; tensors are C-order TensorRecords.
 */
export type TorchValue =
  | null | boolean | number | bigint | string | Uint8Array
  | TensorRecord | TorchDtype
  | TorchValue[] | readonly TorchValue[]
  | Map<TorchValue, TorchValue> | Set<TorchValue>;

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8',
  BoolStorage: 'BOOL', UntypedStorage: 'U8',
};

const TORCH_DTYPES: Record<string, DType> = {
  float32: 'F32', float: 'F32', float16: 'F16', half: 'F16', bfloat16: 'BF16', float64: 'F64', double: 'F64',
  int64: 'I64', long: 'I64', int32: 'I32', int: 'I32', int16: 'I16', short: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};

/** Pure constructors allowed in a pickle, keyed `module.name`; storage types and dtypes are handled apart. */
const CALLABLE_GLOBALS = new Set([
  'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3', 'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state', 'torch._tensor._rebuild_from_type_v2', 'torch.Size',
  'torch.device', '_codecs.encode', 'builtins.set', 'builtins.frozenset', 'builtins.bytearray',
  '__builtin__.set', '__builtin__.frozenset', '__builtin__.bytearray',
]);
/** Globals allowed only as data (the class argument of `_rebuild_from_type_v2`). */
const TYPE_GLOBALS = new Set(['torch.Tensor', 'torch.nn.parameter.Parameter']);

function isTorchStorageType(global: PickleGlobal): boolean {
  return (global.module === 'torch' || global.module === 'torch.storage') && Object.hasOwn(STORAGE_DTYPES, global.name);
}

function isTorchDtype(global: PickleGlobal): boolean {
  return global.module === 'torch' && Object.hasOwn(TORCH_DTYPES, global.name);
}

export function isTensorRecord(value: unknown): value is TensorRecord {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'data' in value
    && ArrayBuffer.isView((value as TensorRecord).data);
}

function intList(value: unknown, what: string, source: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new Error(`${source}: ${what} is not a tuple of integers`);
  }
  return value as number[];
}

/** Reads the raw bytes of storage `key` (of storage type `entryType`) from the archive. */
type StorageReader = (key: string, entryType: string) => Uint8Array;

class TorchUnpickler implements PickleHooks {
  private readonly storages = new Map<string, TorchStorage>();
  private readonly storageObjects = new WeakSet<object>();

  constructor(private readonly source: string, private readonly readStorage?: StorageReader) {}

  resolveGlobal(global: PickleGlobal): unknown {
    const name = global.qualifiedName;
    if (isTorchDtype(global)) return new TorchDtype(global.name);
    if (CALLABLE_GLOBALS.has(name) || TYPE_GLOBALS.has(name) || isTorchStorageType(global)) return global;
    throw new Error(`${this.source}: pickle global '${name}' is not allowed (only tensors, storages and plain Python values are loaded; nothing is executed)`);
  }

  call(global: PickleGlobal, args: readonly unknown[]): unknown {
    const name = global.qualifiedName;
    switch (name) {
      case 'collections.OrderedDict': {
        const map = new Map<unknown, unknown>();
        for (const pair of (args[0] as unknown[] | undefined) ?? []) {
          if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`${this.source}: OrderedDict argument is not a list of pairs`);
          map.set(pair[0], pair[1]);
        }
        return map;
      }
      case 'torch._utils._rebuild_tensor_v2': {
        const [storage, offset, size, stride] = args;
        if (!this.isStorage(storage)) throw new Error(`${this.source}: _rebuild_tensor_v2 without a storage`);
        return tensorFromStorage(storage, offset as number, intList(size, 'tensor size', this.source), intList(stride, 'tensor stride', this.source), `${this.source}: tensor on storage '${storage.key}'`);
      }
      case 'torch._utils._rebuild_tensor_v3': {
        // (storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]): an untyped storage read as `dtype`.
        const [storage, offset, size, stride, , , dtype] = args;
        if (!this.isStorage(storage) || !(dtype instanceof TorchDtype)) throw new Error(`${this.source}: malformed _rebuild_tensor_v3`);
        const typed = reinterpretStorage(storage, TORCH_DTYPES[dtype.name]!, this.source);
        return tensorFromStorage(typed, offset as number, intList(size, 'tensor size', this.source), intList(stride, 'tensor stride', this.source), `${this.source}: tensor on storage '${storage.key}'`);
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        if (!isTensorRecord(args[0])) throw new Error(`${this.source}: ${name} without a tensor`);
        return args[0];
      case 'torch._tensor._rebuild_from_type_v2': {
        const [func, , innerArgs] = args;
        if (!(func instanceof PickleGlobal) || !Array.isArray(innerArgs)) throw new Error(`${this.source}: malformed _rebuild_from_type_v2`);
        return this.call(func, innerArgs);
      }
      case 'torch.Size':
        return Object.freeze([...intList(args[0] ?? [], 'torch.Size', this.source)]);
      case 'torch.device':
        return args.map(String).join(':');
      case '_codecs.encode': {
        // How protocol 2 pickles Python 3 bytes: encode(text, 'latin1').
        const [text, encoding] = args;
        if (typeof text !== 'string') throw new Error(`${this.source}: _codecs.encode of a non-string`);
        if (encoding === 'latin1' || encoding === 'latin-1') return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
        if (encoding === 'utf-8' || encoding === 'utf8' || encoding === undefined) return new TextEncoder().encode(text);
        throw new Error(`${this.source}: _codecs.encode with encoding '${String(encoding)}' is not supported`);
      }
      case 'builtins.set': case 'builtins.frozenset': case '__builtin__.set': case '__builtin__.frozenset':
        return new Set((args[0] as unknown[] | undefined) ?? []);
      case 'builtins.bytearray': case '__builtin__.bytearray':
        return args[0] instanceof Uint8Array ? args[0].slice() : new Uint8Array(0);
      default:
        throw new Error(`${this.source}: pickle global '${name}' cannot be called`);
    }
  }

  build(target: unknown, state: unknown): void {
    // torch.save(state_dict) attaches `_metadata` (per-module versions) to the OrderedDict: not needed.
    if (target instanceof Map && (state instanceof Map || state === null)) return;
    if (isTensorRecord(target) && (state === null || (state instanceof Map && state.size === 0))) return;
    throw new Error(`${this.source}: pickle BUILD on an unsupported object`);
  }

  persistentLoad(pid: unknown): unknown {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`${this.source}: persistent id ${JSON.stringify(pid)} is not a torch storage reference`);
    }
    const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
    if (!(type instanceof PickleGlobal) || !isTorchStorageType(type)) throw new Error(`${this.source}: storage '${String(key)}' has an unknown storage type`);
    const keyText = String(key);
    const cached = this.storages.get(keyText);
    if (cached) return cached;
    const dtype = STORAGE_DTYPES[type.name]!;
    if (!this.readStorage) throw new Error(`${this.source}: pickle references storage '${keyText}' but is not inside a torch.save archive`);
    const bytes = this.readStorage(keyText, type.name);
    const width = BYTES_PER_ELEMENT[dtype];
    const count = typeof numel === 'number' ? numel : Number(numel);
    if (bytes.byteLength !== count * width) {
      throw new Error(`${this.source}: storage '${keyText}' has ${bytes.byteLength} bytes, expected ${count} × ${width} for ${type.name}`);
    }
    const storage: TorchStorage = { key: keyText, dtype, numel: count, data: typedView(dtype, bytes) };
    this.storages.set(keyText, storage);
    this.storageObjects.add(storage);
    return storage;
  }

  private isStorage(value: unknown): value is TorchStorage {
    return typeof value === 'object' && value !== null && this.storageObjects.has(value);
  }
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.byteLength; i += width) bytes.subarray(i, i + width).reverse();
}

/** The same storage bytes seen as elements of another dtype (for untyped storages). */
function reinterpretStorage(storage: TorchStorage, dtype: DType, source: string): TorchStorage {
  if (storage.dtype === dtype) return storage;
  const bytes = new Uint8Array(storage.data.buffer, storage.data.byteOffset, storage.data.byteLength);
  const width = BYTES_PER_ELEMENT[dtype];
  if (bytes.byteLength % width !== 0) throw new Error(`${source}: storage '${storage.key}' has ${bytes.byteLength} bytes, not a whole number of ${dtype} elements`);
  return { key: storage.key, dtype, numel: bytes.byteLength / width, data: typedView(dtype, bytes) };
}

function storageWidth(typeName: string): number {
  return BYTES_PER_ELEMENT[STORAGE_DTYPES[typeName]!];
}

/**
 * Unpickles plain Python data (no storages): the same safe VM and allowed globals as torch files.
 * `source` names the data in errors.
 */
export function unpickleTorchValue(bytes: Uint8Array, source: string): TorchValue {
  return unpickle(bytes, new TorchUnpickler(source), source) as TorchValue;
}

/** Loads any `torch.save` zip file: state_dicts, feature tables, nested dicts/lists of tensors and numbers. */
export function readTorchFile(path: string): TorchValue {
  return withZip(path, (zip) => {
    const pickleEntry = [...zip.entries.keys()].find((name) => name === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(name));
    if (!pickleEntry) throw new Error(`${path}: zip archive has no '<name>/data.pkl' entry (not a torch.save file)`);
    const prefix = pickleEntry.slice(0, pickleEntry.length - 'data.pkl'.length);
    const byteorder = zip.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
    if (byteorder !== 'little' && byteorder !== 'big') throw new Error(`${path}: byteorder entry says '${byteorder}' (expected little or big)`);
    const readStorage: StorageReader = (key, typeName) => {
      const entry = `${prefix}data/${key}`;
      if (!zip.has(entry)) throw new Error(`${path}: storage '${key}' has no zip entry '${entry}'`);
      const bytes = zip.read(entry);
      if (byteorder === 'big' && storageWidth(typeName) > 1) swapBytes(bytes, storageWidth(typeName));
      return bytes;
    };
    return unpickle(zip.read(pickleEntry), new TorchUnpickler(path, readStorage), path) as TorchValue;
  });
}
