import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { cudaInitError, cudaUnavailableReason, registerCudaBackend } from './cuda.js';
import { installCudaBackendFactory } from './cuda/register.js';
import { silenceTfjsNodeAdvice } from './kernel-backend.js';
import { loadTfjsNode } from './tensorflow.js';
import { registerWasmFallbackKernels } from './wasm-fallback.js';

export type BackendName = 'wasm' | 'cpu' | 'cuda' | 'tensorflow';
export type BackendChoice = BackendName | 'auto';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'cpu', 'cuda', 'tensorflow'];

installCudaBackendFactory();

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

async function activate(name: BackendName): Promise<BackendName> {
  if (name === 'wasm') registerWasmFallbackKernels();
  if (name === 'tensorflow' && !(await loadTfjsNode())) {
    throw new Error("backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, and neither is installed (npm install @tensorflow/tfjs-node, or use 'wasm')");
  }
  if (name === 'cuda') registerCudaBackend();
  if (!(await tf.setBackend(name))) {
    const cause = name === 'cuda' ? cudaInitError() : undefined;
    throw new Error(cause ? `backend 'cuda' failed to initialise: ${cause}` : `backend '${name}' failed to initialise (see the tfjs warning above)`);
  }
  await tf.ready();
  if (name === 'cpu') silenceTfjsNodeAdvice(tf.backend());
  return name;
}

/**
 * Selects and initialises the tfjs backend; resolves to the backend in use. 'auto' takes
 * $PRISMER_BACKEND when set, else the best available: cuda (addon built), tensorflow (tfjs-node
 * installed), wasm. wasm gets fallback kernels for everything it lacks, so training runs on it too.
 */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  if (!isBackendChoice(choice)) throw new Error(`unknown backend '${String(choice)}' (expected one of ${BACKEND_CHOICES.join(', ')})`);
  if (choice !== 'auto') return activate(choice);
  const fromEnv = process.env.PRISMER_BACKEND;
  if (fromEnv) {
    if (!isBackendChoice(fromEnv)) throw new Error(`PRISMER_BACKEND='${fromEnv}' is not a backend (expected one of ${BACKEND_CHOICES.join(', ')})`);
    if (fromEnv !== 'auto') return activate(fromEnv);
  }
  if (cudaUnavailableReason() === undefined) {
    // A built addon on a machine without a usable GPU: fall through to the next choice.
    try {
      return await activate('cuda');
    } catch {
      tf.removeBackend('cuda');
    }
  }
  if (await loadTfjsNode()) return activate('tensorflow');
  return activate('wasm');
}

/** The name of the tfjs backend currently in use. */
export function currentBackend(): string {
  return tf.getBackend();
}
