// The public API of prismer-ts, for notebooks and programs: `import * as prismer from './lib/index.js'`.
// Notebooks that need one area only can import its folder (`./lib/metrics/index.js`): tslab then
// type-checks less and starts faster.
export * from './io/index.js';
export * from './backend/index.js';
export * from './config/index.js';
export * from './viz/index.js';
export * from './data/index.js';
export * from './nn/index.js';
export * from './model/encoder/index.js';
export * from './model/sizes.js';
export * from './metrics/index.js';
export * from './text/index.js';
export * from './hub/index.js';
export * from './inference/index.js';
export { generate, greedySearch, beamSearch, repeatRows, CAPTION_GENERATION, vqaGeneration, type GenerateOptions, type GenerateOutput } from './model/generate.js';
export { BeamHypotheses, type EarlyStopping, type Hypothesis } from './model/beam-search-hypotheses.js';
export type { GenerationModel, CachedGenerationModel, FullGenerationModel, DecoderForward, MaskedIncrementalDecoder, EncoderScope } from './model/beam-search-steps.js';
export * from './model/decoder/index.js';
export * from './model/prismer.js';
export * from './model/prismer-caption.js';
export * from './model/prismer-vqa.js';
export * from './model/prismer-inputs.js';
export * from './model/freeze.js';
export * from './model/attention.js';
export * from './train/index.js';
export * from './experiment/index.js';
