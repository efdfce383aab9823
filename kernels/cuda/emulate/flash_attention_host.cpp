// Runs the fused attention kernel (src/flash_attention.cuh, the very code nvcc compiles) on the host: every block in
// turn, its 128 threads as std::threads, __syncthreads/__syncwarp as barriers and __shfl_xor_sync through a per-warp
// exchange, so its indexing and online softmax are checked against a double-precision reference without a GPU.
//   g++ -std=c++20 -O1 -pthread kernels/cuda/emulate/flash_attention_host.cpp -o flash && ./flash
// Prints one line per case and exits non-zero when any output differs by more than 1e-5 (relative to the largest
// magnitude of its head) from the reference. test/backend/cuda-host-emulation.test.ts builds and runs it.
#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>
#include <vector>

// ---- what the kernel needs from CUDA, for the host ----
struct float4 {
  float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
struct dim3 {
  unsigned x = 0, y = 0, z = 0;
};
thread_local dim3 threadIdx;
thread_local dim3 blockIdx;

namespace pc {
// As in src/common.h.
struct HeadView {
  int64_t offset, batchStride, headStride, rowStride;
};
}  // namespace pc

namespace emulation {
constexpr int THREADS = 128;
std::unique_ptr<std::barrier<>> block;
std::unique_ptr<std::barrier<>> warps[THREADS / 32];
float exchange[THREADS / 32][32];
}  // namespace emulation

inline void __syncthreads() { emulation::block->arrive_and_wait(); }
inline void __syncwarp() { emulation::warps[threadIdx.x / 32]->arrive_and_wait(); }
inline float __shfl_xor_sync(unsigned, float value, int laneMask) {
  const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncwarp();  // the previous exchange has been read
  emulation::exchange[warp][lane] = value;
  __syncwarp();
  return emulation::exchange[warp][lane ^ static_cast<unsigned>(laneMask)];
}

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict
#define __shared__
#include "../src/flash_attention.cuh"

// The kernel's `extern __shared__ float4 smem4[]`: blocks run one after another, so one buffer serves them all.
namespace pc::flash {
float4 smem4[FLASH_SMEM / sizeof(float4)];
}

namespace {

using pc::HeadView;

void launch(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, float* out, HeadView ov, int B, int H, int Lq, int Lk,
            float scale) {
  using namespace pc::flash;
  static_assert(FLASH_THREADS == emulation::THREADS);
  // As attention.cu chooses the instantiation.
  const bool aligned = headViewsAligned({{q, qv}, {k, kv}, {v, vv}, {out, ov}});
  const unsigned tiles = static_cast<unsigned>((Lq + FLASH_ROWS - 1) / FLASH_ROWS);
  for (unsigned by = 0; by < static_cast<unsigned>(B * H); ++by) {
    for (unsigned bx = 0; bx < tiles; ++bx) {
      emulation::block = std::make_unique<std::barrier<>>(FLASH_THREADS);
      for (auto& w : emulation::warps) w = std::make_unique<std::barrier<>>(32);
      std::vector<std::thread> threads;
      for (unsigned t = 0; t < FLASH_THREADS; ++t) {
        threads.emplace_back([=] {
          threadIdx.x = t;
          blockIdx.x = bx;
          blockIdx.y = by;
          if (aligned) attentionKernel<true>(q, qv, k, kv, v, vv, out, ov, H, Lq, Lk, scale * LOG2E);
          else attentionKernel<false>(q, qv, k, kv, v, vv, out, ov, H, Lq, Lk, scale * LOG2E);
        });
      }
      for (auto& t : threads) t.join();
    }
  }
}

// Sequence-first packed q|k|v as nn.MultiheadAttention's self-attention hands it over ([L, B, 3·H·d]: row l·B + b),
// or separate token-major q and k|v tensors ([B, L, H·d]) for cross-attention; output sequence-first [Lq, B, H·d].
// `shift` moves the k|v tensor's views by that many floats (an odd shift makes them unaligned: the scalar-load kernel).
bool check(const char* name, int B, int H, int Lq, int Lk, bool packed, unsigned seed, int shift = 0) {
  const int d = pc::flash::FLASH_D, E = H * d;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-2.f, 2.f);
  std::vector<float> qkv, qs, kvs;
  HeadView qv{}, kv{}, vv{};
  const float *q = nullptr, *k = nullptr, *v = nullptr;
  if (packed) {
    if (Lq != Lk) return false;
    qkv.resize(static_cast<size_t>(Lq) * B * 3 * E);
    for (auto& x : qkv) x = uniform(rng);
    qv = {0, 3 * E, d, static_cast<int64_t>(B) * 3 * E};
    kv = {E, 3 * E, d, static_cast<int64_t>(B) * 3 * E};
    vv = {2 * E, 3 * E, d, static_cast<int64_t>(B) * 3 * E};
    q = k = v = qkv.data();
  } else {
    qs.resize(static_cast<size_t>(B) * Lq * E);
    kvs.resize(static_cast<size_t>(B) * Lk * 2 * E + shift);
    for (auto& x : qs) x = uniform(rng);
    for (auto& x : kvs) x = uniform(rng);
    qv = {0, static_cast<int64_t>(Lq) * E, d, E};
    kv = {shift, static_cast<int64_t>(Lk) * 2 * E, d, 2 * E};
    vv = {E + shift, static_cast<int64_t>(Lk) * 2 * E, d, 2 * E};
    q = qs.data();
    k = v = kvs.data();
  }
  const HeadView ov{0, E, d, static_cast<int64_t>(B) * E};
  std::vector<float> out(static_cast<size_t>(Lq) * B * E, NAN);
  const float scale = 1.f / std::sqrt(static_cast<float>(d));
  launch(q, qv, k, kv, v, vv, out.data(), ov, B, H, Lq, Lk, scale);

  double worst = 0;
  std::vector<double> scores(Lk), expected(d);
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < H; ++h) {
      const auto at = [&](const HeadView& view, int row) { return view.offset + b * view.batchStride + h * view.headStride + row * view.rowStride; };
      for (int i = 0; i < Lq; ++i) {
        double max = -INFINITY, sum = 0;
        for (int j = 0; j < Lk; ++j) {
          double s = 0;
          for (int t = 0; t < d; ++t) s += static_cast<double>(q[at(qv, i) + t]) * k[at(kv, j) + t];
          scores[j] = s * scale;
          max = std::fmax(max, scores[j]);
        }
        for (int j = 0; j < Lk; ++j) sum += (scores[j] = std::exp(scores[j] - max));
        double magnitude = 1e-30;
        for (int t = 0; t < d; ++t) {
          double c = 0;
          for (int j = 0; j < Lk; ++j) c += scores[j] / sum * v[at(vv, j) + t];
          expected[t] = c;
          magnitude = std::fmax(magnitude, std::fabs(c));
        }
        for (int t = 0; t < d; ++t) {
          const double got = out[at(ov, i) + t];
          const double error = std::isnan(got) ? INFINITY : std::fabs(got - expected[t]) / magnitude;
          worst = std::fmax(worst, error);
        }
      }
    }
  }
  const bool ok = worst <= 1e-5;
  const bool aligned = pc::flash::headViewsAligned({{q, qv}, {k, kv}, {v, vv}, {out.data(), ov}});
  std::printf("%s %s: B %d, H %d, Lq %d, Lk %d, %s loads: worst relative error %.3g\n", ok ? "ok  " : "FAIL", name, B, H, Lq, Lk, aligned ? "float4" : "scalar",
              worst);
  return ok;
}

}  // namespace

int main() {
  bool ok = true;
  ok = check("packed self-attention, one query tile, one key tile", 1, 1, 64, 64, true, 1) && ok;
  ok = check("packed self-attention, partial query and key tiles (ViT-like lengths)", 2, 3, 97, 97, true, 2) && ok;
  ok = check("cross-attention, several key tiles and a partial one", 2, 2, 70, 150, false, 3) && ok;
  ok = check("cross-attention, a single short key tile", 1, 2, 128, 5, false, 4) && ok;
  ok = check("cross-attention, keys and values one float off 16-byte alignment", 2, 2, 70, 150, false, 5, 1) && ok;
  return ok ? 0 : 1;
}
