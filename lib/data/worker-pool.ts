/**
 * Sample preparation in worker threads, so decoding, resizing, augmentation and feature painting
 * run beside the training computation instead of between its steps. The pool is itself a
 * `PrismerDataset` (same samples, bit for bit, as the dataset it was started from); close it when done.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packagePath } from '../util/package-root.js';
import type { PrismerDataset, PrismerSample } from './datasets.js';
import type { LabelExpert } from './expert-labels.js';
import type { LabelFallbackCounter } from './label-fallbacks.js';
import type { SampleReply, SampleRequest } from './sample-worker.js';

export interface SampleWorkerPool extends PrismerDataset {
  readonly workers: number;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

const workerEntry = (): string => pathToFileURL(packagePath('lib', 'data', 'sample-worker.ts')).href;
const bootScript = (): URL => pathToFileURL(packagePath('lib', 'data', 'sample-worker-boot.mjs'));

function startWorker(spec: unknown): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootScript(), { workerData: { entry: workerEntry(), spec } });
    const onError = (error: Error): void => reject(new Error(`sample worker failed to start: ${error.message}`));
    worker.once('error', onError);
    worker.once('message', () => {
      worker.off('error', onError);
      resolve(worker);
    });
  });
}

/** Starts `count` worker threads that load samples of `dataset` (which must provide `spec()`). */
export async function startSampleWorkers(dataset: PrismerDataset, count: number): Promise<SampleWorkerPool> {
  if (!dataset.spec) throw new Error('startSampleWorkers: this dataset cannot be rebuilt in a worker (it has no spec())');
  if (!Number.isInteger(count) || count < 1) throw new Error(`startSampleWorkers: count must be a positive integer, got ${count}`);
  const spec = dataset.spec();
  const slots: Slot[] = (await Promise.all(Array.from({ length: count }, () => startWorker(spec)))).map((worker) => ({ worker, inFlight: 0 }));
  const waiting = new Map<number, { resolve: (s: PrismerSample) => void; reject: (e: Error) => void; slot: Slot }>();
  const fallbacks: LabelFallbackCounter = dataset.fallbacks;
  let nextId = 0;
  let closed = false;
  for (const slot of slots) {
    slot.worker.on('message', (reply: SampleReply) => {
      const entry = waiting.get(reply.id);
      if (!entry) return;
      waiting.delete(reply.id);
      entry.slot.inFlight--;
      if ('error' in reply) entry.reject(new Error(reply.error));
      else {
        for (const [expert, reason, path] of reply.fallbacks) fallbacks.record(expert, reason, path);
        entry.resolve(reply.sample);
      }
    });
    slot.worker.on('error', (error) => {
      for (const [id, entry] of waiting) {
        if (entry.slot !== slot) continue;
        waiting.delete(id);
        entry.reject(new Error(`sample worker crashed: ${error.message}`));
      }
    });
  }
  return {
    workers: count,
    length: dataset.length,
    resolution: dataset.resolution,
    labelResolution: dataset.labelResolution,
    experts: dataset.experts as readonly LabelExpert[],
    fallbacks,
    spec: () => spec,
    load(index: number, seed?: number): Promise<PrismerSample> {
      if (closed) return Promise.reject(new Error('sample worker pool is closed'));
      const slot = slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      slot.inFlight++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject, slot });
        slot.worker.postMessage({ id, index, seed } satisfies SampleRequest);
      });
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
      for (const entry of waiting.values()) entry.reject(new Error('sample worker pool closed'));
      waiting.clear();
    },
  };
}
