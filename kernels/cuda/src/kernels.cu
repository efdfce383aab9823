// The hand-written kernels of prismer_cuda: one generic elementwise family (unary and broadcasting binary ops
// by opcode, select), one row reduction, softmax, one strided copy (transpose/slice/pad/tile/concat), gather,
// im2col for conv2d, resize, cumsum, topk and one-hot. All run on pc::stream(); launchers check their sizes.
#include "common.h"
#include "index32.cuh"
#include <cfloat>
#include <cmath>
#include <climits>

namespace pc {

namespace {

constexpr int THREADS = 256;

unsigned blocksFor(int64_t n) {
  int64_t blocks = (n + THREADS - 1) / THREADS;
  if (blocks < 1) blocks = 1;
  // Grid-stride loops cover the rest; this many blocks already fills any current GPU.
  return static_cast<unsigned>(blocks > (1 << 20) ? (1 << 20) : blocks);
}

#define GRID_STRIDE(i, n) for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// ---------------------------------------------------------------- unary

__device__ __forceinline__ float unaryF(int op, float x, float a, float b) {
  switch (op) {
    case U_CAST: return x;
    case U_NEG: return -x;
    case U_ABS: return fabsf(x);
    case U_EXP: return expf(x);
    case U_LOG: return logf(x);
    case U_SQRT: return sqrtf(x);
    case U_RSQRT: return rsqrtf(x);
    case U_SQUARE: return x * x;
    case U_TANH: return tanhf(x);
    case U_SIGMOID: return 1.f / (1.f + expf(-x));
    case U_RELU: return x > 0.f ? x : (x != x ? x : 0.f);
    case U_RELU6: return x != x ? x : fminf(fmaxf(x, 0.f), 6.f);
    case U_ERF: return erff(x);
    case U_GELU: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case U_QUICK_GELU: return x / (1.f + expf(-1.702f * x));
    case U_SIN: return sinf(x);
    case U_COS: return cosf(x);
    case U_TAN: return tanf(x);
    case U_ASIN: return asinf(x);
    case U_ACOS: return acosf(x);
    case U_ATAN: return atanf(x);
    case U_SINH: return sinhf(x);
    case U_COSH: return coshf(x);
    case U_ASINH: return asinhf(x);
    case U_ACOSH: return acoshf(x);
    case U_ATANH: return atanhf(x);
    case U_FLOOR: return floorf(x);
    case U_CEIL: return ceilf(x);
    case U_ROUND: return rintf(x);  // half to even, as tfjs' Round
    case U_SIGN: return x > 0.f ? 1.f : (x < 0.f ? -1.f : (x == 0.f ? 0.f : x));
    case U_RECIPROCAL: return 1.f / x;
    case U_EXPM1: return expm1f(x);
    case U_LOG1P: return log1pf(x);
    case U_SOFTPLUS: {
      // tfjs' thresholds (log(float32 epsilon) + 2), so large |x| match its results exactly.
      const float threshold = -13.942385152878742f;
      if (x > -threshold) return x;
      if (x < threshold) return expf(x);
      return logf(expf(x) + 1.f);
    }
    case U_ELU: return x >= 0.f ? x : expf(x) - 1.f;
    case U_SELU: return x >= 0.f ? 1.0507009873554805f * x : 1.0507009873554805f * 1.6732632423543772f * (expf(x) - 1.f);
    case U_LEAKY_RELU: return x < 0.f ? a * x : x;
    case U_STEP: return x != x ? x : (x > 0.f ? 1.f : a);
    case U_IS_NAN: return x != x ? 1.f : 0.f;
    case U_IS_INF: return isinf(x) ? 1.f : 0.f;
    case U_IS_FINITE: return isfinite(x) ? 1.f : 0.f;
    case U_LOGICAL_NOT: return x == 0.f ? 1.f : 0.f;
    case U_NOT_ZERO: return x != 0.f ? 1.f : 0.f;
    case U_CLIP: return x != x ? x : fminf(fmaxf(x, a), b);
    case U_AFFINE: return x * a + b;
    default: return __int_as_float(0x7fc00000);
  }
}

template <typename TO>
__device__ __forceinline__ TO unaryValue(int op, float x, float a, float b) {
  return static_cast<TO>(unaryF(op, x, a, b));
}

// Integer inputs keep integer arithmetic where tfjs does (so large int32 values stay exact).
template <typename TO>
__device__ __forceinline__ TO unaryValue(int op, int32_t x, float a, float b) {
  switch (op) {
    case U_CAST: return static_cast<TO>(x);
    case U_NEG: return static_cast<TO>(-x);
    case U_ABS: return static_cast<TO>(x < 0 ? -x : x);
    case U_SQUARE: return static_cast<TO>(x * x);
    case U_SIGN: return static_cast<TO>(x > 0 ? 1 : (x < 0 ? -1 : 0));
    case U_RELU: return static_cast<TO>(x > 0 ? x : 0);
    case U_LOGICAL_NOT: return static_cast<TO>(x == 0 ? 1 : 0);
    case U_NOT_ZERO: return static_cast<TO>(x != 0 ? 1 : 0);
    default: return static_cast<TO>(unaryF(op, static_cast<float>(x), a, b));
  }
}

template <typename TI, typename TO>
__global__ void unaryKernel(int op, const TI* __restrict__ x, TO* __restrict__ out, int64_t n, float a, float b) {
  GRID_STRIDE(i, n) out[i] = unaryValue<TO>(op, x[i], a, b);
}

// ---------------------------------------------------------------- binary

__device__ __forceinline__ float binaryF(int op, float a, float b) {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_FLOOR_DIV: return floorf(a / b);
    case B_MOD: {
      const float r = fmodf(a, b);
      if ((a < 0.f && b < 0.f) || (a >= 0.f && b >= 0.f)) return r;
      return fmodf(r + b, b);
    }
    case B_MAX: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b);
    case B_MIN: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b);
    case B_POW: return powf(a, b);
    case B_SQUARED_DIFFERENCE: return (a - b) * (a - b);
    case B_ATAN2: return atan2f(a, b);
    case B_EQUAL: return a == b;
    case B_NOT_EQUAL: return a != b;
    case B_LESS: return a < b;
    case B_LESS_EQUAL: return a <= b;
    case B_GREATER: return a > b;
    case B_GREATER_EQUAL: return a >= b;
    case B_LOGICAL_AND: return (a != 0.f) && (b != 0.f);
    case B_LOGICAL_OR: return (a != 0.f) || (b != 0.f);
    case B_PRELU: return a < 0.f ? b * a : a;
    default: return __int_as_float(0x7fc00000);
  }
}

template <typename TO>
__device__ __forceinline__ TO binaryValue(int op, float a, float b) {
  return static_cast<TO>(binaryF(op, a, b));
}

template <typename TO>
__device__ __forceinline__ TO binaryValue(int op, int32_t a, int32_t b) {
  switch (op) {
    case B_ADD: return static_cast<TO>(a + b);
    case B_SUB: return static_cast<TO>(a - b);
    case B_MUL: return static_cast<TO>(a * b);
    case B_FLOOR_DIV: {
      if (b == 0) return static_cast<TO>(0);
      int32_t q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return static_cast<TO>(q);
    }
    case B_MOD: {
      if (b == 0) return static_cast<TO>(0);
      int32_t r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return static_cast<TO>(r);
    }
    case B_MAX: return static_cast<TO>(a > b ? a : b);
    case B_MIN: return static_cast<TO>(a < b ? a : b);
    case B_SQUARED_DIFFERENCE: return static_cast<TO>((a - b) * (a - b));
    case B_EQUAL: return static_cast<TO>(a == b);
    case B_NOT_EQUAL: return static_cast<TO>(a != b);
    case B_LESS: return static_cast<TO>(a < b);
    case B_LESS_EQUAL: return static_cast<TO>(a <= b);
    case B_GREATER: return static_cast<TO>(a > b);
    case B_GREATER_EQUAL: return static_cast<TO>(a >= b);
    case B_LOGICAL_AND: return static_cast<TO>(a != 0 && b != 0);
    case B_LOGICAL_OR: return static_cast<TO>(a != 0 || b != 0);
    case B_PRELU: return static_cast<TO>(a < 0 ? b * a : a);
    default: return static_cast<TO>(binaryF(op, static_cast<float>(a), static_cast<float>(b)));
  }
}

__device__ __forceinline__ int64_t stridedOffset(int64_t i, const Strided& s, const int64_t* strides) {
  int64_t offset = 0;
  for (int d = s.rank - 1; d >= 0; --d) {
    const int64_t extent = s.shape[d];
    offset += (i % extent) * strides[d];
    i /= extent;
  }
  return offset;
}

// How an operand is addressed from the contiguous output index i. The common cases skip the per-dimension
// division of the general path: same layout, a scalar, a repeated trailing block (bias rows), or one value
// per leading block (row statistics such as a layer norm's mean).
enum Access { A_SAME = 0, A_SCALAR = 1, A_MOD = 2, A_DIV = 3, A_STRIDED = 4 };

template <int ACCESS>
__device__ __forceinline__ int64_t operandIndex(int64_t i, int64_t param, const Strided& s, const int64_t* strides) {
  if (ACCESS == A_SAME) return i;
  if (ACCESS == A_SCALAR) return 0;
  if (ACCESS == A_MOD) return i % param;
  if (ACCESS == A_DIV) return i / param;
  return stridedOffset(i, s, strides);
}

template <int AA, int AB, typename T, typename TO>
__global__ void binaryKernel(int op, const T* __restrict__ a, const T* __restrict__ b, TO* __restrict__ out, int64_t n,
                             int64_t pa, int64_t pb, Strided s) {
  GRID_STRIDE(i, n) {
    out[i] = binaryValue<TO>(op, a[operandIndex<AA>(i, pa, s, s.s0)], b[operandIndex<AB>(i, pb, s, s.s1)]);
  }
}

template <typename T, typename TO>
__global__ void binaryScalarKernel(int op, const T* __restrict__ a, T scalar, bool scalarFirst, TO* __restrict__ out, int64_t n) {
  if (scalarFirst) {
    GRID_STRIDE(i, n) out[i] = binaryValue<TO>(op, scalar, a[i]);
  } else {
    GRID_STRIDE(i, n) out[i] = binaryValue<TO>(op, a[i], scalar);
  }
}

// Classifies strides (over s.shape, row-major output) into an Access and its parameter.
int classify(const Strided& s, const int64_t* strides, int64_t* param) {
  const int r = s.rank;
  int64_t expected[MAX_RANK];
  int64_t acc = 1;
  for (int d = r - 1; d >= 0; --d) { expected[d] = acc; acc *= s.shape[d]; }
  auto matches = [&](int d, int64_t want) { return s.shape[d] == 1 || strides[d] == want; };
  bool same = true, zero = true;
  for (int d = 0; d < r; ++d) {
    same = same && matches(d, expected[d]);
    zero = zero && (s.shape[d] == 1 || strides[d] == 0);
  }
  if (same) return A_SAME;
  if (zero) return A_SCALAR;
  // Trailing block [p, r) contiguous, leading dims broadcast: index = i % block.
  for (int p = 1; p < r; ++p) {
    bool ok = true;
    int64_t block = 1;
    for (int d = r - 1; d >= p; --d) { ok = ok && matches(d, block); block *= s.shape[d]; }
    for (int d = 0; d < p; ++d) ok = ok && (s.shape[d] == 1 || strides[d] == 0);
    if (ok) { *param = block; return A_MOD; }
  }
  // Leading dims [0, p) contiguous over their own extent, trailing dims broadcast: index = i / trailing.
  for (int p = r - 1; p >= 1; --p) {
    bool ok = true;
    int64_t trailing = 1;
    for (int d = r - 1; d >= p; --d) { ok = ok && (s.shape[d] == 1 || strides[d] == 0); trailing *= s.shape[d]; }
    int64_t block = 1;
    for (int d = p - 1; d >= 0; --d) { ok = ok && matches(d, block); block *= s.shape[d]; }
    if (ok) { *param = trailing; return A_DIV; }
  }
  return A_STRIDED;
}

template <typename T, typename TO, int AA>
void binaryDispatchB(int ab, int op, const T* a, const T* b, TO* out, int64_t n, int64_t pa, int64_t pb, const Strided& s) {
  const unsigned g = blocksFor(n);
  switch (ab) {
    case A_SAME: binaryKernel<AA, A_SAME><<<g, THREADS, 0, stream()>>>(op, a, b, out, n, pa, pb, s); break;
    case A_SCALAR: binaryKernel<AA, A_SCALAR><<<g, THREADS, 0, stream()>>>(op, a, b, out, n, pa, pb, s); break;
    case A_MOD: binaryKernel<AA, A_MOD><<<g, THREADS, 0, stream()>>>(op, a, b, out, n, pa, pb, s); break;
    case A_DIV: binaryKernel<AA, A_DIV><<<g, THREADS, 0, stream()>>>(op, a, b, out, n, pa, pb, s); break;
    default: binaryKernel<AA, A_STRIDED><<<g, THREADS, 0, stream()>>>(op, a, b, out, n, pa, pb, s); break;
  }
}

template <typename T, typename TO>
void binaryTyped(int op, const void* a, const void* b, void* out, const Strided& s) {
  const int64_t n = sizeOf(s);
  int64_t pa = 0, pb = 0;
  const int aa = classify(s, s.s0, &pa);
  const int ab = classify(s, s.s1, &pb);
  const T* ta = static_cast<const T*>(a);
  const T* tb = static_cast<const T*>(b);
  TO* to = static_cast<TO*>(out);
  switch (aa) {
    case A_SAME: binaryDispatchB<T, TO, A_SAME>(ab, op, ta, tb, to, n, pa, pb, s); break;
    case A_SCALAR: binaryDispatchB<T, TO, A_SCALAR>(ab, op, ta, tb, to, n, pa, pb, s); break;
    case A_MOD: binaryDispatchB<T, TO, A_MOD>(ab, op, ta, tb, to, n, pa, pb, s); break;
    case A_DIV: binaryDispatchB<T, TO, A_DIV>(ab, op, ta, tb, to, n, pa, pb, s); break;
    default: binaryDispatchB<T, TO, A_STRIDED>(ab, op, ta, tb, to, n, pa, pb, s); break;
  }
}

// ---------------------------------------------------------------- select, copy, gather

__global__ void selectKernel(const int32_t* __restrict__ cond, const uint32_t* __restrict__ a, const uint32_t* __restrict__ b,
                             uint32_t* __restrict__ out, int64_t n, Strided s) {
  GRID_STRIDE(i, n) {
    out[i] = cond[stridedOffset(i, s, s.s0)] ? a[stridedOffset(i, s, s.s1)] : b[stridedOffset(i, s, s.s2)];
  }
}

__global__ void copyKernel(const uint32_t* __restrict__ x, uint32_t* __restrict__ out, int64_t n, Strided s, int64_t inOffset, int64_t outOffset) {
  GRID_STRIDE(i, n) {
    int64_t rest = i, in = inOffset, o = outOffset;
    for (int d = s.rank - 1; d >= 0; --d) {
      const int64_t extent = s.shape[d];
      const int64_t k = rest % extent;
      rest /= extent;
      in += k * s.s0[d];
      o += k * s.s1[d];
    }
    out[o] = x[in];
  }
}

// out[b, p, q] (contiguous from outOffset) = x[inOffset + b·sb + p + q·sq]: a transpose whose input is contiguous
// along p. 32x32 tiles through shared memory keep both the reads (along p) and the writes (along q) coalesced, and
// no per-element index division is needed.
__global__ void transposeTileKernel(const uint32_t* __restrict__ x, uint32_t* __restrict__ out, int64_t P, int64_t Q, int64_t sb, int64_t sq,
                                    int64_t inOffset, int64_t outOffset) {
  __shared__ uint32_t tile[32][33];
  const int64_t b = blockIdx.z, p0 = static_cast<int64_t>(blockIdx.y) * 32, q0 = static_cast<int64_t>(blockIdx.x) * 32;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const uint32_t* in = x + inOffset + b * sb;
  for (int k = ty; k < 32; k += 8) {
    const int64_t p = p0 + tx, q = q0 + k;
    if (p < P && q < Q) tile[k][tx] = in[p + q * sq];
  }
  __syncthreads();
  uint32_t* o = out + outOffset + b * P * Q;
  for (int k = ty; k < 32; k += 8) {
    const int64_t p = p0 + k, q = q0 + tx;
    if (p < P && q < Q) o[p * Q + q] = tile[tx][k];
  }
}

// out[i] = x[i]·scale[i mod C] + shift[i mod C], optionally ReLU'd: an eval-mode BatchNorm (channels last) and its ReLU.
__global__ void scaleShiftKernel(const float* __restrict__ x, const float* __restrict__ scale, const float* __restrict__ shift, float* __restrict__ out,
                                 int64_t n, int64_t C, bool relu) {
  GRID_STRIDE(i, n) {
    const int64_t c = i % C;
    const float y = x[i] * scale[c] + shift[c];
    out[i] = relu ? (y > 0.f ? y : (y != y ? y : 0.f)) : y;
  }
}

__global__ void gatherKernel(const uint32_t* __restrict__ x, const int32_t* __restrict__ indices, uint32_t* __restrict__ out,
                             int64_t n, int64_t axisSize, int64_t inner, int64_t count) {
  GRID_STRIDE(i, n) {
    const int64_t j = i % inner;
    const int64_t c = (i / inner) % count;
    const int64_t o = i / (inner * count);
    const int64_t idx = indices[c];
    out[i] = (idx >= 0 && idx < axisSize) ? x[(o * axisSize + idx) * inner + j] : 0u;
  }
}

template <typename T>
__global__ void fillKernel(T* out, int64_t n, T value) {
  GRID_STRIDE(i, n) out[i] = value;
}

// ---------------------------------------------------------------- reductions and softmax

// Rows are reduced by groups of GROUP threads (a warp for short rows, a whole block for long ones).
template <typename A, int GROUP, typename F>
__device__ __forceinline__ A groupReduce(A v, F combine) {
  for (int offset = 16; offset > 0; offset >>= 1) v = combine(v, __shfl_down_sync(0xffffffffu, v, offset));
  if (GROUP == 32) return __shfl_sync(0xffffffffu, v, 0);
  __shared__ A partial[GROUP / 32];
  __shared__ A result;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // partial and result may still be read from a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    A w = partial[0];
    for (int k = 1; k < GROUP / 32; ++k) w = combine(w, partial[k]);
    result = w;
  }
  __syncthreads();
  return result;
}

// The row a GROUP-thread group of this block reduces and the thread's lane in it. Out-of-range groups keep an empty
// row (len 0) and still take part in the block-wide shuffles and barriers.
struct RowSlot {
  int64_t row;
  int lane;
  bool live;
  int64_t len;
};

template <int GROUP>
__device__ __forceinline__ RowSlot rowSlot(int64_t rows, int64_t cols) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (THREADS / GROUP) + threadIdx.x / GROUP;
  const bool live = row < rows;
  return {row, static_cast<int>(threadIdx.x % GROUP), live, live ? cols : 0};
}

template <typename A> struct Limits;
template <> struct Limits<float> {
  __device__ static float lowest() { return -INFINITY; }
  __device__ static float highest() { return INFINITY; }
};
template <> struct Limits<long long> {
  __device__ static long long lowest() { return LLONG_MIN; }
  __device__ static long long highest() { return LLONG_MAX; }
};

template <typename T> struct AccOf { using type = float; };
template <> struct AccOf<int32_t> { using type = long long; };

template <typename T, typename TO, int GROUP>
__global__ void reduceKernel(int op, const T* __restrict__ x, TO* __restrict__ out, int64_t outer, int64_t inner) {
  using A = typename AccOf<T>::type;
  const RowSlot slot = rowSlot<GROUP>(outer, inner);
  const int64_t row = slot.row, len = slot.len;
  const int lane = slot.lane;
  const bool live = slot.live;
  const T* r = x + (live ? row : 0) * inner;
  if (op == R_ARGMAX || op == R_ARGMIN) {
    const bool wantMax = op == R_ARGMAX;
    float best = wantMax ? -INFINITY : INFINITY;
    long long where = inner;  // "none yet": loses every tie
    for (int64_t j = lane; j < len; j += GROUP) {
      const float v = static_cast<float>(r[j]);
      if ((wantMax ? v > best : v < best) || where == inner) { best = v; where = j; }
    }
    // Combine (value, index) pairs: better value wins, equal values keep the lower index.
    for (int offset = 16; offset > 0; offset >>= 1) {
      const float ov = __shfl_down_sync(0xffffffffu, best, offset);
      const long long oi = __shfl_down_sync(0xffffffffu, where, offset);
      const bool take = oi != inner && (where == inner || (wantMax ? ov > best : ov < best) || (ov == best && oi < where));
      if (take) { best = ov; where = oi; }
    }
    if (GROUP > 32) {
      __shared__ float pv[GROUP > 32 ? GROUP / 32 : 1];
      __shared__ long long pi[GROUP > 32 ? GROUP / 32 : 1];
      const int wl = threadIdx.x & 31, w = threadIdx.x >> 5;
      if (wl == 0) { pv[w] = best; pi[w] = where; }
      __syncthreads();
      if (threadIdx.x == 0) {
        for (int k = 1; k < GROUP / 32; ++k) {
          const bool take = pi[k] != inner && (where == inner || (wantMax ? pv[k] > best : pv[k] < best) || (pv[k] == best && pi[k] < where));
          if (take) { best = pv[k]; where = pi[k]; }
        }
      }
    }
    if (live && lane == 0) out[row] = static_cast<TO>(where == inner ? 0 : where);
    return;
  }
  A v;
  switch (op) {
    case R_PROD: case R_ALL: v = A(1); break;
    case R_MAX: v = Limits<A>::lowest(); break;
    case R_MIN: v = Limits<A>::highest(); break;
    default: v = A(0);
  }
  for (int64_t j = lane; j < len; j += GROUP) {
    const A e = static_cast<A>(r[j]);
    switch (op) {
      case R_SUM: case R_MEAN: v += e; break;
      case R_PROD: v *= e; break;
      case R_MAX: v = (e != e || e > v) ? e : v; break;
      case R_MIN: v = (e != e || e < v) ? e : v; break;
      case R_ANY: v = (v != A(0) || e != A(0)) ? A(1) : A(0); break;
      case R_ALL: v = (v != A(0) && e != A(0)) ? A(1) : A(0); break;
    }
  }
  const int o = op;
  v = groupReduce<A, GROUP>(v, [o](A p, A q) -> A {
    switch (o) {
      case R_PROD: return p * q;
      case R_MAX: return (q != q || q > p) ? q : p;
      case R_MIN: return (q != q || q < p) ? q : p;
      case R_ANY: return (p != A(0) || q != A(0)) ? A(1) : A(0);
      case R_ALL: return (p != A(0) && q != A(0)) ? A(1) : A(0);
      default: return p + q;
    }
  });
  if (live && lane == 0) {
    if (op == R_MEAN) out[row] = static_cast<TO>(static_cast<float>(v) / static_cast<float>(inner));
    else out[row] = static_cast<TO>(v);
  }
}

// Row softmax of x into out (in place when they are the same buffer: each lane rewrites only the entries it read) after
// adding the mask, if any, read through {b, h, q, k} strides with rows ordered [B, H, Lq]; masked scores are clamped at
// −FLT_MAX as transformers does. A block per row, for rows longer than the warp kernel below holds.
template <int GROUP>
__global__ void maskedSoftmaxKernel(const float* x, float* out, const float* __restrict__ mask, int64_t rows, int64_t cols, int64_t H, int64_t Lq,
                                    int64_t mb, int64_t mh, int64_t mq, int64_t mk) {
  const RowSlot slot = rowSlot<GROUP>(rows, cols);
  const int64_t row = slot.row, len = slot.len;
  const float* r = x + (slot.live ? row : 0) * cols;
  const int64_t qi = row % Lq, hi = (row / Lq) % H, bi = row / (Lq * H);
  const float* mr = mask ? mask + bi * mb + hi * mh + qi * mq : nullptr;
  auto value = [&](int64_t j) { return mr ? fmaxf(r[j] + mr[j * mk], -FLT_MAX) : r[j]; };
  float m = -INFINITY;
  for (int64_t j = slot.lane; j < len; j += GROUP) m = fmaxf(m, value(j));
  m = groupReduce<float, GROUP>(m, [](float a, float b) { return fmaxf(a, b); });
  float sum = 0.f;
  for (int64_t j = slot.lane; j < len; j += GROUP) sum += expf(value(j) - m);
  sum = groupReduce<float, GROUP>(sum, [](float a, float b) { return a + b; });
  if (!slot.live) return;
  const float inv = 1.f / sum;
  float* o = out + row * cols;
  for (int64_t j = slot.lane; j < len; j += GROUP) o[j] = expf(value(j) - m) * inv;
}

// Rows of up to 32·PER_LANE columns: one warp per row holds its row in registers, so the scores are read once.
template <int PER_LANE>
__global__ void maskedSoftmaxWarpKernel(const float* x, float* out, const float* __restrict__ mask, int64_t rows, int64_t cols, int64_t H, int64_t Lq,
                                        int64_t mb, int64_t mh, int64_t mq, int64_t mk) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (THREADS / 32) + threadIdx.x / 32;
  if (row >= rows) return;  // whole warps leave together, so the shuffles below stay full
  const int lane = threadIdx.x & 31;
  const float* r = x + row * cols;
  float* o = out + row * cols;
  const int64_t qi = row % Lq, hi = (row / Lq) % H, bi = row / (Lq * H);
  const float* mr = mask ? mask + bi * mb + hi * mh + qi * mq : nullptr;
  float v[PER_LANE];
  float m = -INFINITY;
#pragma unroll
  for (int i = 0; i < PER_LANE; ++i) {
    const int64_t j = lane + 32 * i;
    v[i] = j < cols ? (mr ? fmaxf(r[j] + mr[j * mk], -FLT_MAX) : r[j]) : -INFINITY;
    m = fmaxf(m, v[i]);
  }
  for (int offset = 16; offset > 0; offset >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, offset));
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < PER_LANE; ++i) {
    v[i] = lane + 32 * i < cols ? expf(v[i] - m) : 0.f;
    sum += v[i];
  }
  for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  const float inv = 1.f / sum;
#pragma unroll
  for (int i = 0; i < PER_LANE; ++i) {
    const int64_t j = lane + 32 * i;
    if (j < cols) o[j] = v[i] * inv;
  }
}

template <int GROUP>
__global__ void layerNormKernel(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta, float* __restrict__ out,
                                int64_t rows, int64_t cols, float eps) {
  const RowSlot slot = rowSlot<GROUP>(rows, cols);
  const int64_t row = slot.row, len = slot.len;
  const int lane = slot.lane;
  const bool live = slot.live;
  const float* r = x + (live ? row : 0) * cols;
  // Two passes over the row (mean, then squared deviations), as the composite ops compute it.
  float sum = 0.f;
  for (int64_t j = lane; j < len; j += GROUP) sum += r[j];
  const float mean = groupReduce<float, GROUP>(sum, [](float a, float b) { return a + b; }) / static_cast<float>(cols);
  float squares = 0.f;
  for (int64_t j = lane; j < len; j += GROUP) {
    const float c = r[j] - mean;
    squares += c * c;
  }
  const float variance = groupReduce<float, GROUP>(squares, [](float a, float b) { return a + b; }) / static_cast<float>(cols);
  if (!live) return;
  const float inv = rsqrtf(variance + eps);
  float* o = out + row * cols;
  for (int64_t j = lane; j < len; j += GROUP) o[j] = (r[j] - mean) * inv * gamma[j] + beta[j];
}

// ---------------------------------------------------------------- conv, resize, scans, topk, one-hot

__global__ void im2colKernel(const float* __restrict__ x, float* __restrict__ cols, int64_t n, int64_t H, int64_t W, int64_t C,
                             int64_t KH, int64_t KW, int64_t SH, int64_t SW, int64_t PT, int64_t PL, int64_t DH, int64_t DW, int64_t OH, int64_t OW) {
  const int64_t rowLen = KH * KW * C;
  GRID_STRIDE(i, n) {
    const int64_t col = i % rowLen, row = i / rowLen;
    const int64_t c = col % C, kw = (col / C) % KW, kh = col / (C * KW);
    const int64_t ow = row % OW, oh = (row / OW) % OH, b = row / (OW * OH);
    const int64_t ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
    cols[i] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[((b * H + ih) * W + iw) * C + c] : 0.f;
  }
}

template <typename T>
__global__ void resizeKernel(int mode, const T* __restrict__ x, T* __restrict__ out, int64_t n, int64_t H, int64_t W, int64_t C,
                             int64_t OH, int64_t OW, bool alignCorners, bool halfPixel) {
  // Coordinates in double, as tfjs computes them in JavaScript numbers.
  const double rowRatio = static_cast<double>(alignCorners && OH > 1 ? H - 1 : H) / static_cast<double>(alignCorners && OH > 1 ? OH - 1 : OH);
  const double colRatio = static_cast<double>(alignCorners && OW > 1 ? W - 1 : W) / static_cast<double>(alignCorners && OW > 1 ? OW - 1 : OW);
  GRID_STRIDE(i, n) {
    const int64_t c = i % C, ox = (i / C) % OW, oy = (i / (C * OW)) % OH, b = i / (C * OW * OH);
    const T* img = x + b * H * W * C;
    if (mode == 1) {
      const double fy = halfPixel ? rowRatio * (oy + 0.5) : rowRatio * oy;
      const double fx = halfPixel ? colRatio * (ox + 0.5) : colRatio * ox;
      int64_t sy = static_cast<int64_t>(alignCorners ? floor(fy + 0.5) : floor(fy));
      int64_t sx = static_cast<int64_t>(alignCorners ? floor(fx + 0.5) : floor(fx));
      sy = sy < H - 1 ? sy : H - 1;
      sx = sx < W - 1 ? sx : W - 1;
      if (halfPixel) { sy = sy > 0 ? sy : 0; sx = sx > 0 ? sx : 0; }
      out[i] = img[(sy * W + sx) * C + c];
    } else {
      const double fy = halfPixel ? rowRatio * (oy + 0.5) - 0.5 : rowRatio * oy;
      const double fx = halfPixel ? colRatio * (ox + 0.5) - 0.5 : colRatio * ox;
      const int64_t y0 = static_cast<int64_t>(fmax(0.0, floor(fy)));
      const int64_t x0 = static_cast<int64_t>(fmax(0.0, floor(fx)));
      const int64_t y1 = static_cast<int64_t>(fmin(static_cast<double>(H - 1), ceil(fy)));
      const int64_t x1 = static_cast<int64_t>(fmin(static_cast<double>(W - 1), ceil(fx)));
      const float dy = static_cast<float>(fy - y0), dx = static_cast<float>(fx - x0);
      const float tl = img[(y0 * W + x0) * C + c], tr = img[(y0 * W + x1) * C + c];
      const float bl = img[(y1 * W + x0) * C + c], br = img[(y1 * W + x1) * C + c];
      const float top = tl + (tr - tl) * dx, bottom = bl + (br - bl) * dx;
      out[i] = static_cast<T>(top + (bottom - top) * dy);
    }
  }
}

template <typename T>
__global__ void cumsumKernel(const T* __restrict__ x, T* __restrict__ out, int64_t outer, int64_t inner, bool exclusive, bool reverse) {
  GRID_STRIDE(row, outer) {
    const T* r = x + row * inner;
    T* o = out + row * inner;
    T acc = T(0);
    for (int64_t t = 0; t < inner; ++t) {
      const int64_t j = reverse ? inner - 1 - t : t;
      if (exclusive) { o[j] = acc; acc += r[j]; }
      else { acc += r[j]; o[j] = acc; }
    }
  }
}

// One block per row; k rounds of a block argmax over the elements ranked after the previous pick
// (value descending, index ascending), so ties come out lowest index first as in tfjs.
__global__ void topkKernel(const float* __restrict__ x, float* __restrict__ values, int32_t* __restrict__ indices, int64_t cols, int64_t k) {
  const float* r = x + blockIdx.x * cols;
  __shared__ float sv[THREADS / 32];
  __shared__ long long si[THREADS / 32];
  __shared__ float prevV;
  __shared__ long long prevI;
  if (threadIdx.x == 0) { prevV = INFINITY; prevI = -1; }
  __syncthreads();
  for (int64_t round = 0; round < k; ++round) {
    const float pv = prevV;
    const long long pi = prevI;
    float best = -INFINITY;
    long long where = -1;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
      const float v = r[j];
      const bool eligible = pi < 0 || v < pv || (v == pv && j > pi);
      if (eligible && (where < 0 || v > best)) { best = v; where = j; }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
      const float ov = __shfl_down_sync(0xffffffffu, best, offset);
      const long long oi = __shfl_down_sync(0xffffffffu, where, offset);
      if (oi >= 0 && (where < 0 || ov > best || (ov == best && oi < where))) { best = ov; where = oi; }
    }
    if ((threadIdx.x & 31) == 0) { sv[threadIdx.x >> 5] = best; si[threadIdx.x >> 5] = where; }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 1; w < static_cast<int>(blockDim.x >> 5); ++w) {
        if (si[w] >= 0 && (where < 0 || sv[w] > best || (sv[w] == best && si[w] < where))) { best = sv[w]; where = si[w]; }
      }
      values[blockIdx.x * k + round] = best;
      indices[blockIdx.x * k + round] = static_cast<int32_t>(where);
      prevV = best;
      prevI = where;
    }
    __syncthreads();
  }
}

template <typename T>
__global__ void oneHotKernel(const int32_t* __restrict__ indices, T* __restrict__ out, int64_t n, int64_t depth, T on, T off) {
  GRID_STRIDE(i, n) out[i] = indices[i / depth] == static_cast<int32_t>(i % depth) ? on : off;
}

}  // namespace

int64_t sizeOf(const Strided& s) {
  int64_t n = 1;
  for (int d = 0; d < s.rank; ++d) n *= s.shape[d];
  return n;
}

void launchFill(int dtype, void* out, int64_t n, double value) {
  if (n == 0) return;
  if (dtype == F32) fillKernel<float><<<blocksFor(n), THREADS, 0, stream()>>>(static_cast<float*>(out), n, static_cast<float>(value));
  else fillKernel<int32_t><<<blocksFor(n), THREADS, 0, stream()>>>(static_cast<int32_t*>(out), n, static_cast<int32_t>(value));
  afterLaunch("fill");
}

void launchUnary(int op, int inType, int outType, const void* x, void* out, int64_t n, float alpha, float beta) {
  if (op < 0 || op >= U_COUNT) throw Error("unary: unknown opcode " + std::to_string(op));
  if (n == 0) return;
  const unsigned g = blocksFor(n);
  if (inType == F32 && outType == F32) unaryKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const float*>(x), static_cast<float*>(out), n, alpha, beta);
  else if (inType == F32) unaryKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const float*>(x), static_cast<int32_t*>(out), n, alpha, beta);
  else if (outType == F32) unaryKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const int32_t*>(x), static_cast<float*>(out), n, alpha, beta);
  else unaryKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const int32_t*>(x), static_cast<int32_t*>(out), n, alpha, beta);
  afterLaunch("unary");
}

void launchBinary(int op, int inType, int outType, const void* a, const void* b, void* out, const Strided& s) {
  if (op < 0 || op >= B_COUNT) throw Error("binary: unknown opcode " + std::to_string(op));
  if (sizeOf(s) == 0) return;
  if (inType == F32 && outType == F32) binaryTyped<float, float>(op, a, b, out, s);
  else if (inType == F32) binaryTyped<float, int32_t>(op, a, b, out, s);
  else if (outType == F32) binaryTyped<int32_t, float>(op, a, b, out, s);
  else binaryTyped<int32_t, int32_t>(op, a, b, out, s);
  afterLaunch("binary");
}

void launchBinaryScalar(int op, int inType, int outType, const void* a, double scalar, bool scalarFirst, void* out, int64_t n) {
  if (op < 0 || op >= B_COUNT) throw Error("binaryScalar: unknown opcode " + std::to_string(op));
  if (n == 0) return;
  const unsigned g = blocksFor(n);
  const float fs = static_cast<float>(scalar);
  const int32_t is = static_cast<int32_t>(scalar);
  if (inType == F32 && outType == F32) binaryScalarKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const float*>(a), fs, scalarFirst, static_cast<float*>(out), n);
  else if (inType == F32) binaryScalarKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const float*>(a), fs, scalarFirst, static_cast<int32_t*>(out), n);
  else if (outType == F32) binaryScalarKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const int32_t*>(a), is, scalarFirst, static_cast<float*>(out), n);
  else binaryScalarKernel<<<g, THREADS, 0, stream()>>>(op, static_cast<const int32_t*>(a), is, scalarFirst, static_cast<int32_t*>(out), n);
  afterLaunch("binaryScalar");
}

void launchSelect(const int32_t* cond, const uint32_t* a, const uint32_t* b, uint32_t* out, const Strided& s) {
  const int64_t n = sizeOf(s);
  if (n == 0) return;
  selectKernel<<<blocksFor(n), THREADS, 0, stream()>>>(cond, a, b, out, n, s);
  afterLaunch("select");
}

void launchReduce(int op, int inType, int outType, const void* x, void* out, int64_t outer, int64_t inner) {
  if (op < 0 || op >= R_COUNT) throw Error("reduce: unknown opcode " + std::to_string(op));
  if (outer == 0) return;
  if (inner == 0) {
    // tfjs: the sum of nothing is 0, the product 1; max/min/arg of nothing are not defined (we write 0).
    launchFill(outType, out, outer, (op == R_PROD || op == R_ALL) ? 1.0 : 0.0);
    return;
  }
  const bool shortRows = inner <= 256;
  const unsigned g = static_cast<unsigned>(shortRows ? (outer + THREADS / 32 - 1) / (THREADS / 32) : outer);
#define PC_REDUCE(T, TO)                                                                                              \
  if (shortRows) reduceKernel<T, TO, 32><<<g, THREADS, 0, stream()>>>(op, static_cast<const T*>(x), static_cast<TO*>(out), outer, inner); \
  else reduceKernel<T, TO, THREADS><<<g, THREADS, 0, stream()>>>(op, static_cast<const T*>(x), static_cast<TO*>(out), outer, inner);
  if (inType == F32 && outType == F32) { PC_REDUCE(float, float) }
  else if (inType == F32) { PC_REDUCE(float, int32_t) }
  else if (outType == F32) { PC_REDUCE(int32_t, float) }
  else { PC_REDUCE(int32_t, int32_t) }
#undef PC_REDUCE
  afterLaunch("reduce");
}

void launchMaskedSoftmax(const float* x, float* out, const float* mask, int64_t B, int64_t H, int64_t Lq, int64_t Lk, const int64_t m[4]) {
  const int64_t rows = B * H * Lq;
  if (rows == 0 || Lk == 0) return;
  const unsigned warpBlocks = static_cast<unsigned>((rows + THREADS / 32 - 1) / (THREADS / 32));
#define PC_WARP_SOFTMAX(N) maskedSoftmaxWarpKernel<N><<<warpBlocks, THREADS, 0, stream()>>>(x, out, mask, rows, Lk, H, Lq, m[0], m[1], m[2], m[3])
  if (Lk <= 128) PC_WARP_SOFTMAX(4);
  else if (Lk <= 512) PC_WARP_SOFTMAX(16);
  else if (Lk <= 1024) PC_WARP_SOFTMAX(32);
  else maskedSoftmaxKernel<THREADS><<<static_cast<unsigned>(rows), THREADS, 0, stream()>>>(x, out, mask, rows, Lk, H, Lq, m[0], m[1], m[2], m[3]);
#undef PC_WARP_SOFTMAX
  afterLaunch("softmax");
}

void launchSoftmax(const float* x, float* out, int64_t rows, int64_t cols) {
  const int64_t noMask[4] = {0, 0, 0, 0};
  launchMaskedSoftmax(x, out, nullptr, 1, 1, rows, cols, noMask);
}

void launchLayerNorm(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t cols, float eps) {
  if (rows == 0 || cols == 0) return;
  if (cols <= 1024) layerNormKernel<32><<<static_cast<unsigned>((rows + 7) / 8), THREADS, 0, stream()>>>(x, gamma, beta, out, rows, cols, eps);
  else layerNormKernel<THREADS><<<static_cast<unsigned>(rows), THREADS, 0, stream()>>>(x, gamma, beta, out, rows, cols, eps);
  afterLaunch("layerNorm");
}

namespace {

// The 32-bit copy when every offset fits; false (nothing queued) otherwise.
bool launchCopy32(const uint32_t* x, uint32_t* out, const Strided& s, int64_t n, int64_t inOffset, int64_t outOffset) {
  const bool aligned = reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(out) % 16 == 0;
  const Copy32Plan plan = planCopy32(s.rank, s.shape, s.s0, s.s1, n, inOffset, outOffset, aligned);
  if (!plan.ok) return false;
  if (plan.vec) {
    copyKernel32<uint4><<<blocksFor(plan.units), THREADS, 0, stream()>>>(reinterpret_cast<const uint4*>(x), reinterpret_cast<uint4*>(out), plan.units, plan.t,
                                                                         plan.inOffset, plan.outOffset);
  } else {
    copyKernel32<uint32_t><<<blocksFor(plan.units), THREADS, 0, stream()>>>(x, out, plan.units, plan.t, plan.inOffset, plan.outOffset);
  }
  afterLaunch(plan.vec ? "copy (32-bit, vector)" : "copy (32-bit)");
  return true;
}

}  // namespace

void launchCopy(const uint32_t* x, uint32_t* out, const Strided& s, int64_t inOffset, int64_t outOffset) {
  const int64_t n = sizeOf(s);
  if (n == 0) return;
  // A (batched) transpose whose input is contiguous along the second-last output axis: tiled.
  const int r = s.rank;
  if ((r == 2 || r == 3) && s.s0[r - 2] == 1 && s.s0[r - 1] != 1 && s.s1[r - 1] == 1 && s.s1[r - 2] == s.shape[r - 1] &&
      (r == 2 || s.s1[0] == s.shape[1] * s.shape[2]) && (r == 2 || s.shape[0] <= 65535)) {
    const int64_t B = r == 3 ? s.shape[0] : 1, P = s.shape[r - 2], Q = s.shape[r - 1];
    const dim3 grid(static_cast<unsigned>((Q + 31) / 32), static_cast<unsigned>((P + 31) / 32), static_cast<unsigned>(B));
    if (grid.y <= 65535) {
      transposeTileKernel<<<grid, dim3(32, 8), 0, stream()>>>(x, out, P, Q, r == 3 ? s.s0[0] : 0, s.s0[r - 1], inOffset, outOffset);
      afterLaunch("copy (transpose)");
      return;
    }
  }
  if (launchCopy32(x, out, s, n, inOffset, outOffset)) return;
  copyKernel<<<blocksFor(n), THREADS, 0, stream()>>>(x, out, n, s, inOffset, outOffset);
  afterLaunch("copy");
}

void launchScaleShift(const float* x, const float* scale, const float* shift, float* out, int64_t n, int64_t channels, bool relu) {
  if (n == 0) return;
  if (channels <= 0 || n % channels != 0) throw Error("scaleShift: " + std::to_string(n) + " elements are not rows of " + std::to_string(channels) + " channels");
  scaleShiftKernel<<<blocksFor(n), THREADS, 0, stream()>>>(x, scale, shift, out, n, channels, relu);
  afterLaunch("scaleShift");
}

void launchGather(const uint32_t* x, const int32_t* indices, uint32_t* out, int64_t outer, int64_t axisSize, int64_t inner, int64_t count) {
  const int64_t n = outer * count * inner;
  if (n == 0) return;
  gatherKernel<<<blocksFor(n), THREADS, 0, stream()>>>(x, indices, out, n, axisSize, inner, count);
  afterLaunch("gather");
}

void launchIm2col(const float* x, float* cols, const int64_t p[14]) {
  const int64_t n = p[0] * p[12] * p[13] * p[4] * p[5] * p[3];
  if (n == 0) return;
  const bool aligned = reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(cols) % 16 == 0;
  const Im2colRowsPlan plan = planIm2colRows(p, aligned);
  if (plan.ok) {
    const int* g = plan.args;
#define PC_IM2COL_ROWS(V) im2colRowKernel<V><<<plan.blocks, plan.threads, 0, stream()>>>(reinterpret_cast<const V*>(x), reinterpret_cast<V*>(cols), g[0], g[1], \
    g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13])
    if (plan.vec) PC_IM2COL_ROWS(float4);
    else PC_IM2COL_ROWS(float);
#undef PC_IM2COL_ROWS
    afterLaunch("im2col (rows)");
    return;
  }
  im2colKernel<<<blocksFor(n), THREADS, 0, stream()>>>(x, cols, n, p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]);
  afterLaunch("im2col");
}

void launchResize(int mode, int dtype, const void* x, void* out, const int64_t p[8]) {
  const int64_t n = p[0] * p[4] * p[5] * p[3];
  if (n == 0) return;
  if (mode != 0 && mode != 1) throw Error("resize: unknown mode " + std::to_string(mode));
  if (dtype == F32) resizeKernel<<<blocksFor(n), THREADS, 0, stream()>>>(mode, static_cast<const float*>(x), static_cast<float*>(out), n, p[1], p[2], p[3], p[4], p[5], p[6] != 0, p[7] != 0);
  else resizeKernel<<<blocksFor(n), THREADS, 0, stream()>>>(mode, static_cast<const int32_t*>(x), static_cast<int32_t*>(out), n, p[1], p[2], p[3], p[4], p[5], p[6] != 0, p[7] != 0);
  afterLaunch("resize");
}

void launchCumsum(int dtype, const void* x, void* out, int64_t outer, int64_t inner, bool exclusive, bool reverse) {
  if (outer == 0 || inner == 0) return;
  if (dtype == F32) cumsumKernel<<<blocksFor(outer), THREADS, 0, stream()>>>(static_cast<const float*>(x), static_cast<float*>(out), outer, inner, exclusive, reverse);
  else cumsumKernel<<<blocksFor(outer), THREADS, 0, stream()>>>(static_cast<const int32_t*>(x), static_cast<int32_t*>(out), outer, inner, exclusive, reverse);
  afterLaunch("cumsum");
}

void launchTopk(const float* x, float* values, int32_t* indices, int64_t rows, int64_t cols, int64_t k) {
  if (rows == 0 || k == 0) return;
  if (rows > 0x7fffffff) throw Error("topk: too many rows");
  topkKernel<<<static_cast<unsigned>(rows), THREADS, 0, stream()>>>(x, values, indices, cols, k);
  afterLaunch("topk");
}

void launchOneHot(const int32_t* indices, void* out, int64_t n, int64_t depth, double on, double off, int dtype) {
  const int64_t total = n * depth;
  if (total == 0) return;
  if (dtype == F32) oneHotKernel<<<blocksFor(total), THREADS, 0, stream()>>>(indices, static_cast<float*>(out), total, depth, static_cast<float>(on), static_cast<float>(off));
  else oneHotKernel<<<blocksFor(total), THREADS, 0, stream()>>>(indices, static_cast<int32_t*>(out), total, depth, static_cast<int32_t>(on), static_cast<int32_t>(off));
  afterLaunch("oneHot");
}

}  // namespace pc
