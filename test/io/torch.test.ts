import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCheckpoint, readStateDict, detectCheckpointFormat } from '../../lib/io/checkpoint.js';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { toFloat32, type TensorRecord } from '../../lib/io/tensor-record.js';
import { isTensorRecord, readTorchFile, TorchDtype } from '../../lib/io/torch.js';
import { buildZip } from './zip-builder.js';

const PARITY = 'test/fixtures/parity';
const TABLES = 'test/fixtures/feature-tables';
const dir = mkdtempSync(join(tmpdir(), 'prismer-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function assertSameRecord(actual: TensorRecord, expected: TensorRecord, name: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${name}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${name}: dtype`);
  assert.deepEqual(new Uint8Array(actual.data.buffer, actual.data.byteOffset, actual.data.byteLength),
    new Uint8Array(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength), `${name}: bytes`);
}

function rows(record: TensorRecord, indices: number[]): Float32Array[] {
  const values = toFloat32(record);
  const width = record.shape[1]!;
  return indices.map((i) => values.slice(i * width, (i + 1) * width));
}

test('format_probe.pt: f32, f16, bf16, int64, bool, 0-d and strided views match the expected values', () => {
  const probe = readTorchFile(`${PARITY}/ops/format_probe.pt`);
  assert.ok(probe instanceof Map);
  const expected = readSafetensors(`${PARITY}/ops/format_probe_expected.safetensors`);
  const facts = JSON.parse(expected.metadata.storage_facts!) as Record<string, { dtype: string }>;
  const dtypeOf: Record<string, string> = { 'torch.float32': 'F32', 'torch.float16': 'F16', 'torch.bfloat16': 'BF16', 'torch.int64': 'I64', 'torch.bool': 'BOOL' };
  assert.equal(probe.size, expected.tensors.size);
  for (const [name, want] of expected.tensors) {
    const got: unknown = probe.get(name);
    assert.ok(isTensorRecord(got), `${name} is a tensor`);
    assert.equal(got.dtype, dtypeOf[facts[name]!.dtype], `${name}: dtype`);
    assert.deepEqual(got.shape, want.shape, `${name}: shape`);
    if (want.dtype === 'F32') assert.deepEqual(toFloat32(got), toFloat32(want), `${name}: values`);
    else assertSameRecord(got, want, name);
  }
});

test('feature tables: labels and 64-d features as the official dataset/*.pt hold them', () => {
  const counts: Record<string, [number, string]> = { coco: [133, 'person'], ade: [150, 'wall'], detection: [722, 'bottle'] };
  const tables = new Map<string, Map<unknown, unknown>>();
  for (const [name, [count, first]] of Object.entries(counts)) {
    const table = readTorchFile(`${TABLES}/${name}_features.pt`);
    assert.ok(table instanceof Map, `${name}: a dict`);
    assert.deepEqual([...table.keys()], ['labels', 'features']);
    const labels = table.get('labels') as string[];
    assert.equal(labels.length, count);
    assert.equal(labels[0], first);
    assert.ok(labels.every((l) => typeof l === 'string' && l.length > 0));
    const features = table.get('features');
    assert.ok(isTensorRecord(features));
    assert.equal(features.dtype, 'F32');
    assert.deepEqual(features.shape, [count, 64]);
    tables.set(name, table);
  }
  const background = readTorchFile(`${TABLES}/background_features.pt`);
  assert.ok(isTensorRecord(background));
  assert.deepEqual(background.shape, [64]);

  // Values: the preprocessing fixture stores coco_features and background_features in full, and the model
  // inputs hold detection rows for the classes of the obj_detection instances.
  const preproc = readSafetensors(`${PARITY}/preproc/preproc.safetensors`).tensors;
  assert.deepEqual(toFloat32(tables.get('coco')!.get('features') as TensorRecord), toFloat32(preproc.get('coco_features')!));
  assert.deepEqual(toFloat32(background), toFloat32(preproc.get('background_features')!));
  const inputs = readSafetensors(`${PARITY}/model/inputs.safetensors`).tensors;
  const detection = tables.get('detection')!.get('features') as TensorRecord;
  assert.deepEqual(rows(detection, [5, 17, 300, 721, 100]), rows(inputs.get('obj_detection.table')!, [0, 1, 2, 3, 4]));
  assert.deepEqual(rows(tables.get('coco')!.get('features') as TensorRecord, [0, 2, 16, 56, 132]), rows(inputs.get('seg_coco.table')!, [0, 1, 2, 3, 4]));
});

test('the three tiny Prismer checkpoints equal the safetensors superset, with tied storages shared', () => {
  const superset = readCheckpoint(`${PARITY}/weights/prismer_tiny_superset.safetensors`);
  const keysets = JSON.parse(readFileSync(`${PARITY}/weights/keysets.json`, 'utf8')) as Record<string, Record<string, unknown>>;
  const configs = keysets.configs as Record<string, string[]>;
  const aliases = keysets['tied_aliases (present in .pt / state_dict, omitted from .safetensors)'] as Record<string, string>;
  for (const config of ['a_rgb', 'b_rgb_depth_normal_edge', 'c_rgb_all6']) {
    const path = `${PARITY}/weights/prismer_tiny_${config}.pt`;
    assert.equal(detectCheckpointFormat(path), 'torch-zip');
    const stateDict = readStateDict(path);
    assert.deepEqual([...stateDict.keys()], configs[config], `${config}: keys in order`);
    for (const [name, record] of stateDict) {
      const reference = superset.get(aliases[name] ?? name)!;
      assertSameRecord(record, reference, `${config}/${name}`);
    }
    for (const [alias, target] of Object.entries(aliases)) {
      assert.equal(stateDict.get(alias)!.data, stateDict.get(target)!.data, `${config}: ${alias} shares ${target}'s storage`);
    }
    assert.equal(stateDict.get('text_decoder.roberta.embeddings.position_ids')!.dtype, 'I64');
  }
});

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function torchZip(name: string, pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): string {
  const path = join(dir, name);
  const entries = [{ name: 'archive/data.pkl', data: pickle }, ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })), { name: 'archive/version', data: ascii('3\n') }];
  writeFileSync(path, buildZip(entries));
  return path;
}

test('a checkpoint with an unknown pickle global gives a one-line error naming the global and the file', () => {
  const path = torchZip('evil.pt', ascii("\x80\x02}q\x00X\x01\x00\x00\x00wcsubprocess\nPopen\nq\x01s."));
  assert.throws(() => readStateDict(path), (error: Error) => {
    assert.equal(error.message, `${path}: pickle global 'subprocess.Popen' is not allowed (only tensors, storages and plain Python values are loaded; nothing is executed)`);
    return true;
  });
});

test('big-endian archives, deflated entries and a stored storage of the wrong size', () => {
  // {'w': tensor([1., 2.], dtype=float32)} written by hand: the storage bytes are big-endian.
  const pickle = ascii('\x80\x02}q\x00X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\nq\x01((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.');
  const big = new Uint8Array([0x3f, 0x80, 0, 0, 0x40, 0, 0, 0]);
  const path = join(dir, 'big.pt');
  writeFileSync(path, buildZip([
    { name: 'big/data.pkl', data: pickle, deflate: true },
    { name: 'big/byteorder', data: ascii('big') },
    { name: 'big/data/0', data: big, deflate: true },
  ]));
  assert.deepEqual(toFloat32(readStateDict(path).get('w')!), new Float32Array([1, 2]));
  const wrong = torchZip('wrong-size.pt', pickle, { '0': new Uint8Array(4) });
  assert.throws(() => readStateDict(wrong), /wrong-size\.pt: storage '0' has 4 bytes, expected 2 × 4 for FloatStorage/);
  const missing = torchZip('missing-storage.pt', pickle);
  assert.throws(() => readStateDict(missing), /missing-storage\.pt: storage '0' has no zip entry 'archive\/data\/0'/);
});

test('views past the end of their storage are refused', () => {
  // size (3,), stride (1,), offset 0 on a 2-element storage
  const pickle = ascii('\x80\x02}q\x00X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\nq\x01((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQK\x00K\x03\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.');
  const path = torchZip('overrun.pt', pickle, { '0': new Uint8Array(8) });
  assert.throws(() => readStateDict(path), /overrun\.pt: tensor on storage '0': view \(offset 0, size \[3\], stride \[1\]\) reaches element 2 of storage '0' with 2 elements/);
});

test('non-state-dict files, legacy torch files and unknown formats are named', () => {
  assert.throws(() => readStateDict(`${TABLES}/coco_features.pt`), /coco_features\.pt: entry 'labels' is a list of 133, not a tensor/);
  assert.throws(() => readStateDict(`${TABLES}/background_features.pt`), /background_features\.pt: expected a dict of tensors \(a state_dict\), found a tensor F32\[64\]/);
  const legacy = join(dir, 'legacy.pt');
  writeFileSync(legacy, ascii('\x80\x02\x8a\x0alp\xfc\x9cF\xf9 j\xa8P\x19.'));
  assert.throws(() => readCheckpoint(legacy), /legacy\.pt: legacy \(pre-1\.6, non-zip\) torch\.save format is not supported/);
  const other = join(dir, 'notes.txt');
  writeFileSync(other, 'hello world, this is not a checkpoint');
  assert.throws(() => readCheckpoint(other), /notes\.txt: neither a torch\.save zip archive nor a safetensors file/);
  const nested = torchZip('nested.pt', ascii("\x80\x02}q\x00(X\x05\x00\x00\x00epochK\x03X\x05\x00\x00\x00model}q\x01u."));
  assert.throws(() => readStateDict(nested), /nested\.pt: entry 'epoch' is a number, not a tensor/);
  assert.deepEqual(readStateDict(nested, { key: 'model' }), new Map());
});

test('untyped storages read through _rebuild_tensor_v3, and pickled dtypes become TorchDtype values', () => {
  // {'h': _rebuild_tensor_v3(UntypedStorage '0' (4 bytes), 0, (2,), (1,), False, OrderedDict(), torch.float16), 'dt': torch.bfloat16}
  const pickle = ascii('\x80\x02}q\x00(X\x01\x00\x00\x00hctorch._utils\n_rebuild_tensor_v3\n((X\x07\x00\x00\x00storagectorch\nUntypedStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rctorch\nfloat16\ntRX\x02\x00\x00\x00dtctorch\nbfloat16\nu.');
  const path = torchZip('untyped.pt', pickle, { '0': new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) });
  const value = readTorchFile(path) as Map<string, unknown>;
  const h = value.get('h') as TensorRecord;
  assert.equal(h.dtype, 'F16');
  assert.deepEqual(toFloat32(h), new Float32Array([1, -2]));
  assert.ok(value.get('dt') instanceof TorchDtype);
  assert.equal(String(value.get('dt')), 'torch.bfloat16');
});
