/**
 * Expert stems of the encoder, by the names the official state_dict uses (`expert_encoder.conv1.<name>`).
 * Input keys map onto them with `expertDomain` (`seg_coco`, `seg_ade` → `seg`).
 */
export type ExpertDomain = 'rgb' | 'depth' | 'normal' | 'edge' | 'seg' | 'obj_detection' | 'ocr_detection';

export const EXPERT_DOMAINS: readonly ExpertDomain[] = ['rgb', 'depth', 'normal', 'edge', 'seg', 'obj_detection', 'ocr_detection'];

/** Input channels of each stem: rgb 3, normal 3, depth/edge 1, the 64-d CLIP-feature maps 64. */
export const STEM_INPUT_CHANNELS: Readonly<Record<ExpertDomain, number>> = {
  rgb: 3, depth: 1, normal: 3, edge: 1, seg: 64, obj_detection: 64, ocr_detection: 64,
};

/** Stem of an input key, as the official forward picks it (`'seg' if 'seg' in key else key`). */
export function expertDomain(inputKey: string): ExpertDomain | undefined {
  const name = inputKey.includes('seg') ? 'seg' : inputKey;
  return (EXPERT_DOMAINS as readonly string[]).includes(name) ? (name as ExpertDomain) : undefined;
}

/**
 * The model's experts from an experiment config's `experts` list, as `Prismer.__init__` builds its
 * `experts` dict: rgb first, then the listed experts in order (`seg_*` → seg); names it does not know
 * (`'none'` selects PrismerZ) are skipped, and a repeated stem keeps its first position.
 */
export function prismerExperts(configExperts: readonly string[]): ExpertDomain[] {
  const out: ExpertDomain[] = ['rgb'];
  for (const name of configExperts) {
    const domain = name.includes('seg') ? 'seg' : (['depth', 'edge', 'normal', 'obj_detection', 'ocr_detection'] as const).find((d) => d === name);
    if (domain && !out.includes(domain)) out.push(domain);
  }
  return out;
}
