// The multi-head attention core in three launches per call, reading q, k and v through strided per-head views so
// that neither the head split ([L, B, H·d] → [B·H, L, d]) nor the merge back is ever materialised:
//   probs[b, h] = scale · q[b, h] · k[b, h]ᵀ          strided-batched SGEMM
//   probs = softmax(max(probs + mask, −FLT_MAX))     one masked row softmax, in place
//   out[b, h] = probs[b, h] · v[b, h]                 strided-batched SGEMM, written straight into out's layout
// A view gives element (b, h, l, j) of a tensor at offset + b·batchStride + h·headStride + l·rowStride + j.
#include "common.h"

namespace pc {

void attention(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, const float* mask, const int64_t maskStrides[4],
               float* out, HeadView ov, float* probs, int64_t B, int64_t H, int64_t Lq, int64_t Lk, int64_t d, float scale) {
  if (B == 0 || H == 0 || Lq == 0) return;
  // The TypeScript side sends empty key sets and zero-width heads down the composite path.
  if (Lk == 0 || d == 0) throw Error("attention: no keys or zero-width heads");
  const int64_t square = Lq * Lk;
  // Batch the larger of the two head dimensions in one cuBLAS call and loop over the other.
  const bool loopHeads = H < B;
  const int64_t outer = loopHeads ? H : B, inner = loopHeads ? B : H;
  for (int64_t i = 0; i < outer; ++i) {
    const int64_t b = loopHeads ? 0 : i, h = loopHeads ? i : 0;
    const int64_t qs = loopHeads ? qv.batchStride : qv.headStride, ks = loopHeads ? kv.batchStride : kv.headStride;
    const int64_t ps = loopHeads ? H * square : square;
    gemmStrided(q + qv.offset + b * qv.batchStride + h * qv.headStride, qv.rowStride, qs, k + kv.offset + b * kv.batchStride + h * kv.headStride, kv.rowStride, ks,
                probs + (b * H + h) * square, Lk, ps, inner, Lq, Lk, d, false, true, scale);
  }
  launchMaskedSoftmax(probs, mask, B, H, Lq, Lk, maskStrides);
  for (int64_t i = 0; i < outer; ++i) {
    const int64_t b = loopHeads ? 0 : i, h = loopHeads ? i : 0;
    const int64_t vs = loopHeads ? vv.batchStride : vv.headStride, os = loopHeads ? ov.batchStride : ov.headStride;
    const int64_t ps = loopHeads ? H * square : square;
    gemmStrided(probs + (b * H + h) * square, Lk, ps, v + vv.offset + b * vv.batchStride + h * vv.headStride, vv.rowStride, vs,
                out + ov.offset + b * ov.batchStride + h * ov.headStride, ov.rowStride, os, inner, Lq, d, Lk, false, false, 1.f);
  }
}

}  // namespace pc
