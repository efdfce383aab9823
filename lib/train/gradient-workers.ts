/**
 * Data parallelism on CPU cores: worker threads, each with its own tfjs backend and a replica of the model,
 * compute the gradient of an equal share of every batch while the main thread computes the first share.
 * The shares' gradients are averaged weighted by their rows, which is the whole batch's gradient because the
 * caption and VQA losses are means over samples. Every request carries the current parameter values, so the
 * replicas never drift. Used for decoders trained on cached encoder outputs (`train.workers`), where a share
 * is just encodings and tokens.
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema.js';
import { packagePath } from '../util/package-root.js';
import { transferableValues, type GradientReply, type GradientRequest, type GradientShare, type GradientWorkerData } from './gradient-worker.js';

/** Loss and gradients (keyed by variable name, as tf.variableGrads) of one batch. */
export interface BatchGradients {
  loss: number;
  grads: tf.NamedTensorMap;
}

/** Contiguous row ranges [start, end) splitting `rows` into `parts` nearly equal shares (earlier shares one larger). */
export function splitRows(rows: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const size = Math.floor(rows / parts) + (p < rows % parts ? 1 : 0);
    if (size > 0) out.push([start, start + size]);
    start += size;
  }
  return out;
}

interface Pending {
  resolve: (reply: { loss: number; grads: Float32Array[] }) => void;
  reject: (error: Error) => void;
}

function startWorker(data: GradientWorkerData): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(pathToFileURL(packagePath('lib', 'data', 'sample-worker-boot.mjs')), { workerData: data });
    const onError = (error: Error): void => reject(new Error(`gradient worker failed to start: ${error.message}`));
    const onMessage = (reply: GradientReply): void => {
      worker.off('error', onError);
      worker.off('message', onMessage);
      if (reply.kind === 'ready') resolve(worker);
      else {
        void worker.terminate();
        reject(new Error(`gradient worker failed to start: ${reply.kind === 'error' ? reply.message : reply.kind}`));
      }
    };
    worker.on('error', onError);
    worker.on('message', onMessage);
  });
}

export class GradientWorkers {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  private constructor(private readonly workers: Worker[], readonly names: readonly string[]) {
    for (const worker of workers) {
      // An idle worker does not keep the process alive (a pool nobody closed must not hang the exit); it is
      // referenced again while a request is out, so the reply is awaited.
      worker.unref();
      worker.on('message', (reply: GradientReply) => {
        if (reply.kind === 'ready') return;
        const entry = reply.id === null ? undefined : this.pending.get(reply.id);
        if (!entry) return;
        this.pending.delete(reply.id!);
        worker.unref();
        if (reply.kind === 'error') entry.reject(new Error(`gradient worker: ${reply.message}`));
        else entry.resolve({ loss: reply.loss, grads: reply.grads });
      });
      worker.on('error', (error) => this.failAll(new Error(`gradient worker crashed: ${error.message}`)));
    }
  }

  /** Starts `count` workers that build `config`'s model and differentiate the parameters `names`. */
  static async start(count: number, config: ExperimentConfig, names: readonly string[]): Promise<GradientWorkers> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`GradientWorkers: count must be a positive integer, got ${count}`);
    const data: GradientWorkerData = { entry: pathToFileURL(packagePath('lib', 'train', 'gradient-worker.ts')).href, config, names: [...names] };
    const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(data)));
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw failure.reason as Error;
    }
    return new GradientWorkers(workers, names);
  }

  get count(): number { return this.workers.length; }

  /**
   * The loss and gradients of a batch of `rows`: share 0 by `local` on this thread, the others by the workers
   * (`shareOf` builds what a worker needs for rows [start, end)), combined weighted by rows.
   */
  async gradients(rows: number, variables: readonly tf.Variable[], local: (start: number, end: number) => tf.Scalar, shareOf: (start: number, end: number) => GradientShare): Promise<BatchGradients> {
    if (this.closed) throw new Error('GradientWorkers: already closed');
    if (variables.length !== this.names.length) throw new Error(`GradientWorkers: ${variables.length} variables, the workers differentiate ${this.names.length}`);
    const shares = splitRows(rows, this.workers.length + 1);
    const parameters = variables.map((v) => transferableValues(v));
    const remote = shares.slice(1).map(([start, end], k) => this.request(k, shareOf(start, end), k === shares.length - 2 ? parameters : parameters.map((p) => p.slice())));
    const all = Promise.all(remote);
    all.catch(() => undefined); // awaited below; a local failure must not leave it unhandled
    const [start, end] = shares[0]!;
    const mine = tf.variableGrads(() => local(start, end), [...variables]);
    const localLoss = (await mine.value.data())[0]!;
    mine.value.dispose();
    let theirs: Array<{ loss: number; grads: Float32Array[] }>;
    try {
      theirs = await all;
    } catch (error) {
      tf.dispose(Object.values(mine.grads));
      throw error;
    }
    const weightOf = (s: [number, number]): number => (s[1] - s[0]) / rows;
    let loss = localLoss * weightOf(shares[0]!);
    theirs.forEach((t, k) => { loss += t.loss * weightOf(shares[k + 1]!); });
    const grads: tf.NamedTensorMap = {};
    variables.forEach((v, i) => {
      grads[v.name] = tf.tidy(() => {
        let sum = tf.mul(mine.grads[v.name]!, weightOf(shares[0]!));
        theirs.forEach((t, k) => { sum = tf.add(sum, tf.mul(tf.tensor(t.grads[i]!, v.shape), weightOf(shares[k + 1]!))); });
        return sum;
      });
    });
    tf.dispose(Object.values(mine.grads));
    return { loss, grads };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('GradientWorkers: closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private request(worker: number, share: GradientShare, parameters: Float32Array[]): Promise<{ loss: number; grads: Float32Array[] }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker]!.ref();
      const message: GradientRequest = { kind: 'step', id, parameters, share };
      this.workers[worker]!.postMessage(message, [...parameters.map((p) => p.buffer as ArrayBuffer), share.encodings.buffer as ArrayBuffer]);
    });
  }

  private failAll(error: Error): void {
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }
}
