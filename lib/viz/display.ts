import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** One Jupyter display: the same content in several MIME types; the front end picks the richest. */
export type MimeBundle = Record<string, string | object>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type WriteDisplayData = (message: DisplayMessage, update: boolean) => void;
interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

/**
 * The tslab kernel's display channel, or null outside a notebook. tslab's public `display` API sends
 * one MIME type per message; a vega-lite + SVG bundle needs both in one message, so this reaches the
 * kernel's writer directly. It is looked up only in the module cache: loading tslab (and zeromq) in a
 * plain Node process would cost time and could not display anything anyway.
 */
function kernelWriter(): WriteDisplayData | null {
  const roots = [process.argv[1], join(process.cwd(), 'package.json')].filter((p): p is string => typeof p === 'string');
  for (const root of roots) {
    try {
      const requireFrom = createRequire(root);
      const path = requireFrom.resolve('tslab/dist/jupyter.js');
      const cached = requireFrom.cache[path];
      if (cached) return (cached.exports as TslabJupyterModule).lastWriteDisplayData;
    } catch {
      // tslab is not resolvable from here: try the next root.
    }
  }
  return null;
}

/** True inside a running tslab kernel cell. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

/** Sends a bundle to the notebook; outside a notebook prints its `text/plain` entry. */
export function displayBundle(bundle: MimeBundle): void {
  const write = kernelWriter();
  if (write) write({ data: bundle, metadata: {}, transient: {} }, false);
  else printFallback(bundle);
}

function printFallback(bundle: MimeBundle): void {
  const text = bundle['text/plain'];
  if (typeof text === 'string') console.log(text);
}

/**
 * A display entry that can be replaced in place (Jupyter `display_id` + `update_display_data`):
 * the first `set` creates it, later calls overwrite it. Outside a notebook each `set` prints its text.
 */
export class DisplayHandle {
  readonly id = randomBytes(8).toString('hex');
  private shown = false;

  set(bundle: MimeBundle): void {
    const write = kernelWriter();
    if (!write) {
      printFallback(bundle);
      return;
    }
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
  }
}
