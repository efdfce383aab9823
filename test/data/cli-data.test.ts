import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataCommand } from '../../lib/cli/data.js';
import { UsageError } from '../../lib/cli/command.js';

test('prismer data synth writes a dataset and rejects bad usage', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'prismer-cli-data-')), 'shapes');
  const write = process.stdout.write.bind(process.stdout);
  let printed = '';
  process.stdout.write = ((chunk: string) => { printed += chunk; return true; }) as typeof process.stdout.write;
  try {
    assert.equal(await dataCommand.run(['synth', '--out', out, '--n', '6', '--seed', '2', '--size', '32']), 0);
  } finally {
    process.stdout.write = write;
  }
  assert.match(printed, /6 scenes \(5 train, 1 test\)/);
  const meta = JSON.parse(readFileSync(join(out, 'prism_shapes.json'), 'utf8'));
  assert.equal(meta.seed, 2);
  assert.ok(existsSync(join(out, 'tokenizer', 'merges.txt')));
  await assert.rejects(dataCommand.run(['synth', '--n', '6']), UsageError);
  await assert.rejects(dataCommand.run(['synth', '--out', out, '--n', 'many']), /--n must be a non-negative integer/);
  await assert.rejects(dataCommand.run(['make', '--out', out]), /unknown data sub-command 'make'/);
  await assert.rejects(dataCommand.run(['synth', '--out', out, '--n', '6']), /already exists/);
});
