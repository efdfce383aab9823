import { initBackend, isBackendChoice } from '../backend/init.js';
import { loadOfficialPrismer, officialModelSpec, type LoadedPrismer } from '../inference/official-models.js';
import { UsageError } from './command.js';

/** Options shared by `prismer caption` and `prismer vqa`: model, weights, tokenizer, labels, backend. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  checkpoint: { type: 'string' },
  tokenizer: { type: 'string' },
  labels: { type: 'string' },
  experts: { type: 'string' },
  'allow-missing-labels': { type: 'boolean' },
  'random-init': { type: 'boolean' },
  size: { type: 'string' },
  decoding: { type: 'string' },
  backend: { type: 'string' },
  out: { type: 'string' },
} as const;

export const MODEL_USAGE = `  --model NAME            official model (prismer download --list shows them)
  --checkpoint PATH       weights file (default: PRISMER_HOME/checkpoints/<model>/pytorch_model.bin)
  --tokenizer DIR         RoBERTa tokenizer folder (default: PRISMER_HOME/tokenizers/roberta-<size>)
  --labels DIR            expert labels in the official layout: an image .../<A>/<B>/<name>.jpg reads
                          DIR/<expert>/<A>/<B>/<name>.png (needed by Prismer models, not PrismerZ)
  --experts none          state that no expert labels are used (only meaningful for PrismerZ models)
  --allow-missing-labels  use the official fallbacks for missing label files instead of failing
  --random-init           random weights instead of the checkpoint (smoke tests; output is noise)
  --size NAME             with --random-init: a size of configs/models.yaml (e.g. prismer_small, quick)
  --decoding cached|full  KV-cached decoding (default) or the official full re-forward per token
  --backend NAME          auto|wasm|cpu|cuda|tensorflow (default auto)
  --out FILE              write the results as JSON`;

export interface ModelArgs {
  model?: string;
  checkpoint?: string;
  tokenizer?: string;
  labels?: string;
  experts?: string;
  'allow-missing-labels'?: boolean;
  'random-init'?: boolean;
  size?: string;
  decoding?: string;
  backend?: string;
  out?: string;
}

const LABELS_HELP = 'produce them with the official expert scripts (github.com/NVlabs/prismer: experts/generate_{depth,normal,edge,segmentation,objdet,ocrdet}.py, see its README "Experts"), which write <labels>/<expert>/<A>/<B>/<image>.png for an image .../<A>/<B>/<image>.jpg, and pass --labels <labels>';

/** Validates the model arguments, initialises the backend and loads model + tokenizer. */
export async function loadModelFromArgs(values: ModelArgs, task: 'caption' | 'vqa'): Promise<{ loaded: LoadedPrismer; decoding: 'cached' | 'full' }> {
  if (!values.model) throw new UsageError('--model is required');
  let spec;
  try {
    spec = officialModelSpec(values.model);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (spec.task !== task && spec.task !== 'pretrain') throw new UsageError(`--model ${values.model} is a ${spec.task} model; use a ${task}_* model`);
  const decoding = values.decoding ?? 'cached';
  if (decoding !== 'cached' && decoding !== 'full') throw new UsageError(`--decoding must be 'cached' or 'full' (got '${decoding}')`);
  if (values.experts !== undefined && values.experts !== 'none') throw new UsageError(`--experts only accepts 'none' (the experts are fixed by the model)`);
  if (values.experts === 'none' && spec.experts.length > 0) {
    throw new UsageError(`${spec.name} was trained with expert labels (${spec.experts.join(', ')}); --experts none is only meaningful for PrismerZ models (${spec.name.replace('_prismer_', '_prismerz_')})`);
  }
  if (spec.experts.length > 0 && !values.labels) {
    throw new UsageError(`${spec.name} reads expert labels (${spec.experts.join(', ')}): ${LABELS_HELP}; or use the rgb-only ${spec.name.replace('_prismer_', '_prismerz_')}`);
  }
  if (values.size && !values['random-init']) throw new UsageError('--size only applies with --random-init (a checkpoint fixes the size)');
  const backend = values.backend ?? 'auto';
  if (!isBackendChoice(backend)) throw new UsageError(`unknown --backend '${backend}'`);
  await initBackend(backend);
  const loaded = loadOfficialPrismer(spec.name, { checkpoint: values.checkpoint, tokenizer: values.tokenizer, randomInit: values['random-init'], sizeName: values.size });
  return { loaded, decoding };
}
