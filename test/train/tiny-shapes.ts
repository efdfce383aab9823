// A tiny Prism Shapes experiment for training tests: a few 32 px images generated in a temp folder, on the
// cpu backend, from one of the npm start configs with the given overrides. No latent warm-up and no gradient
// workers unless a test sets them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../../lib/backend/init.js';
import { loadExperimentConfig } from '../../lib/config/load.js';
import { buildExperimentModel, captionDatasets, prepareExperiment, vqaDatasets } from '../../lib/train/experiment.js';
import { SampleSource } from '../../lib/train/tasks.js';

export interface TinyShapes {
  /** The temp folder (data, labels, runs go below it). */
  dir: string;
  /** The written config file. */
  config: string;
  /** Prepares the experiment (`--set`s on top), builds its model and a sample source over its training split. */
  setup(sets?: string[]): Promise<{ setup: Awaited<ReturnType<typeof prepareExperiment>>; model: ReturnType<typeof buildExperimentModel>; source: SampleSource }>;
}

/** `base` is `start-caption` or `start-vqa`; `lines` are YAML lines added to the config (experts, batch size, …). */
export function tinyShapes(name: string, base: 'start-caption' | 'start-vqa', options: { experts: string; batchSize: number; trainImages: number; lines?: string[] }): TinyShapes {
  const dir = mkdtempSync(join(tmpdir(), `prismer-${name}-`));
  const config = join(dir, 'tiny.yaml');
  writeFileSync(config, [
    `extends: ${resolve('configs', `${base}.yaml`)}`,
    `data_path: ${join(dir, 'shapes', 'data')}`,
    `label_path: ${join(dir, 'shapes', 'labels')}`,
    `experts: ${options.experts}`,
    `batch_size_train: ${options.batchSize}`,
    'train: {latent_warmup: {steps: 0}, workers: 0}',
    ...(options.lines ?? []),
    'data:',
    `  synthetic: {seed: 0, train_images: ${options.trainImages}, test_images: 2, image_size: 32}`,
    '',
  ].join('\n'));
  return {
    dir, config,
    async setup(sets = []) {
      await initBackend('cpu');
      const setup = await prepareExperiment(loadExperimentConfig(config, ['image_resolution=32', ...sets]));
      const model = buildExperimentModel(setup);
      const train = setup.config.task === 'vqa' ? vqaDatasets(setup).train : captionDatasets(setup).train;
      return { setup, model, source: new SampleSource(train, setup.augment) };
    },
  };
}
