import { existsSync } from 'node:fs';
import { readCheckpoint } from '../io/checkpoint.js';
import { checkpointPath, PRISMER_MODELS, prismerHome, tokenizerDir, tokenizerForModel } from '../hub/catalog.js';
import { getModelSize, overrideModelSize } from '../model/sizes.js';
import { Prismer, prismerConfigForSize } from '../model/prismer.js';
import { loadRobertaTokenizer } from '../text/roberta-bpe.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { LabelExpert } from '../data/expert-labels.js';

/**
 * The 12 official checkpoints as model specs (task, size, experts, image resolution as in the official
 * configs: experts = the six label experts for Prismer, none for PrismerZ; 480 px fine-tuned, 224 px
 * pre-trained) and loading one from PRISMER_HOME (or given paths) into a Prismer with its tokenizer.
 */

/** The official configs' expert list (configs/caption.yaml, vqa.yaml), in their order. */
export const OFFICIAL_EXPERTS: readonly LabelExpert[] = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'];

export interface PrismerModelSpec {
  name: string;
  task: 'caption' | 'vqa' | 'pretrain';
  /** Size in configs/models.yaml. */
  size: 'prismer_base' | 'prismer_large';
  /** Label experts the model was trained with ([] for PrismerZ). */
  experts: readonly LabelExpert[];
  imageResolution: number;
  tokenizer: 'roberta-base' | 'roberta-large';
}

export function officialModelSpec(name: string): PrismerModelSpec {
  const match = /^(caption|vqa|pretrain)_(prismerz?)_(base|large)$/.exec(name);
  if (!match || !(PRISMER_MODELS as readonly string[]).includes(name)) {
    throw new Error(`unknown model '${name}': expected one of ${PRISMER_MODELS.join(', ')}`);
  }
  const [, task, family, size] = match as unknown as [string, PrismerModelSpec['task'], string, 'base' | 'large'];
  return {
    name, task,
    size: size === 'base' ? 'prismer_base' : 'prismer_large',
    experts: family === 'prismer' ? OFFICIAL_EXPERTS : [],
    imageResolution: task === 'pretrain' ? 224 : 480,
    tokenizer: tokenizerForModel(name),
  };
}

export interface LoadPrismerOptions {
  /** Checkpoint file (default `<home>/checkpoints/<name>/pytorch_model.bin`). */
  checkpoint?: string;
  /** Tokenizer folder or tokenizer.json (default `<home>/tokenizers/<roberta-base|large>`). */
  tokenizer?: string;
  home?: string;
  /** Skip the checkpoint: random initial weights (seeded) - for smoke tests and notebooks without downloads. */
  randomInit?: boolean;
  seed?: number;
  /** Size overrides (configs/models.yaml keys), e.g. a smaller decoder for a random-weight demo. */
  sizeOverrides?: Readonly<Record<string, number | string | boolean>>;
  /** Size name in configs/models.yaml instead of the spec's (random-weight demos: 'prismer_small'). */
  sizeName?: string;
}

export interface LoadedPrismer {
  spec: PrismerModelSpec;
  model: Prismer;
  tokenizer: TextTokenizer;
}

/** The model of a spec with random or checkpoint weights, and its tokenizer. */
export function loadPrismerModel(spec: PrismerModelSpec, tokenizer: TextTokenizer, options: LoadPrismerOptions = {}): Prismer {
  let size = getModelSize(options.sizeName ?? spec.size);
  if (options.sizeOverrides) size = overrideModelSize(size, options.sizeOverrides);
  const model = new Prismer(prismerConfigForSize(size, spec.experts, spec.imageResolution), { seed: options.seed ?? 0 });
  if (tokenizer.vocabSize > size.decoder.vocabSize) {
    model.dispose();
    throw new Error(`tokenizer has ${tokenizer.vocabSize} ids but the ${size.name} decoder only ${size.decoder.vocabSize}`);
  }
  if (options.randomInit) return model;
  const path = options.checkpoint ?? checkpointPath(spec.name, options.home ?? prismerHome());
  if (!existsSync(path)) {
    model.dispose();
    throw new Error(`${path}: checkpoint not found; download it with 'prismer download ${spec.name}' (or pass --checkpoint PATH)`);
  }
  try {
    model.loadStateDict(readCheckpoint(path));
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Loads the tokenizer of a spec from PRISMER_HOME (or `options.tokenizer`), with a download hint when absent. */
export function loadSpecTokenizer(spec: PrismerModelSpec, options: LoadPrismerOptions = {}): TextTokenizer {
  const dir = options.tokenizer ?? tokenizerDir(spec.tokenizer, options.home ?? prismerHome());
  if (!existsSync(dir)) throw new Error(`${dir}: tokenizer files not found; download them with 'prismer download ${spec.tokenizer}' (or pass --tokenizer DIR)`);
  return loadRobertaTokenizer(dir);
}

/** An official model by name: spec, weights from its checkpoint (or random), tokenizer. */
export function loadOfficialPrismer(name: string, options: LoadPrismerOptions = {}): LoadedPrismer {
  const spec = officialModelSpec(name);
  const tokenizer = loadSpecTokenizer(spec, options);
  return { spec, tokenizer, model: loadPrismerModel(spec, tokenizer, options) };
}
