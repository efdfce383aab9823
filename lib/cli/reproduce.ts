import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend, type BackendChoice } from '../backend/init.js';
import { loadPaperTable, type PaperTable } from '../experiment/paper.js';
import { prepareReproduceDryRun } from '../experiment/reproduce-dry.js';
import { formatReproduceTable, reproduceDataInstructions, reproducePaperTable, type ReproduceData, type ReproduceOptions } from '../experiment/reproduce.js';
import { UsageError, type Command } from './command.js';

const usage = `usage: prismer reproduce --table main [--coco DIR] [--coco-labels DIR] [--vqa DIR] [--vqa-labels DIR]
                         [--models M1,M2] [--columns C1,C2] [--max-examples N] [--out DIR] [--dry-run [--dry-dir DIR]]

Evaluates the official checkpoints found under PRISMER_HOME (prismer download <name>) on the data you
point to, as the official scripts do (480 px, beam 3 captions; VQA answers ranked over answer_list.json,
k_test 16), and prints the published numbers (configs/paper/<table>.yaml) next to the measured ones with
the difference and the tolerance the official README promises (CIDEr < 1.0, VQA < 0.1).

  --table NAME        configs/paper/NAME.yaml (default main)
  --coco DIR          COCO Karpathy test in the official layout: coco_karpathy_test.json,
                      coco_karpathy_test_gt.json, images under DIR/vqav2/val2014/
  --vqa DIR           VQAv2 test-dev: vqav2_test.json, answer_list.json, images under DIR/vqav2/test2015/;
                      results are written in the official server format (test-dev is scored by EvalAI)
  --coco-labels DIR, --vqa-labels DIR   expert labels (Prismer rows; not needed for PrismerZ)
  --models LIST       rows to evaluate (e.g. Prismer-BASE,PrismerZ-BASE); --columns LIST: column keys
  --max-examples N    first N test examples only (a quick look; not comparable with the paper)
  --out DIR           results files (default runs/reproduce-<table>)
  --dry-run           the whole path on stand-ins: random prismer_tiny models saved under every official
                      checkpoint name and a 10-scene Prism Shapes set as both datasets (what CI runs);
                      --dry-dir DIR keeps them there (default: a folder in the system temp dir)

Without data or checkpoints it prints exactly what to download and where to put it.`;

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "Evaluate the official checkpoints and print the paper's table next to the measured numbers",
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args, allowPositionals: false, strict: true,
        options: {
          table: { type: 'string' }, coco: { type: 'string' }, 'coco-labels': { type: 'string' }, vqa: { type: 'string' }, 'vqa-labels': { type: 'string' },
          models: { type: 'string' }, columns: { type: 'string' }, 'max-examples': { type: 'string' }, out: { type: 'string' },
          'dry-run': { type: 'boolean' }, 'dry-dir': { type: 'string' }, backend: { type: 'string' }, quiet: { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const v = parsed.values;
    const tableName = v.table ?? 'main';
    let table: PaperTable;
    try {
      table = loadPaperTable(tableName);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const list = (text: string | undefined): string[] | undefined => text?.split(',').map((s) => s.trim()).filter(Boolean);
    const columns = list(v.columns);
    const unknown = columns?.find((c) => !table.columns.some((k) => k.key === c));
    if (unknown) throw new UsageError(`--columns: '${unknown}' is not a column of ${table.file} (${table.columns.map((c) => c.key).join(', ')})`);
    const maxExamples = v['max-examples'] === undefined ? null : Number(v['max-examples']);
    if (maxExamples !== null && (!Number.isInteger(maxExamples) || maxExamples < 1)) throw new UsageError(`--max-examples must be a positive integer, got '${v['max-examples']}'`);
    if (v['dry-run'] && (v.coco || v.vqa)) throw new UsageError('--dry-run brings its own data; leave out --coco / --vqa');
    const log = (line: string): void => { if (!v.quiet) process.stderr.write(`${line}\n`); };
    await initBackend((v.backend ?? 'auto') as BackendChoice);
    let data: ReproduceData = {
      coco: v.coco ? { dataPath: v.coco, labelPath: v['coco-labels'] } : undefined,
      vqa: v.vqa ? { dataPath: v.vqa, labelPath: v['vqa-labels'] } : undefined,
    };
    let home: string | undefined;
    let configFor: ReproduceOptions['configFor'];
    let note = '';
    if (v['dry-run']) {
      const dry = await prepareReproduceDryRun(v['dry-dir'] ?? join(tmpdir(), 'prismer-reproduce-dry'), table, log, { models: list(v.models), columns });
      ({ data, home, configFor, note } = dry);
    }
    const cells = await reproducePaperTable({
      table, data, home, configFor, models: list(v.models), columns, maxExamples,
      outDir: v.out ?? join('runs', `reproduce-${tableName}${v['dry-run'] ? '-dry' : ''}`), progress: v.quiet ? false : {}, log,
    });
    if (note) process.stdout.write(`${note}\n\n`);
    process.stdout.write(`${formatReproduceTable(table, cells)}\n`);
    const taskOf = (key: string) => table.columns.find((k) => k.key === key)?.task;
    const needs = {
      caption: cells.some((c) => c.dataMissing !== null && taskOf(c.column) === 'caption'),
      vqa: cells.some((c) => c.dataMissing !== null && taskOf(c.column) === 'vqa'),
      labels: cells.some((c) => c.dataMissing !== null && table.rows.find((r) => r.model === c.model)?.family === 'prismer'),
    };
    if (needs.caption || needs.vqa || needs.labels || cells.some((c) => c.status === 'no-checkpoint')) process.stdout.write(`\n${reproduceDataInstructions(data, needs)}\n`);
    return cells.some((c) => c.status === 'failed') ? 1 : 0;
  },
};
