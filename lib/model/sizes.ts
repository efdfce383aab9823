import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as yaml from 'js-yaml';
import type { ExpertEncoderConfig } from './encoder/expert-encoder.js';
import type { ExpertDomain } from './encoder/experts.js';
import type { TextDecoderConfig } from './decoder/config.js';

/**
 * The expert encoder's shape (`encoder:` in configs/models.yaml). The positional-embedding grid is
 * not part of it: it follows the experiment's `image_resolution` (`encoderConfigForSize`).
 */
export interface EncoderSize {
  /** CLIP model the official code loads (`ViT-B/16`, `ViT-L/14@336px`, `ViT-H/14`); 'none' for non-official sizes. */
  vitModel: string;
  /** ViT width D (768 / 1024 / 1280). */
  width: number;
  /** Residual attention blocks (12 / 24 / 32), each followed by an adaptor. */
  layers: number;
  /** Attention heads; the official `load_encoder` uses width // 64 (so ViT-H/14 has 20, not OpenCLIP's 16). */
  heads: number;
  /** Patch size of the rgb stem (16 / 14); the expert stems upsample by 16/patch (dense) or 4/patch (64-ch). */
  patchSize: number;
  /** Input size of the CLIP checkpoint (224, or 336 for ViT-L/14@336px): its positional grid is (this/patch)^2. */
  pretrainResolution: number;
  /** Perceiver resampler: 4 blocks, 8 heads, 64 latents in every official size. */
  resamplerLayers: number;
  resamplerHeads: number;
  resamplerLatents: number;
}

/**
 * The text decoder's shape (`decoder:` in configs/models.yaml): the `roberta_model` entry of the official
 * configs/prismer.json, keys in camelCase. It carries every field of `TextDecoderConfig`
 * (lib/model/decoder/config.ts), so it can be passed wherever one is expected.
 */
export interface DecoderSize extends Required<TextDecoderConfig> {
  /** Pretrained RoBERTa the official code starts from (`roberta-base`, `roberta-large`); 'none' otherwise. */
  modelName: string;
  /** Activation of the FFN and LM head ('gelu' = exact erf GELU). */
  hiddenAct: string;
  /** Present in the official config (4) but unused by the official architecture: the decoder has numHiddenLayers layers. */
  numDecoderLayers: number;
  isDecoder: boolean;
}

/** A named model size: the encoder and decoder sections of one entry of configs/models.yaml. */
export interface ModelSize {
  name: string;
  description: string;
  encoder: EncoderSize;
  decoder: DecoderSize;
}

const ENCODER_KEYS: Record<string, keyof EncoderSize> = {
  vit_model: 'vitModel', width: 'width', layers: 'layers', heads: 'heads', patch_size: 'patchSize',
  pretrain_resolution: 'pretrainResolution', resampler_layers: 'resamplerLayers', resampler_heads: 'resamplerHeads',
  resampler_latents: 'resamplerLatents',
};

const DECODER_KEYS: Record<string, keyof DecoderSize> = {
  model_name: 'modelName', hidden_size: 'hiddenSize', vision_hidden_size: 'visionHiddenSize',
  num_attention_heads: 'numAttentionHeads', num_hidden_layers: 'numHiddenLayers', intermediate_size: 'intermediateSize',
  vocab_size: 'vocabSize', max_position_embeddings: 'maxPositionEmbeddings', type_vocab_size: 'typeVocabSize',
  pad_token_id: 'padTokenId', bos_token_id: 'bosTokenId', eos_token_id: 'eosTokenId', layer_norm_eps: 'layerNormEps',
  hidden_act: 'hiddenAct', initializer_range: 'initializerRange', hidden_dropout_prob: 'hiddenDropoutProb',
  attention_probs_dropout_prob: 'attentionProbsDropoutProb', num_decoder_layers: 'numDecoderLayers', is_decoder: 'isDecoder',
};

const STRING_FIELDS = new Set<string>(['vitModel', 'modelName', 'hiddenAct']);
const BOOLEAN_FIELDS = new Set<string>(['isDecoder']);
const FRACTION_FIELDS = new Set<string>(['layerNormEps', 'initializerRange', 'hiddenDropoutProb', 'attentionProbsDropoutProb']);
const ID_FIELDS = new Set<string>(['padTokenId', 'bosTokenId', 'eosTokenId']);

/** configs/models.yaml of the repository: looked up from the working directory upwards. */
export function defaultModelsYamlPath(from = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'configs', 'models.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`configs/models.yaml: not found in ${resolve(from)} or any parent folder`);
  }
}

function checkValue(source: string, key: string, field: string, value: unknown): string | number | boolean {
  if (STRING_FIELDS.has(field)) {
    if (typeof value !== 'string' || value === '') throw new Error(`${source}: '${key}' must be a non-empty string, got ${JSON.stringify(value)}`);
    return value;
  }
  if (BOOLEAN_FIELDS.has(field)) {
    if (typeof value !== 'boolean') throw new Error(`${source}: '${key}' must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (FRACTION_FIELDS.has(field)) {
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new Error(`${source}: '${key}' must be a number >= 0, got ${JSON.stringify(value)}`);
    return value;
  }
  const min = ID_FIELDS.has(field) ? 0 : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${source}: '${key}' must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseSection<T>(source: string, raw: unknown, keys: Record<string, keyof T>): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: expected a mapping`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = keys[key];
    if (!field) throw new Error(`${source}: unknown key '${key}' (known: ${Object.keys(keys).join(', ')})`);
    out[field as string] = checkValue(source, `${source.split(': ').pop()}.${key}`, field as string, value);
  }
  for (const [key, field] of Object.entries(keys)) if (!(field in out)) throw new Error(`${source}: missing key '${key}'`);
  return out as T;
}

/** Cross-field checks that make a size buildable; throws a one-line error naming the size and field. */
export function validateModelSize(size: ModelSize, source = `model size '${size.name}'`): void {
  const e = size.encoder;
  const d = size.decoder;
  if (e.width % e.heads !== 0) throw new Error(`${source}: encoder.width ${e.width} is not divisible by encoder.heads ${e.heads}`);
  if (e.width % 8 !== 0) throw new Error(`${source}: encoder.width ${e.width} must be divisible by 8 (expert stems use width/8 channels)`);
  if (e.width % e.resamplerHeads !== 0) throw new Error(`${source}: encoder.width ${e.width} is not divisible by encoder.resampler_heads ${e.resamplerHeads}`);
  if (d.hiddenSize % d.numAttentionHeads !== 0) throw new Error(`${source}: decoder.hidden_size ${d.hiddenSize} is not divisible by decoder.num_attention_heads ${d.numAttentionHeads}`);
  if (d.visionHiddenSize !== e.width) throw new Error(`${source}: decoder.vision_hidden_size ${d.visionHiddenSize} must equal encoder.width ${e.width}`);
  for (const field of ['padTokenId', 'bosTokenId', 'eosTokenId'] as const) {
    if (d[field] >= d.vocabSize) throw new Error(`${source}: decoder ${field} ${d[field]} is outside the vocabulary (${d.vocabSize})`);
  }
}

/** Parses the text of a models.yaml (every entry validated). `source` names the file in errors. */
export function parseModelSizes(text: string, source = 'configs/models.yaml'): Map<string, ModelSize> {
  let document: unknown;
  try {
    document = yaml.load(text);
  } catch (error) {
    throw new Error(`${source}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error(`${source}: expected a mapping of size names to sizes`);
  const sizes = new Map<string, ModelSize>();
  for (const [name, entry] of Object.entries(document)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`${source}: '${name}' must be a mapping with 'encoder' and 'decoder'`);
    const { description = '', encoder, decoder, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new Error(`${source}: '${name}' has unknown key '${extra[0]}' (known: description, encoder, decoder)`);
    if (typeof description !== 'string') throw new Error(`${source}: '${name}.description' must be a string`);
    const size: ModelSize = {
      name,
      description,
      encoder: parseSection<EncoderSize>(`${source}: ${name}.encoder`, encoder, ENCODER_KEYS),
      decoder: parseSection<DecoderSize>(`${source}: ${name}.decoder`, decoder, DECODER_KEYS),
    };
    validateModelSize(size, `${source}: '${name}'`);
    sizes.set(name, size);
  }
  return sizes;
}

/** All sizes of a models.yaml (default: the repository's configs/models.yaml). */
export function loadModelSizes(path = defaultModelsYamlPath()): Map<string, ModelSize> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the model sizes (${(error as Error).message})`);
  }
  return parseModelSizes(text, path);
}

/** One size by name (`prismer_base`, `prismer_large`, `prismer_huge`, `prismer_small`, `prismer_tiny`). */
export function getModelSize(name: string, path = defaultModelsYamlPath()): ModelSize {
  const sizes = loadModelSizes(path);
  const size = sizes.get(name);
  if (!size) throw new Error(`${path}: no model size '${name}' (available: ${[...sizes.keys()].join(', ')})`);
  return size;
}

/**
 * A copy of `size` with scalar fields replaced (an experiment's `model.overrides`). Keys are the YAML
 * names, either qualified (`encoder.width`, `decoder.num_hidden_layers`) or bare when unambiguous
 * (`num_hidden_layers`); every value is type-checked and the result re-validated.
 */
export function overrideModelSize(size: ModelSize, overrides: Readonly<Record<string, number | string | boolean>>, source = 'model.overrides'): ModelSize {
  const out: ModelSize = { ...size, encoder: { ...size.encoder }, decoder: { ...size.decoder } };
  for (const [key, value] of Object.entries(overrides)) {
    const [sectionName, bare] = key.includes('.') ? (key.split('.', 2) as [string, string]) : [undefined, key];
    const inEncoder = (sectionName === undefined || sectionName === 'encoder') && bare in ENCODER_KEYS;
    const inDecoder = (sectionName === undefined || sectionName === 'decoder') && bare in DECODER_KEYS;
    if (!inEncoder && !inDecoder) throw new Error(`${source}: unknown model field '${key}' (encoder: ${Object.keys(ENCODER_KEYS).join(', ')}; decoder: ${Object.keys(DECODER_KEYS).join(', ')})`);
    if (inEncoder) {
      const field = ENCODER_KEYS[bare]!;
      (out.encoder as unknown as Record<string, unknown>)[field] = checkValue(source, key, field, value);
    } else {
      const field = DECODER_KEYS[bare]!;
      (out.decoder as unknown as Record<string, unknown>)[field] = checkValue(source, key, field, value);
    }
  }
  validateModelSize(out, `${source} on '${size.name}'`);
  return out;
}

/**
 * The `ExpertEncoder` config of a size for an experiment: `experts` are the model's stems in order
 * (`prismerExperts(config.experts)`), `imageResolution` the rgb input size (224 pretraining, 480 fine-tuning).
 */
export function encoderConfigForSize(size: ModelSize, experts: readonly ExpertDomain[], imageResolution: number): ExpertEncoderConfig {
  const e = size.encoder;
  return {
    width: e.width,
    layers: e.layers,
    heads: e.heads,
    patchSize: e.patchSize,
    imageResolution,
    experts,
    resampler: { layers: e.resamplerLayers, heads: e.resamplerHeads, latents: e.resamplerLatents },
  };
}
