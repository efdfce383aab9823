import { existsSync } from 'node:fs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** A vega-lite v5 specification (the JSON object `vl.compile` accepts). */
export type VegaLiteSpec = vegaLite.TopLevelSpec;

/** The MIME type JupyterLab and VS Code render live. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** Where Debian's fonts-dejavu-core puts its fonts; resvg needs real font files to draw text. */
export const DEJAVU_FONT_DIR = '/usr/share/fonts/truetype/dejavu';

/** Compiles a vega-lite spec to a vega spec; throws with vega-lite's message on an invalid spec. */
export function compileVegaLite(spec: VegaLiteSpec): vega.Spec {
  try {
    return vegaLite.compile(spec).spec;
  } catch (error) {
    throw new Error(`vega-lite could not compile the spec: ${(error as Error).message}`);
  }
}

/** Renders a vega-lite spec to an SVG string in Node (no browser, no canvas). */
export async function vegaLiteToSvg(spec: VegaLiteSpec): Promise<string> {
  // vega tags inline data rows with a symbol id: render a copy so the caller's objects stay untouched.
  const view = new vega.View(vega.parse(compileVegaLite(structuredClone(spec))), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Pixels per SVG unit (2 gives a sharp picture on high-DPI screens). Default 1. */
  scale?: number;
  /** Folders with .ttf/.otf files used to draw text; default: DejaVu, plus the system fonts. */
  fontDirs?: string[];
}

/**
 * Rasterises an SVG with resvg. Vega writes `font-family: sans-serif`; it is mapped to DejaVu Sans,
 * so text renders the same on every machine that has fonts-dejavu-core.
 */
export function svgToPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new Error(`svgToPng: scale: expected a positive number, got ${scale}`);
  const fontDirs = options.fontDirs ?? (existsSync(DEJAVU_FONT_DIR) ? [DEJAVU_FONT_DIR] : []);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: {
      fontDirs,
      loadSystemFonts: options.fontDirs === undefined,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
      serifFamily: 'DejaVu Serif',
      monospaceFamily: 'DejaVu Sans Mono',
    },
  });
  return resvg.render().asPng();
}

/** Renders a vega-lite spec straight to PNG bytes. */
export async function vegaLiteToPng(spec: VegaLiteSpec, options: PngOptions = {}): Promise<Uint8Array> {
  return svgToPng(await vegaLiteToSvg(spec), options);
}
