/**
 * Worker-thread side of `GradientWorkers`: builds the experiment's model from its config on its own tfjs
 * backend, then answers each share of a batch with the loss and the gradients of the named parameters.
 * The main thread sends the current values of those parameters with every request, so this replica never
 * drifts from the model being trained.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendChoice } from '../backend/init.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { PrismerCaption } from '../model/prismer-caption.js';
import type { PrismerVQA } from '../model/prismer-vqa.js';
import type { DecoderTokenBatch } from '../model/prismer.js';
import { buildExperimentModel, prepareExperiment } from './experiment.js';

/** One share of a batch: the cached encodings of its rows, their tokens and (VQA) loss weights. */
export interface GradientShare {
  encodings: Float32Array;
  /** [rows, tokens, width] of `encodings`. */
  shape: [number, number, number];
  tokens: DecoderTokenBatch;
  weights: number[] | null;
  seed: number;
}

export type GradientRequest =
  | { kind: 'step'; id: number; parameters: Float32Array[]; share: GradientShare };

export type GradientReply =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; loss: number; grads: Float32Array[] }
  | { kind: 'error'; id: number | null; message: string };

export interface GradientWorkerData {
  entry: string;
  config: ExperimentConfig;
  names: string[];
}

/**
 * A copy of a tensor's values in a buffer of its own, safe to transfer to another thread (`dataSync` may hand
 * out the backend's own storage: the cpu backend's, which a transfer would detach).
 */
export function transferableValues(tensor: tf.Tensor): Float32Array {
  return (tensor.dataSync() as Float32Array).slice();
}

async function serve(port: NonNullable<typeof parentPort>, data: GradientWorkerData): Promise<void> {
  await initBackend(data.config.backend.name as BackendChoice);
  const setup = await prepareExperiment(data.config);
  const model = buildExperimentModel(setup);
  const variables = data.names.map((name) => model.store.get(name));
  const task = data.config.task;
  port.on('message', (request: GradientRequest) => {
    try {
      request.parameters.forEach((values, i) => {
        const v = variables[i]!;
        if (values.length !== v.size) throw new Error(`parameter '${data.names[i]}': ${values.length} values for shape [${v.shape.join(', ')}]`);
        const next = tf.tensor(values, v.shape);
        v.assign(next);
        next.dispose();
      });
      const { share } = request;
      const options = { training: true, dropoutSeed: share.seed, encoder: { training: true } };
      const { value, grads } = tf.variableGrads(() => {
        const encodings = tf.tensor3d(share.encodings, share.shape);
        return task === 'vqa'
          ? (model as PrismerVQA).vqaLossFromEncoding(encodings, share.tokens, share.weights ?? [], options).loss
          : (model as PrismerCaption).captionLossFromEncoding(encodings, share.tokens, options).loss;
      }, variables);
      const loss = value.dataSync()[0]!;
      const out = variables.map((v) => transferableValues(grads[v.name]!));
      tf.dispose([value, ...Object.values(grads)]);
      const reply: GradientReply = { kind: 'result', id: request.id, loss, grads: out };
      port.postMessage(reply, out.map((g) => g.buffer as ArrayBuffer));
    } catch (error) {
      port.postMessage({ kind: 'error', id: request.id, message: (error as Error).message } satisfies GradientReply);
    }
  });
  port.postMessage({ kind: 'ready' } satisfies GradientReply);
}

if (parentPort && (workerData as Partial<GradientWorkerData> | undefined)?.names) {
  const port = parentPort;
  serve(port, workerData as GradientWorkerData).catch((error: Error) => {
    port.postMessage({ kind: 'error', id: null, message: error.message } satisfies GradientReply);
  });
}
