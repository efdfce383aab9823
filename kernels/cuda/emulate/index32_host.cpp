// Runs the 32-bit strided copy and the im2col row kernel (src/index32.cuh, the very code nvcc compiles) on the host,
// with the launch plans their launchers use, and compares them with plain 64-bit loops. Neither kernel synchronises,
// so blocks and threads simply run one after another.
//   g++ -std=c++20 -O1 kernels/cuda/emulate/index32_host.cpp -o index32 && ./index32
// Prints one line per case and exits non-zero on any mismatch. test/backend/cuda-host-emulation.test.ts builds and runs it.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

// ---- what the kernels need from CUDA, for the host ----
struct float4 {
  float x, y, z, w;
};
struct uint4 {
  uint32_t x, y, z, w;
};
struct dim3 {
  unsigned x = 0, y = 0, z = 0;
};
dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace pc {
constexpr int MAX_RANK = 12;  // as in src/common.h
}

#define __global__
#define __restrict__ __restrict
#include "../src/index32.cuh"

namespace {

constexpr int THREADS = 256;  // kernels.cu's block size for the copy

// Every block and thread of a launch, one after another.
template <typename Kernel>
void run(unsigned blocks, unsigned threads, Kernel kernel) {
  gridDim.x = blocks;
  blockDim.x = threads;
  for (unsigned b = 0; b < blocks; ++b) {
    blockIdx.x = b;
    for (unsigned t = 0; t < threads; ++t) {
      threadIdx.x = t;
      kernel();
    }
  }
}

unsigned blocksFor(int64_t n) {
  const int64_t blocks = (n + THREADS - 1) / THREADS;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (1 << 20) ? (1 << 20) : blocks));
}

bool report(const char* name, bool expectedPath, bool ok, const char* path) {
  std::printf("%s %s (%s)\n", ok && expectedPath ? "ok  " : "FAIL", name, path);
  return ok && expectedPath;
}

// A copy of n words over `shape` with input and output strides, through planCopy32 and copyKernel32, against a 64-bit loop.
bool copyCase(const char* name, std::vector<int64_t> shape, std::vector<int64_t> s0, std::vector<int64_t> s1, int64_t inOffset, int64_t outOffset,
              int64_t inSize, int64_t outSize, bool aligned, bool wantVec) {
  const int rank = static_cast<int>(shape.size());
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  std::vector<uint32_t> x(static_cast<size_t>(inSize)), expected(static_cast<size_t>(outSize), 0xdeadbeefu), got(expected);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(i * 2654435761u);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, in = inOffset, out = outOffset;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t k = rest % shape[d];
      rest /= shape[d];
      in += k * s0[d];
      out += k * s1[d];
    }
    expected[static_cast<size_t>(out)] = x[static_cast<size_t>(in)];
  }
  const pc::Copy32Plan plan = pc::planCopy32(rank, shape.data(), s0.data(), s1.data(), n, inOffset, outOffset, aligned);
  if (!plan.ok) return report(name, false, false, "no 32-bit plan");
  if (plan.vec) {
    const auto* xs = reinterpret_cast<const uint4*>(x.data());
    auto* os = reinterpret_cast<uint4*>(got.data());
    run(blocksFor(plan.units), THREADS, [&] { pc::copyKernel32<uint4>(xs, os, plan.units, plan.t, plan.inOffset, plan.outOffset); });
  } else {
    run(blocksFor(plan.units), THREADS, [&] { pc::copyKernel32<uint32_t>(x.data(), got.data(), plan.units, plan.t, plan.inOffset, plan.outOffset); });
  }
  return report(name, plan.vec == wantVec, got == expected, plan.vec ? "4-word units" : "single words");
}

// im2col of x [N, H, W, C] for a KH×KW kernel through planIm2colRows and im2colRowKernel, against a 64-bit loop.
bool im2colCase(const char* name, int64_t N, int64_t H, int64_t W, int64_t C, int64_t K, int64_t stride, int64_t pad, int64_t dilation, bool aligned,
                bool wantVec) {
  const int64_t OH = (H + 2 * pad - dilation * (K - 1) - 1) / stride + 1, OW = (W + 2 * pad - dilation * (K - 1) - 1) / stride + 1;
  const int64_t p[14] = {N, H, W, C, K, K, stride, stride, pad, pad, dilation, dilation, OH, OW};
  const int64_t rowLen = K * K * C, rows = N * OH * OW;
  std::vector<float> x(static_cast<size_t>(N * H * W * C)), expected(static_cast<size_t>(rows * rowLen)), got(expected.size(), -7.f);
  std::mt19937 rng(static_cast<unsigned>(C * 131 + K));
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  for (auto& v : x) v = uniform(rng);
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t ow = row % OW, oh = (row / OW) % OH, b = row / (OW * OH);
    for (int64_t col = 0; col < rowLen; ++col) {
      const int64_t c = col % C, kw = (col / C) % K, kh = col / (C * K);
      const int64_t ih = oh * stride - pad + kh * dilation, iw = ow * stride - pad + kw * dilation;
      expected[static_cast<size_t>(row * rowLen + col)] = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[static_cast<size_t>(((b * H + ih) * W + iw) * C + c)] : 0.f;
    }
  }
  const pc::Im2colRowsPlan plan = pc::planIm2colRows(p, aligned);
  if (!plan.ok) return report(name, false, false, "no row plan");
  const int* g = plan.args;
  if (plan.vec) {
    const auto* xs = reinterpret_cast<const float4*>(x.data());
    auto* cs = reinterpret_cast<float4*>(got.data());
    run(plan.blocks, static_cast<unsigned>(plan.threads),
        [&] { pc::im2colRowKernel<float4>(xs, cs, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]); });
  } else {
    run(plan.blocks, static_cast<unsigned>(plan.threads),
        [&] { pc::im2colRowKernel<float>(x.data(), got.data(), g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]); });
  }
  return report(name, plan.vec == wantVec, std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)) == 0, plan.vec ? "float4" : "float");
}

}  // namespace

int main() {
  bool ok = true;
  // [3, 7, 12, 8] → [3, 12, 7, 8] (a head split): inner axis contiguous on both sides.
  ok = copyCase("copy: head split of a packed projection", {3, 12, 7, 8}, {672, 8, 96, 1}, {672, 56, 8, 1}, 0, 0, 2016, 2016, true, true) && ok;
  ok = copyCase("copy: slice at an offset of 4 words", {3, 8}, {16, 1}, {8, 1}, 20, 0, 80, 24, true, true) && ok;
  ok = copyCase("copy: slice at an offset of 2 words", {3, 8}, {16, 1}, {8, 1}, 18, 0, 80, 24, true, false) && ok;
  ok = copyCase("copy: inner axis of 5", {2, 6, 3, 5}, {90, 5, 30, 1}, {90, 15, 5, 1}, 0, 0, 180, 180, true, false) && ok;
  ok = copyCase("copy: reversed (negative stride)", {4, 6}, {6, -1}, {6, 1}, 5, 0, 24, 24, true, false) && ok;
  ok = copyCase("copy: unaligned base pointers", {3, 12, 7, 8}, {672, 8, 96, 1}, {672, 56, 8, 1}, 0, 0, 2016, 2016, false, false) && ok;
  ok = copyCase("copy: into an offset of a larger output (concat)", {2, 3, 4}, {12, 4, 1}, {24, 8, 1}, 0, 4, 24, 48, true, true) && ok;
  ok = im2colCase("im2col: 3x3, stride 2, pad 1, 8 channels", 2, 9, 11, 8, 3, 2, 1, 1, true, true) && ok;
  ok = im2colCase("im2col: 3x3, stride 2, pad 1, 5 channels", 2, 9, 11, 5, 3, 2, 1, 1, true, false) && ok;
  ok = im2colCase("im2col: 3x3, stride 1, pad 2, dilation 2, 96 channels (rows longer than a block)", 1, 7, 6, 96, 3, 1, 2, 2, true, true) && ok;
  ok = im2colCase("im2col: 4x4 patches, stride 4, 3 channels", 2, 16, 16, 3, 4, 4, 0, 1, true, false) && ok;
  ok = im2colCase("im2col: 8 channels, unaligned", 2, 9, 11, 8, 3, 2, 1, 1, false, false) && ok;
  return ok ? 0 : 1;
}
