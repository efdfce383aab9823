// Row-major float32 GEMM through cuBLAS (column-major): C = A·B in row-major is Cᵀ = Bᵀ·Aᵀ in column-major,
// so the operands are passed swapped and no data is transposed.
#include "common.h"
#include <cublas_v2.h>

namespace pc {

namespace {
cublasHandle_t handle = nullptr;

void checkBlas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) throw Error(std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(status)));
}
}  // namespace

void gemmInit() {
  if (handle) return;
  checkBlas(cublasCreate(&handle), "cublasCreate");
  checkBlas(cublasSetStream(handle, stream()), "cublasSetStream");
  checkBlas(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

void gemmSetTF32(bool enabled) {
  gemmInit();
  checkBlas(cublasSetMathMode(handle, enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

int gemmVersion() {
  gemmInit();
  int version = 0;
  checkBlas(cublasGetVersion(handle, &version), "cublasGetVersion");
  return version;
}

void gemm(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC) {
  gemmInit();
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    launchFill(F32, c, batch * m * n, 0.0);
    return;
  }
  const int64_t limit = 0x7fffffff;
  if (m > limit || n > limit || k > limit || batch > limit) throw Error("gemm: dimension beyond int32");
  const float alpha = 1.f, beta = 0.f;
  // Column-major views: B is [n x k] (ldb n) untransposed or [k x n] (ldb k) transposed; likewise A.
  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ldb = static_cast<int>(transB ? k : n);
  const int lda = static_cast<int>(transA ? m : k);
  const int ldc = static_cast<int>(n);
  if (batch == 1) {
    checkBlas(cublasSgemm(handle, opB, opA, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b, ldb, a, lda, &beta, c, ldc), "cublasSgemm");
  } else {
    checkBlas(cublasSgemmStridedBatched(handle, opB, opA, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b, ldb, strideB, a, lda,
                                        strideA, &beta, c, ldc, strideC, static_cast<int>(batch)),
              "cublasSgemmStridedBatched");
  }
  afterLaunch("gemm");
}

}  // namespace pc
