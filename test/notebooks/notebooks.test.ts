import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { JUPYTER_INSTALL_HINT, executedPath, findJupyterPython, installedKernelSpec, listNotebooks } from '../../lib/cli/notebook.js';

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

const joined = (text: string | string[] | undefined) => (Array.isArray(text) ? text.join('') : text ?? '');

function requireJupyter(): void {
  if (!findJupyterPython()) assert.fail(`the notebook tests need Jupyter.\n${JUPYTER_INSTALL_HINT}`);
}

/** `npm run notebooks -- <args>`: the entry CI uses. */
function notebooks(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/notebooks.mjs', ...args], { encoding: 'utf8', timeout: 1_500_000 });
}

function prismer(...args: string[]) {
  return spawnSync(process.execPath, ['bin/prismer.js', 'notebook', ...args], { encoding: 'utf8', timeout: 60_000 });
}

test('the repo-local kernelspec starts tslab through kernels/jupyter/start-kernel.cjs', () => {
  const spec = JSON.parse(readFileSync('kernels/jupyter/kernels/prismer-ts/kernel.json', 'utf8')) as { argv: string[]; language: string };
  assert.deepEqual(spec.argv, ['node', '{resource_dir}/../../start-kernel.cjs', '{connection_file}']);
  assert.equal(spec.language, 'typescript');
  const installed = installedKernelSpec();
  assert.equal(installed.argv[0], process.execPath);
  assert.ok(existsSync(installed.argv[1]!), `${installed.argv[1]} exists`);
});

test('every notebook in notebooks/ executes headlessly, and its plots carry vega-lite and SVG', () => {
  requireJupyter();
  const all = listNotebooks();
  assert.ok(all.length > 0, 'no notebooks in notebooks/');
  const run = notebooks('run');
  assert.equal(run.status, 0, `notebooks failed:\n${run.stdout}\n${run.stderr}`);
  for (const path of all) {
    const executed = JSON.parse(readFileSync(executedPath(path), 'utf8')) as Notebook;
    const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
    const stderr = outputs.filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr' && /Error/.test(joined(o.text))));
    assert.deepEqual(stderr, [], `${basename(path)} printed errors`);
    const plots = outputs.filter((o) => o.data && 'application/vnd.vegalite.v5+json' in o.data && 'image/svg+xml' in o.data);
    assert.ok(plots.length > 0, `${basename(path)} shows no plot with both vega-lite and SVG`);
    for (const plot of plots) {
      assert.match(joined(plot.data!['image/svg+xml'] as string | string[]), /^<svg [\s\S]*<text[^>]*>[^<]+<\/text>/);
      assert.equal(typeof plot.data!['application/vnd.vegalite.v5+json'], 'object');
    }
  }
});

test('a failing cell fails the run, names the cell and keeps the outputs so far', () => {
  requireJupyter();
  const dir = mkdtempSync(join(tmpdir(), 'prismer-nb-'));
  try {
    const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
    const notebook = {
      cells: [cell("console.log('before')"), cell("const n: number = 'text';"), cell("throw new Error('boom')"), cell("console.log('after')")],
      metadata: { kernelspec: { name: 'prismer-ts', display_name: 'TypeScript (prismer-ts)', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 4,
    };
    writeFileSync(join(dir, 'bad.ipynb'), JSON.stringify(notebook));
    const run = notebooks('run', join(dir, 'bad.ipynb'), '--output', join(dir, 'out.ipynb'), '--keep-going');
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /cell 1: [\d.]+s FAILED .*Type 'string' is not assignable to type 'number'/);
    assert.match(run.stdout, /cell 2: [\d.]+s FAILED Error: boom/);
    assert.match(run.stdout, /cell 3: [\d.]+s ok/, 'the kernel still answers after failures (tslab 200 ms abort window)');
    const executed = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')) as Notebook;
    assert.equal(joined(executed.cells[0]!.outputs![0]!.text), 'before\n');
    assert.equal(joined(executed.cells[3]!.outputs![0]!.text), 'after\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prismer notebook rejects bad usage with exit code 2', () => {
  assert.equal(prismer().status, 2);
  const notIpynb = prismer('run', 'README.md');
  assert.equal(notIpynb.status, 2);
  assert.match(notIpynb.stderr, /README\.md: expected a \.ipynb file/);
});

test('kernel-install registers a kernelspec with absolute paths to this checkout', () => {
  requireJupyter();
  const prefix = mkdtempSync(join(tmpdir(), 'prismer-kernel-prefix-'));
  try {
    const run = notebooks('kernel-install', '--prefix', prefix);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const spec = JSON.parse(readFileSync(join(prefix, 'share', 'jupyter', 'kernels', 'prismer-ts', 'kernel.json'), 'utf8')) as { argv: string[] };
    assert.deepEqual(spec.argv, installedKernelSpec().argv);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});
