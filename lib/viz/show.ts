import { displayBundle, type MimeBundle } from './display.js';
import { sniffImageMime } from './image.js';
import { VEGALITE_MIME, vegaLiteToSvg, type VegaLiteSpec } from './render.js';
import { isTableLike, tableToText, type TableLike } from './table.js';

/** What `show` can display. */
export type Showable = VegaLiteSpec | TableLike | Uint8Array;

export interface ShowOptions {
  /** Rows of a table to show (default 20). */
  limit?: number;
}

function isVegaLiteSpec(value: object): value is VegaLiteSpec {
  const keys = ['mark', 'layer', 'facet', 'repeat', 'concat', 'hconcat', 'vconcat', 'spec'];
  return keys.some((k) => k in value);
}

/** The display bundle for a vega-lite spec: live vega-lite JSON plus an SVG rendered in Node. */
export async function plotBundle(spec: VegaLiteSpec): Promise<MimeBundle> {
  const svg = await vegaLiteToSvg(spec);
  const title = typeof spec.title === 'string' ? spec.title : 'vega-lite plot';
  return { [VEGALITE_MIME]: spec, 'image/svg+xml': svg, 'text/plain': `<${title}: ${svg.length} bytes of SVG>` };
}

/** The display bundle for an arquero table: HTML with an aligned-text fallback. */
export function tableBundle(table: TableLike, limit = 20): MimeBundle {
  return { 'text/html': table.toHTML({ limit }), 'text/plain': tableToText(table, limit) };
}

/** The display bundle for encoded image bytes (PNG, JPEG, GIF, WebP, SVG). */
export function imageBundle(bytes: Uint8Array): MimeBundle {
  const mime = sniffImageMime(bytes);
  if (!mime) throw new Error('show: image bytes: expected PNG, JPEG, GIF, WebP or SVG data');
  const text = `<${mime} image, ${bytes.byteLength} bytes>`;
  if (mime === 'image/svg+xml') return { [mime]: new TextDecoder().decode(bytes), 'text/plain': text };
  return { [mime]: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), 'text/plain': text };
}

/**
 * Shows a vega-lite spec, an arquero table or an encoded image in the notebook (one display each).
 * Outside a notebook it prints the text form, so the same code runs in scripts. `await` it: a plot
 * sent after its cell has finished would be attached to the wrong cell.
 */
export async function show(value: Showable, options: ShowOptions = {}): Promise<void> {
  if (value instanceof Uint8Array) displayBundle(imageBundle(value));
  else if (isTableLike(value)) displayBundle(tableBundle(value, options.limit));
  else if (typeof value === 'object' && value !== null && isVegaLiteSpec(value)) displayBundle(await plotBundle(value));
  else throw new Error('show: expected a vega-lite spec, an arquero table or encoded image bytes');
}
