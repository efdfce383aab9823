import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseExperimentConfig } from '../config/load.js';
import type { ExperimentConfig } from '../config/schema.js';
import { checkpointPath } from '../hub/catalog.js';
import { writeSafetensors } from '../io/safetensors.js';
import type { TensorRecord } from '../io/tensor-record.js';
import type { Prismer } from '../model/prismer.js';
import { buildExperimentModel, prepareExperiment } from '../train/experiment.js';
import { paperCheckpointName, type PaperColumn, type PaperRow, type PaperTable } from './paper.js';
import type { ReproduceData, ReproduceDataset } from './reproduce.js';

/**
 * The dry mode of `prismer reproduce` (what CI runs): the whole path — checkpoints found under a
 * PRISMER_HOME, loaded strictly by name and shape, evaluated with the official loops on data in the
 * official layout, scored, and tabulated against the paper — with stand-ins that take seconds: a tiny
 * Prism Shapes set (10 scenes) as both "COCO" and "VQAv2", and for every official checkpoint name a
 * randomly initialised `prismer_tiny` of the same family (Prismer: six experts; PrismerZ: none)
 * saved under that name. The measured numbers say nothing about Prismer: only that the path works.
 */

export interface ReproduceDryRun {
  home: string;
  data: ReproduceData;
  configFor: (row: PaperRow, column: PaperColumn, dataset: ReproduceDataset) => ExperimentConfig;
  /** Printed with the table. */
  note: string;
}

const DRY_SCENES = { train: 6, test: 4, size: 64 } as const;

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return (h >>> 0) % 100000;
}

/** The tiny stand-in config of a (row, column) evaluation on the dry data. */
function dryConfig(row: PaperRow, column: PaperColumn, dataset: ReproduceDataset, seed: number): ExperimentConfig {
  return parseExperimentConfig({
    task: column.task,
    ...(column.task === 'caption' ? { dataset: 'shapes', prefix: column.prefix } : { datasets: ['shapes'], k_test: 8 }),
    data_path: dataset.dataPath,
    label_path: dataset.labelPath ?? join(dirname(dataset.dataPath), 'labels'),
    experts: row.family === 'prismer' ? ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'] : ['none'],
    image_resolution: DRY_SCENES.size,
    prismer_model: 'prismer_tiny',
    batch_size_train: 2,
    batch_size_test: 8,
    init_lr: 1e-3,
    max_epoch: 1,
    eval: { max_length: 12, min_length: 2 },
    data: { source: 'synthetic', synthetic: { seed: 0, train_images: DRY_SCENES.train, test_images: DRY_SCENES.test, image_size: DRY_SCENES.size } },
    train: { seed, exp_name: paperCheckpointName(row, column) },
  }, `reproduce --dry-run ${paperCheckpointName(row, column)}`);
}

/** Every parameter and buffer of a model as safetensors records (int buffers kept as I32). */
async function modelRecords(model: Prismer): Promise<Map<string, TensorRecord>> {
  const out = new Map<string, TensorRecord>();
  for (const [name, variable] of model.store.entries()) {
    const data = await variable.data();
    out.set(name, variable.dtype === 'int32'
      ? { dtype: 'I32', shape: [...variable.shape], data: Int32Array.from(data as Int32Array) }
      : { dtype: 'F32', shape: [...variable.shape], data: Float32Array.from(data as Float32Array) });
  }
  return out;
}

/**
 * Prepares `dir` for a dry run of `table`: Prism Shapes under `dir/shapes`, and a stand-in checkpoint
 * for each checkpoint the table names under `dir/home/checkpoints/<name>/pytorch_model.bin` (a
 * safetensors file, which the checkpoint reader detects by content); `only` limits them to some rows /
 * columns. Existing files are reused.
 */
export async function prepareReproduceDryRun(
  dir: string, table: PaperTable, log: (line: string) => void = () => undefined, only: { models?: readonly string[]; columns?: readonly string[] } = {},
): Promise<ReproduceDryRun> {
  const root = resolve(dir);
  const dataset: ReproduceDataset = { dataPath: join(root, 'shapes', 'data'), labelPath: join(root, 'shapes', 'labels') };
  const home = join(root, 'home');
  const rows = table.rows.filter((r) => !only.models || only.models.some((m) => m.toLowerCase() === r.model.toLowerCase()));
  for (const row of rows) {
    for (const column of table.columns.filter((c) => !only.columns || only.columns.includes(c.key))) {
      const name = paperCheckpointName(row, column);
      const path = checkpointPath(name, home);
      if (existsSync(path)) continue;
      const setup = await prepareExperiment(dryConfig(row, column, dataset, hashName(name)), log);
      const model = buildExperimentModel(setup);
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeSafetensors(path, await modelRecords(model), { format: 'pt', note: 'prismer reproduce --dry-run stand-in (random prismer_tiny)' });
      } finally {
        model.dispose();
      }
    }
  }
  return {
    home,
    data: { coco: dataset, vqa: dataset },
    configFor: (row, column, d) => dryConfig(row, column, d, hashName(paperCheckpointName(row, column))),
    note: `DRY RUN: random prismer_tiny stand-ins for the official checkpoints, evaluated on ${DRY_SCENES.test} Prism Shapes test scenes; the numbers only show that the path works and are not comparable with the paper.`,
  };
}
