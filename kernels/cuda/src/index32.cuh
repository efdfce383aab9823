// The strided copy and im2col with 32-bit index arithmetic (kernels.cu's fast paths), and the plans their launchers
// derive from the 64-bit parameters, alone in this header so that kernels/cuda/emulate/ can compile the very same code
// on the host and check it without a GPU. Needs MAX_RANK, int64_t/uint32_t, float4/uint4 and the CUDA built-ins.
#pragma once

namespace pc {

// ---------------------------------------------------------------- strided copy

// The strided copy with 32-bit index arithmetic (planCopy32 checks every reachable offset fits), moving V-sized
// units: uint4 when the innermost axis is contiguous on both sides and everything else is a multiple of four.
struct Strided32 {
  int rank;
  int shape[MAX_RANK];
  int s0[MAX_RANK];
  int s1[MAX_RANK];
};

template <typename V>
__global__ void copyKernel32(const V* __restrict__ x, V* __restrict__ out, int n, Strided32 s, int inOffset, int outOffset) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    int rest = i, in = inOffset, o = outOffset;
    for (int d = s.rank - 1; d >= 0; --d) {
      const int extent = s.shape[d], k = rest % extent;
      rest /= extent;
      in += k * s.s0[d];
      o += k * s.s1[d];
    }
    out[o] = x[in];
  }
}

struct Copy32Plan {
  bool ok = false;   // every offset within 32 bits
  bool vec = false;  // in 4-word units
  int units = 0;
  Strided32 t{};
  int inOffset = 0, outOffset = 0;
};

// n words over shape (rank dims), read at inOffset + Σ i_d·s0_d and written at outOffset + Σ i_d·s1_d; `aligned`: both
// base pointers are 16-byte aligned.
inline Copy32Plan planCopy32(int rank, const int64_t* shape, const int64_t* s0, const int64_t* s1, int64_t n, int64_t inOffset, int64_t outOffset,
                             bool aligned) {
  Copy32Plan plan;
  int64_t inLo = inOffset, inHi = inOffset, outLo = outOffset, outHi = outOffset;
  for (int d = 0; d < rank; ++d) {
    const int64_t inSpan = (shape[d] - 1) * s0[d], outSpan = (shape[d] - 1) * s1[d];
    (inSpan < 0 ? inLo : inHi) += inSpan;
    (outSpan < 0 ? outLo : outHi) += outSpan;
  }
  if (n > (1LL << 30) || inLo < 0 || outLo < 0 || inHi >= (1LL << 30) || outHi >= (1LL << 30)) return plan;
  bool vec = aligned && rank > 0 && shape[rank - 1] % 4 == 0 && s0[rank - 1] == 1 && s1[rank - 1] == 1 && inOffset % 4 == 0 && outOffset % 4 == 0;
  for (int d = 0; d + 1 < rank && vec; ++d) vec = s0[d] % 4 == 0 && s1[d] % 4 == 0;
  const int unit = vec ? 4 : 1;
  plan.ok = true;
  plan.vec = vec;
  plan.t.rank = rank;
  for (int d = 0; d < rank; ++d) {
    const bool last = d == rank - 1;
    plan.t.shape[d] = static_cast<int>(last ? shape[d] / unit : shape[d]);
    plan.t.s0[d] = static_cast<int>(last ? s0[d] : s0[d] / unit);
    plan.t.s1[d] = static_cast<int>(last ? s1[d] : s1[d] / unit);
  }
  plan.units = static_cast<int>(n / unit);
  plan.inOffset = static_cast<int>(inOffset / unit);
  plan.outOffset = static_cast<int>(outOffset / unit);
  return plan;
}

// ---------------------------------------------------------------- im2col

// One block per output row (b, oh, ow) and 32-bit index arithmetic: the row's position is divided out once per block,
// and each of its KH·KW taps is C contiguous input channels, moved as V (float4 when C allows). The per-element
// 64-bit divisions of the generic kernel cost more than the memory traffic on the expert stems' convs.
template <typename V>
__global__ void im2colRowKernel(const V* __restrict__ x, V* __restrict__ cols, int rows, int H, int W, int C, int KW, int rowLen, int SH, int SW,
                                int PT, int PL, int DH, int DW, int OH, int OW) {
  for (int row = blockIdx.x; row < rows; row += gridDim.x) {
    const int ow = row % OW, oh = (row / OW) % OH, b = row / (OW * OH);
    V* out = cols + static_cast<int64_t>(row) * rowLen;
    for (int j = threadIdx.x; j < rowLen; j += blockDim.x) {
      const int c = j % C, tap = j / C, kw = tap % KW, kh = tap / KW;
      const int ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
      out[j] = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[(static_cast<int64_t>(b * H + ih) * W + iw) * C + c] : V{};
    }
  }
}

struct Im2colRowsPlan {
  bool ok = false;   // rows of at least a warp's worth of elements, every index within 32 bits
  bool vec = false;  // float4 units
  int threads = 0;
  unsigned blocks = 0;
  int args[14] = {};  // im2colRowKernel's int parameters, rows .. OW
};

// p = [N, H, W, C, KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW, OH, OW] as launchIm2col takes them;
// `aligned`: x and cols are 16-byte aligned.
inline Im2colRowsPlan planIm2colRows(const int64_t p[14], bool aligned) {
  Im2colRowsPlan plan;
  const int64_t rows = p[0] * p[12] * p[13], C = p[3], rowLen = p[4] * p[5] * C, inElems = p[0] * p[1] * p[2] * C;
  const int64_t limit = 0x7fffffff;
  if (rowLen < 32 || rows > limit || rowLen > limit || inElems > limit) return plan;
  const int vec = aligned && C % 4 == 0 ? 4 : 1;
  const int64_t len = rowLen / vec;
  plan.ok = true;
  plan.vec = vec == 4;
  plan.threads = static_cast<int>(len >= 256 ? 256 : (len + 31) / 32 * 32);
  plan.blocks = static_cast<unsigned>(rows > (1 << 20) ? (1 << 20) : rows);
  const int64_t values[14] = {rows, p[1], p[2], C / vec, p[5], len, p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]};
  for (int i = 0; i < 14; ++i) plan.args[i] = static_cast<int>(values[i]);
  return plan;
}

}  // namespace pc
