import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigError, EXPERT_NAMES, loadExperimentConfig, parseConfigOverride, parseExperimentConfig } from '../../lib/config/index.js';

/** Writes YAML files into a fresh folder; returns a function giving their paths. */
function files(contents: Record<string, string>): { path: (name: string) => string; shown: (name: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'prismer-config-'));
  for (const [name, text] of Object.entries(contents)) writeFileSync(join(dir, name), text);
  const path = (name: string) => join(dir, name);
  // Sources are shown relative to the working directory when inside it, absolute otherwise.
  const shown = (name: string) => (relative(process.cwd(), path(name)).startsWith('..') ? path(name) : relative(process.cwd(), path(name)));
  return { path, shown, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const minimal = 'task: caption\ndataset: coco\nbatch_size_train: 4\nbatch_size_test: 8\ninit_lr: 5e-5\nmax_epoch: 3\n';

function assertConfigError(fn: () => unknown, source: string, keyPath: string, detail: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.source, source);
    assert.equal(error.keyPath, keyPath);
    assert.match(error.message, detail);
    assert.ok(error.message.startsWith(`${source}: ${keyPath || '(top level)'}: `), error.message);
    return true;
  });
}

test('configs/caption.yaml and vqa.yaml carry the official values', () => {
  const caption = loadExperimentConfig('configs/caption.yaml');
  assert.equal(caption.task, 'caption');
  assert.equal(caption.dataset, 'coco');
  assert.deepEqual(caption.experts, [...EXPERT_NAMES]);
  assert.deepEqual([caption.image_resolution, caption.prismer_model, caption.freeze], [480, 'prismer_base', 'freeze_vision']);
  assert.deepEqual([caption.batch_size_train, caption.batch_size_test, caption.init_lr, caption.weight_decay, caption.min_lr, caption.max_epoch], [4, 8, 5e-5, 0.05, 0, 3]);
  assert.equal(caption.prefix, 'A picture of');
  assert.deepEqual(caption.eval, { beam_size: 3, max_length: 20, min_length: 8, save_predictions: true });
  const vqa = loadExperimentConfig('configs/vqa.yaml');
  assert.deepEqual(vqa.datasets, ['vqav2', 'vg']);
  assert.deepEqual([vqa.batch_size_train, vqa.batch_size_test, vqa.init_lr, vqa.max_epoch, vqa.k_test, vqa.inference], [8, 32, 5e-5, 10, 16, 'rank']);
  assert.equal(loadExperimentConfig('configs/caption-nocaps.yaml').dataset, 'nocaps');
});

test('the synthetic configs extend the official ones and fill every section', () => {
  for (const name of ['shapes-caption', 'shapes-vqa']) {
    const config = loadExperimentConfig(`configs/${name}.yaml`);
    assert.equal(config.data.source, 'synthetic');
    assert.equal(config.prismer_model, 'prismer_tiny');
    assert.equal(config.weight_decay, 0.01);
    assert.equal(config.train.seed, 42, 'inherited from the official file');
    assert.equal(config.train.grad_accum_steps, 1, 'default');
    assert.equal(config.backend.name, 'auto');
  }
});

test('defaults fill what a file leaves out; [none] means PrismerZ (no experts)', () => {
  const f = files({ 'a.yaml': `${minimal}experts: [none]\n` });
  try {
    const config = loadExperimentConfig(f.path('a.yaml'));
    assert.deepEqual(config.experts, []);
    assert.deepEqual([config.freeze, config.min_lr, config.weight_decay, config.k_test, config.inference], ['none', 0, 0.05, 16, 'rank']);
    assert.deepEqual(config.train, { seed: 42, grad_accum_steps: 1, clip_grad_norm: null, label_smoothing: 0.1, exp_name: '', log_dir: 'runs', log_every: 10, eval_every: 1, keep_checkpoints: 2, lr_scale: {}, encoder_cache_mb: 1024, latent_warmup: { steps: 0, lr: 1e-3, grid: 2, mode: 'mean' }, workers: 0 });
    assert.deepEqual(config.model, { overrides: {}, vit_init: 'random' });
  } finally {
    f.done();
  }
});

test('unknown keys are named with their full key path, top level or nested', () => {
  const f = files({ 'top.yaml': `${minimal}batch_size: 4\n`, 'nested.yaml': `${minimal}train:\n  lr: 1e-4\n` });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('top.yaml')), f.shown('top.yaml'), 'batch_size', /unknown key; expected one of task, dataset, .*batch_size_train/);
    assertConfigError(() => loadExperimentConfig(f.path('nested.yaml')), f.shown('nested.yaml'), 'train.lr', /unknown key; expected one of seed, grad_accum_steps/);
  } finally {
    f.done();
  }
});

test('wrong types are named with the key path, what was expected and what was found', () => {
  const f = files({
    'a.yaml': `${minimal}image_resolution: '480'\n`,
    'b.yaml': `${minimal}experts: depth\n`,
    'c.yaml': `${minimal}train: 3\n`,
    'd.yaml': `${minimal}eval:\n  save_predictions: yes\n`,
    'e.yaml': `${minimal}model:\n  overrides:\n    width: [1, 2]\n`,
  });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('a.yaml')), f.shown('a.yaml'), 'image_resolution', /expected an integer >= 16, got "480" \(string\)/);
    assertConfigError(() => loadExperimentConfig(f.path('b.yaml')), f.shown('b.yaml'), 'experts', /expected a list of strings, got "depth"/);
    assertConfigError(() => loadExperimentConfig(f.path('c.yaml')), f.shown('c.yaml'), 'train', /expected a mapping with keys seed, .*got 3/);
    assertConfigError(() => loadExperimentConfig(f.path('d.yaml')), f.shown('d.yaml'), 'eval.save_predictions', /expected true or false, got "yes"/);
    assertConfigError(() => loadExperimentConfig(f.path('e.yaml')), f.shown('e.yaml'), 'model.overrides.width', /expected a number, string or boolean, got a list/);
  } finally {
    f.done();
  }
});

test('invalid values: out of range, not in the allowed set, inconsistent, missing', () => {
  const f = files({
    'range.yaml': `${minimal}weight_decay: -0.1\n`,
    'enum.yaml': `${minimal}freeze: freeze_all\n`,
    'init.yaml': `${minimal}model:\n  vit_init: pretrained\n`,
    'expert.yaml': `${minimal}experts: [depth, segmentation]\n`,
    'twice.yaml': `${minimal}experts: [depth, depth]\n`,
    'lengths.yaml': `${minimal}eval:\n  min_length: 30\n`,
    'required.yaml': 'task: caption\ndataset: coco\nbatch_size_train: 4\nbatch_size_test: 8\nmax_epoch: 3\n',
    'vqa.yaml': 'task: vqa\nbatch_size_train: 4\nbatch_size_test: 8\ninit_lr: 1\nmax_epoch: 3\n',
  });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('range.yaml')), f.shown('range.yaml'), 'weight_decay', /expected a number >= 0, got -0\.1/);
    assertConfigError(() => loadExperimentConfig(f.path('enum.yaml')), f.shown('enum.yaml'), 'freeze', /expected one of 'none', 'freeze_lang', 'freeze_vision', 'freeze_lang_vision', got "freeze_all"/);
    assertConfigError(() => loadExperimentConfig(f.path('init.yaml')), f.shown('init.yaml'), 'model.vit_init', /expected one of 'random', 'structured', got "pretrained"/);
    assertConfigError(() => loadExperimentConfig(f.path('expert.yaml')), f.shown('expert.yaml'), 'experts', /'segmentation' is not one of them/);
    assertConfigError(() => loadExperimentConfig(f.path('twice.yaml')), f.shown('twice.yaml'), 'experts', /'depth' is listed twice/);
    assertConfigError(() => loadExperimentConfig(f.path('lengths.yaml')), f.shown('lengths.yaml'), 'eval.min_length', /at most eval\.max_length \(20\), got 30/);
    assertConfigError(() => loadExperimentConfig(f.path('required.yaml')), f.shown('required.yaml'), 'init_lr', /required key is missing \(a number > 0\)/);
    assertConfigError(() => loadExperimentConfig(f.path('vqa.yaml')), f.shown('vqa.yaml'), 'datasets', /required for task 'vqa'/);
  } finally {
    f.done();
  }
});

test('missing files: the config itself, or a file named by extends (blamed on the extends key)', () => {
  const f = files({ 'child.yaml': 'extends: ../no-such-parent.yaml\nmax_epoch: 2\n' });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('nope.yaml')), f.shown('nope.yaml'), '', /cannot read the config file \(no such file\)/);
    assertConfigError(() => loadExperimentConfig(f.path('child.yaml')), f.shown('child.yaml'), 'extends', /cannot read .*no-such-parent\.yaml \(no such file\)/);
  } finally {
    f.done();
  }
});

test('extends: parents first, maps merged key by key, lists replaced, errors blamed on the file that set the value', () => {
  const f = files({
    'base.yaml': `${minimal}experts: [depth, normal]\ntrain:\n  seed: 1\n  log_every: 0\n`,
    'child.yaml': 'extends: base.yaml\nexperts: [edge]\ntrain:\n  seed: 2\n',
    'fixed.yaml': 'extends: child.yaml\ntrain:\n  log_every: 5\n',
    'loop-a.yaml': 'extends: loop-b.yaml\n',
    'loop-b.yaml': 'extends: loop-a.yaml\n',
    'multi.yaml': 'extends: [base.yaml, other.yaml]\ntrain:\n  log_every: 1\n',
    'other.yaml': 'max_epoch: 9\ntrain:\n  seed: 3\n',
  });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('child.yaml')), f.shown('base.yaml'), 'train.log_every', /expected an integer >= 1, got 0/);
    const fixed = loadExperimentConfig(f.path('fixed.yaml'));
    assert.deepEqual(fixed.experts, ['edge']);
    assert.deepEqual([fixed.train.seed, fixed.train.log_every, fixed.init_lr], [2, 5, 5e-5]);
    assertConfigError(() => loadExperimentConfig(f.path('loop-a.yaml')), f.shown('loop-b.yaml'), 'extends', /circular extends: .*loop-a\.yaml -> .*loop-b\.yaml -> .*loop-a\.yaml/);
    const multi = loadExperimentConfig(f.path('multi.yaml'));
    assert.deepEqual([multi.max_epoch, multi.train.seed], [9, 3]);
  } finally {
    f.done();
  }
});

test('overrides are key.path=YAML and are blamed as --set when wrong', () => {
  assert.deepEqual(parseConfigOverride('train.clip_grad_norm=1e-1'), { keyPath: 'train.clip_grad_norm', value: 0.1, text: 'train.clip_grad_norm=1e-1' });
  assert.equal(parseConfigOverride("prefix='A photo of'").value, 'A photo of');
  assert.deepEqual(parseConfigOverride('experts=[depth, edge]').value, ['depth', 'edge']);
  assert.equal(parseConfigOverride('train.clip_grad_norm=').value, null);
  const config = loadExperimentConfig('configs/shapes-vqa.yaml', ['train.grad_accum_steps=4', 'init_lr=2e-4', 'backend.name=cpu', 'experts=[none]']);
  assert.deepEqual([config.train.grad_accum_steps, config.init_lr, config.backend.name, config.experts], [4, 2e-4, 'cpu', []]);
  // No backend takes a thread count here (tfjs-backend-wasm runs single-threaded under Node), so the key is refused.
  assertConfigError(() => loadExperimentConfig('configs/shapes-vqa.yaml', ['backend.threads=2']), '--set backend.threads=2', 'backend.threads', /unknown key/);
  assertConfigError(() => loadExperimentConfig('configs/shapes-vqa.yaml', ['train.lr=1e-4']), '--set train.lr=1e-4', 'train.lr', /unknown key/);
  assertConfigError(() => loadExperimentConfig('configs/shapes-vqa.yaml', ['train.seed=abc']), '--set train.seed=abc', 'train.seed', /expected an integer >= 0, got "abc"/);
  assertConfigError(() => loadExperimentConfig('configs/shapes-vqa.yaml', ['max_epoch.x=1']), '--set max_epoch.x=1', 'max_epoch', /not a section/);
  assertConfigError(() => parseConfigOverride('seed'), '--set seed', '', /expected key\.path=value/);
  assertConfigError(() => parseConfigOverride('extends=x.yaml'), '--set extends=x.yaml', 'extends', /cannot be overridden/);
});

test('YAML that is not a mapping, or not YAML, names the file', () => {
  const f = files({ 'list.yaml': '- a\n- b\n', 'broken.yaml': 'task: [caption\n' });
  try {
    assertConfigError(() => loadExperimentConfig(f.path('list.yaml')), f.shown('list.yaml'), '', /expected a mapping of keys to values, got a list/);
    assertConfigError(() => loadExperimentConfig(f.path('broken.yaml')), f.shown('broken.yaml'), '', /invalid YAML/);
  } finally {
    f.done();
  }
});

test('parseExperimentConfig checks an in-memory document', () => {
  assert.equal(parseExperimentConfig({ task: 'vqa', datasets: ['shapes'], batch_size_train: 2, batch_size_test: 2, init_lr: 1e-3, max_epoch: 1 }).k_test, 16);
  assertConfigError(() => parseExperimentConfig({ task: 'vqa' }, 'notebook'), 'notebook', 'batch_size_train', /required key is missing/);
});
