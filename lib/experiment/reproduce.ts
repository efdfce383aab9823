import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseExperimentConfig } from '../config/load.js';
import type { ExperimentConfig } from '../config/schema.js';
import { checkpointPath, prismerHome } from '../hub/catalog.js';
import { buildExperimentModel, prepareExperiment } from '../train/experiment.js';
import type { ProgressOptions } from '../train/progress.js';
import { evaluateExperiment, evaluationMetrics, loadInitialWeights } from '../train/run.js';
import { paperCheckpointName, type PaperColumn, type PaperRow, type PaperTable } from './paper.js';
import { formatTextTable } from './report.js';

/**
 * `prismer reproduce`: evaluates the official checkpoints found under PRISMER_HOME on the data the
 * user points to, exactly as the official evaluation runs them, and sets the measured numbers next
 * to the published ones with the difference and the README's tolerance.
 */

/** A dataset folder in the official layout and (for Prismer, not PrismerZ) its expert labels. */
export interface ReproduceDataset {
  dataPath: string;
  labelPath?: string;
}

export interface ReproduceData {
  /** COCO Karpathy test: coco_karpathy_test.json, coco_karpathy_test_gt.json, images under vqav2/. */
  coco?: ReproduceDataset;
  /** VQAv2 test-dev: vqav2_test.json, answer_list.json, images under vqav2/ (answers optional). */
  vqa?: ReproduceDataset;
}

export type ReproduceStatus = 'measured' | 'server' | 'no-checkpoint' | 'no-data' | 'failed';

export interface ReproduceCell {
  model: string;
  column: string;
  label: string;
  metric: string;
  checkpoint: string;
  paper: number | null;
  measured: number | null;
  /** measured - paper. */
  diff: number | null;
  tolerance: number;
  /** |diff| < tolerance; null when nothing was measured. */
  within: boolean | null;
  status: ReproduceStatus;
  /** Why not measured, or where the results file is. */
  detail: string;
  /** What is missing of the data this cell needs (null: all there), whether or not its checkpoint is. */
  dataMissing: string | null;
  examples: number | null;
  seconds: number | null;
}

export interface ReproduceOptions {
  table: PaperTable;
  data: ReproduceData;
  /** Results files go to `<outDir>/<checkpoint>/`. */
  outDir: string;
  /** PRISMER_HOME (default from the environment). */
  home?: string;
  /** Only these rows (model names, case-insensitive) / columns (keys). */
  models?: readonly string[];
  columns?: readonly string[];
  /** Evaluate only the first N test examples (a quick look; not comparable to the paper). */
  maxExamples?: number | null;
  batchSize?: number;
  /** The experiment config of one evaluation; default `officialEvaluationConfig`. */
  configFor?: (row: PaperRow, column: PaperColumn, dataset: ReproduceDataset, options: ReproduceOptions) => ExperimentConfig;
  progress?: false | ProgressOptions;
  log?: (line: string) => void;
}

const OFFICIAL_EXPERTS = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'];

/** The official evaluation settings of a column (configs/caption.yaml / vqa.yaml, coco target, 480 px). */
export function officialEvaluationConfig(row: PaperRow, column: PaperColumn, dataset: ReproduceDataset, options: ReproduceOptions): ExperimentConfig {
  return parseExperimentConfig({
    task: column.task,
    ...(column.task === 'caption' ? { dataset: 'coco', prefix: column.prefix } : { datasets: ['vqav2'], k_test: 16, inference: 'rank' }),
    data_path: dataset.dataPath,
    label_path: dataset.labelPath ?? join(dataset.dataPath, 'experts'),
    experts: row.family === 'prismer' ? OFFICIAL_EXPERTS : ['none'],
    image_resolution: 480,
    prismer_model: `prismer_${row.size}`,
    freeze: 'freeze_vision',
    batch_size_train: 1,
    batch_size_test: options.batchSize ?? (column.task === 'caption' ? 8 : 32),
    init_lr: 5e-5,
    max_epoch: 1,
    data: { max_test_examples: options.maxExamples ?? null },
    train: { exp_name: `${paperCheckpointName(row, column)}` },
  }, `reproduce ${paperCheckpointName(row, column)}`);
}

const DATA_FILES: Record<'caption' | 'vqa', readonly string[]> = {
  caption: ['coco_karpathy_test.json', 'coco_karpathy_test_gt.json'],
  vqa: ['vqav2_test.json', 'answer_list.json'],
};

/** What is missing for a column's data, or null when it is all there. */
export function missingData(column: PaperColumn, row: PaperRow, data: ReproduceData): string | null {
  const dataset = column.task === 'caption' ? data.coco : data.vqa;
  const flag = column.task === 'caption' ? '--coco' : '--vqa';
  if (!dataset) return `no ${column.task === 'caption' ? 'COCO' : 'VQAv2'} data given (${flag} DIR)`;
  const missing = DATA_FILES[column.task].filter((f) => !existsSync(join(dataset.dataPath, f)));
  if (missing.length > 0) return `${dataset.dataPath}: missing ${missing.join(', ')}`;
  if (!existsSync(join(dataset.dataPath, 'vqav2'))) return `${dataset.dataPath}: no vqav2/ image folder (the official loaders read COCO images from <data_path>/vqav2/<image>)`;
  if (row.family === 'prismer') {
    const labels = dataset.labelPath;
    if (!labels) return `Prismer models read expert labels: give ${flag}-labels DIR`;
    const absent = OFFICIAL_EXPERTS.filter((e) => !existsSync(join(labels, e, 'vqav2')));
    if (absent.length > 0) return `${labels}: no labels for ${absent.join(', ')} (expected <labels>/<expert>/vqav2/...)`;
  }
  return null;
}

/** Exactly what to download and where to put it, for the data that is missing. */
export function reproduceDataInstructions(data: ReproduceData, needs: { caption: boolean; vqa: boolean; labels: boolean }): string {
  const coco = data.coco?.dataPath ?? '<coco>';
  const vqa = data.vqa?.dataPath ?? '<vqa>';
  const lines: string[] = ['To reproduce the table, prepare the official evaluation data:'];
  if (needs.caption) {
    lines.push(
      `COCO captioning (--coco ${coco}):`,
      `  - coco_karpathy_test.json and coco_karpathy_test_gt.json from the official caption data lists`,
      `    (https://www.dropbox.com/sh/quu6v5hzdetjcdz/AACze0_h6BO8LJmSsEq4MM8-a?dl=0) into ${coco}/`,
      `  - COCO 2014 validation images (http://images.cocodataset.org/zips/val2014.zip) unpacked to ${coco}/vqav2/val2014/`,
    );
  }
  if (needs.vqa) {
    lines.push(
      `VQAv2 test-dev (--vqa ${vqa}):`,
      `  - vqav2_test.json and answer_list.json from the official VQAv2 data lists`,
      `    (https://www.dropbox.com/sh/hqtxl1k8gkbhhoi/AACiax5qi7no3pJgO1E57Xefa?dl=0) into ${vqa}/`,
      `  - COCO 2015 test images (http://images.cocodataset.org/zips/test2015.zip) unpacked to ${vqa}/vqav2/test2015/`,
      `  - test-dev has no public answers: the results file is written in the official server format;`,
      `    submit it to the VQA Challenge on EvalAI (test-dev phase) for the accuracy`,
    );
  }
  if (needs.labels) {
    lines.push(
      'Prismer (not PrismerZ) rows also need the six experts\' labels of those images (--coco-labels / --vqa-labels DIR):',
      '  generate them with the official experts/generate_{depth,normal,edge,segmentation,objdet,ocrdet}.py (configs/experts.yaml',
      '  pointing at the images); they write <labels>/<expert>/vqav2/<image>.png (+ .json / .pt)',
    );
  }
  lines.push('Checkpoints: prismer download <name> (e.g. caption_prismer_base) puts them under PRISMER_HOME/checkpoints/.');
  return lines.join('\n');
}

/** The evaluated metric on the paper's scale: CIDEr × 100, VQA accuracy in percent as the official tool reports it. */
function paperScale(metric: string, metrics: Record<string, number>): number | null {
  const v = metrics[metric];
  if (typeof v !== 'number') return null;
  return metric === 'CIDEr' ? v * 100 : v;
}

/** Evaluates every (row, column) of the table whose checkpoint and data are present. */
export async function reproducePaperTable(options: ReproduceOptions): Promise<ReproduceCell[]> {
  const log = options.log ?? (() => undefined);
  const home = options.home ?? prismerHome();
  const wantModel = (row: PaperRow) => !options.models || options.models.some((m) => m.toLowerCase() === row.model.toLowerCase());
  const columns = options.table.columns.filter((c) => !options.columns || options.columns.includes(c.key));
  const configFor = options.configFor ?? officialEvaluationConfig;
  const cells: ReproduceCell[] = [];
  for (const row of options.table.rows.filter(wantModel)) {
    for (const column of columns) {
      const checkpoint = paperCheckpointName(row, column);
      const paper = row.values[column.key] ?? null;
      const cell: ReproduceCell = {
        model: row.model, column: column.key, label: column.label, metric: column.metric, checkpoint, paper, measured: null, diff: null,
        tolerance: options.table.tolerance[column.metric]!, within: null, status: 'measured', detail: '', dataMissing: missingData(column, row, options.data),
        examples: null, seconds: null,
      };
      cells.push(cell);
      const weights = checkpointPath(checkpoint, home);
      if (!existsSync(weights)) {
        const also = cell.dataMissing ? `; data: ${cell.dataMissing}` : '';
        Object.assign(cell, { status: 'no-checkpoint', detail: `${weights} not found: prismer download ${checkpoint}${also}` });
        continue;
      }
      if (cell.dataMissing) {
        Object.assign(cell, { status: 'no-data', detail: cell.dataMissing });
        continue;
      }
      const dataset = (column.task === 'caption' ? options.data.coco : options.data.vqa)!;
      try {
        const config = configFor(row, column, dataset, options);
        log(`${checkpoint}: ${column.label} on ${config.data_path} (${config.prismer_model}, experts [${config.experts.join(', ') || 'none'}], ${config.image_resolution} px)`);
        const setup = await prepareExperiment(config, log);
        const model = buildExperimentModel(setup);
        try {
          loadInitialWeights(model, weights);
          const evaluation = await evaluateExperiment(setup, model, { outDir: resolve(options.outDir, checkpoint), progress: options.progress, log });
          cell.examples = evaluation.results.length;
          cell.seconds = evaluation.seconds;
          const measured = paperScale(column.metric, evaluationMetrics(evaluation));
          if (measured === null) {
            Object.assign(cell, { status: 'server', detail: `no answers to score against: submit ${evaluation.resultsPath} to the VQAv2 evaluation server (EvalAI, test-dev phase)` });
            continue;
          }
          cell.measured = measured;
          cell.diff = paper === null ? null : measured - paper;
          cell.within = cell.diff === null ? null : Math.abs(cell.diff) < cell.tolerance;
          cell.detail = evaluation.resultsPath;
        } finally {
          model.dispose();
        }
      } catch (error) {
        Object.assign(cell, { status: 'failed', detail: (error as Error).message });
      }
    }
  }
  return cells;
}

function fmt(value: number | null, metric: string): string {
  if (value === null) return '–';
  return value.toFixed(metric === 'CIDEr' ? 1 : 2);
}

/** Paper vs measured, one line per (model, column): difference, tolerance and verdict. */
export function formatReproduceTable(table: PaperTable, cells: readonly ReproduceCell[]): string {
  const verdict = (c: ReproduceCell): string => {
    if (c.status !== 'measured') return c.status;
    if (c.within === null) return 'measured';
    return c.within ? 'ok' : 'OUTSIDE';
  };
  const rows = cells.map((c) => [
    c.model, c.label, c.checkpoint, fmt(c.paper, c.metric), fmt(c.measured, c.metric),
    c.diff === null ? '–' : `${c.diff >= 0 ? '+' : ''}${fmt(c.diff, c.metric)}`, `< ${c.tolerance}`, verdict(c),
  ]);
  const body = formatTextTable([['model', 'column', 'checkpoint', 'paper', 'measured', 'diff', 'tolerance', 'verdict'], ...rows], { rightAlign: (c) => c >= 3 && c <= 6 });
  const notes = cells.filter((c) => c.status !== 'measured').map((c) => `  ${c.checkpoint} (${c.label}): ${c.detail}`);
  return [`${table.title}`, `source: ${table.source.table ?? table.file}`, '', body, ...(notes.length ? ['', 'not measured:', ...notes] : [])].join('\n');
}
