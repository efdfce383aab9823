// The fused attention kernel (kernels/cuda/src/flash_attention.cuh) compiled for the host by g++ with its CUDA threads
// emulated (kernels/cuda/emulate/flash_attention_host.cpp) and checked against a double-precision reference: the one
// native kernel whose indexing CI can check without a GPU. .ci/run installs g++; elsewhere the test says what it lacks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const compiler = spawnSync('g++', ['--version'], { encoding: 'utf8' });
const missing = compiler.status === 0 ? false : 'g++ is not installed (apt-get install g++), so the fused attention kernel cannot be emulated here';

test('the fused attention kernel, emulated on the host, matches a double-precision reference', { skip: missing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-flash-'));
  try {
    const binary = join(dir, 'flash');
    const build = spawnSync('g++', ['-std=c++20', '-O1', '-pthread', 'kernels/cuda/emulate/flash_attention_host.cpp', '-o', binary], { encoding: 'utf8' });
    assert.equal(build.status, 0, `g++ failed:\n${build.stderr}`);
    const run = spawnSync(binary, [], { encoding: 'utf8', timeout: 120_000 });
    const lines = run.stdout.trim().split('\n');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(lines.length, 4, run.stdout);
    for (const line of lines) assert.match(line, /^ok {3}.*worst relative error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
