// The multi-head attention core in three launches per call, reading q, k and v through strided per-head views so
// that neither the head split ([L, B, H·d] → [B·H, L, d]) nor the merge back is ever materialised:
//   probs[b, h] = scale · q[b, h] · k[b, h]ᵀ          one batched SGEMM over every (b, h)
//   probs = softmax(max(probs + mask, −FLT_MAX))     one masked row softmax, in place
//   out[b, h] = probs[b, h] · v[b, h]                 one batched SGEMM, written straight into out's layout
// A view gives element (b, h, l, j) of a tensor at offset + b·batchStride + h·headStride + l·rowStride + j.
#include "common.h"

namespace pc {

void attention(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, const float* mask, const int64_t maskStrides[4],
               float* out, HeadView ov, float* probs, int64_t B, int64_t H, int64_t Lq, int64_t Lk, int64_t d, float scale) {
  if (B == 0 || H == 0 || Lq == 0) return;
  // The TypeScript side sends empty key sets and zero-width heads down the composite path.
  if (Lk == 0 || d == 0) throw Error("attention: no keys or zero-width heads");
  const int64_t square = Lq * Lk;
  // Every (b, h) pair in one batched GEMM each way: with few queries the per-head products are too small to fill
  // the GPU one batch item at a time.
  const TwoLevel probsLevels{H * square, square};
  gemmTwoLevel(q + qv.offset, qv.rowStride, {qv.batchStride, qv.headStride}, k + kv.offset, kv.rowStride, {kv.batchStride, kv.headStride}, probs, Lk,
               probsLevels, B, H, Lq, Lk, d, false, true, scale);
  launchMaskedSoftmax(probs, probs, mask, B, H, Lq, Lk, maskStrides);
  gemmTwoLevel(probs, Lk, probsLevels, v + vv.offset, vv.rowStride, {vv.batchStride, vv.headStride}, out + ov.offset, ov.rowStride,
               {ov.batchStride, ov.headStride}, B, H, Lq, d, Lk, false, false, 1.f);
}

}  // namespace pc
