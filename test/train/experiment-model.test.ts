import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinCosPositions } from '../../lib/model/encoder/index.js';
import { tinyShapes } from './tiny-shapes.js';

const tiny = tinyShapes('experiment-model', 'start-vqa', { experts: '[depth]', batchSize: 2, trainImages: 2 });

test('model.vit_init: structured reaches the built model; random keeps the official initialisation', async () => {
  const outProj = 'expert_encoder.transformer.resblocks.0.0.attn.out_proj.weight';
  const structured = await tiny.setup(['model.vit_init=structured']);
  const store = structured.model.store;
  assert.ok(Array.from(store.get(outProj).dataSync()).every((v) => v === 0), 'residual branch zeroed');
  const { width } = structured.model.expertEncoder.config;
  const grid = Math.sqrt(store.get('expert_encoder.positional_embedding').shape[0]!);
  assert.deepEqual(Array.from(store.get('expert_encoder.positional_embedding').dataSync()), Array.from(sinCosPositions(grid, width)));
  structured.model.dispose();
  const random = await tiny.setup();
  assert.ok(Array.from(random.model.store.get(outProj).dataSync()).some((v) => v !== 0), 'official random init');
  random.model.dispose();
});
