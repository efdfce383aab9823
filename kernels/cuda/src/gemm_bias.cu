// GEMM with the bias added in cuBLASLt's epilogue: C = A·op(B) + bias (row-major, bias per output column), one
// kernel where the plain path needs a GEMM and a broadcast add over the whole output. Optionally a residual R of C's
// shape is added (beta = 1: C = A·op(B) + R + bias) and a ReLU applied last (the convolutions of the expert stems,
// with their eval BatchNorm folded into filter and bias). Plans (descriptors and the
// heuristic's algorithm) are cached per shape. Any failure to set up or run returns false, and the caller takes the
// two-kernel path, so a cuBLASLt without a suitable algorithm never costs correctness.
#include "common.h"

#ifdef PRISMER_NO_CUBLASLT
namespace pc {
// Built without cuBLASLt (build.sh found no libcublasLt, or PRISMER_CUDA_NO_LT=1): the bias is always a second kernel.
bool gemmBias(const float*, const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, bool, bool) { return false; }
}  // namespace pc
#else
#include <cublasLt.h>
#include <map>
#include <tuple>

namespace pc {

namespace {

constexpr size_t WORKSPACE_BYTES = 32u << 20;
cublasLtHandle_t lt = nullptr;
void* workspace = nullptr;
bool unavailable = false;

struct Plan {
  bool ok = false;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
};
std::map<std::tuple<int64_t, int64_t, int64_t, bool, bool, bool>, Plan> plans;

bool ok(cublasStatus_t status) { return status == CUBLAS_STATUS_SUCCESS; }

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
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    good = ok(cublasLtMatmulPreferenceCreate(&pref)) &&
           ok(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &bytes, sizeof(bytes))) &&
           ok(cublasLtMatmulAlgoGetHeuristic(lt, p.desc, p.a, p.b, p.d, p.d, pref, 1, &result, &returned)) && returned > 0;
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (good) p.algo = result.algo;
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

}  // namespace

bool gemmBias(const float* a, const float* b, const float* bias, const float* residual, float* c, int64_t m, int64_t n, int64_t k, bool transB, bool relu) {
  if (m == 0 || n == 0 || k == 0 || !ready()) return false;
  const bool tf32 = gemmTF32();
  const auto key = std::make_tuple(m, n, k, transB, tf32, relu);
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.emplace(key, makePlan(m, n, k, transB, tf32, relu)).first;
  Plan& p = found->second;
  if (!p.ok) return false;
  const float alpha = 1.f, beta = residual ? 1.f : 0.f;
  if (!ok(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias))) ||
      !ok(cublasLtMatmul(lt, p.desc, &alpha, b, p.a, a, p.b, &beta, residual ? residual : c, p.d, c, p.d, &p.algo, workspace, WORKSPACE_BYTES, stream()))) {
    p.ok = false;
    return false;
  }
  afterLaunch("gemm (bias epilogue)");
  return true;
}

}  // namespace pc
#endif
