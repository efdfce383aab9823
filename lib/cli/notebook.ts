import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, type Command } from './command.js';

/**
 * The checkout this command belongs to: the first folder above the running script (bin/prismer.js)
 * or the working directory that holds kernels/jupyter/start-kernel.cjs. (Not `import.meta.url`:
 * tslab compiles lib/ to CommonJS, and Node loads a file that mentions import.meta as ESM.)
 */
function findRepoRoot(): string {
  for (const start of [process.argv[1], process.cwd()]) {
    if (!start) continue;
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'kernels', 'jupyter', 'start-kernel.cjs'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}

const REPO_ROOT = findRepoRoot();
const KERNEL_DIR = join(REPO_ROOT, 'kernels', 'jupyter');
const KERNEL_NAME = 'prismer-ts';
const EXECUTED_DIR = join(REPO_ROOT, 'notebooks', 'executed');

/** Shown whenever Jupyter is needed and missing. */
export const JUPYTER_INSTALL_HINT = [
  'Jupyter is not installed for any python3 found (PRISMER_PYTHON, /usr/bin/python3, python3).',
  'Install it, e.g. on Debian/Ubuntu:',
  '  sudo apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel fonts-dejavu-core',
  '  (and jupyter-notebook for `npm run notebook`),',
  'or with pip: python3 -m pip install nbclient nbconvert jupyter_client jupyterlab',
].join('\n');

/** Environment in which Jupyter finds the repo-local kernelspec (kernels/jupyter/kernels/prismer-ts). */
export function jupyterEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const path = [KERNEL_DIR, base.JUPYTER_PATH].filter(Boolean).join(delimiter);
  return { ...base, JUPYTER_PATH: path, PYDEVD_DISABLE_FILE_VALIDATION: '1' };
}

/** The first python3 that can import nbclient and jupyter_client, or null. */
export function findJupyterPython(): string | null {
  const candidates = [process.env.PRISMER_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => Boolean(p));
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import nbclient, nbformat, jupyter_client'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return null;
}

/** Where `prismer notebook run` writes the executed copy of a notebook by default. */
export function executedPath(notebook: string): string {
  return join(EXECUTED_DIR, basename(notebook));
}

/** Every notebook in notebooks/ (not in notebooks/executed/), sorted by name. */
export function listNotebooks(): string[] {
  const folder = join(REPO_ROOT, 'notebooks');
  return readdirSync(folder).filter((f) => f.endsWith('.ipynb')).sort().map((f) => join(folder, f));
}

function run(program: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<number> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(program, args, { stdio: 'inherit', env, cwd });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
  });
}

function requirePython(): string {
  const python = findJupyterPython();
  if (!python) throw new Error(JUPYTER_INSTALL_HINT.replace(/\n/g, '\n  '));
  return python;
}

async function runNotebooks(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      timeout: { type: 'string', default: '600' },
      'keep-going': { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
    },
  });
  const files = values.all ? [...listNotebooks(), ...positionals] : positionals;
  if (files.length === 0) throw new UsageError('expected notebook files (or --all)');
  const bad = files.find((f) => !f.endsWith('.ipynb'));
  if (bad) throw new UsageError(`${bad}: expected a .ipynb file`);
  if (values.output && files.length !== 1) throw new UsageError('--output takes one notebook');
  const timeout = Number(values.timeout);
  if (!(Number.isInteger(timeout) && timeout > 0)) throw new UsageError(`--timeout: expected whole seconds > 0, got ${values.timeout}`);
  const python = requirePython();
  const pairs = files.flatMap((f) => [resolve(f), resolve(values.output ?? executedPath(f))]);
  for (let i = 1; i < pairs.length; i += 2) mkdirSync(dirname(pairs[i]!), { recursive: true });
  const flags = ['--kernel', KERNEL_NAME, '--timeout', String(timeout), ...(values['keep-going'] ? ['--keep-going'] : [])];
  return run(python, [join(KERNEL_DIR, 'execute.py'), ...flags, ...pairs], jupyterEnv());
}

async function openJupyter(args: string[]): Promise<number> {
  const python = findJupyterPython();
  const jupyter = spawnSync('jupyter', ['--version'], { stdio: 'ignore' });
  if (!python || jupyter.status !== 0) throw new Error(JUPYTER_INSTALL_HINT.replace(/\n/g, '\n  '));
  const hasLab = spawnSync('jupyter', ['lab', '--version'], { stdio: 'ignore' }).status === 0;
  const app = hasLab ? 'lab' : 'notebook';
  if (!hasLab && spawnSync('jupyter', ['notebook', '--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('neither JupyterLab nor Jupyter Notebook is installed: apt-get install jupyter-notebook, or pip install jupyterlab');
  }
  console.error(`starting jupyter ${app} with the repo-local kernel '${KERNEL_NAME}' (${KERNEL_DIR})`);
  return run('jupyter', [app, ...(args.length > 0 ? args : ['notebooks'])], jupyterEnv());
}

/** A Jupyter kernel.json. */
export interface KernelSpecJson {
  argv: string[];
  display_name: string;
  language: string;
  metadata: Record<string, unknown>;
}

/** The kernelspec for a Jupyter outside this repository: absolute paths, this Node binary. */
export function installedKernelSpec(): KernelSpecJson {
  return {
    argv: [process.execPath, join(KERNEL_DIR, 'start-kernel.cjs'), '{connection_file}'],
    display_name: 'TypeScript (prismer-ts)',
    language: 'typescript',
    metadata: { debugger: false },
  };
}

async function installKernel(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { prefix: { type: 'string' } } });
  const folder = mkdtempSync(join(tmpdir(), 'prismer-kernel-'));
  const spec = join(folder, KERNEL_NAME);
  try {
    mkdirSync(spec);
    writeFileSync(join(spec, 'kernel.json'), `${JSON.stringify(installedKernelSpec(), null, 2)}\n`);
    const where = values.prefix ? ['--prefix', values.prefix] : ['--user'];
    const code = await run('jupyter', ['kernelspec', 'install', '--replace', '--name', KERNEL_NAME, ...where, spec], process.env).catch(() => {
      throw new Error(JUPYTER_INSTALL_HINT.replace(/\n/g, '\n  '));
    });
    if (code === 0) console.log(`installed kernel '${KERNEL_NAME}': pick "TypeScript (prismer-ts)" in Jupyter or VS Code; it starts in ${REPO_ROOT}`);
    return code;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export const notebookCommand: Command = {
  name: 'notebook',
  summary: 'run notebooks headlessly, open Jupyter, or install the tslab kernel',
  usage: [
    'usage: prismer notebook run <file.ipynb>... [--output out.ipynb] [--timeout s] [--keep-going]',
    '       prismer notebook run --all          every notebook in notebooks/',
    '       prismer notebook open [jupyter args] JupyterLab (or Notebook) with the repo-local kernel',
    '       prismer notebook kernel-install [--prefix dir]   register the kernel for your Jupyter / VS Code',
    '',
    'run executes each notebook with the tslab kernel (kernels/jupyter, started in the repo root) and',
    'writes the executed copy, outputs included, to notebooks/executed/<name>.ipynb. It stops at the',
    'first failing cell (--keep-going runs the rest) and exits 1 if any cell failed.',
  ].join('\n'),
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === 'run') return runNotebooks(rest);
    if (sub === 'open') return openJupyter(rest);
    if (sub === 'kernel-install') return installKernel(rest);
    throw new UsageError(sub === undefined ? 'expected a sub-command: run, open or kernel-install' : `unknown sub-command '${sub}'`);
  },
};
