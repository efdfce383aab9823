import { readFileSync } from 'node:fs';
import type { TextTokenizer } from '../../lib/text/tokenizer.js';

/**
 * The word-level toy tokenizer the parity fixtures were made with (MANIFEST §6: `<s>`=0 `<pad>`=1
 * `</s>`=2, literal special tokens split out, GPT-2-style leading-space pieces), over the vocabulary
 * recorded in meta_common.json. Lets the prompt handling be checked id-for-id against the fixtures.
 */
export class ToyWordTokenizer implements TextTokenizer {
  readonly bosId = 0;
  readonly padId = 1;
  readonly eosId = 2;
  readonly vocabSize = 1000;
  private readonly vocab: Map<string, number>;
  private readonly inverse = new Map<number, string>();

  constructor(vocab: Record<string, number>) {
    this.vocab = new Map(Object.entries({ ...vocab, '<s>': 0, '<pad>': 1, '</s>': 2 }));
    for (const [k, v] of this.vocab) this.inverse.set(v, k);
  }

  static fromFixtures(): ToyWordTokenizer {
    const meta = JSON.parse(readFileSync('test/fixtures/parity/model/meta_common.json', 'utf8')) as { toy_tokenizer_vocab: Record<string, number> };
    return new ToyWordTokenizer(meta.toy_tokenizer_vocab);
  }

  encode(text: string, addSpecialTokens: boolean): number[] {
    const ids: number[] = [];
    for (const part of text.split(/(<s>|<\/s>|<pad>)/)) {
      if (part === '') continue;
      const special = this.vocab.get(part);
      if (part.startsWith('<') && special !== undefined) {
        ids.push(special);
        continue;
      }
      for (const piece of part.match(/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu) ?? []) {
        const id = this.vocab.get(piece);
        if (id === undefined) throw new Error(`toy vocabulary has no piece ${JSON.stringify(piece)}`);
        ids.push(id);
      }
    }
    return addSpecialTokens ? [0, ...ids, 2] : ids;
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    return ids.filter((i) => !skipSpecialTokens || i > 2).map((i) => this.inverse.get(i) ?? '<unk>').join('');
  }

  idToToken(id: number): string | undefined {
    return this.inverse.get(id);
  }

  isSpecial(id: number): boolean {
    return id <= 2;
  }
}
