import type { ParameterStore } from '../nn/parameters.js';

/** The official freeze modes (`config['freeze']` of the Prismer training scripts). */
export type PrismerFreezeMode = 'none' | 'freeze_lang' | 'freeze_vision' | 'freeze_lang_vision';

export const PRISMER_FREEZE_MODES: readonly PrismerFreezeMode[] = ['none', 'freeze_lang', 'freeze_vision', 'freeze_lang_vision'];

/**
 * Whether the official `Prismer.prepare_to_train(mode)` leaves the parameter `name` trainable. The
 * substring tests are the official ones, applied to the same state_dict names:
 * - language frozen: `encoder.layer` names except cross-attention (`1.self`, `1.output`) and `adaptor`, so
 *   RoBERTa's self-attention and FFN of every decoder layer freeze, while embeddings, output_layer and the
 *   LM head stay trainable;
 * - vision frozen: `transformer.resblocks` names except `adaptor`, so the ViT blocks freeze while stems,
 *   positional/instance embeddings, resampler, ln_pre/ln_post and the adaptors stay trainable.
 */
export function prismerParameterTrainable(name: string, mode: PrismerFreezeMode): boolean {
  const frozenLanguage = name.includes('encoder.layer') && ['1.self', '1.output', 'adaptor'].every((k) => !name.includes(k));
  const frozenVision = name.includes('transformer.resblocks') && !name.includes('adaptor');
  switch (mode) {
    case 'none': return true;
    case 'freeze_lang': return !frozenLanguage;
    case 'freeze_vision': return !frozenVision;
    case 'freeze_lang_vision': return !frozenLanguage && !frozenVision;
  }
}

export function isPrismerFreezeMode(value: unknown): value is PrismerFreezeMode {
  return typeof value === 'string' && (PRISMER_FREEZE_MODES as readonly string[]).includes(value);
}

/** Sets `trainable` on every parameter of `store` as the official code sets `requires_grad` (buffers stay frozen). */
export function applyPrismerFreezeMode(store: ParameterStore, mode: PrismerFreezeMode): void {
  if (!isPrismerFreezeMode(mode)) throw new Error(`freeze mode '${String(mode)}' is not one of ${PRISMER_FREEZE_MODES.join(', ')}`);
  store.setTrainable((name) => prismerParameterTrainable(name, mode));
}
