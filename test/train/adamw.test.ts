import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../../lib/train/adamw.js';

// torch.optim.AdamW(betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05) worked by hand in float64 from
// torch's single-tensor algorithm: p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), for p0 = [1, -2, 0] and three steps.
const GRADS = [[0.5, 0.1, -3.0], [-0.25, 0.1, 1.0], [0.0, -0.2, 2.0]];
const LRS = [0.1, 0.05, 0.02];
const EXPECTED = [
  [0.895000002, -2.089999990000001, 0.09999999966666667],
  [0.8794456503489232, -2.1347749850250013, 0.11976092817571174],
  [0.8744486187544986, -2.1311272235318, 0.11803521455821406],
];

function close(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('AdamW reproduces three hand-computed torch.optim.AdamW steps', () => {
  const p = tf.variable(tf.tensor1d([1, -2, 0]));
  const optimizer = new AdamW([['w', p]], { lr: 0.1, weightDecay: 0.05 });
  GRADS.forEach((g, t) => {
    optimizer.lr = LRS[t];
    const grad = tf.tensor1d(g);
    optimizer.step(new Map([['w', grad]]));
    grad.dispose();
    close(p.dataSync(), EXPECTED[t], 2e-7, `step ${t + 1}`);
  });
  assert.equal(optimizer.stepCount, 3);
  optimizer.dispose();
  p.dispose();
});

test('first step is p·(1 − lr·wd) − lr·g/(|g| + eps): decay is decoupled from the gradient', () => {
  const p = tf.variable(tf.tensor1d([2, 2]));
  const optimizer = new AdamW([['w', p]], { lr: 0.01, weightDecay: 0.5 });
  optimizer.step(new Map([['w', tf.tensor1d([1000, 0])]]));
  // A huge gradient moves by lr, a zero gradient only decays: Adam+L2 would move the second too.
  close(p.dataSync(), [2 * (1 - 0.005) - 0.01, 2 * (1 - 0.005)], 1e-6, 'p');
  optimizer.dispose();
});

test('a parameter without a gradient is left alone (torch skips p.grad is None)', () => {
  const a = tf.variable(tf.tensor1d([1]));
  const b = tf.variable(tf.tensor1d([1]));
  const optimizer = new AdamW([['a', a], ['b', b]], { lr: 0.1, weightDecay: 0.1 });
  optimizer.step(new Map([['a', tf.tensor1d([1])]]));
  assert.equal(b.dataSync()[0], 1);
  assert.notEqual(a.dataSync()[0], 1);
  assert.throws(() => optimizer.step(new Map([['c', tf.tensor1d([1])]])), /unknown parameter 'c'/);
  assert.throws(() => optimizer.step(new Map([['a', tf.tensor1d([1, 2])]])), /gradient of 'a' has shape \[2\]/);
  optimizer.dispose();
});

test('saved state restores the run exactly (moments and bias-correction step)', async () => {
  const run = async (split: boolean): Promise<Float32Array> => {
    let p = tf.variable(tf.tensor1d([1, -2, 0]));
    let optimizer = new AdamW([['w', p]], { lr: 0.1, weightDecay: 0.05 });
    for (let t = 0; t < 3; t++) {
      if (split && t === 2) {
        const records = await optimizer.stateRecords();
        const values = p.dataSync().slice();
        optimizer.dispose();
        p.dispose();
        p = tf.variable(tf.tensor1d(values));
        optimizer = new AdamW([['w', p]], { lr: 0.1, weightDecay: 0.05 });
        optimizer.loadState(records, 2);
      }
      optimizer.lr = LRS[t];
      optimizer.step(new Map([['w', tf.tensor1d(GRADS[t])]]));
    }
    const out = p.dataSync() as Float32Array;
    optimizer.dispose();
    return out;
  };
  assert.deepEqual(await run(true), await run(false));
  const optimizer = new AdamW([['w', tf.variable(tf.zeros([2]))]], { lr: 1 });
  assert.throws(() => optimizer.loadState(new Map(), 1, 'opt.safetensors'), /opt\.safetensors: missing 'w\.exp_avg'/);
});

test('lrScale: a parameter group with multiplier s takes the steps of lr·s (longest prefix wins, 0 freezes)', () => {
  const grads = GRADS.map((g) => tf.tensor1d(g));
  const run = (scales: Record<string, number>, lrFactor: number): Record<string, Float32Array> => {
    const params: Array<[string, tf.Variable]> = [['enc.a.w', tf.variable(tf.tensor1d([1, -2, 0]))], ['enc.b.w', tf.variable(tf.tensor1d([1, -2, 0]))], ['dec.w', tf.variable(tf.tensor1d([1, -2, 0]))]];
    const optimizer = new AdamW(params, { lr: 0.1, weightDecay: 0.05, lrScale: scales });
    grads.forEach((g, t) => {
      optimizer.lr = LRS[t]! * lrFactor;
      optimizer.step(new Map(params.map(([n]) => [n, g])));
    });
    const out = Object.fromEntries(params.map(([n, v]) => [n, v.dataSync() as Float32Array]));
    optimizer.dispose();
    for (const [, v] of params) v.dispose();
    return out;
  };
  const scaled = run({ enc: 0.5, 'enc.b': 0 }, 1);
  const half = run({}, 0.5);
  close(scaled['enc.a.w']!, Array.from(half['dec.w']!), 1e-7, 'enc.a (x0.5)');
  close(scaled['enc.b.w']!, [1, -2, 0], 0, 'enc.b (x0: frozen)');
  close(scaled['dec.w']!, EXPECTED[2]!, 2e-7, 'dec (x1)');
  tf.dispose(grads);
});

test('parseLrScale names the key of a bad multiplier', async () => {
  const { parseLrScale } = await import('../../lib/train/adamw.js');
  assert.deepEqual(parseLrScale({ expert_encoder: 0.1 }), { expert_encoder: 0.1 });
  assert.throws(() => parseLrScale({ expert_encoder: 'fast' }), /train\.lr_scale\.expert_encoder: expected a learning-rate multiplier/);
  assert.throws(() => parseLrScale({ text_decoder: -1 }), /train\.lr_scale\.text_decoder/);
});
