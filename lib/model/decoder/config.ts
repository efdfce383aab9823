/**
 * Shape of Prismer's RoBERTa text decoder (`RobertaForCausalLMModified`), the fields of the official
 * `configs/prismer.json` `roberta_model` entry that the architecture depends on.
 */
export interface TextDecoderConfig {
  /** RoBERTa width (768 base, 1024 large). */
  hiddenSize: number;
  /** Width of the expert-encoder output the cross-attention keys/values are projected from. */
  visionHiddenSize: number;
  numAttentionHeads: number;
  /** RoBERTa layers kept as decoder layers (each gets cross-attention and an adaptor). */
  numHiddenLayers: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  padTokenId: number;
  bosTokenId: number;
  eosTokenId: number;
  layerNormEps: number;
  /** Std of the normal initialisation of linear and embedding weights before a checkpoint is loaded. */
  initializerRange: number;
  /** Dropout after embeddings and the attention / FFN output projections in training mode (official 0.1). */
  hiddenDropoutProb?: number;
  /** Dropout on attention probabilities in training mode (official 0.1). */
  attentionProbsDropoutProb?: number;
}

/** Official `roberta-base` decoder of prismer_base (vision width 768). */
export const ROBERTA_BASE_DECODER: TextDecoderConfig = {
  hiddenSize: 768, visionHiddenSize: 768, numAttentionHeads: 12, numHiddenLayers: 12, intermediateSize: 3072,
  vocabSize: 50265, maxPositionEmbeddings: 514, typeVocabSize: 1, padTokenId: 1, bosTokenId: 0, eosTokenId: 2,
  layerNormEps: 1e-5, initializerRange: 0.02, hiddenDropoutProb: 0.1, attentionProbsDropoutProb: 0.1,
};

/** Throws a one-line error naming the first inconsistent field. `source` names where the config came from. */
export function validateTextDecoderConfig(config: TextDecoderConfig, source = 'text decoder config'): void {
  const positive = [
    'hiddenSize', 'visionHiddenSize', 'numAttentionHeads', 'numHiddenLayers', 'intermediateSize', 'vocabSize',
    'maxPositionEmbeddings', 'typeVocabSize',
  ] as const;
  for (const field of positive) {
    const value = config[field];
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${source}: '${field}' must be a positive integer, got ${value}`);
  }
  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new Error(`${source}: 'hiddenSize' ${config.hiddenSize} is not divisible by 'numAttentionHeads' ${config.numAttentionHeads}`);
  }
  for (const field of ['padTokenId', 'bosTokenId', 'eosTokenId'] as const) {
    const value = config[field];
    if (!Number.isInteger(value) || value < 0 || value >= config.vocabSize) {
      throw new Error(`${source}: '${field}' must be an id in [0, ${config.vocabSize}), got ${value}`);
    }
  }
  if (!(config.layerNormEps > 0)) throw new Error(`${source}: 'layerNormEps' must be > 0, got ${config.layerNormEps}`);
  for (const field of ['hiddenDropoutProb', 'attentionProbsDropoutProb'] as const) {
    const value = config[field];
    if (value !== undefined && !(value >= 0 && value < 1)) throw new Error(`${source}: '${field}' must be in [0, 1), got ${value}`);
  }
  if (!(config.initializerRange >= 0)) throw new Error(`${source}: 'initializerRange' must be >= 0, got ${config.initializerRange}`);
}
