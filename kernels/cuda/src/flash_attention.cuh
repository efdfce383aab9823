// The fused attention kernel of attention.cu (its default where it applies), alone in this header so that
// kernels/cuda/emulate/ can compile the very same code on the host (threads emulated) and check it without a GPU.
// Needs pc::HeadView, float4/make_float4, INFINITY, exp2f/fmaxf and the CUDA built-ins before it is included.

#pragma once
#include <cstdint>
#include <initializer_list>
#include <utility>

namespace pc {
namespace flash {

constexpr int FLASH_D = 64;       // head width the fused kernel is written for
constexpr int FLASH_ROWS = 64;    // queries per block: 4 warps × 16
constexpr int FLASH_KEYS = 64;    // keys per tile
constexpr int FLASH_THREADS = 128;
constexpr float LOG2E = 1.4426950408889634f;  // callers pass scale·LOG2E: the kernel works in log2 units
constexpr int QK_LD = FLASH_D + 4;  // padded rows of the q and k tiles: a quarter warp reading 8 consecutive keys hits 32 banks
constexpr int P_LD = 16 + 4;        // a warp's probabilities, [key][row]: conflict-free scalar writes, 16-byte aligned rows
constexpr size_t FLASH_SMEM = sizeof(float) * (FLASH_ROWS * QK_LD + FLASH_KEYS * QK_LD + FLASH_KEYS * FLASH_D + 4 * FLASH_KEYS * P_LD);

// Whether every view starts and steps on 16-byte boundaries, so that attentionKernel<true> may load float4.
inline bool headViewsAligned(std::initializer_list<std::pair<const float*, HeadView>> views) {
  for (const auto& [base, v] : views) {
    if (reinterpret_cast<uintptr_t>(base) % 16 != 0 || v.offset % 4 != 0 || v.batchStride % 4 != 0 || v.headStride % 4 != 0 || v.rowStride % 4 != 0) return false;
  }
  return true;
}

// Four consecutive head elements of q, k or v, as one 16-byte load when the views are 16-byte aligned (ALIGNED).
template <bool ALIGNED>
__device__ __forceinline__ float4 load4(const float* p) {
  if (ALIGNED) return *reinterpret_cast<const float4*>(p);
  return make_float4(p[0], p[1], p[2], p[3]);
}

// Block (query tile, b·H + h). Warp w owns queries w·16 .. w·16+15; lane = r·8 + c owns rows r·4 .. r·4+3 of them,
// keys c, c+8, .., c+56 of each key tile (scores) and head columns c·4 .. c·4+3 and 32+c·4 .. 32+c·4+3 (output).
// Scores are kept in log2 units (scale·log2 e folded in), so the softmax is exp2 of differences.
template <bool ALIGNED>
__global__ void __launch_bounds__(FLASH_THREADS) attentionKernel(const float* __restrict__ q, HeadView qv, const float* __restrict__ k, HeadView kv,
                                                                 const float* __restrict__ v, HeadView vv, float* __restrict__ out, HeadView ov, int H, int Lq,
                                                                 int Lk, float scaleLog2) {
  extern __shared__ float4 smem4[];
  float* smem = reinterpret_cast<float*>(smem4);
  float* qs = smem;                              // [FLASH_ROWS][QK_LD]
  float* ks = qs + FLASH_ROWS * QK_LD;           // [FLASH_KEYS][QK_LD]
  float* vs = ks + FLASH_KEYS * QK_LD;           // [FLASH_KEYS][FLASH_D]
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, r = lane / 8, c = lane % 8;
  float* ps = vs + FLASH_KEYS * FLASH_D + warp * FLASH_KEYS * P_LD;  // this warp's [FLASH_KEYS][P_LD]
  const int bh = blockIdx.y, b = bh / H, h = bh % H;
  const int row0 = blockIdx.x * FLASH_ROWS;
  const float* qBase = q + qv.offset + b * qv.batchStride + h * qv.headStride;
  const float* kBase = k + kv.offset + b * kv.batchStride + h * kv.headStride;
  const float* vBase = v + vv.offset + b * vv.batchStride + h * vv.headStride;

  // q tile, pre-scaled; rows past Lq are zeros (their results are never written).
  for (int i = threadIdx.x; i < FLASH_ROWS * FLASH_D / 4; i += FLASH_THREADS) {
    const int row = i / (FLASH_D / 4), col = (i % (FLASH_D / 4)) * 4;
    float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
    if (row0 + row < Lq) {
      x = load4<ALIGNED>(qBase + static_cast<int64_t>(row0 + row) * qv.rowStride + col);
      x = make_float4(x.x * scaleLog2, x.y * scaleLog2, x.z * scaleLog2, x.w * scaleLog2);
    }
    *reinterpret_cast<float4*>(qs + row * QK_LD + col) = x;
  }

  float o[4][8];
  float m[4], l[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    m[i] = -INFINITY;
    l[i] = 0.f;
#pragma unroll
    for (int j = 0; j < 8; ++j) o[i][j] = 0.f;
  }
  const int myRow = warp * 16 + r * 4;  // first of this lane's four rows in the tile

  for (int key0 = 0; key0 < Lk; key0 += FLASH_KEYS) {
    __syncthreads();  // the previous tile's k, v (and this warp's p) are no longer read
    for (int i = threadIdx.x; i < FLASH_KEYS * FLASH_D / 4; i += FLASH_THREADS) {
      const int key = i / (FLASH_D / 4), col = (i % (FLASH_D / 4)) * 4;
      float4 kx = make_float4(0.f, 0.f, 0.f, 0.f), vx = kx;
      if (key0 + key < Lk) {
        kx = load4<ALIGNED>(kBase + static_cast<int64_t>(key0 + key) * kv.rowStride + col);
        vx = load4<ALIGNED>(vBase + static_cast<int64_t>(key0 + key) * vv.rowStride + col);
      }
      *reinterpret_cast<float4*>(ks + key * QK_LD + col) = kx;
      *reinterpret_cast<float4*>(vs + key * FLASH_D + col) = vx;
    }
    __syncthreads();

    // s[i][j] = q[myRow + i] · k[c + 8j]
    float s[4][8];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int j = 0; j < 8; ++j) s[i][j] = 0.f;
#pragma unroll 4
    for (int d0 = 0; d0 < FLASH_D; d0 += 4) {
      float4 qa[4], ka[8];
#pragma unroll
      for (int i = 0; i < 4; ++i) qa[i] = *reinterpret_cast<const float4*>(qs + (myRow + i) * QK_LD + d0);
#pragma unroll
      for (int j = 0; j < 8; ++j) ka[j] = *reinterpret_cast<const float4*>(ks + (c + 8 * j) * QK_LD + d0);
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) s[i][j] += qa[i].x * ka[j].x + qa[i].y * ka[j].y + qa[i].z * ka[j].z + qa[i].w * ka[j].w;
    }

    // Online softmax: the tile's row maxima and sums over the 8 lanes sharing r (lane bits 0-2).
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      float tileMax = -INFINITY;
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        if (key0 + c + 8 * j >= Lk) s[i][j] = -INFINITY;
        tileMax = fmaxf(tileMax, s[i][j]);
      }
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 1));
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 2));
      tileMax = fmaxf(tileMax, __shfl_xor_sync(0xffffffffu, tileMax, 4));
      const float mNew = fmaxf(m[i], tileMax);  // finite: every tile has at least one key below Lk
      const float rescale = exp2f(m[i] - mNew);
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        const float p = exp2f(s[i][j] - mNew);
        sum += p;
        ps[(c + 8 * j) * P_LD + r * 4 + i] = p;
      }
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      sum += __shfl_xor_sync(0xffffffffu, sum, 4);
      l[i] = l[i] * rescale + sum;
      m[i] = mNew;
#pragma unroll
      for (int j = 0; j < 8; ++j) o[i][j] *= rescale;
    }
    __syncwarp();

    // o[i][·] += Σ_key p[myRow + i][key] · v[key][columns c·4.. and 32 + c·4..]
#pragma unroll 4
    for (int key = 0; key < FLASH_KEYS; ++key) {
      const float4 pa = *reinterpret_cast<const float4*>(ps + key * P_LD + r * 4);
      const float4 va = *reinterpret_cast<const float4*>(vs + key * FLASH_D + c * 4);
      const float4 vb = *reinterpret_cast<const float4*>(vs + key * FLASH_D + 32 + c * 4);
      const float pr[4] = {pa.x, pa.y, pa.z, pa.w};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        o[i][0] += pr[i] * va.x;
        o[i][1] += pr[i] * va.y;
        o[i][2] += pr[i] * va.z;
        o[i][3] += pr[i] * va.w;
        o[i][4] += pr[i] * vb.x;
        o[i][5] += pr[i] * vb.y;
        o[i][6] += pr[i] * vb.z;
        o[i][7] += pr[i] * vb.w;
      }
    }
  }

  float* oBase = out + ov.offset + b * ov.batchStride + h * ov.headStride;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int row = row0 + myRow + i;
    if (row >= Lq) continue;
    const float inv = 1.f / l[i];
    float* dst = oBase + static_cast<int64_t>(row) * ov.rowStride;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      dst[c * 4 + j] = o[i][j] * inv;
      dst[32 + c * 4 + j] = o[i][4 + j] * inv;
    }
  }
}

}  // namespace flash
}  // namespace pc
