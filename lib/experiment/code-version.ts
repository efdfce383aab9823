import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Which code produced a run: the package version and, inside a git checkout, the commit. */
export interface CodeVersion {
  /** `version` of the nearest package.json (prismer-ts). */
  packageVersion: string | null;
  /** `git rev-parse HEAD`; null outside a git checkout or without git. */
  commit: string | null;
  /** `git describe --always --dirty --tags`, e.g. `v0.1.0-3-gabc1234-dirty`. */
  describe: string | null;
  /** Whether tracked files differ from the commit (results may not be reproducible from `commit` alone). */
  dirty: boolean | null;
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

function nearestPackageVersion(start: string): string | null {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      try {
        const version = (JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version;
        return typeof version === 'string' ? version : null;
      } catch {
        return null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

const cache = new Map<string, CodeVersion>();

/** The code version of the checkout at `cwd` (default: the working directory); computed once per folder. */
export function currentCodeVersion(cwd = process.cwd()): CodeVersion {
  const key = resolve(cwd);
  const known = cache.get(key);
  if (known) return known;
  const commit = git(['rev-parse', 'HEAD'], key);
  const describe = commit === null ? null : git(['describe', '--always', '--dirty', '--tags'], key);
  const version: CodeVersion = {
    packageVersion: nearestPackageVersion(key),
    commit,
    describe,
    dirty: describe === null ? null : describe.endsWith('-dirty'),
  };
  cache.set(key, version);
  return version;
}

/** One short string for tables: `0.1.0@abc1234-dirty`, `0.1.0` without git. */
export function formatCodeVersion(version: CodeVersion): string {
  const pkg = version.packageVersion ?? '?';
  if (version.commit === null) return pkg;
  return `${pkg}@${version.commit.slice(0, 7)}${version.dirty ? '-dirty' : ''}`;
}
