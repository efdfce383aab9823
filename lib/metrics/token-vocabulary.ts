// Dense integer ids for token strings, shared by the tokenizer output and the scorers.
import { pySplit } from './python-compat.js';

export class TokenVocabulary {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];
  /** Per id: the ids of Python `token.split()` when that differs from [id], else null. */
  private readonly pieces: (Int32Array | null | undefined)[] = [];

  get size(): number {
    return this.texts.length;
  }

  id(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(token, id);
      this.texts.push(token);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id];
  }

  /**
   * What Python's `str.split()` makes of this token: null when it is the token itself, else the
   * piece ids (a PTB token may hold a no-break space, e.g. the fraction "5\u00a01/2").
   */
  splitPieces(id: number): Int32Array | null {
    let cached = this.pieces[id];
    if (cached === undefined) {
      const token = this.texts[id];
      cached = null;
      for (let i = 0; i < token.length; i++) {
        const c = token.charCodeAt(i);
        if (c <= 32 || c >= 0x85) {
          const parts = pySplit(token);
          if (parts.length !== 1 || parts[0] !== token) cached = Int32Array.from(parts, (p) => this.id(p));
          break;
        }
      }
      this.pieces[id] = cached;
    }
    return cached;
  }
}
