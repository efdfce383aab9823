/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export interface ProgressOptions {
  /** Where to write; defaults to process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Plain (non-TTY) mode prints a line at most this often, in seconds. */
  intervalSeconds?: number;
  /** Force TTY (bar redrawn in place) or plain lines; defaults to the stream's isTTY. */
  tty?: boolean;
  /** Monotonic clock in seconds (tests). */
  now?: () => number;
}

/**
 * A progress display for a known number of steps: a bar with rate and ETA redrawn in place on a TTY,
 * and plain periodic lines otherwise (logs, CI, notebooks).
 */
export class ProgressBar {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly startTime: number;
  private lastPrint = -Infinity;
  private done: number;
  private readonly startDone: number;

  constructor(readonly label: string, public total: number, done = 0, options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.interval = options.intervalSeconds ?? 10;
    this.now = options.now ?? (() => performance.now() / 1000);
    this.startTime = this.now();
    this.done = done;
    this.startDone = done;
  }

  /** Steps per second since this bar started (steps done before a resume are not counted). */
  rate(): number {
    const elapsed = this.now() - this.startTime;
    return elapsed > 0 ? (this.done - this.startDone) / elapsed : 0;
  }

  /** Estimated seconds left at the current rate. */
  eta(): number {
    const rate = this.rate();
    return rate > 0 ? (this.total - this.done) / rate : Infinity;
  }

  /** Records `done` steps and redraws (TTY) or prints a line if the interval has passed (plain). */
  update(done: number, message = ''): void {
    this.done = done;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastPrint < 0.1 && done < this.total) return;
      this.lastPrint = t;
      this.stream.write(`\r${this.render(message)}\x1b[K`);
    } else if (t - this.lastPrint >= this.interval || done === this.total) {
      this.lastPrint = t;
      this.stream.write(`${this.line(message)}\n`);
    }
  }

  /** Ends the bar (moves to a new line on a TTY). */
  finish(message = ''): void {
    if (this.tty) this.stream.write(`\r${this.render(message)}\x1b[K\n`);
    else this.stream.write(`${this.line(message)}\n`);
  }

  /** The plain one-line form: `label 120/300 (40%) 3.10 it/s ETA 0:58 message`. */
  line(message = ''): string {
    const percent = this.total > 0 ? Math.floor((100 * this.done) / this.total) : 100;
    return `${this.label} ${this.done}/${this.total} (${percent}%) ${this.rate().toFixed(2)} it/s elapsed ${formatDuration(this.now() - this.startTime)} ETA ${formatDuration(this.eta())}${message ? ` ${message}` : ''}`;
  }

  /** The TTY form with a bar: `label [#####.....] 120/300 3.10 it/s ETA 0:58 message`. */
  render(message = ''): string {
    const width = 24;
    const filled = this.total > 0 ? Math.round((width * Math.min(this.done, this.total)) / this.total) : width;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const text = `${this.label} ${bar} ${this.done}/${this.total} ${this.rate().toFixed(2)} it/s ETA ${formatDuration(this.eta())}${message ? ` ${message}` : ''}`;
    const columns = this.stream.columns ?? 120;
    return text.length > columns - 1 ? text.slice(0, columns - 1) : text;
  }
}
