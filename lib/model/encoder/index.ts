// The Prismer expert encoder: ViT with adaptors, expert stems, Perceiver resampler.
export { Adaptor } from './adaptor.js';
export { EncoderCapture } from './capture.js';
export {
  DEFAULT_INSTANCE_SEED,
  DEFAULT_RESAMPLER,
  ExpertEncoder,
  sinCosPositions,
  type ExpertEncoderApplyOptions,
  type ExpertEncoderConfig,
  type EncoderInputs,
  type ObjDetectionInput,
} from './expert-encoder.js';
export { ExpertStem, type StemKind } from './expert-stem.js';
export { STEM_INPUT_CHANNELS, EXPERT_DOMAINS, expertDomain, prismerExperts, type ExpertDomain } from './experts.js';
export { fixedInstanceRows, pythonRandomInstanceRows, type InstanceRowMapper } from './instance-rows.js';
export { PerceiverAttentionBlock, PerceiverResampler } from './perceiver-resampler.js';
export { PythonRandom } from './python-random.js';
export { ResidualAttentionBlock, VisionTransformerTrunk } from './vision-transformer.js';
