import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of `train.jsonl`. */
export interface TrainLogRecord {
  kind: 'step' | 'epoch' | 'eval' | 'event';
  step: number;
  epoch: number;
  time: string;
  [field: string]: unknown;
}

/**
 * Append-only JSON-lines log. Each record is one `appendFileSync` of one complete line, so a killed
 * run leaves every earlier line intact; `readTrainLog` drops a torn last line.
 */
export class JsonlLogger {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  write(record: Omit<TrainLogRecord, 'time'> & { time?: string }): void {
    appendFileSync(this.path, `${JSON.stringify({ ...record, time: record.time ?? new Date().toISOString() })}\n`);
  }
}

/** Reads a JSONL training log; a last line cut off by a kill is ignored, any other bad line is an error. */
export function readTrainLog(path: string): TrainLogRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: TrainLogRecord[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as TrainLogRecord);
    } catch (error) {
      const isLast = lines.slice(index + 1).every((rest) => rest.trim() === '');
      if (!isLast) throw new Error(`${path}: line ${index + 1} is not valid JSON (${(error as Error).message})`);
    }
  });
  return out;
}
