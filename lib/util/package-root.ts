import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder that holds this package (package.json, lib/, kernels/). Neither the ESM module URL (tslab
 * compiles lib/ as CommonJS, where it is a syntax error) nor `__dirname` (absent in ES modules) works
 * in both module systems, so the path of this file is read from a stack trace.
 */
export function packageRoot(): string {
  if (cached) return cached;
  const frame = new Error().stack?.split('\n').find((line) => /[\\/]lib[\\/]util[\\/]package-root\.[cm]?[jt]s/.test(line));
  const match = frame?.match(/(?:file:\/\/)?((?:[A-Za-z]:)?[\\/][^():]*)[\\/]lib[\\/]util[\\/]package-root\.[cm]?[jt]s/);
  const fromStack = match ? decodeURIComponent(match[1]!) : undefined;
  if (fromStack && existsSync(join(fromStack, 'package.json'))) return (cached = fromStack);
  // Bundled (esbuild) or unusual loaders: walk up from the entry script and the working directory.
  const starts = [process.argv[1] ? dirname(resolve(process.argv[1])) : undefined, process.cwd()].filter((s): s is string => !!s);
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'lib', 'util', 'package-root.ts'))) return (cached = dir);
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot locate the prismer-ts package folder (lib/util/package-root.ts)');
}

/** A path inside the package, e.g. `packagePath('lib', 'data', 'sample-worker.ts')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}


