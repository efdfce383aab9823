// Selecting and initialising the tfjs backend (wasm with cpu fallbacks, cpu, tfjs-node, cuda addon).
export { BACKEND_CHOICES, currentBackend, initBackend, isBackendChoice, type BackendChoice, type BackendName } from './init.js';
export { WASM_UNBRIDGEABLE_KERNELS, registerWasmFallbackKernels } from './wasm-fallback.js';
export { embeddingLookup } from './embedding.js';
export { CUDA_ADDON_RELATIVE_PATH, cudaAddonCandidates, cudaUnavailableReason, findCudaAddon, registerCudaBackend, setCudaBackendFactory, type CudaBackendFactory } from './cuda.js';
export { TFJS_NODE_PACKAGES, loadTfjsNode } from './tensorflow.js';
