// The pre-training and classification tasks of the config schema and their official configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadExperimentConfig, parseExperimentConfig } from '../../lib/config/index.js';

const base = { batch_size_train: 2, batch_size_test: 4, init_lr: 1e-4, max_epoch: 1 };

function assertKeyError(fn: () => unknown, keyPath: string, detail: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.keyPath, keyPath);
    assert.match(error.message, detail);
    return true;
  });
}

test('configs/pretrain.yaml carries the official pre-training values', () => {
  const c = loadExperimentConfig('configs/pretrain.yaml');
  assert.equal(c.task, 'pretrain');
  assert.deepEqual(c.datasets, ['cc12m', 'cc3m_sgu', 'coco', 'vg']);
  assert.deepEqual([c.cc12m_data_path, c.cc3m_data_path, c.coco_data_path, c.vg_data_path],
    ['/workspace_dataset/cc12m', '/home/datasets/cc3m', '/workspace_dataset/dataset_vqa', '/home/datasets/vqa']);
  assert.deepEqual([c.image_resolution, c.prismer_model, c.freeze, c.batch_size_train], [224, 'prismer_base', 'freeze_lang_vision', 32]);
  assert.deepEqual([c.max_epoch, c.weight_decay, c.init_lr, c.min_lr, c.warmup_lr, c.warmup_steps], [20, 0.05, 3e-4, 1e-6, 1e-6, 2000]);
});

test('configs/classification.yaml carries the official few-shot values', () => {
  const c = loadExperimentConfig('configs/classification.yaml');
  assert.equal(c.task, 'classification');
  assert.deepEqual([c.dataset, c.data_path, c.freeze, c.shots, c.image_resolution], ['imagenet', '/workspace_dataset/dataset_zero', 'freeze_vision', 1, 384]);
  assert.deepEqual([c.batch_size_train, c.batch_size_test, c.init_lr, c.weight_decay, c.min_lr, c.max_epoch], [2, 8, 5e-5, 0.05, 0, 20]);
  assert.deepEqual([c.k_test, c.prefix, c.train.eval_every], [32, 'A photo of a', 5]);
  assert.deepEqual([c.data.augment, c.data.augment_test, c.data.label_resolution], [null, null, null]);
});

test('the Prism Shapes variants extend the official configs with synthetic data', () => {
  const p = loadExperimentConfig('configs/shapes-pretrain.yaml');
  assert.deepEqual([p.task, p.datasets, p.coco_data_path, p.data.source, p.prismer_model], ['pretrain', ['coco'], '', 'synthetic', 'prismer_tiny']);
  const k = loadExperimentConfig('configs/shapes-classify.yaml');
  assert.deepEqual([k.task, k.shots, k.prefix, k.data.source, k.freeze], ['classification', 16, 'A picture of a', 'synthetic', 'none']);
});

test('pre-training sources must be official ones, and at least one', () => {
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'pretrain' }), 'datasets', /required for task 'pretrain'/);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'pretrain', datasets: ['coco', 'laion'] }), 'datasets', /'laion' is not one of them/);
  assert.deepEqual(parseExperimentConfig({ ...base, task: 'pretrain', datasets: ['vg'] }).datasets, ['vg']);
});

test('classification needs a prefix; shots is a positive integer or null', () => {
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'classification', prefix: '' }), 'prefix', /required for task 'classification'/);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'classification', shots: 0 }), 'shots', /an integer >= 1 or null/);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'classification', shots: 2.5 }), 'shots', /an integer >= 1 or null/);
  assert.equal(parseExperimentConfig({ ...base, task: 'classification' }).shots, null);
  assert.equal(parseExperimentConfig({ ...base, task: 'classification', shots: 16 }).shots, 16);
});

test('data.augment, data.augment_test and data.label_resolution take a value or null', () => {
  const c = parseExperimentConfig({ ...base, task: 'caption', dataset: 'coco', data: { augment: false, augment_test: true, label_resolution: 64 } });
  assert.deepEqual([c.data.augment, c.data.augment_test, c.data.label_resolution], [false, true, 64]);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'caption', dataset: 'coco', data: { augment: 'yes' } }), 'data.augment', /true or false or null/);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'caption', dataset: 'coco', data: { label_resolution: 0 } }), 'data.label_resolution', /integer >= 1 or null/);
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'caption', dataset: 'coco', save_predictions: null }), 'save_predictions', /unknown key/);
});

test('a plain bool key still refuses null', () => {
  assertKeyError(() => parseExperimentConfig({ ...base, task: 'caption', dataset: 'coco', eval: { save_predictions: null } }), 'eval.save_predictions', /expected true or false, got/);
});
