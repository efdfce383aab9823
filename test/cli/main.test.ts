import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('prismer with an unknown command exits 2 and names it', () => {
  const result = spawnSync(process.execPath, ['bin/prismer.js', 'no-such-command'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command 'no-such-command'/);
});

test('prismer --help lists usage', () => {
  const result = spawnSync(process.execPath, ['bin/prismer.js', '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0);
  assert.match(result.stdout, /usage: prismer <command>/);
});
