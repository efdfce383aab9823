// The experiment config schema: the official Prismer keys (configs/caption.yaml, vqa.yaml) at the top
// level under their official names, plus this project's sections. YAML keys, `--set` paths and the
// typed object's property paths are the same strings, so a key is written one way everywhere.

/** The six expert label types of Prismer, in the official order. */
export const EXPERT_NAMES = ['depth', 'normal', 'seg_coco', 'edge', 'obj_detection', 'ocr_detection'] as const;
export type ExperimentExpert = (typeof EXPERT_NAMES)[number];

export const FREEZE_MODES = ['none', 'freeze_lang', 'freeze_vision', 'freeze_lang_vision'] as const;
export type FreezeMode = (typeof FREEZE_MODES)[number];

export const EXPERIMENT_TASKS = ['caption', 'vqa', 'pretrain', 'classification'] as const;
export type ExperimentTask = (typeof EXPERIMENT_TASKS)[number];

export const VQA_INFERENCE = ['rank', 'generate'] as const;
export type VqaInference = (typeof VQA_INFERENCE)[number];

export const VIT_INITS = ['random', 'structured'] as const;
export type VitInit = (typeof VIT_INITS)[number];

/** How the latent warm-up reads its reconstruction: from the mean latent, or latent i for region i of the grid. */
export const LATENT_WARMUP_MODES = ['mean', 'regional'] as const;
export type LatentWarmupMode = (typeof LATENT_WARMUP_MODES)[number];

export const EXPERIMENT_BACKENDS = ['auto', 'wasm', 'cpu', 'cuda', 'tensorflow'] as const;
export type ExperimentBackend = (typeof EXPERIMENT_BACKENDS)[number];

export const EXPERIMENT_DATA_SOURCES = ['files', 'synthetic'] as const;
export type ExperimentDataSource = (typeof EXPERIMENT_DATA_SOURCES)[number];

/** The official pre-training sources (configs/pretrain.yaml `datasets`). */
export const PRETRAIN_DATASETS = ['cc12m', 'cc3m_sgu', 'coco', 'vg'] as const;
export type PretrainDatasetName = (typeof PRETRAIN_DATASETS)[number];

/** `model:` changes to the size that `prismer_model` names in configs/models.yaml. */
export interface ExperimentModelSection {
  /**
   * Scalar fields replacing those of the size (e.g. `decoder.num_hidden_layers: 2`, `encoder.width: 64`),
   * checked against the size's fields by lib/model (`overrideModelSize`).
   */
  overrides: Record<string, number | string | boolean>;
  /**
   * How a freshly built model's ViT starts (a loaded checkpoint replaces it): 'random' (the official initialisation)
   * or 'structured' (a 2-D sine-cosine positional embedding and every residual branch's output projection at zero,
   * so the trunk passes each token's content and place through; lib/model `ExpertEncoder.initStructured`).
   */
  vit_init: VitInit;
}

/** `data:` where examples come from. */
export interface ExperimentDataSection {
  /** 'files': the official folder layout under data_path / label_path; 'synthetic': Prism Shapes scenes. */
  source: ExperimentDataSource;
  /** Prism Shapes generator settings (used when source is 'synthetic'). */
  synthetic: { seed: number; train_images: number; test_images: number; image_size: number };
  /** Use only the first N training / test examples (quick runs); null: all. */
  max_train_examples: number | null;
  max_test_examples: number | null;
  /**
   * Apply the official random train transform (crop, flip, RandAugment) to training images; null: the
   * default (on for files, off for Prism Shapes, whose answers depend on left/right and colour).
   */
  augment: boolean | null;
  /**
   * Also apply it to test images; null: the official behaviour (on only for classification, whose
   * official test set is built with `Transform(train=True)`; off elsewhere).
   */
  augment_test: boolean | null;
  /** Side expert labels are resized to; null: the official 224 (min(224, image_size) for Prism Shapes). */
  label_resolution: number | null;
}

/** `train:` the loop around the official optimiser settings. */
export interface ExperimentTrainSection {
  /** The official scripts' `--seed` (default 42). */
  seed: number;
  /** Micro-batches per optimiser step; effective batch = batch_size_train × this. */
  grad_accum_steps: number;
  /** Clip the global gradient norm to this; null: no clipping (the official default). */
  clip_grad_norm: number | null;
  /** Label smoothing of the caption / answer loss (official: 0.1). */
  label_smoothing: number;
  /** The official `--exp_name`; runs are written to `<log_dir>/<task>_<exp_name>`. */
  exp_name: string;
  log_dir: string;
  /** Log loss and lr every N optimiser steps. */
  log_every: number;
  /** Evaluate (and keep the best checkpoint) every N epochs; 0: only at the end. */
  eval_every: number;
  /** Keep only the newest N epoch checkpoints. */
  keep_checkpoints: number;
  /** Learning-rate multipliers by parameter-name prefix, e.g. { expert_encoder: 0.1 } (lib/train/adamw.ts lrScale). */
  lr_scale: Record<string, number | string | boolean>;
  /**
   * When no expert-encoder parameter trains and training does not augment, the encoder's outputs are
   * computed once per training image and reused (lib/train/encoder-cache.ts), up to this many MB; 0: never.
   */
  encoder_cache_mb: number;
  /**
   * Expert latent warm-up before training (lib/train/latent-warmup.ts): `steps` AdamW steps that train only the
   * resampler to reconstruct the pooled expert inputs, from the mean latent (`mode: mean`) or region by region,
   * latent i from region i of the grid (`mode: regional`, grid² latents); 0: off (the official runs have no such
   * stage). It runs after `--init-from` weights are loaded.
   */
  latent_warmup: { steps: number; lr: number; grid: number; mode: LatentWarmupMode };
  /**
   * Worker threads that each compute the gradient of an equal share of every batch beside the main thread
   * (data parallelism over CPU cores, lib/train/gradient-workers.ts); 0: the main thread alone. Applies when
   * the decoder trains on cached encoder outputs (`encoder_cache_mb`).
   */
  workers: number;
}

/** `eval:` generation and scoring settings (the official values are fixed in its code). */
export interface ExperimentEvalSection {
  beam_size: number;
  max_length: number;
  min_length: number;
  /** Write per-example outputs (captions, answers) next to the scores. */
  save_predictions: boolean;
}

/** `backend:` which tfjs backend computes. */
export interface ExperimentBackendSection {
  name: ExperimentBackend;
}

/** A whole experiment, parsed and checked: every field present, defaults filled in. */
export interface ExperimentConfig {
  task: ExperimentTask;
  /** Caption target (official `--target_dataset`: coco, nocaps, demo) or 'shapes'. */
  dataset: string;
  /** VQA training sets (official: vqav2, vg) or ['shapes']; pre-training sources (cc12m, cc3m_sgu, coco, vg). */
  datasets: string[];
  data_path: string;
  /** Pre-training roots (official pretrain.yaml); '' means data_path. cc12m / cc3m_sgu: img2dataset folders under `<path>/cc12m/`, `<path>/cc3m_sgu/`. */
  cc12m_data_path: string;
  cc3m_data_path: string;
  /** Holds coco_karpathy_train.json and the images under `vqav2/`. */
  coco_data_path: string;
  /** Holds vg_caption.json and the images under `vg/`. */
  vg_data_path: string;
  label_path: string;
  /** Experts given to the model; [] is PrismerZ (official YAML writes ['none']). */
  experts: ExperimentExpert[];
  image_resolution: number;
  /** A size in configs/models.yaml: the official prismer_base / prismer_large / prismer_huge, or ours (prismer_tiny, …). */
  prismer_model: string;
  freeze: FreezeMode;
  batch_size_train: number;
  batch_size_test: number;
  init_lr: number;
  weight_decay: number;
  min_lr: number;
  max_epoch: number;
  warmup_steps: number;
  warmup_lr: number;
  /** Caption prefix ('A picture of'; '' for zero-shot). */
  prefix: string;
  /** VQA: answers re-ranked per question. */
  k_test: number;
  inference: VqaInference;
  /** Classification: training images per class (the first `shots` files of each class folder); null: all. */
  shots: number | null;
  model: ExperimentModelSection;
  data: ExperimentDataSection;
  train: ExperimentTrainSection;
  eval: ExperimentEvalSection;
  backend: ExperimentBackendSection;
}

/** How one key is checked; `default` fills it when absent (no default: required). */
export type ConfigFieldSpec =
  | { kind: 'string'; default?: string; nonEmpty?: boolean; pattern?: RegExp; doc?: string }
  | { kind: 'int'; default?: number | null; min: number; nullable?: boolean }
  | { kind: 'number'; default?: number | null; min?: number; exclusiveMin?: number; max?: number; nullable?: boolean }
  | { kind: 'bool'; default?: boolean | null; nullable?: boolean }
  | { kind: 'enum'; values: readonly string[]; default?: string }
  | { kind: 'strings'; default?: string[]; values?: readonly string[] }
  | { kind: 'scalarMap'; default: Record<string, number | string | boolean> }
  | { kind: 'section'; fields: Record<string, ConfigFieldSpec> };

export const EXPERIMENT_SCHEMA: Record<string, ConfigFieldSpec> = {
  task: { kind: 'enum', values: EXPERIMENT_TASKS },
  dataset: { kind: 'string', default: '' },
  datasets: { kind: 'strings', default: [] },
  data_path: { kind: 'string', default: 'data' },
  cc12m_data_path: { kind: 'string', default: '' },
  cc3m_data_path: { kind: 'string', default: '' },
  coco_data_path: { kind: 'string', default: '' },
  vg_data_path: { kind: 'string', default: '' },
  label_path: { kind: 'string', default: 'data/experts' },
  experts: { kind: 'strings', values: [...EXPERT_NAMES, 'none'], default: [...EXPERT_NAMES] },
  image_resolution: { kind: 'int', min: 16, default: 480 },
  prismer_model: { kind: 'string', pattern: /^[a-z][a-z0-9_]*$/, default: 'prismer_base' },
  freeze: { kind: 'enum', values: FREEZE_MODES, default: 'none' },
  batch_size_train: { kind: 'int', min: 1 },
  batch_size_test: { kind: 'int', min: 1 },
  init_lr: { kind: 'number', exclusiveMin: 0 },
  weight_decay: { kind: 'number', min: 0, default: 0.05 },
  min_lr: { kind: 'number', min: 0, default: 0 },
  max_epoch: { kind: 'int', min: 1 },
  warmup_steps: { kind: 'int', min: 0, default: 0 },
  warmup_lr: { kind: 'number', min: 0, default: 0 },
  prefix: { kind: 'string', default: 'A picture of' },
  k_test: { kind: 'int', min: 1, default: 16 },
  inference: { kind: 'enum', values: VQA_INFERENCE, default: 'rank' },
  shots: { kind: 'int', min: 1, nullable: true, default: null },
  model: {
    kind: 'section',
    fields: {
      overrides: { kind: 'scalarMap', default: {} },
      vit_init: { kind: 'enum', values: VIT_INITS, default: 'random' },
    },
  },
  data: {
    kind: 'section',
    fields: {
      source: { kind: 'enum', values: EXPERIMENT_DATA_SOURCES, default: 'files' },
      synthetic: {
        kind: 'section',
        fields: {
          seed: { kind: 'int', min: 0, default: 0 },
          train_images: { kind: 'int', min: 1, default: 2000 },
          test_images: { kind: 'int', min: 1, default: 200 },
          image_size: { kind: 'int', min: 16, default: 224 },
        },
      },
      max_train_examples: { kind: 'int', min: 1, nullable: true, default: null },
      max_test_examples: { kind: 'int', min: 1, nullable: true, default: null },
      augment: { kind: 'bool', nullable: true, default: null },
      augment_test: { kind: 'bool', nullable: true, default: null },
      label_resolution: { kind: 'int', min: 1, nullable: true, default: null },
    },
  },
  train: {
    kind: 'section',
    fields: {
      seed: { kind: 'int', min: 0, default: 42 },
      grad_accum_steps: { kind: 'int', min: 1, default: 1 },
      clip_grad_norm: { kind: 'number', exclusiveMin: 0, nullable: true, default: null },
      label_smoothing: { kind: 'number', min: 0, max: 1, default: 0.1 },
      exp_name: { kind: 'string', default: '' },
      log_dir: { kind: 'string', nonEmpty: true, default: 'runs' },
      log_every: { kind: 'int', min: 1, default: 10 },
      eval_every: { kind: 'int', min: 0, default: 1 },
      keep_checkpoints: { kind: 'int', min: 1, default: 2 },
      lr_scale: { kind: 'scalarMap', default: {} },
      encoder_cache_mb: { kind: 'number', min: 0, default: 1024 },
      latent_warmup: {
        kind: 'section',
        fields: {
          steps: { kind: 'int', min: 0, default: 0 },
          lr: { kind: 'number', exclusiveMin: 0, default: 1e-3 },
          grid: { kind: 'int', min: 1, default: 2 },
          mode: { kind: 'enum', values: LATENT_WARMUP_MODES, default: 'mean' },
        },
      },
      workers: { kind: 'int', min: 0, default: 0 },
    },
  },
  eval: {
    kind: 'section',
    fields: {
      beam_size: { kind: 'int', min: 1, default: 3 },
      max_length: { kind: 'int', min: 1, default: 20 },
      min_length: { kind: 'int', min: 0, default: 8 },
      save_predictions: { kind: 'bool', default: true },
    },
  },
  backend: {
    kind: 'section',
    fields: {
      name: { kind: 'enum', values: EXPERIMENT_BACKENDS, default: 'auto' },
    },
  },
};
