import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { isLabelExpert, type LabelExpert } from '../data/expert-labels.js';
import { expertPanelPng, expertPanelSvg, PANEL_EXPERTS, readExpertPanel, siblingTablesDir } from '../viz/expert-panel.js';
import { UsageError, type Command } from './command.js';

const usage = `usage: prismer viz experts <image> --labels DIR --out FILE.png|.svg [options]

  experts   The image next to a picture of each expert label (as the official demo_vis.py): depth
            (rainbow colour map), surface normal (RGB), edge, object detection (instances, boxes, class
            names), OCR (text boxes and words), segmentation (palette and class names); caption on top.
            Labels are read in the official layout: an image .../<A>/<B>/<name>.<ext> has its labels at
            DIR/<expert>/<A>/<B>/<name>.png (+ .json for obj_detection, .pt for ocr_detection).
            --labels DIR       expert labels root (required)
            --out FILE         .png or .svg (required)
            --tables DIR       coco_features.pt / detection_features.pt for class names
                               (default: DIR/../tables when present, as Prism Shapes writes them)
            --caption TEXT     caption on top (default: first line of <image>.txt when present)
            --experts LIST     comma-separated, default ${PANEL_EXPERTS.join(',')}
            --columns N        pictures per row (default: all in one row)
            --cell PX          displayed width of one picture (default 200)
            --scale S          PNG pixels per SVG unit (default 1)`;

function positiveNumber(value: string | undefined, name: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  return n;
}

function parseExperts(list: string | undefined): LabelExpert[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !isLabelExpert(n));
  if (bad.length > 0 || names.length === 0) throw new UsageError(`--experts: unknown expert(s) ${bad.join(', ') || '(none given)'}; expected names from depth, normal, seg_coco, seg_ade, edge, obj_detection, ocr_detection`);
  return names as LabelExpert[];
}

async function experts(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: {
        labels: { type: 'string' }, out: { type: 'string' }, tables: { type: 'string' }, caption: { type: 'string' },
        experts: { type: 'string' }, columns: { type: 'string' }, cell: { type: 'string' }, scale: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`name exactly one image (got ${positionals.length})`);
  if (!values.labels) throw new UsageError('--labels DIR is required');
  if (!values.out) throw new UsageError('--out FILE is required');
  const extension = extname(values.out).toLowerCase();
  if (extension !== '.png' && extension !== '.svg') throw new UsageError(`--out must end in .png or .svg, got '${values.out}'`);
  const layout = { columns: positiveNumber(values.columns, 'columns', true), cellSize: positiveNumber(values.cell, 'cell', true) };
  const scale = positiveNumber(values.scale, 'scale', false);
  const panel = await readExpertPanel(positionals[0]!, {
    labels: values.labels, tables: values.tables ?? siblingTablesDir(values.labels), caption: values.caption, experts: parseExperts(values.experts),
  });
  for (const m of panel.missing) process.stderr.write(`prismer viz: label missing or empty, drawn as a placeholder: ${m}\n`);
  const full = { ...layout, caption: panel.caption };
  writeFileAtomic(values.out, extension === '.svg' ? await expertPanelSvg(panel.pictures, full) : await expertPanelPng(panel.pictures, full, { scale }));
  process.stdout.write(`${values.out}: ${panel.pictures.length - 1} expert pictures of ${panel.image}\n`);
  return 0;
}

export const vizCommand: Command = {
  name: 'viz',
  summary: 'pictures of expert labels (prismer viz experts)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) {
      process.stdout.write(`${usage}\n`);
      return 2;
    }
    if (sub !== 'experts') throw new UsageError(`unknown viz sub-command '${sub}' (expected 'experts')`);
    return experts(rest);
  },
};
