// `prismer forward` end to end on the parity fixture checkpoints: the CLI's outputs equal the official ones.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../lib/io/safetensors.js';
import { toFloat32, type TensorRecord } from '../../lib/io/tensor-record.js';

const PARITY = 'test/fixtures/parity';
const TOLERANCE = 1e-4;

function maxAbsDiff(actual: TensorRecord, expected: TensorRecord): number {
  assert.deepEqual(actual.shape, expected.shape);
  const [a, b] = [toFloat32(actual), toFloat32(expected)];
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function forward(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['bin/prismer.js', 'forward', ...args], { encoding: 'utf8' });
}

describe('prismer forward', () => {
  let dir = '';
  const config = 'c_rgb_all6';
  let fixtures: Map<string, TensorRecord>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prismer-forward-'));
    const meta = JSON.parse(readFileSync(`${PARITY}/model/${config}/meta.json`, 'utf8')) as { config_experts: string[] };
    writeFileSync(join(dir, 'tiny.yaml'), [
      'task: vqa', 'datasets: [shapes]', 'prismer_model: prismer_tiny', `experts: [${meta.config_experts.join(', ')}]`, 'image_resolution: 96',
      'batch_size_train: 2', 'batch_size_test: 2', 'init_lr: 1.0e-4', 'max_epoch: 1', '',
    ].join('\n'));
    fixtures = readSafetensors(`${PARITY}/model/${config}/fixtures.safetensors`).tensors;
    const inputs = new Map(readSafetensors(`${PARITY}/model/inputs.safetensors`).tensors);
    for (const name of ['input_ids', 'attention_mask', 'labels']) inputs.set(name, fixtures.get(`tf.${name}`)!);
    writeSafetensors(join(dir, 'inputs.safetensors'), inputs);
    const noIds = new Map(inputs);
    noIds.delete('input_ids');
    writeSafetensors(join(dir, 'no-ids.safetensors'), noIds);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [checkpoint, backend] of [[`${PARITY}/weights/prismer_tiny_${config}.pt`, 'wasm'], [`${PARITY}/weights/prismer_tiny_superset.safetensors`, 'cpu']] as const) {
    it(`reproduces encoder_out, logits and the loss from ${checkpoint.split('/').pop()} on ${backend}`, () => {
      const out = join(dir, `out-${backend}.safetensors`);
      const result = forward(['--checkpoint', checkpoint, '--config', join(dir, 'tiny.yaml'), '--inputs', join(dir, 'inputs.safetensors'), '--out', out, '--backend', backend]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`on ${backend}`));
      const written = readSafetensors(out).tensors;
      assert.deepEqual([...written.keys()], ['encoder_out', 'logits', 'loss_per_sample', 'loss']);
      assert.ok(maxAbsDiff(written.get('encoder_out')!, fixtures.get('encoder_out')!) <= TOLERANCE, 'encoder_out');
      assert.ok(maxAbsDiff(written.get('logits')!, fixtures.get('tf.logits')!) <= TOLERANCE, 'logits');
      assert.ok(maxAbsDiff(written.get('loss_per_sample')!, fixtures.get('tf.loss_per_sample')!) <= TOLERANCE, 'loss_per_sample');
      const perSample = toFloat32(fixtures.get('tf.loss_per_sample')!);
      assert.ok(Math.abs(toFloat32(written.get('loss')!)[0]! - (perSample[0]! + perSample[1]!) / 2) <= TOLERANCE, 'loss');
    });
  }

  it('--capture adds the encoder and decoder intermediates', () => {
    const out = join(dir, 'capture.safetensors');
    const result = forward(['--checkpoint', `${PARITY}/weights/prismer_tiny_superset.safetensors`, '--config', join(dir, 'tiny.yaml'),
      '--inputs', join(dir, 'inputs.safetensors'), '--out', out, '--backend', 'cpu', '--capture']);
    assert.equal(result.status, 0, result.stderr);
    const written = readSafetensors(out).tensors;
    assert.ok(maxAbsDiff(written.get('enc.resampler_block3_out')!, fixtures.get('enc.resampler_block3_out')!) <= TOLERANCE);
    assert.ok(maxAbsDiff(written.get('dec.layer1.3_adaptor_out')!, fixtures.get('tf.dec.layer1.3_adaptor_out')!) <= TOLERANCE);
    assert.deepEqual(Array.from(written.get('tf.position_ids')!.data as BigInt64Array), Array.from(fixtures.get('tf.position_ids')!.data as BigInt64Array));
  });

  it('names what is wrong in one line: usage, a missing tensor, a checkpoint of another config', () => {
    const usage = forward(['--checkpoint', 'x.pt']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--config is required/);

    const common = ['--config', join(dir, 'tiny.yaml'), '--out', join(dir, 'never.safetensors'), '--backend', 'cpu'];
    const missing = forward(['--checkpoint', `${PARITY}/weights/prismer_tiny_${config}.pt`, '--inputs', join(dir, 'no-ids.safetensors'), ...common]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no-ids\.safetensors: tensor 'input_ids' is missing/);
    assert.equal(missing.stderr.trim().split('\n').length, 1);

    const wrong = forward(['--checkpoint', `${PARITY}/weights/prismer_tiny_a_rgb.pt`, '--inputs', join(dir, 'inputs.safetensors'), ...common]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /missing key\(s\): expert_encoder\./);
    assert.equal(wrong.stderr.trim().split('\n').length, 1);
  });
});
