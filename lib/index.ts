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
