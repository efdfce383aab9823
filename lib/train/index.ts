// Training: the optimiser, the official lr schedules, checkpoints, logs and the loop every task shares.
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { cosineLr, warmupLr, learningRateAt, officialScheduleKind, validateLrSchedule } from './schedule.js';
export type { LrScheduleKind, LrScheduleConfig } from './schedule.js';
export {
  saveTrainingCheckpoint, readTrainingCheckpoint, readCheckpointWeights, resolveCheckpointPath, storeRecords, assignStoreRecords,
} from './checkpoint.js';
export type { TrainerState, LoadedCheckpoint } from './checkpoint.js';
export { JsonlLogger, readTrainLog } from './log.js';
export type { TrainLogRecord } from './log.js';
export { ProgressBar, formatDuration } from './progress.js';
export type { ProgressOptions as TrainProgressOptions } from './progress.js';
export { trainModel, epochOrder } from './trainer.js';
export type { TrainTask, TrainStepContext, TrainerOptions, StepRecord, EpochRecord, TrainResult } from './trainer.js';
