// GEMM with the bias added in cuBLASLt's epilogue: C = A·op(B) + bias (row-major, bias per output column), one
// kernel where the plain path needs a GEMM and a broadcast add over the whole output. Optionally a residual R of C's
// shape is added (beta = 1: C = A·op(B) + R + bias) and a ReLU applied last (the convolutions of the expert stems,
// with their eval BatchNorm folded into filter and bias). Plans are cached per shape; on a shape's first call its
// candidates are timed (PRISMER_CUDA_GEMM_TUNE=0 keeps the heuristic's first pick, =prefilled always takes the
// two-kernel path; PRISMER_CUDA_GEMM_TUNE_LOG=1 prints each choice to stderr). Any failure to set up or run returns false, and the caller takes the
// two-kernel path, so a cuBLASLt without a suitable algorithm never costs correctness.
#include "common.h"

#ifdef PRISMER_NO_CUBLASLT
namespace pc {
// Built without cuBLASLt (build.sh found no libcublasLt, or PRISMER_CUDA_NO_LT=1): the bias is always a second kernel.
bool gemmBias(const float*, const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool) { return false; }
}  // namespace pc
#else
#include <cublasLt.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <tuple>

namespace pc {

namespace {

constexpr size_t WORKSPACE_BYTES = 32u << 20;
// Heuristic candidates timed per shape; cuBLASLt's first pick for a bias epilogue was up to 1.6× slower than plain
// cublasSgemm on the ViT's shapes (bench/results/gpu-h200.txt), so its top few and the two-kernel path compete.
constexpr int CANDIDATES = 8;
constexpr int TIMED_RUNS = 5;
cublasLtHandle_t lt = nullptr;
void* workspace = nullptr;
bool unavailable = false;

struct Plan {
  bool ok = false;
  // The tuned winner was the bias written first and a plain GEMM accumulating onto it (no cuBLASLt call).
  bool prefilled = false;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
  cublasLtMatmulHeuristicResult_t candidates[CANDIDATES]{};
  int candidateCount = 0;
};
std::map<std::tuple<int64_t, int64_t, int64_t, bool, bool, bool, bool>, Plan> plans;

bool ok(cublasStatus_t status) { return status == CUBLAS_STATUS_SUCCESS; }

enum class Tuning { Off, On, AlwaysPrefilled };
// PRISMER_CUDA_GEMM_TUNE: unset = time the candidates, 0 = the heuristic's first pick, prefilled = always the
// two-kernel path (so a device check can hold it to the same tolerances).
Tuning tuningMode() {
  const char* mode = std::getenv("PRISMER_CUDA_GEMM_TUNE");
  if (!mode) return Tuning::On;
  if (std::strcmp(mode, "0") == 0) return Tuning::Off;
  return std::strcmp(mode, "prefilled") == 0 ? Tuning::AlwaysPrefilled : Tuning::On;
}

bool ready() {
  if (lt) return true;
  if (unavailable) return false;
  if (!ok(cublasLtCreate(&lt)) || cudaMalloc(&workspace, WORKSPACE_BYTES) != cudaSuccess) {
    cudaGetLastError();
    unavailable = true;
    lt = nullptr;
    return false;
  }
  return true;
}

// Column-major view of the row-major product (as gemm.cu): Dᵀ [n x m] = op(B)ᵀ [n x k] · Aᵀ [k x m]; the bias runs
// along Dᵀ's rows, i.e. along the row-major output's columns.
Plan makePlan(int64_t m, int64_t n, int64_t k, bool transB, bool tf32, bool relu) {
  Plan p;
  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N, opA = CUBLAS_OP_N;
  const cublasLtEpilogue_t epilogue = relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  bool good = ok(cublasLtMatmulDescCreate(&p.desc, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F)) &&
              ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opB, sizeof(opB))) &&
              ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opA, sizeof(opA))) &&
              ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue))) &&
              ok(transB ? cublasLtMatrixLayoutCreate(&p.a, CUDA_R_32F, k, n, k) : cublasLtMatrixLayoutCreate(&p.a, CUDA_R_32F, n, k, n)) &&
              ok(cublasLtMatrixLayoutCreate(&p.b, CUDA_R_32F, k, m, k)) && ok(cublasLtMatrixLayoutCreate(&p.d, CUDA_R_32F, n, m, n));
  if (good) {
    cublasLtMatmulPreference_t pref = nullptr;
    const size_t bytes = WORKSPACE_BYTES;
    good = ok(cublasLtMatmulPreferenceCreate(&pref)) &&
           ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &bytes, sizeof(bytes))) &&
           ok(cublasLtMatmulAlgoGetHeuristic(lt, p.desc, p.a, p.b, p.d, p.d, pref, CANDIDATES, p.candidates, &p.candidateCount)) && p.candidateCount > 0;
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (good) p.algo = p.candidates[0].algo;
  }
  if (!good) {
    if (p.a) cublasLtMatrixLayoutDestroy(p.a);
    if (p.b) cublasLtMatrixLayoutDestroy(p.b);
    if (p.d) cublasLtMatrixLayoutDestroy(p.d);
    if (p.desc) cublasLtMatmulDescDestroy(p.desc);
    return Plan{};
  }
  p.ok = true;
  return p;
}

// c[i, j] = bias[j] (+ residual[i, j]); residual may be c itself. Blocks run along a row, so reads and writes coalesce.
__global__ void prefillKernel(float* c, const float* bias, const float* residual, int64_t m, int64_t n) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= n) return;
  const float b = bias[j];
  for (int64_t i = blockIdx.y; i < m; i += gridDim.y) c[i * n + j] = residual ? residual[i * n + j] + b : b;
}

__global__ void reluKernel(float* c, int64_t count) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count; i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    c[i] = fmaxf(c[i], 0.f);
}

// The two-kernel path cuBLASLt's epilogue replaces: bias (and residual) written into c, then C += A·op(B).
void runPrefilled(const float* a, const float* b, const float* bias, const float* residual, float* c, int64_t m, int64_t n, int64_t k, bool transB, bool relu) {
  const dim3 grid(static_cast<unsigned>((n + 255) / 256), static_cast<unsigned>(m < 4096 ? m : 4096));
  prefillKernel<<<grid, 256, 0, stream()>>>(c, bias, residual, m, n);
  afterLaunch("gemm (bias prefill)");
  gemmAccumulate(a, b, c, m, n, k, transB);
  if (relu) {
    const int64_t count = m * n, blocks = (count + 255) / 256;
    reluKernel<<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535), 256, 0, stream()>>>(c, count);
    afterLaunch("gemm (relu)");
  }
}

bool runLt(Plan& p, const cublasLtMatmulAlgo_t& algo, const float* a, const float* b, const float* bias, const float* residual, float* c) {
  const float alpha = 1.f, beta = residual ? 1.f : 0.f;
  return ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias))) &&
         ok(cublasLtMatmul(lt, p.desc, &alpha, b, p.a, a, p.b, &beta, residual ? residual : c, p.d, c, p.d, &algo, workspace, WORKSPACE_BYTES, stream()));
}

// Times each heuristic candidate and the prefilled two-kernel path on this call's operands, writing into scratch
// (the caller's output is untouched), and keeps the fastest. Runs once per shape; without scratch memory the
// heuristic's first pick stays.
void tune(Plan& p, const float* a, const float* b, const float* bias, const float* residual, int64_t m, int64_t n, int64_t k, bool transB, bool relu) {
  float* scratch = nullptr;
  if (cudaMallocAsync(reinterpret_cast<void**>(&scratch), static_cast<size_t>(m * n) * sizeof(float), stream()) != cudaSuccess) {
    cudaGetLastError();
    return;
  }
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "gemm tuning: event");
  check(cudaEventCreate(&stop), "gemm tuning: event");
  const auto timed = [&](auto run) -> float {
    if (!run()) return std::numeric_limits<float>::infinity();
    check(cudaEventRecord(start, stream()), "gemm tuning: record");
    for (int r = 0; r < TIMED_RUNS; ++r) run();
    check(cudaEventRecord(stop, stream()), "gemm tuning: record");
    check(cudaEventSynchronize(stop), "gemm tuning: synchronize");
    float ms = 0.f;
    check(cudaEventElapsedTime(&ms, start, stop), "gemm tuning: elapsed");
    return ms / TIMED_RUNS;
  };
  float best = std::numeric_limits<float>::infinity(), first = best;
  int bestIndex = -1;
  for (int i = 0; i < p.candidateCount; ++i) {
    const float ms = timed([&] { return runLt(p, p.candidates[i].algo, a, b, bias, residual, scratch); });
    if (i == 0) first = ms;
    if (ms < best) best = ms, bestIndex = i;
  }
  const float prefilled = timed([&] {
    runPrefilled(a, b, bias, residual, scratch, m, n, k, transB, relu);
    return true;
  });
  if (prefilled < best) {
    p.prefilled = true;
    best = prefilled;
  } else if (bestIndex >= 0) {
    p.algo = p.candidates[bestIndex].algo;
  }
  if (std::getenv("PRISMER_CUDA_GEMM_TUNE_LOG"))
    std::fprintf(stderr, "gemm tune %lldx%lldx%lld%s%s%s: heuristic %.4f ms, prefilled %.4f ms, best %.4f ms (%s #%d of %d)\n", static_cast<long long>(m),
                 static_cast<long long>(n), static_cast<long long>(k), transB ? " Bt" : "", residual ? " +residual" : "", relu ? " relu" : "", first, prefilled,
                 best, p.prefilled ? "prefilled" : "cuBLASLt", p.prefilled ? -1 : bestIndex, p.candidateCount);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  check(cudaFreeAsync(scratch, stream()), "gemm tuning: scratch");
}

}  // namespace

bool gemmBias(const float* a, const float* b, const float* bias, const float* residual, float* c, int64_t m, int64_t n, int64_t k, bool transB, bool relu) {
  if (m == 0 || n == 0 || k == 0 || !ready()) return false;
  const bool tf32 = gemmTF32();
  const auto key = std::make_tuple(m, n, k, transB, tf32, relu, residual != nullptr);
  auto found = plans.find(key);
  if (found == plans.end()) {
    found = plans.emplace(key, makePlan(m, n, k, transB, tf32, relu)).first;
    const Tuning tuning = tuningMode();
    if (found->second.ok && tuning == Tuning::On) tune(found->second, a, b, bias, residual, m, n, k, transB, relu);
    if (tuning == Tuning::AlwaysPrefilled) found->second.prefilled = true;
  }
  Plan& p = found->second;
  if (!p.ok) return false;
  if (p.prefilled) {
    runPrefilled(a, b, bias, residual, c, m, n, k, transB, relu);
    return true;
  }
  if (!runLt(p, p.algo, a, b, bias, residual, c)) {
    p.ok = false;
    return false;
  }
  afterLaunch("gemm (bias epilogue)");
  return true;
}

}  // namespace pc
#endif
