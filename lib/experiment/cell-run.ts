import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadExperimentConfig, type ConfigOverride } from '../config/load.js';
import type { ExperimentConfig, ExperimentExpert } from '../config/schema.js';
import type { VqaTestEntry } from '../data/formats.js';
import type { LabelExpert } from '../data/expert-labels.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Prismer } from '../model/prismer.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { PrismerVQA } from '../model/prismer-vqa.js';
import { buildExperimentModel, captionDatasets, prepareExperiment, vqaDatasets, type ExperimentSetup } from '../train/experiment.js';
import { configTrainerOptions } from '../train/config-options.js';
import { readTrainLog } from '../train/log.js';
import type { ProgressOptions } from '../train/progress.js';
import { evaluateExperiment, evaluationMetrics, loadInitialWeights, type ExperimentEvaluation } from '../train/run.js';
import { experimentTrainTask } from '../train/tasks.js';
import { trainModel } from '../train/trainer.js';
import { splitCellParams, type CellAblations, type GridCell } from './grid.js';
import { labelVariantKey, prepareLabelVariant, type LabelVariantSpec } from './label-variants.js';
import { startRun, type JsonValue, type RunManifest } from './run-store.js';

/**
 * One sweep cell at one seed: resolve the config (base file, `--set`s, the cell's overrides, the seed),
 * build the label variants its ablations ask for, train (or reuse weights trained with the very same
 * training setup: cells that differ only at evaluation share them), evaluate, and store the run.
 */

/** Folders below a store root shared by its runs: trained weights and label variants. */
export const SHARED_DIRS = { trained: '_trained', labels: '_labels' } as const;

/**
 * Switches Prismer's adaptors off: every adaptor's `up_proj` (weight and bias) is set to zero and
 * all adaptor parameters are frozen. The vision adaptor `x + up(…)` becomes exactly the identity;
 * the norm-late language adaptor `LN(up(…) + x)` keeps only its LayerNorm (frozen at its initial
 * gain 1 and bias 0), a re-normalisation of the already layer-normed cross-attention output.
 */
export function disableAdaptors(model: Prismer): number {
  let zeroed = 0;
  for (const [name, variable] of model.store.entries()) {
    if (name.includes('adaptor.up_proj')) {
      variable.assign(tf.zerosLike(variable));
      zeroed++;
    }
  }
  if (zeroed === 0) throw new Error('disableAdaptors: the model has no adaptor.up_proj parameters');
  const trainable = new Set(model.store.entries().filter(([, v]) => v.trainable).map(([name]) => name));
  model.store.setTrainable((name) => trainable.has(name) && !name.includes('adaptor'));
  return zeroed;
}

export interface CellRunOptions {
  /** Store root (runs/…): the run goes to `<root>/<sweep>/<cell>/seed-<seed>`. */
  root: string;
  sweep: string;
  cell: GridCell;
  seed: number;
  /** The experiment YAML and the `--set` overrides every cell shares. */
  configPath: string;
  overrides?: readonly string[];
  /** Stop training after this many optimiser steps (quick runs). */
  maxSteps?: number;
  progress?: false | ProgressOptions;
  log?: (line: string) => void;
}

export interface CellRunResult {
  name: string;
  dir: string;
  manifest: RunManifest;
  metrics: Record<string, number>;
  /** Whether the weights were trained now (false: reused from an identical training setup). */
  trained: boolean;
}

/** The run name of a cell at a seed. */
export function cellRunName(sweep: string, cell: string, seed: number): string {
  return `${sweep}/${cell}/seed-${seed}`;
}

/** The config of a cell at a seed (noise experts appended to `experts`). */
export function resolveCellConfig(configPath: string, overrides: readonly string[], cell: GridCell, seed: number): { config: ExperimentConfig; ablations: CellAblations } {
  const { overrides: cellOverrides, ablations } = splitCellParams(cell.params);
  const all: Array<string | ConfigOverride> = [...overrides, ...cellOverrides, { keyPath: 'train.seed', value: seed, text: `train.seed=${seed}` }];
  const config = loadExperimentConfig(configPath, all);
  for (const expert of ablations.noiseExperts) {
    if (config.experts.includes(expert)) throw new Error(`cell ${cell.name}: noise expert '${expert}' is also a real expert of the config; pick a free slot`);
  }
  for (const expert of ablations.evalDrop) {
    if (!config.experts.includes(expert)) throw new Error(`cell ${cell.name}: eval_drop '${expert}' is not one of the experts the model is trained with (${config.experts.join(', ') || 'none'})`);
  }
  config.experts = [...config.experts, ...ablations.noiseExperts];
  return { config, ablations };
}

function trainingKey(config: ExperimentConfig, trainLabels: string, adaptor: boolean): string {
  // Everything that shapes the trained weights; evaluation-only settings (batch_size_test, eval.*, k_test) are left out.
  const { eval: _eval, batch_size_test: _bt, k_test: _k, inference: _i, label_path: _l, train, ...rest } = config;
  const { log_dir: _ld, exp_name: _en, log_every: _le, eval_every: _ee, keep_checkpoints: _kc, ...trainRest } = train;
  const text = JSON.stringify({ ...rest, train: trainRest, trainLabels, adaptor });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function withLabels(setup: ExperimentSetup, labelPath: string): ExperimentSetup {
  return { ...setup, labelPath, config: { ...setup.config, label_path: labelPath } };
}

interface ShapesAnswerRow {
  question_id: number;
  answer: string;
  question_type?: string;
  only_expert?: string | null;
}

function perExampleOutputs(setup: ExperimentSetup, evaluation: ExperimentEvaluation): Array<Record<string, JsonValue>> {
  if (evaluation.task === 'caption') return evaluation.results.map((r) => ({ image_id: r.image_id, prediction: r.caption }));
  const answersPath = join(setup.dataPath, 'vqav2_test_answers.json');
  const truth = new Map<number, ShapesAnswerRow>();
  if (existsSync(answersPath)) for (const row of JSON.parse(readFileSync(answersPath, 'utf8')) as ShapesAnswerRow[]) truth.set(row.question_id, row);
  const accuracy = new Map<string, number>((evaluation.scores?.perQuestion ?? []).map((q) => [String(q.question_id), q.accuracy]));
  const questions = new Map<number, string>((vqaDatasets(setup).test.entries as VqaTestEntry[]).map((e) => [e.question_id, e.question]));
  return evaluation.results.map((r) => {
    const t = truth.get(r.question_id);
    return {
      question_id: r.question_id, question: questions.get(r.question_id) ?? null, question_type: t?.question_type ?? null,
      only_expert: t?.only_expert ?? null, answer: t?.answer ?? null, prediction: r.answer, accuracy: accuracy.get(String(r.question_id)) ?? null,
    };
  });
}

/** Trains into `trainDir` (resuming a cut-off training there) unless it holds finished weights; returns the model. */
async function trainedModel(setup: ExperimentSetup, trainDir: string, ablations: CellAblations, options: CellRunOptions): Promise<{ model: PrismerCaption | PrismerVQA; trained: boolean }> {
  const c = setup.config;
  const model = buildExperimentModel(setup);
  try {
    if (!ablations.adaptor) disableAdaptors(model);
    const done = join(trainDir, 'trained.json');
    if (existsSync(done)) {
      loadInitialWeights(model, trainDir);
      return { model, trained: false };
    }
    const datasets = c.task === 'vqa' ? vqaDatasets(setup) : captionDatasets(setup);
    const { task } = await experimentTrainTask(setup, model, datasets.train, {
      log: options.log, warmupDir: join(trainDir, 'latent-warmup'), progress: options.progress, handleSignals: false,
    });
    const resumable = existsSync(join(trainDir, 'checkpoints', 'latest.json')) || existsSync(join(trainDir, 'latest.json'));
    const result = await trainModel(task, {
      ...configTrainerOptions(c), outDir: trainDir, resumeFrom: resumable ? trainDir : undefined, maxSteps: options.maxSteps,
      keepCheckpoints: 1, progress: options.progress, handleSignals: false,
    });
    if (result.interrupted) throw new Error(`training in ${trainDir} was interrupted at step ${result.steps}`);
    writeFileAtomic(done, `${JSON.stringify({ steps: result.steps, epochs: result.epochsCompleted, seconds: result.seconds, adaptor: ablations.adaptor }, null, 2)}\n`);
    return { model, trained: true };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Runs one cell at one seed and stores it (see the file comment). A failed run is stored as failed and rethrown. */
export async function runSweepCell(options: CellRunOptions): Promise<CellRunResult> {
  const log = options.log ?? (() => undefined);
  const root = resolve(options.root);
  const { config, ablations } = resolveCellConfig(options.configPath, options.overrides ?? [], options.cell, options.seed);
  const name = cellRunName(options.sweep, options.cell.name, options.seed);
  const writer = startRun(root, name, { task: config.task, seed: options.seed, config, params: options.cell.params, sweep: { name: options.sweep, cell: options.cell.name } });
  try {
    const setup = await prepareExperiment(config, log);
    const dataSeed = config.data.synthetic.seed;
    const trainSpec: LabelVariantSpec = { drop: [], noise: ablations.labelNoise, pureNoise: ablations.noiseExperts as ExperimentExpert[], seed: dataSeed };
    const evalSpec: LabelVariantSpec = { ...trainSpec, drop: ablations.evalDrop };
    const trainLabels = await prepareLabelVariant(setup.labelPath, join(root, SHARED_DIRS.labels, labelVariantKey(trainSpec)), trainSpec);
    const evalLabels = await prepareLabelVariant(setup.labelPath, join(root, SHARED_DIRS.labels, labelVariantKey(evalSpec)), evalSpec);
    const trainDir = join(root, SHARED_DIRS.trained, trainingKey(config, trainLabels, ablations.adaptor));
    writer.annotate({ trainedIn: trainDir, notes: { trainLabels, evalLabels, experts: config.experts as LabelExpert[] } });
    log(`${name}: experts [${config.experts.join(', ') || 'none'}]${ablations.evalDrop.length ? `, dropped at inference [${ablations.evalDrop.join(', ')}]` : ''}`);
    const { model, trained } = await trainedModel(withLabels(setup, trainLabels), trainDir, ablations, options);
    try {
      const evalSetup = withLabels(setup, evalLabels);
      const evaluation = await evaluateExperiment(evalSetup, model, { outDir: join(writer.dir, 'eval'), progress: options.progress, log });
      const metrics = evaluationMetrics(evaluation);
      writer.writeOutputs(perExampleOutputs(evalSetup, evaluation));
      const curves = readTrainLog(join(trainDir, 'train.jsonl')).filter((r) => r.kind === 'step' || r.kind === 'epoch')
        .map((r) => ({ kind: r.kind, step: r.step, epoch: r.epoch, loss: typeof r.loss === 'number' ? r.loss : (typeof r.meanLoss === 'number' ? r.meanLoss : null), lr: typeof r.lr === 'number' ? r.lr : null }));
      writer.writeCurves(curves);
      writer.writeMetrics(metrics);
      writer.annotate({ notes: { results: evaluation.resultsPath, evalSeconds: evaluation.seconds, trainedNow: trained } });
      const manifest = writer.finish();
      return { name, dir: writer.dir, manifest, metrics, trained };
    } finally {
      model.dispose();
    }
  } catch (error) {
    writer.fail(error);
    throw error;
  }
}
