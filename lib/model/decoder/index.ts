export { ROBERTA_BASE_DECODER, validateTextDecoderConfig, type TextDecoderConfig } from './config.js';
export { FLOAT32_MIN, decoderPositionIds, decoderExtendedAttentionMask } from './masks.js';
export { IGNORE_INDEX, PRISMER_LABEL_SMOOTHING, labelSmoothedTokenLoss, decoderLossPerSample } from './loss.js';
export { decoderDropout, type DecoderDropout, type DropoutSite } from './dropout.js';
export { DecoderEmbeddings } from './embeddings.js';
export { DecoderAttention, type AttentionKeyValues } from './attention.js';
export { DecoderFeedForward } from './feed-forward.js';
export { NormLateAdaptor } from './adaptor.js';
export { LmHead } from './lm-head.js';
export { reorderTextDecoderCache, type TextDecoderCache } from './cache.js';
export {
  PrismerTextDecoder, TEXT_DECODER_TIED_ALIASES, labelledRowsPay,
  type DecoderLayer, type TextDecoderForwardOptions, type TextDecoderOutput,
} from './text-decoder.js';
