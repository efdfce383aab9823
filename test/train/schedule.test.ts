import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosineLr, experimentScheduleKind, learningRateAt, officialScheduleKind, validateLrSchedule, warmupLr } from '../../lib/train/schedule.js';

// Values of utils.cosine_lr_schedule / warmup_lr_schedule worked out by hand from the formulas
// lr = (init - min) * 0.5 * (1 + cos(pi * t / T)) + min and lr = min(max, init + (max - init) * step / max_step).
test('cosineLr matches the official formula at chosen points', () => {
  assert.equal(cosineLr(0, 100, 5e-5, 0), 5e-5);
  assert.ok(Math.abs(cosineLr(50, 100, 5e-5, 0) - 2.5e-5) < 1e-18);
  assert.ok(Math.abs(cosineLr(100, 100, 5e-5, 0)) < 1e-18);
  // t/T = 1/3: cos(pi/3) = 0.5 → (3e-4 - 1e-6) * 0.75 + 1e-6
  assert.ok(Math.abs(cosineLr(1, 3, 3e-4, 1e-6) - 2.2525e-4) < 1e-15);
  // t/T = 1/4: 0.5 * (1 + sqrt(2)/2)
  assert.ok(Math.abs(cosineLr(25, 100, 1, 0) - 0.8535533905932737) < 1e-15);
});

test('warmupLr is linear from warmup_lr and capped at init_lr', () => {
  assert.equal(warmupLr(0, 2000, 1e-6, 3e-4), 1e-6);
  assert.ok(Math.abs(warmupLr(1000, 2000, 1e-6, 3e-4) - 1.505e-4) < 1e-18);
  assert.equal(warmupLr(5000, 2000, 1e-6, 3e-4), 3e-4);
});

test('caption/classification: cosine over max_epoch * len(loader) set before every step', () => {
  const config = { kind: officialScheduleKind('caption'), initLr: 5e-5, minLr: 0, maxEpoch: 3, stepsPerEpoch: 10 };
  assert.equal(learningRateAt(config, 0, 0), 5e-5);
  assert.equal(learningRateAt(config, 1, 5), cosineLr(15, 30, 5e-5, 0));
  assert.ok(Math.abs(learningRateAt(config, 1, 5) - 2.5e-5) < 1e-18);
  assert.equal(learningRateAt(config, 2, 9), cosineLr(29, 30, 5e-5, 0));
  assert.equal(officialScheduleKind('classify'), 'cosine-per-step');
});

test('vqa: cosine per epoch, constant within an epoch', () => {
  const config = { kind: officialScheduleKind('vqa'), initLr: 5e-5, minLr: 0, maxEpoch: 10, stepsPerEpoch: 7 };
  assert.equal(learningRateAt(config, 0, 6), 5e-5);
  assert.equal(learningRateAt(config, 5, 0), learningRateAt(config, 5, 6));
  assert.ok(Math.abs(learningRateAt(config, 5, 3) - 2.5e-5) < 1e-18);
});

test('pretrain: warm-up overrides the epoch cosine, and its last value sticks until the next epoch', () => {
  const config = { kind: officialScheduleKind('pretrain'), initLr: 3e-4, minLr: 1e-6, maxEpoch: 20, stepsPerEpoch: 4, warmupLr: 1e-6, warmupSteps: 6 };
  // Simulate the official loop literally.
  let lr = NaN;
  let warmupStep = 0;
  const official: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    lr = cosineLr(epoch, 20, 3e-4, 1e-6);
    for (let i = 0; i < 4; i++) {
      if (warmupStep < 6) {
        lr = warmupLr(warmupStep, 6, 1e-6, 3e-4);
        warmupStep += 1;
      }
      official.push(lr);
    }
  }
  const ours = Array.from({ length: 16 }, (_, s) => learningRateAt(config, Math.floor(s / 4), s % 4));
  assert.deepEqual(ours, official);
  // Step 6 and 7 (epoch 1) keep the last warm-up lr; epoch 2 starts the cosine.
  assert.equal(ours[6], warmupLr(5, 6, 1e-6, 3e-4));
  assert.equal(ours[8], cosineLr(2, 20, 3e-4, 1e-6));
});

test('warm-up then per-step cosine when a caption/vqa config sets warmup_steps (npm start); official kinds otherwise', () => {
  assert.equal(experimentScheduleKind('vqa', 0), 'cosine-per-epoch');
  assert.equal(experimentScheduleKind('caption', 0), 'cosine-per-step');
  assert.equal(experimentScheduleKind('pretrain', 10), 'cosine-per-epoch-warmup');
  const config = { kind: experimentScheduleKind('vqa', 4), initLr: 1e-3, minLr: 0, maxEpoch: 1, stepsPerEpoch: 100, warmupLr: 1e-5, warmupSteps: 4, plannedSteps: 24 };
  assert.equal(config.kind, 'warmup-cosine-per-step');
  assert.equal(learningRateAt(config, 0, 0), 1e-5);
  assert.equal(learningRateAt(config, 0, 2), warmupLr(2, 4, 1e-5, 1e-3));
  assert.equal(learningRateAt(config, 0, 4), 1e-3);
  assert.ok(Math.abs(learningRateAt(config, 0, 14) - 5e-4) < 1e-15);
  assert.ok(learningRateAt(config, 0, 23) < learningRateAt(config, 0, 22));
  assert.throws(() => validateLrSchedule({ kind: 'warmup-cosine-per-step', initLr: 1e-4, minLr: 0, maxEpoch: 2, stepsPerEpoch: 3 }), /warmup_lr is required/);
});

test('validateLrSchedule names the bad field', () => {
  assert.throws(() => validateLrSchedule({ kind: 'cosine-per-step', initLr: 1e-4, minLr: 0, maxEpoch: 0, stepsPerEpoch: 3 }, 'x.yaml'), /x\.yaml: max_epoch must be a positive number/);
  assert.throws(() => validateLrSchedule({ kind: 'cosine-per-step', initLr: 1e-4, minLr: 0, maxEpoch: 2, stepsPerEpoch: 0 }), /steps per epoch/);
  assert.throws(() => validateLrSchedule({ kind: 'cosine-per-epoch-warmup', initLr: 1e-4, minLr: 0, maxEpoch: 2, stepsPerEpoch: 3 }), /warmup_lr is required/);
});
