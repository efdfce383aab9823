// Training: the optimiser, the official lr schedules, checkpoints, logs and the loop every task shares.
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { cosineLr, warmupLr, learningRateAt, officialScheduleKind, experimentScheduleKind, validateLrSchedule } from './schedule.js';
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
export { installFastConv2dGradient, conv2dFilterGradient } from './conv-gradient.js';
export { SampleSource, captionTrainTask, vqaTrainTask, experimentTrainTask } from './tasks.js';
export type { PrismerTrainBatch, ExperimentTaskOptions } from './tasks.js';
export { warmUpExpertLatents, pooledExpertTargets } from './latent-warmup.js';
export type { LatentWarmupOptions } from './latent-warmup.js';
export { GradientWorkers, splitRows } from './gradient-workers.js';
export type { BatchGradients } from './gradient-workers.js';
export { EncoderOutputCache, prepareEncoderCache, calibrateStemBatchNorm } from './encoder-cache.js';
export { prismerBatchInputs, disposeBatchInputs } from './batch-inputs.js';
export { prepareExperiment, ensurePrismShapes, captionDatasets, vqaDatasets, buildExperimentModel } from './experiment.js';
export type { ExperimentSetup } from './experiment.js';
export { generateTestCaptions, answerTestQuestions, scoreTestCaptions, scoreTestAnswers, captionReferences, testAnswerAnnotations, readTestAnswers, captionImageId, type ShapesTestAnswer } from './evaluate.js';
export type { CaptionResultEntry, VqaResultEntry } from './evaluate.js';
export { answerInSceneBaseline, bestAnswerPerQuestionType, bestConstantCaption } from './baselines.js';
export type { AnswerPriorBaseline, ConstantCaptionBaseline } from './baselines.js';
export { runTraining, evaluateExperiment, evaluationMetrics, experimentRunDir, loadInitialWeights } from './run.js';
export type { RunTrainingOptions, TrainingRun, ExperimentEvaluation, EvaluateOptions } from './run.js';
export { formatStartTable, writeStartReport, readRunMetrics } from './report.js';
export type { StartSummary } from './report.js';
export { clipGlobalNorm } from './trainer.js';
export { PretrainDataset, listWebImageCaptions, listPretrainEntries, pretrainSourceRoot, pretrainDataset, PRETRAIN_CROP_SCALE } from './pretrain.js';
export type { PretrainEntry } from './pretrain.js';
export {
  ClassificationDataset, CLASSIFICATION_FILES, readClassificationClasses, listClassificationEntries, classificationDatasets, classifyTestImages, scoreClassification,
} from './classify.js';
export type { ClassificationEntry, ClassificationPrediction, ClassificationScores } from './classify.js';
export { ensureShapesClassification } from './classify-shapes.js';
export type { ShapesClassificationSummary } from './classify-shapes.js';
export { runTaskTraining, evaluateClassificationExperiment, prepareTaskExperiment, loadResizedWeights } from './run-tasks.js';
export type { TaskTrainingRun, ClassificationEvaluation } from './run-tasks.js';
