import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageRoot } from '../util/package-root.js';

/** Where the native CUDA addon is built, relative to the repository root. */
export const CUDA_ADDON_RELATIVE_PATH = join('kernels', 'cuda', 'build', 'prismer_cuda.node');

/**
 * Turns the loaded addon (its exports) into a tfjs KernelBackend. The CUDA issue supplies it with
 * `setCudaBackendFactory`; until then 'cuda' reports why it is unavailable.
 */
export type CudaBackendFactory = (addon: unknown) => tf.KernelBackend;

let backendFactory: CudaBackendFactory | undefined;
let factoryError: string | undefined;

export function setCudaBackendFactory(factory: CudaBackendFactory): void {
  backendFactory = factory;
}

function ancestors(start: string): string[] {
  const out: string[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    out.push(dir);
    if (dirname(dir) === dir) return out;
  }
}

/**
 * Candidate addon paths, most specific first: $PRISMER_CUDA_ADDON, the repository holding this file,
 * then the ancestors of the working directory.
 */
export function cudaAddonCandidates(): string[] {
  const out: string[] = [];
  if (process.env.PRISMER_CUDA_ADDON) out.push(resolve(process.env.PRISMER_CUDA_ADDON));
  out.push(join(packageRoot(), CUDA_ADDON_RELATIVE_PATH));
  for (const dir of ancestors(process.cwd())) out.push(join(dir, CUDA_ADDON_RELATIVE_PATH));
  return [...new Set(out.map((p) => resolve(p)))];
}

export function findCudaAddon(): string | undefined {
  return cudaAddonCandidates().find((path) => existsSync(path));
}

/** Why 'cuda' cannot be used now (one line), or undefined when it can. */
export function cudaUnavailableReason(): string | undefined {
  const addon = findCudaAddon();
  if (!addon) {
    return `backend 'cuda': the CUDA addon is not built (no ${CUDA_ADDON_RELATIVE_PATH} in the repository; set PRISMER_CUDA_ADDON to its path or use 'wasm')`;
  }
  if (!backendFactory) return `backend 'cuda': found ${addon} but no tfjs backend bridge is registered (setCudaBackendFactory)`;
  return undefined;
}

/** Loads the addon and registers the 'cuda' tfjs backend (once); throws the unavailable reason otherwise. */
export function registerCudaBackend(): void {
  if (tf.findBackendFactory('cuda')) return;
  const reason = cudaUnavailableReason();
  if (reason) throw new Error(reason);
  const path = findCudaAddon()!;
  let addon: unknown;
  try {
    addon = createRequire(path)(path);
  } catch (error) {
    throw new Error(`backend 'cuda': ${path} failed to load: ${(error as Error).message.split('\n')[0]}`);
  }
  const factory = backendFactory!;
  factoryError = undefined;
  // tfjs catches a failing factory and only warns; keep the message so initBackend can report it.
  tf.registerBackend('cuda', () => {
    try {
      return factory(addon);
    } catch (error) {
      factoryError = (error as Error).message.split('\n')[0];
      throw error;
    }
  }, 3);
}

/** Why the last attempt to create the 'cuda' backend failed (e.g. no GPU), if it did. */
export function cudaInitError(): string | undefined {
  return factoryError;
}
