import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { isLabelExpert, type LabelExpert } from '../data/expert-labels.js';
import { expertPanelPng, expertPanelSvg, PANEL_EXPERTS, readExpertPanel, siblingTablesDir } from '../viz/expert-panel.js';
import { captionWithAttention } from '../viz/attention-capture.js';
import { decoderSelfSpec, latentReadsSpec, modalitySharesSpec, vitRolloutSpec, wordAttentionSpec } from '../viz/attention-specs.js';
import { latentExpertReads, modalityShares } from '../viz/attention-views.js';
import { savePlot } from '../viz/save.js';
import type { VegaLiteSpec } from '../viz/render.js';
import { batchToModelInputs, loadImageBatch } from '../inference/image-inputs.js';
import { disposeExpertInputs } from '../model/prismer-inputs.js';
import { UsageError, type Command } from './command.js';
import { loadModelFromArgs, MODEL_OPTIONS, MODEL_USAGE } from './inference-options.js';

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
            --scale S          PNG pixels per SVG unit (default 1)

usage: prismer viz attention <image> --model caption_prismer_base --out FILE.png|.svg|.json [options]

  attention Captions the image (official caption search) and draws where the model looked: the decoder's
            cross-attention of every generated word over the rgb patches ('words', default), the same
            followed back through the ViT attention rollout ('rollout-words'), the ViT attention per layer
            and its rollout ('vit'), rgb patches vs expert latents per word ('shares'), what the resampler
            latents read ('latents'), or the decoder self-attention ('self'). Prints the caption.
            --view NAME        words | rollout-words | vit | shares | latents | self (default words)
            --head N           one attention head (default: the mean over heads)
            --beams N          beams (default 3)
            --max-length N     total tokens with the prefix (default 20)
            --scale S          PNG pixels per SVG unit (default 2)
${MODEL_USAGE.replace('--out FILE              write the results as JSON', '--out FILE              the picture (.png, .svg) or its vega-lite spec (.json)')}`;

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

const VIEWS = ['words', 'rollout-words', 'vit', 'shares', 'latents', 'self'] as const;
type AttentionView = (typeof VIEWS)[number];

async function attention(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true, strict: true,
      options: { ...MODEL_OPTIONS, view: { type: 'string' }, head: { type: 'string' }, beams: { type: 'string' }, 'max-length': { type: 'string' }, scale: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`name exactly one image (got ${positionals.length})`);
  if (!values.out) throw new UsageError('--out FILE is required');
  if (!/\.(png|svg|json)$/i.test(values.out)) throw new UsageError(`--out must end in .png, .svg or .json, got '${values.out}'`);
  const view = (values.view ?? 'words') as AttentionView;
  if (!VIEWS.includes(view)) throw new UsageError(`--view must be one of ${VIEWS.join(', ')}, got '${values.view}'`);
  const head = values.head === undefined ? 'mean' : Number(values.head);
  if (head !== 'mean' && !(Number.isInteger(head) && head >= 0)) throw new UsageError(`--head must be a non-negative integer, got '${values.head}'`);
  const numBeams = positiveNumber(values.beams, 'beams', true);
  const maxLength = positiveNumber(values['max-length'], 'max-length', true);
  const scale = positiveNumber(values.scale, 'scale', false) ?? 2;
  const image = positionals[0]!;
  const { loaded, decoding } = await loadModelFromArgs(values, 'caption');
  try {
    const { spec } = loaded;
    const batch = await loadImageBatch([image], { experts: spec.experts, resolution: spec.imageResolution, labelPath: values.labels, allowMissingLabels: values['allow-missing-labels'] });
    const inputs = batchToModelInputs(batch);
    let result;
    try {
      // One head or the mean: averaging while recording keeps large models' maps small.
      result = captionWithAttention(loaded.model, loaded.tokenizer, inputs, { numBeams, maxLength, decoding, meanOverHeads: head === 'mean' })[0]!;
    } finally {
      disposeExpertInputs(inputs);
    }
    const capture = result.attention;
    const h = head === 'mean' ? 'mean' : head;
    if (h !== 'mean' && capture.vit.length > 0 && h >= capture.vit[0]!.heads) throw new UsageError(`--head ${h}: the ViT has ${capture.vit[0]!.heads} heads`);
    const specs: Record<AttentionView, () => Promise<VegaLiteSpec>> = {
      words: () => wordAttentionSpec(image, capture, { head: h }),
      'rollout-words': () => wordAttentionSpec(image, capture, { head: h, throughRollout: true }),
      vit: () => vitRolloutSpec(image, capture, { head: h }),
      shares: async () => modalitySharesSpec(modalityShares(capture, h)),
      latents: async () => latentReadsSpec(latentExpertReads(capture, { head: h })),
      self: async () => decoderSelfSpec(capture, { head: h }),
    };
    await savePlot(await specs[view](), values.out, { scale });
    process.stdout.write(`${image}\t${result.text}\n${values.out}: ${view}\n`);
    return 0;
  } finally {
    loaded.model.dispose();
  }
}

export const vizCommand: Command = {
  name: 'viz',
  summary: 'pictures of expert labels and of attention (prismer viz experts | attention)',
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub === undefined) {
      process.stdout.write(`${usage}\n`);
      return 2;
    }
    if (sub === 'experts') return experts(rest);
    if (sub === 'attention') return attention(rest);
    throw new UsageError(`unknown viz sub-command '${sub}' (expected 'experts' or 'attention')`);
  },
};
