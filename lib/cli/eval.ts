import { join, resolve } from 'node:path';
import { initBackend, type BackendChoice } from '../backend/init.js';
import { buildExperimentModel, prepareExperiment } from '../train/experiment.js';
import { evaluateExperiment, experimentRunDir, loadInitialWeights } from '../train/run.js';
import { existsSync } from 'node:fs';
import type { ExperimentConfig } from '../config/schema.js';
import { evaluateClassificationExperiment, loadResizedWeights, prepareTaskExperiment } from '../train/run-tasks.js';
import { UsageError, type Command } from './command.js';
import { formatClassificationEvaluation, formatEvaluation, loadTaskConfig, parseTrainArgs } from './train.js';

async function evaluateClassify(config: ExperimentConfig, values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  await initBackend(config.backend.name as BackendChoice);
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const setup = await prepareTaskExperiment(config, log);
  const runDir = experimentRunDir(config);
  const best = join(runDir, 'best', 'model.safetensors');
  const weights = resolve((values.checkpoint as string | undefined) ?? (existsSync(best) ? best : runDir));
  const model = buildExperimentModel(setup);
  try {
    loadResizedWeights(model, weights);
    const outDir = resolve((values.out as string | undefined) ?? join(runDir, 'eval'));
    const evaluation = await evaluateClassificationExperiment(setup, model, { outDir, progress: values.quiet ? false : {}, log });
    process.stdout.write(`${formatClassificationEvaluation(evaluation)}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}

const usage = `usage: prismer eval <caption|vqa|classify> --config <yaml> [--set key=value ...] [--checkpoint PATH] [--out DIR] [--quiet]

Evaluates on the experiment's held-out split as the official scripts do: captions by beam search
(eval.beam_size, max/min length), VQA answers by ranking the answer list (k_test) or generation.
Writes caption_results_<exp>_<dataset>.json / vqa_results_<exp>.json (official formats) and
metrics.json, scored with the official metrics (CIDEr-D, BLEU-1..4, ROUGE-L; VQA accuracy per
question type) when the test split has ground truth. classify: ranks the class names after the prefix
(k_test candidates) on {data_path}/imagenet/{class}/*.JPEG and writes classification_results_<exp>.json
and metrics.json with the top-1 accuracy, overall and per class.

  --checkpoint PATH  weights: a run folder, checkpoint folder or official pytorch_model.bin
                     (default: the run folder of the config, <train.log_dir>/<task>_<exp_name>;
                     for classify its best/model.safetensors when present)
  --out DIR          where results go (default: <run folder>/eval)`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a trained Prismer (caption, vqa, classify) on the held-out split with the official metrics',
  usage,
  async run(args) {
    const { task, values } = parseTrainArgs(args, 'eval');
    if (task === 'pretrain') throw new UsageError('pretrain has no held-out evaluation (as the official train_pretrain.py); evaluate its weights with caption, vqa or classify (--checkpoint <run folder>)');
    const config = loadTaskConfig(task, values.config as string, (values.set as string[] | undefined) ?? []);
    if (config.task === 'classification') return evaluateClassify(config, values);
    await initBackend(config.backend.name as BackendChoice);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    const setup = await prepareExperiment(config, log);
    const weights = resolve((values.checkpoint as string | undefined) ?? experimentRunDir(config));
    const model = buildExperimentModel(setup);
    try {
      loadInitialWeights(model, weights);
      const outDir = resolve((values.out as string | undefined) ?? join(experimentRunDir(config), 'eval'));
      const evaluation = await evaluateExperiment(setup, model, { outDir, progress: values.quiet ? false : {}, log });
      process.stdout.write(`${formatEvaluation(evaluation)}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
