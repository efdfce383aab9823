import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gelu, quickGelu, squaredRelu } from '../../lib/nn/activations.js';
import { useBackend } from '../model/encoder-helpers.js';
import { maxDiff, opTensor } from './ops-helpers.js';

for (const backend of ['cpu', 'wasm'] as const) {
  test(`exact GELU, QuickGELU and SquaredReLU match torch on [-6, 6] (${backend})`, async () => {
    await useBackend(backend);
    const x = opTensor('act.x');
    const outs = [gelu(x), quickGelu(x), squaredRelu(x)];
    assert.ok(maxDiff(outs[0]!, 'act.gelu_exact') <= 1e-5);
    assert.ok(maxDiff(outs[1]!, 'act.quick_gelu') <= 1e-5);
    assert.ok(maxDiff(outs[2]!, 'act.squared_relu') <= 1e-5);
    tf.dispose([x, ...outs]);
  });
}
