/**
 * `prismer train pretrain|classify` and `prismer eval classify`: the official train_pretrain.py and
 * train_classification.py on the shared trainer. Pre-training: the caption loss without prefix, the
 * per-epoch cosine with the linear warm-up over the first `warmup_steps` steps, no evaluation.
 * Classification: the caption loss on `'{prefix} {class}'`, the per-step cosine, top-1 accuracy by
 * ranking the class names every `train.eval_every` epochs (official: 5) and after training, the best
 * epoch's weights kept in `best/`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExperimentConfig } from '../config/schema.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readCheckpoint } from '../io/checkpoint.js';
import { serializeSafetensors } from '../io/safetensors.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { Prismer } from '../model/prismer.js';
import { readCheckpointWeights, storeRecords } from './checkpoint.js';
import { classificationDatasets, classifyTestImages, scoreClassification, type ClassificationPrediction, type ClassificationScores } from './classify.js';
import { ensureShapesClassification } from './classify-shapes.js';
import { configTrainerOptions } from './config-options.js';
import { installFastConv2dGradient } from './conv-gradient.js';
import { buildExperimentModel, prepareExperiment, type ExperimentSetup } from './experiment.js';
import { pretrainDataset } from './pretrain.js';
import { ProgressBar, type ProgressOptions } from './progress.js';
import { experimentRunDir, type RunTrainingOptions } from './run.js';
import { captionTrainTask, SampleSource } from './tasks.js';
import { trainModel, type TrainResult } from './trainer.js';

export interface ClassificationEvaluation {
  task: 'classification';
  resultsPath: string;
  results: ClassificationPrediction[];
  scores: ClassificationScores;
  shots: number | null;
  seconds: number;
}

export interface TaskTrainingRun {
  setup: ExperimentSetup;
  model: PrismerCaption;
  outDir: string;
  training: TrainResult;
  /** Classification: the evaluation after training; pre-training has none (as the official script). */
  evaluation: ClassificationEvaluation | null;
}

/**
 * Loads initial weights from a training checkpoint folder (e.g. a pre-training run) or an official
 * state_dict file, resizing the positional embedding when the checkpoint's grid differs (the official
 * classification script's `interpolate_pos_embed` from the 224 px pre-training to 384 px).
 */
export function loadResizedWeights(model: Prismer, path: string): void {
  const isTrainingFolder = existsSync(join(path, 'trainer_state.json')) || existsSync(join(path, 'latest.json')) || existsSync(join(path, 'checkpoints', 'latest.json'));
  model.loadStateDict(isTrainingFolder ? readCheckpointWeights(path) : readCheckpoint(path), { source: path });
}

/** Prepares an experiment, building the Prism Shapes classification folders when the data are synthetic. */
export async function prepareTaskExperiment(config: ExperimentConfig, log: (line: string) => void): Promise<ExperimentSetup> {
  const setup = await prepareExperiment(config, log);
  if (config.task === 'classification' && setup.syntheticRoot !== null) {
    const summary = ensureShapesClassification(setup.dataPath, setup.labelPath);
    if (summary.built) log(`built Prism Shapes classification: ${summary.trainImages} train / ${summary.testImages} test single-shape scenes`);
  }
  return setup;
}

/** Evaluates a classification model on the test folders; writes `classification_results_<exp>.json` and `metrics.json`. */
export async function evaluateClassificationExperiment(
  setup: ExperimentSetup, model: Prismer, options: { outDir: string; progress?: false | ProgressOptions; log?: (line: string) => void },
): Promise<ClassificationEvaluation> {
  const c = setup.config;
  mkdirSync(options.outDir, { recursive: true });
  const started = performance.now();
  const { test } = classificationDatasets(setup);
  const bar = options.progress === false ? null : new ProgressBar('eval classify', test.length, 0, options.progress);
  const results = await classifyTestImages(model, setup.tokenizer, test, {
    prefix: c.prefix, batchSize: c.batch_size_test, kTest: c.k_test, seed: c.train.seed, onProgress: (done) => bar?.update(done),
  });
  bar?.finish();
  const scores = scoreClassification(results);
  const resultsPath = join(options.outDir, `classification_results_${c.train.exp_name}.json`);
  writeFileAtomic(resultsPath, JSON.stringify(results));
  const seconds = (performance.now() - started) / 1000;
  writeFileAtomic(join(options.outDir, 'metrics.json'), `${JSON.stringify({ task: c.task, results: resultsPath, seconds, shots: c.shots, scores }, null, 2)}\n`);
  return { task: 'classification', resultsPath, results, scores, shots: c.shots, seconds };
}

/** `prismer train pretrain|classify`: trains (resumable, checkpointed, logged) and, for classification, evaluates. The caller disposes `model`. */
export async function runTaskTraining(config: ExperimentConfig, options: RunTrainingOptions = {}): Promise<TaskTrainingRun> {
  if (config.task !== 'pretrain' && config.task !== 'classification') throw new Error(`runTaskTraining: task '${config.task}' is trained by runTraining`);
  const log = options.log ?? (() => undefined);
  installFastConv2dGradient();
  const setup = await prepareTaskExperiment(config, log);
  const outDir = resolve(options.outDir ?? experimentRunDir(config));
  mkdirSync(outDir, { recursive: true });
  writeFileAtomic(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const model = buildExperimentModel(setup) as PrismerCaption;
  try {
    if (options.initFrom && !options.resumeFrom) loadResizedWeights(model, options.initFrom);
    const classification = config.task === 'classification';
    const train = classification ? classificationDatasets(setup).train : pretrainDataset(setup);
    const source = new SampleSource(train, setup.augment);
    // Pre-training calls the model without a prefix; classification masks its prefix out of the loss.
    const task = captionTrainTask(config.task, model, setup.tokenizer, source, classification ? config.prefix : '');
    log(`train ${config.task}: ${train.length} examples${classification ? ` (${config.shots ?? 'all'} shot(s) per class)` : ''}, ${model.store.parameterCount().toLocaleString('en-US')} parameters (${setup.size.name}), experts [${config.experts.join(', ') || 'none'}], ${config.image_resolution} px, run folder ${outDir}`);
    // On resume, a later epoch must beat the best accuracy the interrupted run kept.
    const bestFile = join(outDir, 'best', 'best.json');
    let best = options.resumeFrom && existsSync(bestFile) ? (JSON.parse(readFileSync(bestFile, 'utf8')) as { accuracy: number }).accuracy : -1;
    const onEpochEnd = classification && config.train.eval_every > 0
      ? async (epoch: number): Promise<Record<string, number> | void> => {
        if ((epoch + 1) % config.train.eval_every !== 0 || epoch + 1 === config.max_epoch) return;
        const evaluation = await evaluateClassificationExperiment(setup, model, { outDir: join(outDir, `eval-epoch-${epoch}`), progress: false });
        log(`epoch ${epoch}: ${config.shots ?? 'all'}-shot accuracy ${(evaluation.scores.accuracy * 100).toFixed(2)}%`);
        if (evaluation.scores.accuracy > best) {
          best = evaluation.scores.accuracy;
          await saveBestWeights(model, outDir, epoch, best);
        }
        return { accuracy: evaluation.scores.accuracy };
      }
      : undefined;
    const training = await trainModel(task, {
      ...configTrainerOptions(config), outDir, resumeFrom: options.resumeFrom, maxSteps: options.maxSteps, timeBudgetSeconds: options.timeBudgetSeconds,
      progress: options.progress, handleSignals: options.handleSignals, onStep: options.onStep, onEpochEnd,
    });
    if (train.fallbacks.total > 0) log(train.fallbacks.summary());
    let evaluation: ClassificationEvaluation | null = null;
    if (classification && (options.evaluate ?? true) && !training.interrupted) {
      evaluation = await evaluateClassificationExperiment(setup, model, { outDir, progress: options.progress, log });
      if (evaluation.scores.accuracy > best) await saveBestWeights(model, outDir, training.epochsCompleted - 1, evaluation.scores.accuracy);
    }
    return { setup, model, outDir, training, evaluation };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The official script saves its state only when the accuracy improves: `best/model.safetensors` + `best/best.json`. */
async function saveBestWeights(model: Prismer, outDir: string, epoch: number, accuracy: number): Promise<void> {
  const dir = join(outDir, 'best');
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'model.safetensors'), serializeSafetensors(await storeRecords(model.store), { format: 'pt', epoch: String(epoch) }));
  writeFileAtomic(join(dir, 'best.json'), `${JSON.stringify({ epoch, accuracy }, null, 2)}\n`);
}
