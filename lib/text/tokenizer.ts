/**
 * The tokenizer calls Prismer makes, as an interface: the RoBERTa byte-level BPE tokenizer implements it
 * (`roberta-bpe.ts`), and so can any word-level test tokenizer. Batching, padding and the caption/VQA
 * prompt handling are written against this interface only.
 */
export interface TextTokenizer {
  readonly bosId: number;
  readonly padId: number;
  readonly eosId: number;
  /** Number of ids (largest id + 1). */
  readonly vocabSize: number;
  /**
   * Ids of one text as HF's slow `RobertaTokenizer(text, add_special_tokens=...)` gives them: special
   * tokens written in the text (`<s>`, `</s>`) are recognised; with `addSpecialTokens` the result is
   * wrapped in `<s> ... </s>`.
   */
  encode(text: string, addSpecialTokens: boolean): number[];
  /** Text of ids; with `skipSpecialTokens` the special tokens are dropped (HF `decode(skip_special_tokens=True)`). */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string;
  /** The vocabulary entry of one id (for showing tokens), or undefined. */
  idToToken(id: number): string | undefined;
  /** Whether `id` is a special token (`<s>`, `<pad>`, `</s>`, `<unk>`, `<mask>`). */
  isSpecial(id: number): boolean;
}
