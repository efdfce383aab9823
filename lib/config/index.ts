// Experiment configs: YAML files with the official Prismer keys plus this project's sections.
export { loadExperimentConfig, parseExperimentConfig, parseConfigOverride } from './load.js';
export type { ConfigOverride } from './load.js';
export { ConfigError } from './errors.js';
export { EXPERIMENT_SCHEMA, EXPERT_NAMES, FREEZE_MODES, EXPERIMENT_TASKS, VQA_INFERENCE, EXPERIMENT_BACKENDS, EXPERIMENT_DATA_SOURCES, PRETRAIN_DATASETS } from './schema.js';
export type {
  ExperimentConfig, ExperimentTask, ExperimentExpert, FreezeMode, VqaInference, ExperimentBackend, ExperimentDataSource, PretrainDatasetName,
  ExperimentModelSection, ExperimentDataSection, ExperimentTrainSection, ExperimentEvalSection, ExperimentBackendSection, ConfigFieldSpec,
} from './schema.js';
