// Experiments: the run store (runs/<name>/ as JSON/JSONL), runs as arquero tables, sweeps over grids
// and seeds with the paper's expert ablations, and reproducing the paper's tables.
export { currentCodeVersion, formatCodeVersion } from './code-version.js';
export type { CodeVersion } from './code-version.js';
export {
  RUN_FORMAT, RUN_FILES, RunWriter, startRun, readRun, readRunOutputs, readRunCurves, listRunDirs, listRuns, isRunFinished, resolveRunDir, checkRunName,
} from './run-store.js';
export type { RunStatus, RunManifest, RunRecord, StartRunOptions, JsonValue as RunJsonValue } from './run-store.js';
export { loadRunsTable, loadRunOutputsTable, loadRunCurvesTable, summariseRuns, paramCell, RUN_TABLE_COLUMNS } from './runs-table.js';
export type { RunSummaryRow } from './runs-table.js';
export { summariseValues, studentTQuantile, studentTCdf, regularizedIncompleteBeta, formatMeanStd } from './stats.js';
export type { MeanSummary } from './stats.js';
export { parseGridAxis, expandGrid, gridValueSlug, ablationGrid, splitCellParams, ABLATION_PRESETS, ABLATION_KEYS, NOISE_EXPERT_SLOTS } from './grid.js';
export type { GridAxis, GridCell, AblationPreset, AblationKey, CellAblations } from './grid.js';
export { prepareLabelVariant, labelVariantKey, isIdentityVariant, corruptLabelRaster, noiseLabelRaster } from './label-variants.js';
export type { LabelVariantSpec } from './label-variants.js';
export { runSweepCell, resolveCellConfig, cellRunName, disableAdaptors, SHARED_DIRS } from './cell-run.js';
export type { CellRunOptions, CellRunResult } from './cell-run.js';
export { runSweep, sweepSeeds } from './sweep.js';
export type { SweepOptions, SweepResult } from './sweep.js';
export { formatSweepSummary, widenSummary, formatTextTable, orderMetrics } from './report.js';
export { compareRuns, formatRunComparison } from './compare.js';
export type { RunComparison } from './compare.js';
export { loadPaperTable, parsePaperTable, paperCheckpointName, findConfigsDir } from './paper.js';
export type { PaperTable, PaperRow, PaperColumn } from './paper.js';
export { reproducePaperTable, formatReproduceTable, reproduceDataInstructions, officialEvaluationConfig, missingData } from './reproduce.js';
export type { ReproduceOptions, ReproduceCell, ReproduceData, ReproduceDataset, ReproduceStatus } from './reproduce.js';
export { prepareReproduceDryRun } from './reproduce-dry.js';
export type { ReproduceDryRun } from './reproduce-dry.js';
