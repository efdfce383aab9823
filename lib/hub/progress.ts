/**
 * A one-line progress bar for downloads on a terminal (size, percentage, rate, ETA), redrawn at most
 * every 100 ms; on a non-terminal stream it prints only a start and an end line.
 */

export interface DownloadProgress {
  start(label: string, total: number | undefined, already: number): void;
  update(received: number): void;
  end(message: string): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class TerminalProgress implements DownloadProgress {
  private label = '';
  private total: number | undefined;
  private startBytes = 0;
  private startTime = 0;
  private lastDraw = 0;
  private received = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 30) {}

  private get tty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  start(label: string, total: number | undefined, already: number): void {
    this.label = label;
    this.total = total;
    this.startBytes = already;
    this.received = already;
    this.startTime = Date.now();
    this.lastDraw = 0;
    const size = total === undefined ? 'unknown size' : formatBytes(total);
    if (!this.tty) this.stream.write(`${label}: downloading ${size}${already > 0 ? `, resuming at ${formatBytes(already)}` : ''}\n`);
    else this.draw();
  }

  update(received: number): void {
    this.received = received;
    if (this.tty && Date.now() - this.lastDraw >= 100) this.draw();
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const seconds = Math.max((Date.now() - this.startTime) / 1000, 1e-3);
    const rate = (this.received - this.startBytes) / seconds;
    let line = `${this.label} `;
    if (this.total) {
      const fraction = Math.min(1, this.received / this.total);
      const filled = Math.round(fraction * this.width);
      line += `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      line += `${formatBytes(this.received)} / ${formatBytes(this.total)} ${formatBytes(rate)}/s ETA ${formatDuration((this.total - this.received) / rate)}`;
    } else {
      line += `${formatBytes(this.received)} ${formatBytes(rate)}/s`;
    }
    this.stream.write(`\r${line}\x1b[K`);
  }

  end(message: string): void {
    if (this.tty) {
      this.draw();
      this.stream.write('\n');
    }
    this.stream.write(`${this.label}: ${message}\n`);
  }
}

/** Progress that prints nothing (library use, tests). */
export const silentProgress: DownloadProgress = { start() {}, update() {}, end() {} };
