// The multi-head attention core, reading q, k and v through strided per-head views so that neither the head split
// ([L, B, H·d] → [B·H, L, d]) nor the merge back is ever materialised. Two implementations:
//   GEMM path (any shape, a mask, the probabilities wanted), three launches:
//     probs[b, h] = scale · q[b, h] · k[b, h]ᵀ          one batched SGEMM over every (b, h)
//     probs = softmax(max(probs + mask, −FLT_MAX))     one masked row softmax, in place
//     out[b, h] = probs[b, h] · v[b, h]                 one batched SGEMM, written straight into out's layout
//   fused path (the default where it applies: no mask, no probabilities wanted, d = 64, at least 64 queries — the
//     ViT's self-attention and the resampler's cross-attention; PRISMER_CUDA_ATTENTION=gemm turns it off): one kernel with an online softmax over key tiles, so the [Lq, Lk] score matrix never
//     goes through device memory.
// A view gives element (b, h, l, j) of a tensor at offset + b·batchStride + h·headStride + l·rowStride + j.
#include "common.h"
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "flash_attention.cuh"

namespace pc {

namespace {

// The fused kernel is the default where it applies (on an H200 it cut the ViT's attention from 1.215 to 0.848 ms per
// layer, bench/results/gpu-h200.txt); PRISMER_CUDA_ATTENTION=gemm keeps the three-launch path everywhere.
bool flashWanted() {
  const char* mode = std::getenv("PRISMER_CUDA_ATTENTION");
  return !(mode && std::strcmp(mode, "gemm") == 0);
}

bool flashEligible(const float* mask, const float* probs, int64_t B, int64_t H, int64_t Lq, int64_t Lk, int64_t d) {
  return !mask && !probs && d == flash::FLASH_D && Lq >= flash::FLASH_ROWS && B * H <= 65535 && Lq <= (1LL << 30) && Lk <= (1LL << 30) && flashWanted();
}

void launchFlash(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, float* out, HeadView ov, int64_t B, int64_t H,
                 int64_t Lq, int64_t Lk, float scale) {
  static bool configured = false;
  if (!configured) {
    const int bytes = static_cast<int>(flash::FLASH_SMEM);
    check(cudaFuncSetAttribute(flash::attentionKernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes), "attention: shared memory");
    check(cudaFuncSetAttribute(flash::attentionKernel<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes), "attention: shared memory");
    configured = true;
  }
  const dim3 grid(static_cast<unsigned>((Lq + flash::FLASH_ROWS - 1) / flash::FLASH_ROWS), static_cast<unsigned>(B * H));
  const auto kernel = flash::headViewsAligned({{q, qv}, {k, kv}, {v, vv}, {out, ov}}) ? flash::attentionKernel<true> : flash::attentionKernel<false>;
  kernel<<<grid, flash::FLASH_THREADS, flash::FLASH_SMEM, stream()>>>(q, qv, k, kv, v, vv, out, ov, static_cast<int>(H), static_cast<int>(Lq),
                                                                      static_cast<int>(Lk), scale * flash::LOG2E);
  afterLaunch("attention (fused)");
}

}  // namespace

void attention(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, const float* mask, const int64_t maskStrides[4],
               float* out, HeadView ov, float* probs, int64_t B, int64_t H, int64_t Lq, int64_t Lk, int64_t d, float scale) {
  if (B == 0 || H == 0 || Lq == 0) return;
  // The TypeScript side sends empty key sets and zero-width heads down the composite path.
  if (Lk == 0 || d == 0) throw Error("attention: no keys or zero-width heads");
  if (flashEligible(mask, probs, B, H, Lq, Lk, d)) {
    launchFlash(q, qv, k, kv, v, vv, out, ov, B, H, Lq, Lk, scale);
    return;
  }
  const int64_t square = Lq * Lk;
  // Without a probabilities output the GEMM path takes a stream-ordered scratch buffer for them.
  float* scores = probs;
  if (!scores) check(cudaMallocAsync(reinterpret_cast<void**>(&scores), static_cast<size_t>(B * H * square) * sizeof(float), stream()), "attention: scratch");
  // Every (b, h) pair in one batched GEMM each way: with few queries the per-head products are too small to fill
  // the GPU one batch item at a time.
  const TwoLevel probsLevels{H * square, square};
  gemmTwoLevel(q + qv.offset, qv.rowStride, {qv.batchStride, qv.headStride}, k + kv.offset, kv.rowStride, {kv.batchStride, kv.headStride}, scores, Lk,
               probsLevels, B, H, Lq, Lk, d, false, true, scale);
  launchMaskedSoftmax(scores, scores, mask, B, H, Lq, Lk, maskStrides);
  gemmTwoLevel(scores, Lk, probsLevels, v + vv.offset, vv.rowStride, {vv.batchStride, vv.headStride}, out + ov.offset, ov.rowStride,
               {ov.batchStride, ov.headStride}, B, H, Lq, d, Lk, false, false, 1.f);
  if (!probs) check(cudaFreeAsync(scores, stream()), "attention: scratch");
}

}  // namespace pc
