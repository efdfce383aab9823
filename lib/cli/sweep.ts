import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../backend/init.js';
import { loadExperimentConfig } from '../config/load.js';
import { ablationGrid, ABLATION_PRESETS, parseGridAxis, type GridAxis } from '../experiment/grid.js';
import { checkRunName } from '../experiment/run-store.js';
import { formatSweepSummary } from '../experiment/report.js';
import { runSweep, sweepSeeds } from '../experiment/sweep.js';
import { UsageError, type Command } from './command.js';

const usage = `usage: prismer sweep --config <yaml> [--grid key=[v1, v2, ...] ...] [--ablation NAME] [--seeds N]
                     [--set key=value ...] [--name NAME] [--dir runs] [--max-steps N] [--interval] [--quiet]

Trains and evaluates every cell of a grid at N seeds (train.seed, train.seed + 1, ...), skipping runs
that finished before (an interrupted sweep resumes), then prints mean ± std per cell (with --interval
also the 95% t-interval) of every metric, per question type for VQA.

  --grid key=[...]   an axis (repeatable; cells are the cartesian product). key: a config key path
                     (experts, freeze, init_lr, ...) or an ablation key:
                       eval_drop=[[], [depth]]            trained with all experts, evaluated without these
                       label_noise=[{}, {depth: 0.5}]     fraction of an expert's label pixels replaced by noise
                       noise_experts=[[], [edge]]         extra experts (depth/normal/edge slots) of pure noise
                       adaptor=[true, false]              adaptors zeroed and frozen when false
  --ablation NAME    a preset grid around the config's experts: ${ABLATION_PRESETS.join(', ')}
  --seeds N          seeds per cell (default 3)
  --set key=value    override a config key for every cell (repeatable)
  --name NAME        sweep name (default <config name>-<ablation or grid>)
  --dir DIR          store root (default runs); runs go to DIR/NAME/<cell>/seed-<seed>
  --max-steps N      stop each training after N optimiser steps (smoke runs)

Example: prismer sweep --config configs/ablate-shapes.yaml --grid experts=[[],[depth],[depth,ocr_detection]] --seeds 3`;

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'Run a grid of experiments (expert ablations) over seeds, resumably; mean ± std and 95% CI per cell',
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args, allowPositionals: false, strict: true,
        options: {
          config: { type: 'string' }, grid: { type: 'string', multiple: true }, ablation: { type: 'string' }, seeds: { type: 'string' },
          set: { type: 'string', multiple: true }, name: { type: 'string' }, dir: { type: 'string' }, 'max-steps': { type: 'string' },
          interval: { type: 'boolean' }, quiet: { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const v = parsed.values;
    if (!v.config) throw new UsageError('--config <yaml> is required');
    const seedsText = v.seeds ?? '3';
    if (!/^\d+$/.test(seedsText) || Number(seedsText) < 1) throw new UsageError(`--seeds must be a positive integer, got '${seedsText}'`);
    const maxSteps = v['max-steps'] === undefined ? undefined : Number(v['max-steps']);
    if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) throw new UsageError(`--max-steps must be a positive integer, got '${v['max-steps']}'`);
    const overrides = v.set ?? [];
    const base = loadExperimentConfig(v.config, overrides);
    let axes: GridAxis[];
    try {
      axes = [...(v.ablation ? ablationGrid(v.ablation, base.experts) : []), ...(v.grid ?? []).map(parseGridAxis)];
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (axes.length === 0) throw new UsageError('give at least one --grid key=[...] or an --ablation preset');
    const name = v.name ?? `${basename(v.config, extname(v.config))}-${v.ablation ?? 'grid'}`;
    try {
      checkRunName(name);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const backend = await initBackend(base.backend.name as BackendChoice);
    const log = (line: string): void => { process.stderr.write(`${line}\n`); };
    log(`sweep ${name}: ${axes.map((a) => `${a.key} × ${a.values.length}`).join(', ')}, ${seedsText} seed(s), backend ${backend}`);
    const result = await runSweep({
      root: v.dir ?? 'runs', name, configPath: v.config, overrides, axes, seeds: sweepSeeds(base.train.seed, Number(seedsText)),
      maxSteps, progress: v.quiet ? false : {}, log: v.quiet ? () => undefined : log,
    });
    process.stdout.write(`${formatSweepSummary(result.summary, { interval: v.interval ?? false })}\n`);
    process.stdout.write(`\n${result.ran} run(s) now, ${result.skipped} finished earlier, ${result.failed.length} failed; ${result.seconds.toFixed(1)} s; runs in ${result.dir}\n`);
    for (const f of result.failed) process.stderr.write(`failed: ${f.run}: ${f.error}\n`);
    return result.failed.length > 0 ? 1 : 0;
  },
};
