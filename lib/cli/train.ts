import { parseArgs } from 'node:util';
import { loadExperimentConfig } from '../config/load.js';
import type { ExperimentConfig } from '../config/schema.js';
import { initBackend, type BackendChoice } from '../backend/init.js';
import { evaluationMetrics, runTraining, type ExperimentEvaluation } from '../train/run.js';
import { runTaskTraining, type ClassificationEvaluation } from '../train/run-tasks.js';
import { UsageError, type Command } from './command.js';

const usage = `usage: prismer train <caption|vqa|pretrain|classify> --config <yaml> [--set key=value ...] [--from-checkpoint PATH]
                     [--init-from PATH] [--out DIR] [--max-steps N] [--time-budget SECONDS]
                     [--no-eval] [--quiet]

Trains a Prismer as the official train_caption.py / train_vqa.py / train_pretrain.py /
train_classification.py: AdamW (decoupled weight decay) over the parameters the freeze mode leaves
trainable, the official cosine schedule (per step for captioning and classification, per epoch for VQA,
per epoch after a linear warm-up for pre-training), label-smoothed loss, VQA answer weights; then
evaluates on the held-out split (pre-training has none; classification: top-1 accuracy by ranking the
class names, also every train.eval_every epochs, the best epoch's weights kept in <run>/best/).
The config's task is caption, vqa, pretrain or classification (for 'classify').

  --config PATH           experiment YAML (configs/*.yaml); its task must match the sub-command
  --set key=value         override a config key (repeatable), e.g. --set max_epoch=2 --set train.seed=1
  --from-checkpoint PATH  resume: a run folder, its checkpoints/ folder or one step folder; continues the
                          step count, data order and lr schedule
  --init-from PATH        start from weights (a training checkpoint or an official pytorch_model.bin;
                          the positional embedding is resized when its grid differs, e.g. a pre-training run)
  --out DIR               run folder (default <train.log_dir>/<task>_<train.exp_name>)
  --max-steps N           stop after N optimiser steps in total (a checkpoint is saved)
  --time-budget SECONDS   train for about this long: after 5 timed steps the run plans how many steps
                          fit and the cosine schedule ends there (for fixed-time demos such as npm start)
  --no-eval               skip the evaluation after training
  --quiet                 no progress bar

The run folder gets config.json, train.jsonl (loss, lr, throughput per step), checkpoints/ (every
epoch and on Ctrl-C), the results file in the official format and metrics.json.`;

export function parseTrainArgs(args: string[], command: string): { task: string; values: Record<string, string | string[] | boolean | undefined> } {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        config: { type: 'string' }, set: { type: 'string', multiple: true }, 'from-checkpoint': { type: 'string' },
        'init-from': { type: 'string' }, out: { type: 'string' }, 'max-steps': { type: 'string' }, 'time-budget': { type: 'string' }, 'no-eval': { type: 'boolean' },
        quiet: { type: 'boolean' }, checkpoint: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [task, ...extra] = parsed.positionals;
  if (!task) throw new UsageError(`which task? prismer ${command} ${command === 'eval' ? 'caption|vqa|classify' : 'caption|vqa|pretrain|classify'}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (!parsed.values.config) throw new UsageError('--config <yaml> is required');
  return { task, values: parsed.values };
}

/** Loads the config and checks that its task is the sub-command's. */
export function loadTaskConfig(task: string, path: string, sets: readonly string[]): ExperimentConfig {
  const configTask = TASK_OF_SUBCOMMAND[task];
  if (!configTask) throw new UsageError(`unknown task '${task}' (expected caption, vqa, pretrain or classify)`);
  const config = loadExperimentConfig(path, sets);
  if (config.task !== configTask) throw new UsageError(`${path}: task is '${config.task}', but the command trains '${configTask}'`);
  return config;
}

/** Sub-command -> config `task` (the official config of few-shot classification is classification.yaml). */
const TASK_OF_SUBCOMMAND: Readonly<Record<string, ExperimentConfig['task'] | undefined>> = {
  caption: 'caption', vqa: 'vqa', pretrain: 'pretrain', classify: 'classification',
};

/** A classification evaluation as a few lines. */
export function formatClassificationEvaluation(evaluation: ClassificationEvaluation): string {
  const s = evaluation.scores;
  const width = Math.max(8, ...Object.keys(s.perClass).map((k) => k.length));
  return [
    `  ${`${evaluation.shots ?? 'all'}-shot accuracy`.padEnd(width)}  ${(s.accuracy * 100).toFixed(2)}  (${s.count} images)`,
    ...Object.entries(s.perClass).map(([k, v]) => `  ${k.padEnd(width)}  ${(v * 100).toFixed(2)}`),
    `results: ${evaluation.resultsPath}`,
  ].join('\n');
}

/** The scores of an evaluation as a few aligned lines. */
export function formatEvaluation(evaluation: ExperimentEvaluation): string {
  const metrics = evaluationMetrics(evaluation);
  if (Object.keys(metrics).length === 0) return `results written to ${evaluation.resultsPath} (no ground truth to score against)`;
  const width = Math.max(...Object.keys(metrics).map((k) => k.length));
  return [...Object.entries(metrics).map(([k, v]) => `  ${k.padEnd(width)}  ${evaluation.task === 'caption' ? v.toFixed(4) : v.toFixed(2)}`), `results: ${evaluation.resultsPath}`].join('\n');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a Prismer (caption, vqa, pretrain, classify) with the official optimiser and schedule; resumable',
  usage,
  async run(args) {
    const { task, values } = parseTrainArgs(args, 'train');
    const maxSteps = values['max-steps'] === undefined ? undefined : Number(values['max-steps']);
    if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps <= 0)) throw new UsageError(`--max-steps must be a positive integer, got '${values['max-steps']}'`);
    const budget = values['time-budget'] === undefined ? undefined : Number(values['time-budget']);
    if (budget !== undefined && !(budget > 0)) throw new UsageError(`--time-budget must be a positive number of seconds, got '${values['time-budget']}'`);
    const config = loadTaskConfig(task, values.config as string, (values.set as string[] | undefined) ?? []);
    const backend = await initBackend(config.backend.name as BackendChoice);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    log(`backend ${backend}`);
    const runOptions = {
      outDir: values.out as string | undefined, resumeFrom: values['from-checkpoint'] as string | undefined,
      initFrom: values['init-from'] as string | undefined, maxSteps, timeBudgetSeconds: budget, evaluate: !values['no-eval'],
      progress: values.quiet ? false as const : {}, log,
    };
    const run = config.task === 'pretrain' || config.task === 'classification' ? await runTaskTraining(config, runOptions) : await runTraining(config, runOptions);
    try {
      const t = run.training;
      log(`${t.interrupted ? 'interrupted' : 'trained'}: step ${t.steps}, ${t.epochsCompleted} epoch(s), ${t.seconds.toFixed(1)} s; checkpoint ${t.checkpoint}`);
      if (t.interrupted) {
        log(`resume with: prismer train ${task} --config ${values.config as string} --from-checkpoint ${run.outDir}`);
        return 130;
      }
      if (run.evaluation) process.stdout.write(`${run.evaluation.task === 'classification' ? formatClassificationEvaluation(run.evaluation) : formatEvaluation(run.evaluation)}\n`);
      return 0;
    } finally {
      run.model.dispose();
    }
  },
};
