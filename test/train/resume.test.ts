// Kills a training child process mid-epoch (SIGINT, then SIGKILL) and resumes it: the resumed run must
// start at the saved step and reproduce the losses of an uninterrupted run from there on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingCheckpoint } from '../../lib/train/checkpoint.js';

const CHILD = ['--import', 'tsx', 'test/train/toy-train-child.ts'];
interface Line { step?: number; loss?: number; lr?: number; done?: boolean; steps?: number; interrupted?: boolean; resumedFromStep?: number }

function parse(stdout: string): Line[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Line);
}

function runToEnd(args: string[]): Line[] {
  const result = spawnSync(process.execPath, [...CHILD, ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return parse(result.stdout);
}

/** Starts the child and sends `signal` once it has printed step `atStep`; resolves with its output. */
function runAndKill(args: string[], atStep: number, signal: NodeJS.Signals): Promise<{ lines: Line[]; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && parse(stdout.slice(0, stdout.lastIndexOf('\n') + 1)).some((l) => (l.step ?? 0) >= atStep)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('close', (code, sig) => resolve({ lines: parse(stdout.slice(0, stdout.lastIndexOf('\n') + 1)), code, signal: sig }));
  });
}

const reference = runToEnd([mkdtempSync(join(tmpdir(), 'prismer-ref-'))]).filter((l) => l.step !== undefined);

function assertContinues(resumed: Line[], from: number): void {
  const steps = resumed.filter((l) => l.step !== undefined);
  assert.equal(steps[0].step, from + 1, 'the resumed run starts right after the saved step');
  assert.equal(steps.at(-1)!.step, 48);
  for (const line of steps) {
    const ref = reference[line.step! - 1];
    assert.ok(Math.abs(line.loss! - ref.loss!) < 1e-6, `step ${line.step}: loss ${line.loss} vs uninterrupted ${ref.loss}`);
    assert.equal(line.lr, ref.lr);
  }
  const done = resumed.at(-1)!;
  assert.deepEqual([done.done, done.steps, done.resumedFromStep], [true, 48, from]);
}

test('SIGINT mid-epoch saves a checkpoint at the current step; --from-checkpoint continues it', async () => {
  assert.equal(reference.length, 48);
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sigint-'));
  const killed = await runAndKill([dir], 20, 'SIGINT');
  assert.equal(killed.code, 0);
  const last = killed.lines.at(-1)!;
  assert.equal(last.interrupted, true);
  const saved = readTrainingCheckpoint(dir).state;
  assert.equal(saved.step, last.steps);
  assert.equal(saved.reason, 'interrupt');
  assert.ok(saved.step >= 20 && saved.step < 32 && saved.stepInEpoch > 0, `interrupted mid-epoch 2 at step ${saved.step}`);
  assertContinues(runToEnd([dir, dir]), saved.step);
});

test('SIGKILL mid-epoch loses only the steps after the last periodic checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-sigkill-'));
  const killed = await runAndKill([dir, '-', '5'], 23, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  const lastPrinted = killed.lines.filter((l) => l.step !== undefined).at(-1)!.step!;
  const saved = readTrainingCheckpoint(dir).state;
  assert.ok(saved.step >= 20 && saved.step <= lastPrinted && (saved.step % 5 === 0 || saved.step % 16 === 0), `checkpoint at step ${saved.step}, last step ${lastPrinted}`);
  assertContinues(runToEnd([dir, dir, '5']), saved.step);
});
