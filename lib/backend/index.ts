// Selecting and initialising the tfjs backend (wasm with cpu fallbacks, cpu, tfjs-node, cuda addon).
export { BACKEND_CHOICES, currentBackend, initBackend, isBackendChoice, type BackendChoice, type BackendName } from './init.js';
export { WASM_UNBRIDGEABLE_KERNELS, registerWasmFallbackKernels } from './wasm-fallback.js';
export { embeddingLookup } from './embedding.js';
export { CUDA_ADDON_RELATIVE_PATH, cudaAddonCandidates, cudaInitError, cudaUnavailableReason, findCudaAddon, registerCudaBackend, setCudaBackendFactory, type CudaBackendFactory } from './cuda.js';
export { CUDA_NATIVE_KERNELS, createCudaBackend, registerCudaKernels } from './cuda/register.js';
export { cudaFallbackCounts, resetCudaFallbackCounts } from './cuda/fallback.js';
export type { CudaAddon } from './cuda/addon.js';
export { TFJS_NODE_PACKAGES, loadTfjsNode } from './tensorflow.js';
