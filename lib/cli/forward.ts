import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { UsageError, type Command } from './command.js';
import { initBackend, isBackendChoice } from '../backend/init.js';
import { loadExperimentConfig } from '../config/load.js';
import { readCheckpoint } from '../io/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { TensorRecord } from '../io/tensor-record.js';
import { EncoderCapture } from '../model/encoder/capture.js';
import { pythonRandomInstanceRows } from '../model/encoder/instance-rows.js';
import { getModelSize, overrideModelSize } from '../model/sizes.js';
import { Prismer, prismerConfigForSize } from '../model/prismer.js';
import { disposeExpertInputs, expertInputsFromRecords, tokenBatchFromRecords } from '../model/prismer-inputs.js';

const usage = `Usage: prismer forward --checkpoint FILE --config YAML --inputs FILE --out FILE
                       [--set key=value ...] [--backend auto|wasm|cpu|cuda|tensorflow] [--instance-seed N] [--capture]

  Builds Prismer from an experiment config, loads a checkpoint, runs the expert encoder and a teacher-forced
  decoder pass on the named input tensors, and writes the outputs as safetensors (atomically).

  --checkpoint     official state_dict: torch.save zip (.pt/.pth/.bin) or .safetensors; loaded strictly
                   (missing/unexpected keys and shape mismatches are errors; the positional embedding is
                   resized bicubically when the checkpoint's grid differs)
  --config         experiment YAML (configs/*.yaml); read: \`prismer_model\` (a size of configs/models.yaml,
                   adjusted by \`model.overrides\`), \`experts\` (official names; [none] = PrismerZ),
                   \`image_resolution\` (rgb side in pixels)
  --set            config override key.path=value (repeatable), e.g. --set prismer_model=prismer_tiny
  --inputs         safetensors with the tensors below
  --out            safetensors written with the outputs below
  --backend        tfjs backend (default auto)
  --instance-seed  Python random seed of the obj_detection instance-embedding rows (default 2023)
  --capture        also write encoder intermediates (enc.*) and decoder ones (dec.*, tf.position_ids, ...)

  Input tensors (NCHW, float32 unless said):
    rgb [B,3,R,R] normalised;  depth, edge [B,1,H,W] and normal [B,3,H,W] in [-1,1];
    seg_coco (or seg_ade), obj_detection, ocr_detection: dense [B,64,H,W], or <name>.table [K,64] +
      <name>.index int [B,H,W] (dense[b,:,h,w] = table[index[b,h,w]]);
    obj_detection.instance int [B,1,H,W] raw instance ids (255 = background);
    input_ids int [B,T]; attention_mask int [B,T] (default: id != pad); labels int [B,T], -100 = no loss (optional)
  Only the experts the config lists are read; other tensors are ignored.

  Output tensors:
    encoder_out F32 [L,B,D] (sequence-first, as the official expert_encoder), logits F32 [B,T,V],
    with labels: loss_per_sample F32 [B] (label-smoothed 0.1, summed per sample) and loss F32 [1] (their mean)`;

export interface PrismerForwardRun {
  checkpoint: string;
  config: string;
  inputs: string;
  out: string;
  overrides?: string[];
  instanceSeed?: number;
  capture?: boolean;
}

function floatRecord(t: tf.Tensor): TensorRecord {
  return { dtype: 'F32', shape: [...t.shape], data: new Float32Array(t.dataSync()) };
}

function intRecord(t: tf.Tensor): TensorRecord {
  return { dtype: 'I64', shape: [...t.shape], data: BigInt64Array.from(Array.from(t.dataSync(), (v) => BigInt(Math.round(v)))) };
}

/** Runs the forward pass of `prismer forward`; returns the names written. */
export function runPrismerForward(run: PrismerForwardRun): string[] {
  const experiment = loadExperimentConfig(run.config, run.overrides ?? []);
  const size = overrideModelSize(getModelSize(experiment.prismer_model), experiment.model.overrides);
  const config = prismerConfigForSize(size, experiment.experts, experiment.image_resolution);
  config.encoder.instanceRows = pythonRandomInstanceRows(run.instanceSeed ?? 2023);
  const model = new Prismer(config);
  const capture = run.capture ? new EncoderCapture() : undefined;
  const written = new Map<string, TensorRecord>();
  try {
    model.loadStateDict(readCheckpoint(run.checkpoint), { source: run.checkpoint });
    const records = readSafetensors(run.inputs).tensors;
    const batch = tokenBatchFromRecords(records, config.decoder.padTokenId, run.inputs);
    const inputs = expertInputsFromRecords(records, experiment.experts, run.inputs);
    try {
      const out = model.forwardTeacherForced(inputs, batch, { encoder: { capture }, capture: run.capture });
      written.set('encoder_out', floatRecord(out.encoderOut));
      written.set('logits', floatRecord(out.logits));
      if (out.lossPerSample) {
        written.set('loss_per_sample', floatRecord(out.lossPerSample));
        written.set('loss', floatRecord(tf.tidy(() => tf.mean(out.lossPerSample!).reshape([1]))));
      }
      for (const [name, value] of capture?.tensors ?? []) written.set(name, floatRecord(value));
      for (const [name, value] of out.captures ?? []) {
        const isInt = value.dtype === 'int32';
        const key = name === 'position_ids' || name === 'extended_attention_mask' ? `tf.${name}` : `dec.${name}`;
        written.set(key, isInt ? intRecord(value) : floatRecord(value));
      }
      tf.dispose([out.encoderOut, out.logits, ...(out.lossPerSample ? [out.lossPerSample] : []), ...(out.captures?.values() ?? [])]);
    } finally {
      disposeExpertInputs(inputs);
    }
  } finally {
    capture?.dispose();
    model.dispose();
  }
  writeSafetensors(run.out, written, { producer: 'prismer forward', checkpoint: run.checkpoint, config: run.config });
  return [...written.keys()];
}

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'Run the encoder and a teacher-forced decoder pass of a checkpoint on input tensors',
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: {
          checkpoint: { type: 'string' }, config: { type: 'string' }, inputs: { type: 'string' }, out: { type: 'string' },
          set: { type: 'string', multiple: true }, backend: { type: 'string' }, 'instance-seed': { type: 'string' }, capture: { type: 'boolean' },
        },
        strict: true, allowPositionals: false,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const v = parsed.values;
    for (const name of ['checkpoint', 'config', 'inputs', 'out'] as const) if (!v[name]) throw new UsageError(`--${name} is required`);
    const backend = v.backend ?? 'auto';
    if (!isBackendChoice(backend)) throw new UsageError(`--backend must be one of auto, wasm, cpu, cuda, tensorflow, got '${backend}'`);
    const seedText = v['instance-seed'];
    if (seedText !== undefined && !/^\d+$/.test(seedText)) throw new UsageError(`--instance-seed must be a non-negative integer, got '${seedText}'`);
    const used = await initBackend(backend);
    const started = Date.now();
    const names = runPrismerForward({
      checkpoint: v.checkpoint!, config: v.config!, inputs: v.inputs!, out: v.out!, overrides: v.set ?? [],
      instanceSeed: seedText === undefined ? undefined : Number(seedText), capture: v.capture ?? false,
    });
    process.stdout.write(`${v.out}: ${names.length} tensors (${names.filter((n) => !n.includes('.')).join(', ')}) on ${used}, ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
    return 0;
  },
};
