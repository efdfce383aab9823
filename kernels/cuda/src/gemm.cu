// Row-major float32 GEMM through cuBLAS (column-major): C = A·B in row-major is Cᵀ = Bᵀ·Aᵀ in column-major,
// so the operands are passed swapped and no data is transposed.
#include "common.h"
#include <cublas_v2.h>
#include <cstdlib>
#include <cstring>

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

namespace {
bool tf32Enabled = false;
}  // namespace

bool gemmTF32() { return tf32Enabled; }

void gemmSetTF32(bool enabled) {
  gemmInit();
  tf32Enabled = enabled;
  checkBlas(cublasSetMathMode(handle, enabled ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
}

int gemmVersion() {
  gemmInit();
  int version = 0;
  checkBlas(cublasGetVersion(handle, &version), "cublasGetVersion");
  return version;
}

void gemmStrided(const float* a, int64_t lda, int64_t strideA, const float* b, int64_t ldb, int64_t strideB, float* c, int64_t ldc,
                 int64_t strideC, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB, float alpha) {
  gemmInit();
  if (batch == 0 || m == 0 || n == 0) return;
  const int64_t limit = 0x7fffffff;
  if (m > limit || n > limit || k > limit || batch > limit || lda > limit || ldb > limit || ldc > limit) throw Error("gemm: dimension beyond int32");
  const float beta = 0.f;
  // Column-major views: row-major B is [k x n] (or [n x k] transposed) with row stride ldb, likewise A.
  const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (batch == 1) {
    checkBlas(cublasSgemm(handle, opB, opA, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b, static_cast<int>(ldb), a,
                          static_cast<int>(lda), &beta, c, static_cast<int>(ldc)),
              "cublasSgemm");
  } else {
    checkBlas(cublasSgemmStridedBatched(handle, opB, opA, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b, static_cast<int>(ldb),
                                        strideB, a, static_cast<int>(lda), strideA, &beta, c, static_cast<int>(ldc), strideC, static_cast<int>(batch)),
              "cublasSgemmStridedBatched");
  }
  afterLaunch("gemm");
}

void gemmAccumulate(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transB) {
  gemmInit();
  const int64_t limit = 0x7fffffff;
  if (m > limit || n > limit || k > limit) throw Error("gemm: dimension beyond int32");
  const float alpha = 1.f, beta = 1.f;
  checkBlas(cublasSgemm(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b,
                        static_cast<int>(transB ? k : n), a, static_cast<int>(k), &beta, c, static_cast<int>(n)),
            "cublasSgemm (accumulate)");
  afterLaunch("gemm (accumulate)");
}

void gemm(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    launchFill(F32, c, batch * m * n, 0.0);
    return;
  }
  // A single B (or A) shared by every batch item of a contiguous other operand is one taller GEMM: cuBLAS runs
  // one [batch·m x k]·[k x n] product far better than batch small ones.
  if (batch > 1 && strideB == 0 && !transA && strideA == m * k && strideC == m * n) {
    gemmStrided(a, k, 0, b, transB ? k : n, 0, c, n, 0, 1, batch * m, n, k, false, transB, 1.f);
    return;
  }
  gemmStrided(a, transA ? m : k, strideA, b, transB ? k : n, strideB, c, n, strideC, batch, m, n, k, transA, transB, 1.f);
}

namespace {
__global__ void fillPointersKernel(const float** a, const float** b, float** c, const float* a0, const float* b0, float* c0, int64_t n, int64_t H,
                                   TwoLevel sa, TwoLevel sb, TwoLevel sc) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int64_t bi = i / H, hi = i % H;
  a[i] = a0 + bi * sa.batchStride + hi * sa.headStride;
  b[i] = b0 + bi * sb.batchStride + hi * sb.headStride;
  c[i] = c0 + bi * sc.batchStride + hi * sc.headStride;
}

// Device scratch for the pointer arrays; every use is ordered on the one stream, so one buffer serves all calls.
void** pointerScratch = nullptr;
int64_t pointerCapacity = 0;
}  // namespace

void gemmTwoLevel(const float* a, int64_t lda, TwoLevel sa, const float* b, int64_t ldb, TwoLevel sb, float* c, int64_t ldc, TwoLevel sc, int64_t B,
                  int64_t H, int64_t m, int64_t n, int64_t k, bool transA, bool transB, float alpha) {
  gemmInit();
  const int64_t count = B * H;
  if (count == 0 || m == 0 || n == 0) return;
  if (k == 0) throw Error("gemm: empty inner dimension");
  const bool merges = B == 1 || (sa.batchStride == H * sa.headStride && sb.batchStride == H * sb.headStride && sc.batchStride == H * sc.headStride);
  if (merges) {
    gemmStrided(a, lda, sa.headStride, b, ldb, sb.headStride, c, ldc, sc.headStride, count, m, n, k, transA, transB, alpha);
    return;
  }
  // PRISMER_CUDA_TWO_LEVEL=loop: one strided-batched call per item of the shorter level instead of the pointer
  // array (bench/gpu.ts --part attention times both on the ViT's attention).
  const char* mode = std::getenv("PRISMER_CUDA_TWO_LEVEL");
  if (mode && std::strcmp(mode, "loop") == 0) {
    if (B <= H) {
      for (int64_t bi = 0; bi < B; ++bi)
        gemmStrided(a + bi * sa.batchStride, lda, sa.headStride, b + bi * sb.batchStride, ldb, sb.headStride, c + bi * sc.batchStride, ldc, sc.headStride, H, m,
                    n, k, transA, transB, alpha);
    } else {
      for (int64_t hi = 0; hi < H; ++hi)
        gemmStrided(a + hi * sa.headStride, lda, sa.batchStride, b + hi * sb.headStride, ldb, sb.batchStride, c + hi * sc.headStride, ldc, sc.batchStride, B,
                    m, n, k, transA, transB, alpha);
    }
    return;
  }
  const int64_t limit = 0x7fffffff;
  if (m > limit || n > limit || k > limit || count > limit || lda > limit || ldb > limit || ldc > limit) throw Error("gemm: dimension beyond int32");
  if (count * 3 > pointerCapacity) {
    if (pointerScratch) check(cudaFreeAsync(pointerScratch, stream()), "gemm: pointer scratch");
    pointerCapacity = count * 3;
    check(cudaMallocAsync(reinterpret_cast<void**>(&pointerScratch), static_cast<size_t>(pointerCapacity) * sizeof(void*), stream()), "gemm: pointer scratch");
  }
  const float** as = static_cast<const float**>(static_cast<void*>(pointerScratch));
  const float** bs = as + count;
  float** cs = static_cast<float**>(static_cast<void*>(pointerScratch + 2 * count));
  fillPointersKernel<<<static_cast<unsigned>((count + 255) / 256), 256, 0, stream()>>>(as, bs, cs, a, b, c, count, H, sa, sb, sc);
  afterLaunch("gemm pointers");
  const float beta = 0.f;
  // Column-major: C[b]ᵀ = op(B[b])ᵀ·op(A[b])ᵀ, as in gemmStrided.
  checkBlas(cublasSgemmBatched(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(m),
                               static_cast<int>(k), &alpha, bs, static_cast<int>(ldb), as, static_cast<int>(lda), &beta, cs, static_cast<int>(ldc),
                               static_cast<int>(count)),
            "cublasSgemmBatched");
  afterLaunch("gemm");
}

}  // namespace pc
