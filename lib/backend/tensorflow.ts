import * as tf from '@tensorflow/tfjs';

/** The optional native TensorFlow bindings, in order of preference. Neither is a dependency of prismer-ts. */
export const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isNotInstalled(error: unknown, pkg: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(pkg);
}

/**
 * Imports the first installed tfjs-node package, which registers the 'tensorflow' backend. Resolves to
 * the package name, or undefined when none is installed; throws when one is installed but fails to load.
 */
export async function loadTfjsNode(): Promise<string | undefined> {
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      await import(pkg);
    } catch (error) {
      if (isNotInstalled(error, pkg)) continue;
      throw new Error(`backend 'tensorflow': ${pkg} is installed but failed to load: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!tf.findBackendFactory('tensorflow')) throw new Error(`backend 'tensorflow': ${pkg} loaded but registered no 'tensorflow' backend (a second copy of @tensorflow/tfjs-core?)`);
    return pkg;
  }
  return undefined;
}
