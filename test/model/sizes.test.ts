import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encoderConfigForSize, getModelSize, loadModelSizes, overrideModelSize, parseModelSizes, type DecoderSize } from '../../lib/model/sizes.js';
import type { TextDecoderConfig } from '../../lib/model/decoder/index.js';

/** The official configs/prismer.json, as the sizes must mirror it (copied values, MANIFEST-free). */
const OFFICIAL_ROBERTA: Record<string, Record<string, unknown>> = {
  prismer_base: { hidden_size: 768, vision_hidden_size: 768, intermediate_size: 3072, num_attention_heads: 12, num_hidden_layers: 12, model_name: 'roberta-base' },
  prismer_large: { hidden_size: 1024, vision_hidden_size: 1024, intermediate_size: 4096, num_attention_heads: 16, num_hidden_layers: 24, model_name: 'roberta-large' },
  prismer_huge: { hidden_size: 1024, vision_hidden_size: 1280, intermediate_size: 4096, num_attention_heads: 16, num_hidden_layers: 24, model_name: 'roberta-large' },
};

test('configs/models.yaml holds the official sizes and the small ones', () => {
  const sizes = loadModelSizes();
  assert.deepEqual([...sizes.keys()], ['prismer_base', 'prismer_large', 'prismer_huge', 'prismer_small', 'prismer_tiny']);
  const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof DecoderSize;
  for (const [name, fields] of Object.entries(OFFICIAL_ROBERTA)) {
    const d = sizes.get(name)!.decoder;
    for (const [key, value] of Object.entries(fields)) assert.equal(d[camel(key)], value, `${name}.${key}`);
    assert.equal(d.vocabSize, 50265);
    assert.equal(d.maxPositionEmbeddings, 514);
    assert.equal(d.padTokenId, 1);
  }
  const vit = (name: string) => { const e = sizes.get(name)!.encoder; return [e.vitModel, e.width, e.layers, e.heads, e.patchSize, e.pretrainResolution]; };
  assert.deepEqual(vit('prismer_base'), ['ViT-B/16', 768, 12, 12, 16, 224]);
  assert.deepEqual(vit('prismer_large'), ['ViT-L/14@336px', 1024, 24, 16, 14, 336]);
  assert.deepEqual(vit('prismer_huge'), ['ViT-H/14', 1280, 32, 20, 14, 224]);
});

test('prismer_tiny is the parity-fixture configuration (MANIFEST §1)', () => {
  const tiny = getModelSize('prismer_tiny');
  const meta = JSON.parse(readFileSync('test/fixtures/parity/model/meta_common.json', 'utf8')) as { vit: Record<string, number>; roberta: Record<string, unknown>; image_resolution: number };
  assert.deepEqual([tiny.encoder.width, tiny.encoder.layers, tiny.encoder.heads, tiny.encoder.patchSize, tiny.encoder.pretrainResolution], [meta.vit.width, meta.vit.layers, meta.vit.heads, meta.vit.patch_size, meta.image_resolution]);
  const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  for (const [key, value] of Object.entries(meta.roberta)) assert.equal((tiny.decoder as unknown as Record<string, unknown>)[camel(key)], value, key);
  // The decoder section is a TextDecoderConfig.
  const asDecoderConfig: TextDecoderConfig = tiny.decoder;
  assert.equal(asDecoderConfig.visionHiddenSize, 32);
});

test('encoderConfigForSize and overrides', () => {
  const base = getModelSize('prismer_base');
  const config = encoderConfigForSize(base, ['rgb', 'depth'], 480);
  assert.deepEqual({ ...config, experts: [...config.experts] }, { width: 768, layers: 12, heads: 12, patchSize: 16, imageResolution: 480, experts: ['rgb', 'depth'], resampler: { layers: 4, heads: 8, latents: 64 } });
  const shallow = overrideModelSize(base, { num_hidden_layers: 2, 'encoder.layers': 3 });
  assert.equal(shallow.decoder.numHiddenLayers, 2);
  assert.equal(shallow.encoder.layers, 3);
  assert.equal(base.decoder.numHiddenLayers, 12);
  assert.throws(() => overrideModelSize(base, { depth: 3 }), /model\.overrides: unknown model field 'depth'/);
  assert.throws(() => overrideModelSize(base, { 'decoder.width': 3 }), /unknown model field 'decoder\.width'/);
  assert.throws(() => overrideModelSize(base, { hidden_size: 'big' }), /'hidden_size' must be an integer >= 1, got "big"/);
  assert.throws(() => overrideModelSize(base, { width: 100 }), /encoder\.width 100 is not divisible by encoder\.heads 12/);
});

test('a malformed models.yaml names the file, the size and the key', () => {
  const good = readFileSync('configs/models.yaml', 'utf8');
  assert.throws(() => parseModelSizes('a: [1', 'x.yaml'), /x\.yaml: invalid YAML/);
  assert.throws(() => parseModelSizes(good.replace('    heads: 12\n', '    heads: 12\n    colour: red\n'), 'm.yaml'), /m\.yaml: prismer_base\.encoder: unknown key 'colour'/);
  assert.throws(() => parseModelSizes(good.replace('    patch_size: 16\n', ''), 'm.yaml'), /m\.yaml: prismer_base\.encoder: missing key 'patch_size'/);
  assert.throws(() => parseModelSizes(good.replace('    vocab_size: 50265\n', '    vocab_size: -3\n'), 'm.yaml'), /prismer_base\.decoder\.vocab_size' must be an integer >= 1, got -3/);
  assert.throws(() => parseModelSizes(good.replace('    vision_hidden_size: 768\n', '    vision_hidden_size: 512\n'), 'm.yaml'), /m\.yaml: 'prismer_base': decoder\.vision_hidden_size 512 must equal encoder\.width 768/);
  assert.throws(() => getModelSize('prismer_gigantic'), /no model size 'prismer_gigantic' \(available: prismer_base, /);
});
