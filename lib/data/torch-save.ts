/**
 * Writes `torch.save` files for plain containers of float32 tensors: the feature tables
 * (`dataset/*.pt`) and the per-image OCR word features our synthetic benchmark produces, in the
 * official formats (zip archive `archive/`, pickle protocol 2, `_rebuild_tensor_v2`). Reading
 * uses lib/io's `readTorchFile`.
 */
import { writeFileAtomic } from '../io/atomic.js';
import { zipStored } from './zip-write.js';

/** A Python value to write with `writeTorchPickle`. Numbers are ints unless wrapped with `pyFloat`. */
export type PyValue = null | boolean | number | string | PyFloat | PyValue[] | PyDict | Float32Tensor;
export interface PyFloat { float: number }
export interface PyDict { dict: Array<[string | number, PyValue]> }
export interface Float32Tensor { tensor: Float32Array; shape: number[] }

export function pyFloat(value: number): PyFloat {
  return { float: value };
}

class PickleWriter {
  private chunks: number[] = [];
  readonly storages: Float32Array[] = [];

  byte(...values: number[]): void { this.chunks.push(...values); }
  u32(value: number): void { this.byte(value & 255, (value >>> 8) & 255, (value >>> 16) & 255, (value >>> 24) & 255); }
  text(value: string): void { this.byte(...new TextEncoder().encode(value)); }
  str(value: string): void {
    const bytes = new TextEncoder().encode(value);
    this.byte(0x58); this.u32(bytes.length); this.byte(...bytes);
  }
  int(value: number): void {
    if (!Number.isInteger(value)) throw new Error(`writeTorchPickle: ${value} is not an integer (wrap floats with pyFloat)`);
    if (value >= 0 && value < 256) this.byte(0x4b, value);
    else if (value >= -(2 ** 31) && value < 2 ** 31) { this.byte(0x4a); this.u32(value >>> 0); }
    else throw new Error(`writeTorchPickle: integer ${value} out of range`);
  }
  global(module: string, name: string): void { this.byte(0x63); this.text(`${module}\n${name}\n`); }

  value(v: PyValue): void {
    if (v === null) this.byte(0x4e);
    else if (typeof v === 'boolean') this.byte(v ? 0x88 : 0x89);
    else if (typeof v === 'number') this.int(v);
    else if (typeof v === 'string') this.str(v);
    else if (Array.isArray(v)) { this.byte(0x5d, 0x28); v.forEach((x) => this.value(x)); this.byte(0x65); }
    else if ('float' in v) { this.byte(0x47); const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, v.float, false); this.byte(...new Uint8Array(b.buffer)); }
    else if ('dict' in v) { this.byte(0x7d, 0x28); for (const [k, x] of v.dict) { this.value(k); this.value(x); } this.byte(0x75); }
    else this.tensor(v);
  }

  private tensor(t: Float32Tensor): void {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.tensor.length) throw new Error(`writeTorchPickle: tensor of ${t.tensor.length} values does not match shape [${t.shape.join(', ')}]`);
    const key = this.storages.length;
    this.storages.push(t.tensor);
    const stride = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.byte(0x28); // MARK (args)
    this.byte(0x28); this.str('storage'); this.global('torch', 'FloatStorage'); this.str(String(key)); this.str('cpu'); this.int(count); this.byte(0x74, 0x51);
    this.int(0);
    this.byte(0x28); t.shape.forEach((s) => this.int(s)); this.byte(0x74);
    this.byte(0x28); stride.forEach((s) => this.int(s)); this.byte(0x74);
    this.byte(0x89);
    this.global('collections', 'OrderedDict'); this.byte(0x29, 0x52);
    this.byte(0x74, 0x52);
  }

  finish(): Uint8Array { return Uint8Array.from([...this.chunks, 0x2e]); }
}

/** Serialises `value` as `torch.save` does (zip archive named `archive/`, pickle protocol 2). */
export function serializeTorchPickle(value: PyValue): Uint8Array {
  const writer = new PickleWriter();
  writer.byte(0x80, 2);
  writer.value(value);
  const entries: Array<[string, Uint8Array]> = [['archive/data.pkl', writer.finish()]];
  writer.storages.forEach((data, i) => entries.push([`archive/data/${i}`, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]));
  entries.push(['archive/version', new TextEncoder().encode('3\n')]);
  return zipStored(entries);
}

export function writeTorchPickle(path: string, value: PyValue): void {
  writeFileAtomic(path, serializeTorchPickle(value));
}
