/**
 * Runs a Prismer forward pass with an AttentionRecorder and turns the records into one typed
 * `AttentionCaptureResult` per sample (token strings, patch grid, expert token segments). For a
 * generated caption the chosen sequence is replayed teacher-forced: with a causal decoder, query
 * position p of that pass computes exactly what the generation step at p computed (up to float
 * rounding of the cached path), and the generation itself runs without any recorder.
 */
import * as tf from '@tensorflow/tfjs';
import { AttentionRecorder, type AttentionRecord, type AttentionRecorderOptions, type RecordedEncoderLayout } from '../model/attention.js';
import type { ExpertInputs } from '../model/encoder/expert-encoder.js';
import type { Prismer } from '../model/prismer.js';
import { CAPTION_GENERATION, generate } from '../model/generate.js';
import { CAPTION_PREFIX, captionPrefixBatch, stripCaptionPrefix } from '../text/prompts.js';
import type { TextTokenizer } from '../text/tokenizer.js';
import type { AttentionCaptureResult, AttentionMatrix, EncoderTokenLayout } from './attention-types.js';

export interface CaptureAttentionOptions extends AttentionRecorderOptions {
  /** Number of prompt tokens at the start of each row (default 0). */
  promptLengths?: readonly number[];
  /** Token id → string (default: the id in angle brackets). */
  tokenToString?: (id: number) => string;
}

function tokenLayout(recorded: RecordedEncoderLayout | null): EncoderTokenLayout {
  if (!recorded) throw new Error('captureAttention: the encoder reported no token layout');
  const [rows, cols] = recorded.rgbGrid;
  let offset = 0;
  const experts = recorded.experts.map((e) => {
    const segment = { expert: e.expert, offset, tokens: e.rows * e.cols, rows: e.rows, cols: e.cols };
    offset += segment.tokens;
    return segment;
  });
  return { grid: { rows, cols, patchSize: recorded.patchSize, imageSize: rows * recorded.patchSize }, rgbTokens: rows * cols, latents: recorded.latents, experts };
}

/** Sample `b` of a record, keeping the first `queries` query rows and `keys` keys. */
function sampleMatrix(record: AttentionRecord, b: number, queries: number, keys: number): AttentionMatrix {
  const [, heads, q, k] = record.shape;
  const weights = new Float32Array(heads * queries * keys);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < queries; i++) {
      const from = ((b * heads + h) * q + i) * k;
      weights.set(record.weights.subarray(from, from + keys), (h * queries + i) * keys);
    }
  }
  return { heads, queries, keys, weights };
}

function paddedRows(rows: readonly (readonly number[])[], pad: number): { inputIds: number[][]; attentionMask: number[][] } {
  if (rows.length === 0 || rows.some((r) => r.length === 0)) throw new Error('captureAttention: rows: expected at least one non-empty row of token ids');
  const width = Math.max(...rows.map((r) => r.length));
  return {
    inputIds: rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(pad)]),
    attentionMask: rows.map((r) => [...new Array<number>(r.length).fill(1), ...new Array<number>(width - r.length).fill(0)]),
  };
}

/** Teacher-forced decoder pass over `rows` with the recorder, on an encoding already computed ([B, L, D]). */
function decodeRecorded(model: Prismer, hidden: tf.Tensor3D, rows: readonly (readonly number[])[], recorder: AttentionRecorder): void {
  const out = model.decode(hidden, paddedRows(rows, model.config.decoder.padTokenId), { attention: recorder });
  tf.dispose([out.logits]);
}

/** One capture per sample from a recorder that saw one encoder pass and one decoder pass over `rows`. */
function collect(recorder: AttentionRecorder, rows: readonly (readonly number[])[], options: CaptureAttentionOptions): AttentionCaptureResult[] {
  const layout = tokenLayout(recorder.layout);
  const name = options.tokenToString ?? ((id: number) => `<${id}>`);
  const layerOf = (r: AttentionRecord): number => (r.site.kind === 'resampler' ? r.site.block : r.site.layer);
  return rows.map((ids, b) => {
    const n = ids.length;
    return {
      layout,
      tokens: ids.map(name),
      tokenIds: [...ids],
      promptLength: options.promptLengths?.[b] ?? 0,
      vit: recorder.of('vit').map((r) => ({ layer: layerOf(r), ...sampleMatrix(r, b, r.shape[2], r.shape[3]) })),
      resampler: recorder.of('resampler').map((r) => ({ block: layerOf(r), ...sampleMatrix(r, b, r.shape[2], r.shape[3]) })),
      decoderCross: recorder.of('decoder-cross').map((r) => ({ layer: layerOf(r), ...sampleMatrix(r, b, n, r.shape[3]) })),
      decoderSelf: recorder.of('decoder-self').map((r) => ({ layer: layerOf(r), ...sampleMatrix(r, b, n, n) })),
    };
  });
}

/**
 * Encoder pass and teacher-forced decoder pass of `rows` (token ids per sample, any lengths; right-padded
 * inside) with attention recording; one capture per sample. `inputs` are not disposed.
 */
export function captureAttention(model: Prismer, inputs: ExpertInputs, rows: readonly (readonly number[])[], options: CaptureAttentionOptions = {}): AttentionCaptureResult[] {
  const recorder = new AttentionRecorder(options);
  const hidden = model.encode(inputs, { attention: recorder });
  try {
    if (hidden.shape[0] !== rows.length) throw new Error(`captureAttention: ${rows.length} rows of token ids for ${hidden.shape[0]} samples`);
    decodeRecorded(model, hidden, rows, recorder);
  } finally {
    hidden.dispose();
  }
  return collect(recorder, rows, options);
}

export interface CaptionAttentionOptions extends AttentionRecorderOptions {
  /** Caption prefix (default "A picture of"). */
  prefix?: string;
  /** Default: the official captioning search, 3 beams, max 20, min 8 (totals with the prefix). */
  numBeams?: number;
  maxLength?: number;
  minLength?: number;
  /** Generation path (same tokens either way). Default 'cached'. */
  decoding?: 'cached' | 'full';
}

export interface CaptionAttention {
  /** Caption text (prefix cut as the official code does). */
  text: string;
  /** Generated ids after the prefix (EOS included). */
  tokenIds: number[];
  attention: AttentionCaptureResult;
}

/**
 * Captions every sample of `inputs` as PrismerCaption's 'generate' path, then replays prefix + caption
 * teacher-forced on the same encoding with a recorder. The encoder runs once (recorded: its outputs are
 * bit-identical to an unrecorded pass) and the search runs without a recorder, so the captions are those
 * of an ordinary run. `inputs` are not disposed.
 */
export function captionWithAttention(model: Prismer, tokenizer: TextTokenizer, inputs: ExpertInputs, options: CaptionAttentionOptions = {}): CaptionAttention[] {
  const prefixText = options.prefix ?? CAPTION_PREFIX;
  const recorder = new AttentionRecorder(options);
  const hidden = model.encode(inputs, { attention: recorder });
  try {
    const batchSize = hidden.shape[0];
    const prefix = captionPrefixBatch(tokenizer, prefixText, batchSize);
    const { eosTokenId, padTokenId } = model.config.decoder;
    const out = generate(model.generationModel(options.decoding ?? 'cached'), prefix.inputIds, prefix.attentionMask, hidden, {
      numBeams: options.numBeams ?? CAPTION_GENERATION.numBeams, maxLength: options.maxLength ?? CAPTION_GENERATION.maxLength,
      minLength: options.minLength ?? CAPTION_GENERATION.minLength, eosTokenId, padTokenId,
    });
    const width = prefix.inputIds[0]!.length;
    const prompts = prefix.inputIds.map((row, b) => row.filter((_, j) => prefix.attentionMask[b]![j] === 1));
    const generated = out.sequences.map((row) => row.slice(width).filter((id) => id !== padTokenId));
    const rows = generated.map((ids, b) => [...prompts[b]!, ...ids]);
    decodeRecorded(model, hidden, rows, recorder);
    const attention = collect(recorder, rows, { promptLengths: prompts.map((p) => p.length), tokenToString: (id) => tokenizer.idToToken(id) ?? `<${id}>` });
    return out.sequences.map((row, b) => ({
      text: stripCaptionPrefix(tokenizer.decode(row, true), prefixText), tokenIds: generated[b]!, attention: attention[b]!,
    }));
  } finally {
    hidden.dispose();
  }
}
