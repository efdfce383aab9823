import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readCheckpoint } from '../io/checkpoint.js';
import type { CaptionScores } from '../metrics/captions.js';
import type { VqaScores } from '../metrics/vqa.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { PrismerVQA } from '../model/prismer-vqa.js';
import type { Prismer } from '../model/prismer.js';
import { assignStoreRecords, readCheckpointWeights } from './checkpoint.js';
import { answerTestQuestions, generateTestCaptions, scoreTestAnswers, scoreTestCaptions, type CaptionResultEntry, type VqaResultEntry } from './evaluate.js';
import { buildExperimentModel, captionDatasets, prepareExperiment, vqaDatasets, type ExperimentSetup } from './experiment.js';
import { ProgressBar, type ProgressOptions } from './progress.js';
import { configTrainerOptions } from './config-options.js';
import { installFastConv2dGradient } from './conv-gradient.js';
import { experimentTrainTask } from './tasks.js';
import { trainModel, type StepRecord, type TrainResult } from './trainer.js';

/** The run folder of an experiment: `<train.log_dir>/<task>_<exp_name>` (the official `logging/<task>_<exp_name>`). */
export function experimentRunDir(config: ExperimentConfig): string {
  return resolve(config.train.log_dir, `${config.task}_${config.train.exp_name}`);
}

export type ExperimentEvaluation =
  | { task: 'caption'; resultsPath: string; results: CaptionResultEntry[]; scores: CaptionScores; seconds: number }
  | { task: 'vqa'; resultsPath: string; results: VqaResultEntry[]; scores: VqaScores | null; seconds: number };

/** The metrics of an evaluation as flat numbers (for logs and tables). */
export function evaluationMetrics(evaluation: ExperimentEvaluation): Record<string, number> {
  if (evaluation.task === 'caption') return { ...evaluation.scores.corpus };
  if (!evaluation.scores) return {};
  const out: Record<string, number> = { vqa_accuracy: evaluation.scores.overall };
  for (const [type, value] of Object.entries(evaluation.scores.perQuestionType)) out[`vqa_${type}`] = value;
  return out;
}

export interface EvaluateOptions {
  /** Folder for results files and metrics.json. */
  outDir: string;
  progress?: false | ProgressOptions;
  log?: (line: string) => void;
}

/**
 * Evaluates a model on the experiment's test split as the official scripts do and writes the results
 * in the official formats (`caption_results_<exp>_<dataset>.json` / `vqa_results_<exp>.json`) plus
 * `metrics.json` with the scores (CIDEr, BLEU, ROUGE-L; VQA accuracy per question type).
 */
export async function evaluateExperiment(setup: ExperimentSetup, model: Prismer, options: EvaluateOptions): Promise<ExperimentEvaluation> {
  const c = setup.config;
  if (c.task === 'pretrain' || c.task === 'classification') throw new Error(`evaluateExperiment: task '${c.task}' is evaluated by evaluateClassificationExperiment (lib/train/run-tasks.ts); pre-training has no evaluation`);
  mkdirSync(options.outDir, { recursive: true });
  const started = performance.now();
  const bar = (label: string, total: number): ProgressBar | null => (options.progress === false ? null : new ProgressBar(label, total, 0, options.progress));
  let evaluation: ExperimentEvaluation;
  if (c.task === 'caption') {
    const { test } = captionDatasets(setup);
    const progress = bar('eval caption', test.length);
    const results = await generateTestCaptions(model, setup.tokenizer, test, {
      prefix: c.prefix, batchSize: c.batch_size_test, numBeams: c.eval.beam_size, maxLength: c.eval.max_length, minLength: c.eval.min_length,
      onProgress: (done) => progress?.update(done),
    });
    progress?.finish();
    const resultsPath = join(options.outDir, `caption_results_${c.train.exp_name}_${c.dataset}.json`);
    writeFileAtomic(resultsPath, JSON.stringify(results));
    const scores = scoreTestCaptions(setup.dataPath, test, results);
    evaluation = { task: 'caption', resultsPath, results, scores, seconds: (performance.now() - started) / 1000 };
  } else {
    const { test } = vqaDatasets(setup);
    const progress = bar('eval vqa', test.length);
    const results = await answerTestQuestions(model, setup.tokenizer, test, {
      batchSize: c.batch_size_test, inference: c.inference, kTest: c.k_test, onProgress: (done) => progress?.update(done),
    });
    progress?.finish();
    const resultsPath = join(options.outDir, `vqa_results_${c.train.exp_name}.json`);
    writeFileAtomic(resultsPath, JSON.stringify(results));
    const scores = scoreTestAnswers(setup.dataPath, results);
    if (!scores) options.log?.(`${resultsPath}: no test answers in ${setup.dataPath}; submit the file to the official evaluation server`);
    evaluation = { task: 'vqa', resultsPath, results, scores, seconds: (performance.now() - started) / 1000 };
  }
  const scoresJson = evaluation.task === 'caption'
    ? { corpus: evaluation.scores.corpus, notComputed: evaluation.scores.notComputed }
    : evaluation.scores ? { overall: evaluation.scores.overall, perAnswerType: evaluation.scores.perAnswerType, perQuestionType: evaluation.scores.perQuestionType } : null;
  writeFileAtomic(join(options.outDir, 'metrics.json'), `${JSON.stringify({ task: c.task, results: evaluation.resultsPath, seconds: evaluation.seconds, scores: scoresJson }, null, 2)}\n`);
  return evaluation;
}

export interface RunTrainingOptions {
  /** Run folder (default experimentRunDir(config)). */
  outDir?: string;
  resumeFrom?: string;
  /** Start from these weights: a training checkpoint folder or an official state_dict file. */
  initFrom?: string;
  maxSteps?: number;
  /** Train for about this many seconds (the trainer plans its steps and cosine to fit; see TrainerOptions). */
  timeBudgetSeconds?: number;
  /** Evaluate on the test split after training (default true). */
  evaluate?: boolean;
  progress?: false | ProgressOptions;
  handleSignals?: boolean;
  log?: (line: string) => void;
  onStep?: (record: StepRecord) => void;
}

export interface TrainingRun {
  setup: ExperimentSetup;
  model: PrismerCaption | PrismerVQA;
  outDir: string;
  training: TrainResult;
  evaluation: ExperimentEvaluation | null;
}

/** Loads initial weights from a training checkpoint folder or an official checkpoint file. */
export function loadInitialWeights(model: Prismer, path: string): void {
  if (existsSync(join(path, 'trainer_state.json')) || existsSync(join(path, 'latest.json')) || existsSync(join(path, 'checkpoints', 'latest.json'))) {
    assignStoreRecords(model.store, readCheckpointWeights(path), path);
  } else {
    model.loadStateDict(readCheckpoint(path));
  }
}

/**
 * `prismer train caption|vqa`: prepares the experiment, trains with the official optimiser and
 * schedule (checkpoints, JSONL log, resumable), evaluates on the held-out split, and writes
 * `config.json`, `train.jsonl`, `checkpoints/`, results and `metrics.json` into the run folder.
 * The caller disposes `model`.
 */
export async function runTraining(config: ExperimentConfig, options: RunTrainingOptions = {}): Promise<TrainingRun> {
  if (config.task === 'pretrain' || config.task === 'classification') throw new Error(`runTraining: task '${config.task}' is trained by runTaskTraining (lib/train/run-tasks.ts)`);
  const log = options.log ?? (() => undefined);
  installFastConv2dGradient();
  const setup = await prepareExperiment(config, log);
  const outDir = resolve(options.outDir ?? experimentRunDir(config));
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const model = buildExperimentModel(setup);
  try {
    if (options.initFrom && !options.resumeFrom) loadInitialWeights(model, options.initFrom);
    const datasets = config.task === 'vqa' ? vqaDatasets(setup) : captionDatasets(setup);
    const { task, warmup } = await experimentTrainTask(setup, model, datasets.train, {
      log, warmupDir: join(outDir, 'latent-warmup'), progress: options.progress, handleSignals: options.handleSignals,
    });
    // The budget covers the warm-up too (npm start splits one budget between its stages).
    const timeBudgetSeconds = options.timeBudgetSeconds === undefined || !warmup ? options.timeBudgetSeconds : Math.max(1, options.timeBudgetSeconds - warmup.seconds);
    log(`train ${config.task}: ${datasets.train.length} examples, ${model.store.parameterCount().toLocaleString('en-US')} parameters (${setup.size.name}), experts [${config.experts.join(', ') || 'none'}], ${config.image_resolution} px, run folder ${outDir}`);
    const training = await trainModel(task, {
      ...configTrainerOptions(config), outDir, resumeFrom: options.resumeFrom, maxSteps: options.maxSteps, timeBudgetSeconds,
      progress: options.progress, handleSignals: options.handleSignals, onStep: options.onStep,
    });
    const fallbacks = datasets.train.fallbacks.total > 0 ? datasets.train.fallbacks.summary() : '';
    if (fallbacks) log(fallbacks);
    let evaluation: ExperimentEvaluation | null = null;
    if ((options.evaluate ?? true) && !training.interrupted) {
      evaluation = await evaluateExperiment(setup, model, { outDir, progress: options.progress, log });
    }
    return { setup, model, outDir, training, evaluation };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
