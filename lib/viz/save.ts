import { extname } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { svgToPng, vegaLiteToSvg, type PngOptions, type VegaLiteSpec } from './render.js';

/** Writes a vega-lite plot to `.svg`, `.png` or `.json` (the spec itself), chosen by the extension. */
export async function savePlot(spec: VegaLiteSpec, path: string, options: PngOptions = {}): Promise<void> {
  const extension = extname(path).toLowerCase();
  if (extension === '.json' || extension === '.vl.json') {
    writeFileAtomic(path, `${JSON.stringify(spec, null, 2)}\n`);
    return;
  }
  if (extension !== '.svg' && extension !== '.png') {
    throw new Error(`savePlot: ${path}: expected a file name ending in .svg, .png or .json`);
  }
  const svg = await vegaLiteToSvg(spec);
  writeFileAtomic(path, extension === '.svg' ? svg : svgToPng(svg, { scale: options.scale ?? 2, fontDirs: options.fontDirs }));
}
