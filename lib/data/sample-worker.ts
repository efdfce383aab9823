/**
 * Worker-thread side of `startSampleWorkers`: rebuilds the dataset from its spec and answers
 * `{id, index, seed}` requests with the processed sample (buffers transferred, not copied) and the
 * label fallbacks it met, which the main thread counts and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { datasetFromSpec, type PrismerDatasetSpec, type PrismerSample } from './datasets.js';
import { LabelFallbackCounter, type FallbackReason } from './label-fallbacks.js';

export interface SampleRequest { id: number; index: number; seed?: number }
export type SampleReply =
  | { id: number; sample: PrismerSample; fallbacks: Array<[string, FallbackReason, string]> }
  | { id: number; error: string };

/** Buffers of a sample that can be moved to another thread. */
export function sampleTransferList(sample: PrismerSample): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: { buffer: ArrayBufferLike } | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  };
  add(sample.rgb);
  const e = sample.experts;
  add(e.depth); add(e.normal); add(e.edge);
  for (const p of [e.seg_coco, e.seg_ade, e.ocr_detection, e.obj_detection?.label]) {
    add(p?.ids);
    add(p?.lut);
  }
  add(e.obj_detection?.instance);
  return [...buffers];
}

if (parentPort && workerData?.spec) {
  const port = parentPort;
  let pending: Array<[string, FallbackReason, string]> = [];
  const counter = new LabelFallbackCounter(() => undefined, (expert, reason, path) => pending.push([expert, reason, path]));
  const dataset = datasetFromSpec(workerData.spec as PrismerDatasetSpec, counter);
  port.on('message', (request: SampleRequest) => {
    dataset.load(request.index, request.seed).then(
      (sample) => {
        const fallbacks = pending;
        pending = [];
        port.postMessage({ id: request.id, sample, fallbacks } satisfies SampleReply, sampleTransferList(sample));
      },
      (error: unknown) => {
        pending = [];
        port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies SampleReply);
      },
    );
  });
  port.postMessage({ ready: true });
}
