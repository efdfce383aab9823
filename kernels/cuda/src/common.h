// Shared declarations of the prismer_cuda addon: the stream every kernel runs on, the opcodes (which must
// match lib/backend/cuda/addon.ts), the strided-index descriptor and the kernel launchers.
#pragma once
#include <cstdint>
#include <cstddef>
#include <string>
#include <stdexcept>
#include <cuda_runtime.h>

namespace pc {

constexpr int MAX_RANK = 12;
constexpr int F32 = 0;
constexpr int I32 = 1;

// Thrown by launchers and helpers; the N-API layer turns it into a JavaScript Error.
struct Error : std::runtime_error {
  explicit Error(const std::string& what) : std::runtime_error("prismer_cuda: " + what) {}
};

void check(cudaError_t status, const char* what);
cudaStream_t stream();
// After each launch: surface launch errors now (and, in debug-sync mode, asynchronous faults too).
void afterLaunch(const char* what);

enum Unary {
  U_CAST, U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SQUARE, U_TANH, U_SIGMOID, U_RELU, U_RELU6,
  U_ERF, U_GELU, U_SIN, U_COS, U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_RECIPROCAL, U_EXPM1,
  U_LOG1P, U_SOFTPLUS, U_ELU, U_LEAKY_RELU, U_STEP, U_IS_NAN, U_IS_INF, U_IS_FINITE,
  U_LOGICAL_NOT, U_CLIP, U_NOT_ZERO, U_SELU, U_AFFINE, U_TAN, U_ASIN, U_ACOS, U_ATAN,
  U_SINH, U_COSH, U_ASINH, U_ACOSH, U_ATANH, U_QUICK_GELU, U_COUNT
};

enum Binary {
  B_ADD, B_SUB, B_MUL, B_DIV, B_FLOOR_DIV, B_MOD, B_MAX, B_MIN, B_POW, B_SQUARED_DIFFERENCE, B_ATAN2,
  B_EQUAL, B_NOT_EQUAL, B_LESS, B_LESS_EQUAL, B_GREATER, B_GREATER_EQUAL, B_LOGICAL_AND,
  B_LOGICAL_OR, B_PRELU, B_COUNT
};

enum Reduce { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_ARGMAX, R_ARGMIN, R_ANY, R_ALL, R_COUNT };

// An index space (shape) and up to three stride sets over it, passed to kernels by value.
struct Strided {
  int rank;
  int64_t shape[MAX_RANK];
  int64_t s0[MAX_RANK];
  int64_t s1[MAX_RANK];
  int64_t s2[MAX_RANK];
};

int64_t sizeOf(const Strided& s);

void launchFill(int dtype, void* out, int64_t n, double value);
void launchUnary(int op, int inType, int outType, const void* x, void* out, int64_t n, float alpha, float beta);
// s: shape with s0 = a strides, s1 = b strides (out contiguous).
void launchBinary(int op, int inType, int outType, const void* a, const void* b, void* out, const Strided& s);
void launchBinaryScalar(int op, int inType, int outType, const void* a, double scalar, bool scalarFirst, void* out, int64_t n);
// s0 = cond strides, s1 = a strides, s2 = b strides.
void launchSelect(const int32_t* cond, const uint32_t* a, const uint32_t* b, uint32_t* out, const Strided& s);
void launchReduce(int op, int inType, int outType, const void* x, void* out, int64_t outer, int64_t inner);
void launchSoftmax(const float* x, float* out, int64_t rows, int64_t cols);
// out [B, H, Lq, Lk] = softmax(max(x + mask, −FLT_MAX)) per row (x may be out), the mask (optional) read through
// m = {b, h, q, k} strides; the clamp is transformers' guard against a fully masked row. launchSoftmax is the maskless case.
void launchMaskedSoftmax(const float* x, float* out, const float* mask, int64_t B, int64_t H, int64_t Lq, int64_t Lk, const int64_t m[4]);
// out[i] = x[i]·scale[i mod channels] + shift[i mod channels], ReLU'd when asked (eval BatchNorm + ReLU, channels last).
void launchScaleShift(const float* x, const float* scale, const float* shift, float* out, int64_t n, int64_t channels, bool relu);
// out[r] = (x[r] − mean) / sqrt(var + eps) · gamma + beta over rows of `cols` (biased variance, as nn.LayerNorm).
void launchLayerNorm(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t cols, float eps);
// s0 = in strides, s1 = out strides.
void launchCopy(const uint32_t* x, uint32_t* out, const Strided& s, int64_t inOffset, int64_t outOffset);
void launchGather(const uint32_t* x, const int32_t* indices, uint32_t* out, int64_t outer, int64_t axisSize, int64_t inner, int64_t count);
void launchIm2col(const float* x, float* cols, const int64_t p[14]);
void launchResize(int mode, int dtype, const void* x, void* out, const int64_t p[8]);
void launchCumsum(int dtype, const void* x, void* out, int64_t outer, int64_t inner, bool exclusive, bool reverse);
void launchTopk(const float* x, float* values, int32_t* indices, int64_t rows, int64_t cols, int64_t k);
void launchOneHot(const int32_t* indices, void* out, int64_t n, int64_t depth, double on, double off, int dtype);

void gemmInit();
void gemmSetTF32(bool enabled);
bool gemmTF32();
// C [m x n] = A [m x k] · op(B) + residual [m x n] (optional, null for none) + bias [n], ReLU'd when asked, in one
// cuBLASLt call (or, where timing on first use found it faster, the bias written first and a GEMM accumulating onto it);
// false (nothing queued) when cuBLASLt cannot, and the caller does the rest itself (gemm_bias.cu).
bool gemmBias(const float* a, const float* b, const float* bias, const float* residual, float* c, int64_t m, int64_t n, int64_t k, bool transB, bool relu);
// C [m x n] += A [m x k] · op(B), row-major, one cublasSgemm with beta = 1 (gemm_bias.cu's prefilled path).
void gemmAccumulate(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool transB);
int gemmVersion();
void gemm(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB,
          int64_t strideA, int64_t strideB, int64_t strideC);
// The same with explicit row strides (lda, ldb, ldc ≥ the row length of each row-major operand) and C = alpha·A·op(B).
void gemmStrided(const float* a, int64_t lda, int64_t strideA, const float* b, int64_t ldb, int64_t strideB, float* c, int64_t ldc,
                 int64_t strideC, int64_t batch, int64_t m, int64_t n, int64_t k, bool transA, bool transB, float alpha);

// A GEMM batched over two levels (b < B, h < H) whose operand offsets are b·sX_b + h·sX_h for X in A, B, C: one
// strided-batched call when the levels merge into one stride, else one pointer-array call (pointers built on device).
struct TwoLevel {
  int64_t batchStride, headStride;
};
void gemmTwoLevel(const float* a, int64_t lda, TwoLevel sa, const float* b, int64_t ldb, TwoLevel sb, float* c, int64_t ldc, TwoLevel sc, int64_t B,
                  int64_t H, int64_t m, int64_t n, int64_t k, bool transA, bool transB, float alpha);

// Multi-head attention core over strided per-head views (see attention.cu).
struct HeadView {
  int64_t offset, batchStride, headStride, rowStride;
};
void attention(const float* q, HeadView qv, const float* k, HeadView kv, const float* v, HeadView vv, const float* mask, const int64_t maskStrides[4],
               float* out, HeadView ov, float* probs, int64_t B, int64_t H, int64_t Lq, int64_t Lk, int64_t d, float scale);

}  // namespace pc
