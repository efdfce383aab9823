// The parameter count of prismer_base and prismer_large equals the official architecture's.
// The official state_dict is enumerated here from the PyTorch module definitions (model/modules/vit.py,
// resampler.py, utils.py, roberta.py) independently of lib/, checked first against the fixture
// keysets and MANIFEST §1 counts, then compared name by name and shape by shape with what our modules
// create. A shape-only store records the parameters without allocating them (prismer_large is ~0.9 B).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ParameterStore, type ParameterInit } from '../../lib/nn/parameters.js';
import { ExpertEncoder, prismerExperts } from '../../lib/model/encoder/index.js';
import { PrismerTextDecoder } from '../../lib/model/decoder/index.js';
import { encoderConfigForSize, getModelSize, type ModelSize } from '../../lib/model/sizes.js';

type Kind = 'param' | 'buffer' | 'alias';
type Entry = [name: string, shape: number[], kind: Kind];

const ALL_EXPERTS = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'];

/** Official `VisionTransformer` state_dict: parameters of the module itself first, then children in registration order. */
function officialEncoder(p: string, width: number, layers: number, patch: number, resolution: number, configExperts: string[]): Entry[] {
  const experts: Record<string, number> = { rgb: 3 }; // Prismer.__init__
  for (const e of configExperts) {
    if (e === 'depth' || e === 'edge') experts[e] = 1;
    else if (e === 'normal') experts[e] = 3;
    else if (e.includes('seg')) experts.seg = 64;
    else if (e === 'obj_detection' || e === 'ocr_detection') experts[e] = 64;
  }
  const out: Entry[] = [];
  const param = (name: string, ...shape: number[]) => out.push([`${p}.${name}`, shape, 'param']);
  const linear = (name: string, i: number, o: number) => { param(`${name}.weight`, o, i); param(`${name}.bias`, o); };
  const ln = (name: string) => { param(`${name}.weight`, width); param(`${name}.bias`, width); };
  const mha = (name: string) => { param(`${name}.in_proj_weight`, 3 * width, width); param(`${name}.in_proj_bias`, 3 * width); linear(`${name}.out_proj`, width, width); };
  param('positional_embedding', (Math.floor(resolution / patch)) ** 2, width);
  if ('obj_detection' in experts) param('instance_embedding', 128, width);
  for (const [e, channels] of Object.entries(experts)) {
    if (e === 'rgb') { param('conv1.rgb.weight', width, channels, patch, patch); continue; }
    const widths = [channels, width / 8, width / 4, width / 2, width];
    for (let i = 0; i < 4; i++) {
      param(`conv1.${e}.${1 + 3 * i}.weight`, widths[i + 1]!, widths[i]!, 3, 3);
      const bn = `${p}.conv1.${e}.${2 + 3 * i}`;
      out.push([`${bn}.weight`, [widths[i + 1]!], 'param'], [`${bn}.bias`, [widths[i + 1]!], 'param'],
        [`${bn}.running_mean`, [widths[i + 1]!], 'buffer'], [`${bn}.running_var`, [widths[i + 1]!], 'buffer'], [`${bn}.num_batches_tracked`, [], 'buffer']);
    }
    param(`conv1.${e}.13.weight`, width, width, 1, 1);
  }
  for (let i = 0; i < layers; i++) {
    const b = `transformer.resblocks.${i}`;
    mha(`${b}.0.attn`); linear(`${b}.0.mlp.c_fc`, width, 4 * width); linear(`${b}.0.mlp.c_proj`, 4 * width, width); ln(`${b}.0.ln_1`); ln(`${b}.0.ln_2`);
    linear(`${b}.1.adaptor.down_proj`, width, width); linear(`${b}.1.adaptor.up_proj`, width, width); ln(`${b}.1.adaptor_ln`);
  }
  if (Object.keys(experts).length > 1) {
    param('resampler.latents', 64, width);
    for (let i = 0; i < 4; i++) {
      const b = `resampler.perceiver_blocks.${i}`;
      mha(`${b}.attn`); linear(`${b}.mlp.c_fc`, width, 4 * width); linear(`${b}.mlp.c_proj`, 4 * width, width); ln(`${b}.ln_1`); ln(`${b}.ln_2`); ln(`${b}.ln_ff`);
    }
  }
  ln('ln_pre');
  ln('ln_post');
  return out;
}

interface RobertaShape { hidden: number; vision: number; intermediate: number; layers: number; vocab: number; positions: number; typeVocab: number }

/** Official `RobertaForCausalLMModified` state_dict, including the position_ids buffer and the tied lm_head.decoder aliases. */
function officialDecoder(p: string, c: RobertaShape): Entry[] {
  const out: Entry[] = [];
  const H = c.hidden;
  const param = (name: string, ...shape: number[]) => out.push([`${p}.${name}`, shape, 'param']);
  const linear = (name: string, i: number, o: number) => { param(`${name}.weight`, o, i); param(`${name}.bias`, o); };
  const ln = (name: string) => { param(`${name}.weight`, H); param(`${name}.bias`, H); };
  const attention = (name: string, kvWidth: number) => {
    linear(`${name}.self.query`, H, H); linear(`${name}.self.key`, kvWidth, H); linear(`${name}.self.value`, kvWidth, H);
    linear(`${name}.output.dense`, H, H); ln(`${name}.output.LayerNorm`);
  };
  const robertaLayer = (name: string) => {
    attention(`${name}.attention`, H); linear(`${name}.intermediate.dense`, H, c.intermediate); linear(`${name}.output.dense`, c.intermediate, H); ln(`${name}.output.LayerNorm`);
  };
  out.push([`${p}.roberta.embeddings.position_ids`, [1, c.positions], 'buffer']);
  param('roberta.embeddings.word_embeddings.weight', c.vocab, H);
  param('roberta.embeddings.position_embeddings.weight', c.positions, H);
  param('roberta.embeddings.token_type_embeddings.weight', c.typeVocab, H);
  ln('roberta.embeddings.LayerNorm');
  for (let i = 0; i < c.layers; i++) {
    const l = `roberta.encoder.layer.${i}`;
    robertaLayer(`${l}.0`); attention(`${l}.1`, c.vision);
    linear(`${l}.2.adaptor.down_proj`, H, H); linear(`${l}.2.adaptor.up_proj`, H, H); ln(`${l}.2.adaptor_ln`);
  }
  robertaLayer('roberta.encoder.output_layer');
  param('lm_head.bias', c.vocab);
  linear('lm_head.dense', H, H);
  ln('lm_head.layer_norm');
  out.push([`${p}.lm_head.decoder.weight`, [c.vocab, H], 'alias'], [`${p}.lm_head.decoder.bias`, [c.vocab], 'alias']);
  return out;
}

function officialModel(size: ModelSize, resolution: number, configExperts: string[]): Entry[] {
  const e = size.encoder;
  const d = size.decoder;
  return [
    ...officialEncoder('expert_encoder', e.width, e.layers, e.patchSize, resolution, configExperts),
    ...officialDecoder('text_decoder', { hidden: d.hiddenSize, vision: d.visionHiddenSize, intermediate: d.intermediateSize, layers: d.numHiddenLayers, vocab: d.vocabSize, positions: d.maxPositionEmbeddings, typeVocab: d.typeVocabSize }),
  ];
}

const elements = (entries: Entry[], kinds: Kind[]) => entries.filter(([, , kind]) => kinds.includes(kind)).reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
/** PyTorch's `sum(p.numel() for p in model.parameters())`: parameters only, tied ones once. */
const count = (entries: Entry[]) => elements(entries, ['param']);
const placeholder = tf.variable(tf.zeros([0]), false);
(placeholder as unknown as { assign: () => void }).assign = () => {};

/** Records names, shapes and buffer flags; every variable handed out is one empty placeholder with a no-op assign. */
class ShapeOnlyStore extends ParameterStore {
  readonly recorded: Entry[] = [];
  override create(name: string, shape: number[], _init: ParameterInit, options: { buffer?: boolean } = {}): tf.Variable {
    if (this.recorded.some(([n]) => n === name)) throw new Error(`parameter '${name}' is defined twice`);
    this.recorded.push([name, [...shape], options.buffer ? 'buffer' : 'param']);
    return placeholder;
  }
}

function ourModel(size: ModelSize, resolution: number, configExperts: string[]): Entry[] {
  const store = new ShapeOnlyStore();
  new ExpertEncoder(store, 'expert_encoder', encoderConfigForSize(size, prismerExperts(configExperts), resolution));
  new PrismerTextDecoder(store, 'text_decoder', size.decoder);
  return store.recorded;
}

test('the official enumeration reproduces the fixture keysets, shapes and MANIFEST §1 counts', () => {
  const keysets = JSON.parse(readFileSync('test/fixtures/parity/weights/keysets.json', 'utf8')) as { configs: Record<string, string[]> };
  const shapes = JSON.parse(readFileSync('test/fixtures/parity/weights/prismer_tiny_superset.index.json', 'utf8')) as { tensors: Record<string, { shape: number[] }> };
  const tiny = getModelSize('prismer_tiny');
  const cases: Array<[string, string[], number]> = [
    ['a_rgb', ['none'], 239_320],
    ['b_rgb_depth_normal_edge', ['depth', 'normal', 'edge'], 314_568],
    ['c_rgb_all6', ALL_EXPERTS, 347_524],
  ];
  for (const [config, experts, unique] of cases) {
    const entries = officialModel(tiny, 96, experts);
    assert.deepEqual(entries.map(([name]) => name), keysets.configs[config]);
    for (const [name, shape, kind] of entries) if (kind !== 'alias') assert.deepEqual(shape, shapes.tensors[name]!.shape, name);
    // MANIFEST's "params (unique)" counts every distinct tensor: parameters and buffers, tied ones once.
    assert.equal(elements(entries, ['param', 'buffer']), unique);
  }
});

for (const name of ['prismer_base', 'prismer_large', 'prismer_tiny']) {
  for (const [label, experts, resolution] of [['all six experts, 480 px', ALL_EXPERTS, 480], ['PrismerZ, 224 px', ['none'], 224]] as const) {
    test(`${name} (${label}): our parameters are the official ones, so the counts agree`, () => {
      const size = getModelSize(name);
      const official = officialModel(size, resolution, [...experts]).filter(([, , kind]) => kind !== 'alias');
      const ours = ourModel(size, resolution, [...experts]);
      assert.deepEqual(ours.map(([n, s, k]) => `${n} ${s.join('x')} ${k}`), official.map(([n, s, k]) => `${n} ${s.join('x')} ${k}`));
      assert.equal(count(ours), count(official));
      const encoder = count(official.filter(([n]) => n.startsWith('expert_encoder.')));
      const decoder = count(official.filter(([n]) => n.startsWith('text_decoder.')));
      assert.equal(count(ours), encoder + decoder);
    });
  }
}

test('prismer_base and prismer_large totals (all experts, 480 px)', () => {
  // Pinned so that a change to the enumeration or the sizes is seen; each equals the official module sum above.
  const total = (name: string) => count(ourModel(getModelSize(name), 480, ALL_EXPERTS));
  const base = total('prismer_base');
  const large = total('prismer_large');
  assert.equal(base, count(officialModel(getModelSize('prismer_base'), 480, ALL_EXPERTS)));
  assert.equal(large, count(officialModel(getModelSize('prismer_large'), 480, ALL_EXPERTS)));
  assert.equal(base, 328_009_401);
  assert.equal(large, 968_068_313);
});
