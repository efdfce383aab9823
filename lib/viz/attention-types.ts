/**
 * Attention weights of one Prismer forward pass as plain host data: what the views in this folder
 * read. Every matrix is row-major float32 `[heads, queries, keys]` for one sample (softmax rows, so
 * each row of each head sums to 1). Produced by `captureAttention` (attention-capture.ts) or built by
 * hand from any model with the same token layout.
 */

/** One attention map: `weights[h * queries * keys + q * keys + k]`. */
export interface AttentionMatrix {
  heads: number;
  queries: number;
  keys: number;
  weights: Float32Array;
}

/** Where the rgb patch tokens come from: a `rows × cols` grid of `patchSize` px patches over an image of `imageSize` px. */
export interface PatchGrid {
  rows: number;
  cols: number;
  patchSize: number;
  /** Side of the (square) model input in pixels. */
  imageSize: number;
}

/** One expert's tokens in the resampler input: `tokens = rows × cols`, starting at `offset` among the expert tokens. */
export interface ExpertTokenSegment {
  /** Input key as fed to the encoder ('depth', 'seg_coco', 'obj_detection', …). */
  expert: string;
  offset: number;
  tokens: number;
  rows: number;
  cols: number;
}

/**
 * The token layout of the encoder output the decoder reads: `rgbTokens` patch tokens (row-major over
 * `grid`) followed by `latents` resampled expert latents (0 for PrismerZ / rgb-only inputs).
 */
export interface EncoderTokenLayout {
  grid: PatchGrid;
  rgbTokens: number;
  latents: number;
  /** Expert tokens in resampler-input order (empty without experts). */
  experts: ExpertTokenSegment[];
}

/** Resampler block `block`: latents → `[latents ; expert tokens]` (keys = latents + total expert tokens). */
export interface ResamplerAttention extends AttentionMatrix {
  block: number;
}

/** ViT layer `layer`: self-attention over the encoder tokens `[rgb ; latents]`. */
export interface VitAttention extends AttentionMatrix {
  layer: number;
}

/**
 * Decoder layer `layer` (the output layer is `layers`, self-attention only). Queries are the decoder
 * positions; cross-attention keys are the encoder tokens `[rgb ; latents]`, self-attention keys are the
 * decoder positions (causal, pads masked).
 */
export interface DecoderAttentionMap extends AttentionMatrix {
  layer: number;
}

/** Everything captured for one sample of one forward pass. */
export interface AttentionCaptureResult {
  layout: EncoderTokenLayout;
  /** Decoder input tokens (strings as the tokenizer prints them), one per query position. */
  tokens: string[];
  tokenIds: number[];
  /** Number of prompt tokens (prefix / question) at the start of `tokens`. */
  promptLength: number;
  vit: VitAttention[];
  resampler: ResamplerAttention[];
  decoderCross: DecoderAttentionMap[];
  decoderSelf: DecoderAttentionMap[];
}

/** Offset of row `q` of head `h` in an attention matrix. */
export function attentionRowOffset(m: AttentionMatrix, h: number, q: number): number {
  return (h * m.queries + q) * m.keys;
}

/** Checks the sizes of an attention matrix; `what` names it in the error. */
export function checkAttentionMatrix(m: AttentionMatrix, what: string): void {
  for (const field of ['heads', 'queries', 'keys'] as const) {
    if (!Number.isInteger(m[field]) || m[field] < 1) throw new Error(`${what}: ${field} must be a positive integer, got ${m[field]}`);
  }
  if (m.weights.length !== m.heads * m.queries * m.keys) {
    throw new Error(`${what}: weights has ${m.weights.length} values, expected heads × queries × keys = ${m.heads}×${m.queries}×${m.keys}`);
  }
}
