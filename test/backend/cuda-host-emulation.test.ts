// Native kernels compiled for the host by g++ from the very headers nvcc compiles (kernels/cuda/src/*.cuh), their
// CUDA threads emulated (kernels/cuda/emulate/), and checked against plain reference loops: the fused attention kernel,
// the 32-bit strided copy and the im2col row kernel with their launch plans. They need g++ (.ci/run installs it) and
// fail, saying so, without it — like the notebook tests without Jupyter — rather than pass unrun.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/** Builds an emulator with g++, runs it, and checks that it printed `cases` lines, all 'ok'. */
function emulate(source: string, cases: number, flags: string[] = []): void {
  const compiler = spawnSync('g++', ['--version'], { encoding: 'utf8' });
  assert.equal(compiler.status, 0, 'the host emulation tests need g++ (e.g. apt-get install g++; .ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'prismer-emulate-'));
  try {
    const binary = join(dir, 'emulator');
    const build = spawnSync('g++', ['-std=c++20', '-O1', ...flags, source, '-o', binary], { encoding: 'utf8' });
    assert.equal(build.status, 0, `g++ failed on ${source}:\n${build.stderr}`);
    const run = spawnSync(binary, [], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, cases, run.stdout);
    for (const line of lines) assert.match(line, /^ok {3}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fused attention kernel, its 128 threads per block emulated, matches a double-precision reference', () => {
  emulate('kernels/cuda/emulate/flash_attention_host.cpp', 5, ['-pthread']);
});

test('the 32-bit strided copy and the im2col row kernel, with their launch plans, match 64-bit loops', () => {
  emulate('kernels/cuda/emulate/index32_host.cpp', 12);
});
