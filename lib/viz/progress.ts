import { DisplayHandle, inNotebook } from './display.js';

export interface ProgressOptions {
  /** Shown before the bar, e.g. 'epoch 1'. */
  label?: string;
  /** Least time between two redraws (ms); the last state is always drawn by `finish`. Default 250. */
  minIntervalMs?: number;
}

/** Values shown next to the bar (loss, lr, …). */
export type ProgressMetrics = Record<string, number | string>;

function formatMetric(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? value.toFixed(4) : value.toExponential(2);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A progress bar for long cells that redraws in place: one notebook output updated through its
 * display id, or one terminal line rewritten with `\r` (a new line per redraw when stderr is not a TTY).
 */
export class ProgressDisplay {
  private done = 0;
  private metrics: ProgressMetrics = {};
  private readonly started = Date.now();
  private lastDraw = -Infinity;
  private readonly handle = new DisplayHandle();
  private readonly notebook = inNotebook();
  private readonly minIntervalMs: number;

  constructor(readonly total: number, private readonly options: ProgressOptions = {}) {
    if (!(Number.isInteger(total) && total > 0)) throw new Error(`progress: total: expected a positive integer, got ${total}`);
    this.minIntervalMs = options.minIntervalMs ?? 250;
  }

  /** Advances by `steps` and records the latest metrics. */
  tick(steps = 1, metrics: ProgressMetrics = {}): void {
    this.update(this.done + steps, metrics);
  }

  /** Sets the number of finished steps and records the latest metrics. */
  update(done: number, metrics: ProgressMetrics = {}): void {
    this.done = Math.min(Math.max(done, 0), this.total);
    this.metrics = { ...this.metrics, ...metrics };
    if (Date.now() - this.lastDraw >= this.minIntervalMs) this.draw(false);
  }

  /** Draws the final state. */
  finish(metrics: ProgressMetrics = {}): void {
    this.metrics = { ...this.metrics, ...metrics };
    this.draw(true);
  }

  /** The current state as one line of text. */
  text(): string {
    const { bar, status } = this.parts();
    return `${this.options.label ? `${this.options.label} ` : ''}${bar} ${status}`;
  }

  private parts(): { bar: string; status: string } {
    const width = 24;
    const filled = Math.round((this.done / this.total) * width);
    const elapsed = Date.now() - this.started;
    const eta = this.done > 0 && this.done < this.total ? ` eta ${formatDuration((elapsed / this.done) * (this.total - this.done))}` : '';
    const metrics = Object.entries(this.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`).join(' ');
    return {
      bar: `${'█'.repeat(filled)}${'·'.repeat(width - filled)}`,
      status: `${this.done}/${this.total} ${formatDuration(elapsed)}${eta}${metrics ? `  ${metrics}` : ''}`,
    };
  }

  private draw(final: boolean): void {
    this.lastDraw = Date.now();
    const text = this.text();
    if (this.notebook) {
      const label = this.options.label ? `${escapeHtml(this.options.label)} ` : '';
      const bar = `<progress value="${this.done}" max="${this.total}" style="width:16em;vertical-align:middle"></progress>`;
      const html = `<div style="font-family:monospace;white-space:pre">${label}${bar} ${escapeHtml(this.parts().status)}</div>`;
      this.handle.set({ 'text/html': html, 'text/plain': text });
    } else if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}${final ? '\n' : ''}`);
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
}

/** Starts a progress display for `total` steps. */
export function showProgress(total: number, options: ProgressOptions = {}): ProgressDisplay {
  return new ProgressDisplay(total, options);
}
