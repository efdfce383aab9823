// Node-API glue of prismer_cuda: device set-up, the handle table of device allocations, host↔device copies
// and one exported function per kernel launcher. Every argument is checked here (handles, dtypes, element
// counts against allocation sizes) so that a bug on the TypeScript side is a JavaScript Error instead of a
// fault that would poison the CUDA context. The contract is lib/backend/cuda/addon.ts.
#include "common.h"
#include <node_api.h>
#include <cstring>
#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace pc {

namespace {

struct Allocation {
  void* ptr;
  size_t bytes;
};

bool initialised = false;
cudaStream_t theStream = nullptr;
bool debugSync = false;
bool usePools = false;
std::unordered_map<int64_t, Allocation> allocations;
int64_t nextHandle = 1;
size_t allocatedBytes = 0;

// Small uploads go through a pinned ring so that they are truly asynchronous (a copy from pageable memory
// waits for the whole stream first, which would stall the queue on every scalar the model creates).
constexpr size_t RING_BYTES = 64u << 20;
constexpr size_t RING_MAX_UPLOAD = 1u << 20;
char* ring = nullptr;
size_t ringHead = 0;

void ensureInit() {
  if (initialised) return;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) throw Error(std::string("no usable CUDA device (cudaGetDeviceCount: ") + cudaGetErrorString(status) + ")");
  if (count == 0) throw Error("no CUDA device found");
  int device = 0;
  if (const char* env = std::getenv("PRISMER_CUDA_DEVICE")) device = std::atoi(env);
  check(cudaSetDevice(device), "cudaSetDevice");
  check(cudaStreamCreateWithFlags(&theStream, cudaStreamNonBlocking), "cudaStreamCreate");
  int pools = 0;
  check(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device), "cudaDeviceGetAttribute");
  usePools = pools != 0;
  if (usePools) {
    // Keep freed memory in the pool: tfjs allocates and frees every intermediate tensor.
    cudaMemPool_t pool;
    check(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
    uint64_t threshold = UINT64_MAX;
    check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold), "cudaMemPoolSetAttribute");
  }
  check(cudaHostAlloc(reinterpret_cast<void**>(&ring), RING_BYTES, cudaHostAllocDefault), "cudaHostAlloc");
  initialised = true;
  gemmInit();
}

// ---------------------------------------------------------------- argument helpers

struct Args {
  napi_env env;
  napi_value v[16];
  size_t n = 16;
  Args(napi_env e, napi_callback_info info, size_t expected, const char* fn) : env(e) {
    if (napi_get_cb_info(e, info, &n, v, nullptr, nullptr) != napi_ok) throw Error(std::string(fn) + ": cannot read arguments");
    if (n < expected) throw Error(std::string(fn) + ": expected " + std::to_string(expected) + " arguments, got " + std::to_string(n));
  }
  double num(size_t i, const char* what) const {
    double out;
    if (napi_get_value_double(env, v[i], &out) != napi_ok) throw Error(std::string(what) + " must be a number");
    return out;
  }
  int64_t integer(size_t i, const char* what) const {
    const double d = num(i, what);
    if (d != static_cast<double>(static_cast<int64_t>(d))) throw Error(std::string(what) + " must be an integer");
    return static_cast<int64_t>(d);
  }
  int64_t count(size_t i, const char* what) const {
    const int64_t c = integer(i, what);
    if (c < 0) throw Error(std::string(what) + " must be ≥ 0");
    return c;
  }
  bool flag(size_t i, const char* what) const {
    bool out;
    if (napi_get_value_bool(env, v[i], &out) != napi_ok) throw Error(std::string(what) + " must be a boolean");
    return out;
  }
  int dtype(size_t i, const char* what) const {
    const int64_t d = integer(i, what);
    if (d != F32 && d != I32) throw Error(std::string(what) + ": unknown dtype code " + std::to_string(d));
    return static_cast<int>(d);
  }
  std::vector<int64_t> list(size_t i, const char* what) const {
    bool isArray = false;
    napi_is_array(env, v[i], &isArray);
    if (!isArray) throw Error(std::string(what) + " must be an array of numbers");
    uint32_t len = 0;
    napi_get_array_length(env, v[i], &len);
    std::vector<int64_t> out(len);
    for (uint32_t k = 0; k < len; ++k) {
      napi_value item;
      double d;
      if (napi_get_element(env, v[i], k, &item) != napi_ok || napi_get_value_double(env, item, &d) != napi_ok) {
        throw Error(std::string(what) + "[" + std::to_string(k) + "] must be a number");
      }
      out[k] = static_cast<int64_t>(d);
    }
    return out;
  }
  // A handle's allocation, which must hold at least `elements` 4-byte elements.
  void* device(size_t i, int64_t elements, const char* what) const {
    const int64_t h = integer(i, what);
    const auto found = allocations.find(h);
    if (found == allocations.end()) throw Error(std::string(what) + ": unknown device handle " + std::to_string(h));
    if (static_cast<uint64_t>(elements) * 4u > found->second.bytes) {
      throw Error(std::string(what) + ": needs " + std::to_string(elements) + " elements, allocation holds " + std::to_string(found->second.bytes / 4));
    }
    return found->second.ptr;
  }
  // A typed array with 4-byte elements (Float32Array, Int32Array).
  std::pair<void*, size_t> typed(size_t i, const char* what) const {
    bool isTyped = false;
    napi_is_typedarray(env, v[i], &isTyped);
    if (!isTyped) throw Error(std::string(what) + " must be a Float32Array or Int32Array");
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, v[i], &type, &length, &data, nullptr, nullptr);
    if (type != napi_float32_array && type != napi_int32_array && type != napi_uint32_array) throw Error(std::string(what) + " must be a Float32Array or Int32Array");
    return {data, length};
  }
};

// Largest element offset a strided walk over `shape` reaches (+1), for bounds checks.
int64_t extentOf(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides, int64_t offset) {
  int64_t last = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return 0;
    if (strides[d] < 0) throw Error("negative strides are not supported");
    last += (shape[d] - 1) * strides[d];
  }
  return last + 1;
}

Strided makeStrided(const std::vector<int64_t>& shape, const std::vector<int64_t>* s0, const std::vector<int64_t>* s1,
                    const std::vector<int64_t>* s2, const char* what) {
  if (shape.size() > static_cast<size_t>(MAX_RANK)) throw Error(std::string(what) + ": rank " + std::to_string(shape.size()) + " exceeds " + std::to_string(MAX_RANK));
  Strided s{};
  s.rank = static_cast<int>(shape.size());
  const std::vector<int64_t>* sets[3] = {s0, s1, s2};
  int64_t* dest[3] = {s.s0, s.s1, s.s2};
  for (int k = 0; k < 3; ++k) {
    if (sets[k] && sets[k]->size() != shape.size()) throw Error(std::string(what) + ": strides and shape differ in rank");
  }
  for (int d = 0; d < s.rank; ++d) {
    if (shape[d] < 0) throw Error(std::string(what) + ": negative extent");
    s.shape[d] = shape[d];
    for (int k = 0; k < 3; ++k) dest[k][d] = sets[k] ? (*sets[k])[d] : 0;
  }
  return s;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value number(napi_env env, double d) {
  napi_value out;
  napi_create_double(env, d, &out);
  return out;
}

template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

#define PC_EXPORT(name) napi_value js_##name(napi_env env, napi_callback_info info)

// ---------------------------------------------------------------- device and memory

PC_EXPORT(deviceInfo) {
  return guarded(env, [&] {
    ensureInit();
    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    cudaDeviceProp prop;
    check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    size_t freeBytes = 0, totalBytes = 0;
    check(cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
    int runtime = 0;
    check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
    napi_value out, name, cc;
    napi_create_object(env, &out);
    napi_create_string_utf8(env, prop.name, NAPI_AUTO_LENGTH, &name);
    const std::string ccText = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    napi_create_string_utf8(env, ccText.c_str(), NAPI_AUTO_LENGTH, &cc);
    napi_set_named_property(env, out, "name", name);
    napi_set_named_property(env, out, "computeCapability", cc);
    napi_set_named_property(env, out, "totalBytes", number(env, static_cast<double>(totalBytes)));
    napi_set_named_property(env, out, "freeBytes", number(env, static_cast<double>(freeBytes)));
    napi_set_named_property(env, out, "runtimeVersion", number(env, runtime));
    napi_set_named_property(env, out, "cublasVersion", number(env, gemmVersion()));
    return out;
  });
}

PC_EXPORT(alloc) {
  return guarded(env, [&] {
    ensureInit();
    Args a(env, info, 1, "alloc");
    const int64_t bytes = a.count(0, "alloc: bytes");
    void* ptr = nullptr;
    if (bytes > 0) {
      const cudaError_t status = usePools ? cudaMallocAsync(&ptr, static_cast<size_t>(bytes), theStream) : cudaMalloc(&ptr, static_cast<size_t>(bytes));
      if (status != cudaSuccess) {
        cudaGetLastError();
        throw Error("alloc of " + std::to_string(bytes) + " bytes failed (" + cudaGetErrorString(status) + "; " + std::to_string(allocatedBytes) +
                    " bytes in " + std::to_string(allocations.size()) + " live allocations)");
      }
    }
    const int64_t handle = nextHandle++;
    allocations[handle] = Allocation{ptr, static_cast<size_t>(bytes)};
    allocatedBytes += static_cast<size_t>(bytes);
    return number(env, static_cast<double>(handle));
  });
}

PC_EXPORT(free) {
  return guarded(env, [&] {
    Args a(env, info, 1, "free");
    const int64_t h = a.integer(0, "free: handle");
    const auto found = allocations.find(h);
    if (found == allocations.end()) throw Error("free: unknown device handle " + std::to_string(h));
    if (found->second.ptr) check(usePools ? cudaFreeAsync(found->second.ptr, theStream) : cudaFree(found->second.ptr), "free");
    allocatedBytes -= found->second.bytes;
    allocations.erase(found);
    return undefinedValue(env);
  });
}

PC_EXPORT(upload) {
  return guarded(env, [&] {
    ensureInit();
    Args a(env, info, 2, "upload");
    const auto [data, length] = a.typed(1, "upload: values");
    void* dst = a.device(0, static_cast<int64_t>(length), "upload");
    const size_t bytes = length * 4;
    if (bytes == 0) return undefinedValue(env);
    if (bytes <= RING_MAX_UPLOAD) {
      if (ringHead + bytes > RING_BYTES) {
        // Every earlier ring copy was queued on this stream, so once it drains the whole ring is free.
        check(cudaStreamSynchronize(theStream), "upload (ring wrap)");
        ringHead = 0;
      }
      std::memcpy(ring + ringHead, data, bytes);
      check(cudaMemcpyAsync(dst, ring + ringHead, bytes, cudaMemcpyHostToDevice, theStream), "upload");
      ringHead += (bytes + 255) & ~static_cast<size_t>(255);
    } else {
      check(cudaMemcpyAsync(dst, data, bytes, cudaMemcpyHostToDevice, theStream), "upload");
      check(cudaStreamSynchronize(theStream), "upload");
    }
    return undefinedValue(env);
  });
}

PC_EXPORT(download) {
  return guarded(env, [&] {
    ensureInit();
    Args a(env, info, 2, "download");
    const auto [data, length] = a.typed(1, "download: out");
    const void* src = a.device(0, static_cast<int64_t>(length), "download");
    if (length > 0) check(cudaMemcpyAsync(data, src, length * 4, cudaMemcpyDeviceToHost, theStream), "download");
    check(cudaStreamSynchronize(theStream), "download (a kernel queued earlier failed)");
    return undefinedValue(env);
  });
}

PC_EXPORT(synchronize) {
  return guarded(env, [&] {
    ensureInit();
    check(cudaStreamSynchronize(theStream), "synchronize");
    return undefinedValue(env);
  });
}

PC_EXPORT(memory) {
  return guarded(env, [&] {
    napi_value out;
    napi_create_object(env, &out);
    napi_set_named_property(env, out, "allocatedBytes", number(env, static_cast<double>(allocatedBytes)));
    napi_set_named_property(env, out, "allocations", number(env, static_cast<double>(allocations.size())));
    return out;
  });
}

PC_EXPORT(setTF32) {
  return guarded(env, [&] {
    ensureInit();
    Args a(env, info, 1, "setTF32");
    gemmSetTF32(a.flag(0, "setTF32: enabled"));
    return undefinedValue(env);
  });
}

PC_EXPORT(setDebugSync) {
  return guarded(env, [&] {
    Args a(env, info, 1, "setDebugSync");
    debugSync = a.flag(0, "setDebugSync: enabled");
    return undefinedValue(env);
  });
}

// ---------------------------------------------------------------- kernels

PC_EXPORT(fill) {
  return guarded(env, [&] {
    Args a(env, info, 4, "fill");
    const int dt = a.dtype(0, "fill: dtype");
    const int64_t n = a.count(2, "fill: n");
    launchFill(dt, a.device(1, n, "fill: out"), n, a.num(3, "fill: value"));
    return undefinedValue(env);
  });
}

PC_EXPORT(unary) {
  return guarded(env, [&] {
    Args a(env, info, 8, "unary");
    const int64_t n = a.count(5, "unary: n");
    launchUnary(static_cast<int>(a.integer(0, "unary: op")), a.dtype(1, "unary: inType"), a.dtype(2, "unary: outType"), a.device(3, n, "unary: x"),
                a.device(4, n, "unary: out"), n, static_cast<float>(a.num(6, "unary: alpha")), static_cast<float>(a.num(7, "unary: beta")));
    return undefinedValue(env);
  });
}

PC_EXPORT(binary) {
  return guarded(env, [&] {
    Args a(env, info, 9, "binary");
    const auto shape = a.list(6, "binary: shape");
    const auto sa = a.list(7, "binary: aStrides");
    const auto sb = a.list(8, "binary: bStrides");
    const Strided s = makeStrided(shape, &sa, &sb, nullptr, "binary");
    const int64_t n = sizeOf(s);
    launchBinary(static_cast<int>(a.integer(0, "binary: op")), a.dtype(1, "binary: inType"), a.dtype(2, "binary: outType"),
                 a.device(3, extentOf(shape, sa, 0), "binary: a"), a.device(4, extentOf(shape, sb, 0), "binary: b"), a.device(5, n, "binary: out"), s);
    return undefinedValue(env);
  });
}

PC_EXPORT(binaryScalar) {
  return guarded(env, [&] {
    Args a(env, info, 8, "binaryScalar");
    const int64_t n = a.count(7, "binaryScalar: n");
    launchBinaryScalar(static_cast<int>(a.integer(0, "binaryScalar: op")), a.dtype(1, "binaryScalar: inType"), a.dtype(2, "binaryScalar: outType"),
                       a.device(3, n, "binaryScalar: a"), a.num(4, "binaryScalar: scalar"), a.flag(5, "binaryScalar: scalarFirst"),
                       a.device(6, n, "binaryScalar: out"), n);
    return undefinedValue(env);
  });
}

PC_EXPORT(select) {
  return guarded(env, [&] {
    Args a(env, info, 8, "select");
    const auto shape = a.list(4, "select: shape");
    const auto sc = a.list(5, "select: condStrides");
    const auto sa = a.list(6, "select: aStrides");
    const auto sb = a.list(7, "select: bStrides");
    const Strided s = makeStrided(shape, &sc, &sa, &sb, "select");
    launchSelect(static_cast<const int32_t*>(a.device(0, extentOf(shape, sc, 0), "select: cond")),
                 static_cast<const uint32_t*>(a.device(1, extentOf(shape, sa, 0), "select: a")),
                 static_cast<const uint32_t*>(a.device(2, extentOf(shape, sb, 0), "select: b")),
                 static_cast<uint32_t*>(a.device(3, sizeOf(s), "select: out")), s);
    return undefinedValue(env);
  });
}

PC_EXPORT(reduce) {
  return guarded(env, [&] {
    Args a(env, info, 7, "reduce");
    const int64_t outer = a.count(5, "reduce: outer"), inner = a.count(6, "reduce: inner");
    launchReduce(static_cast<int>(a.integer(0, "reduce: op")), a.dtype(1, "reduce: inType"), a.dtype(2, "reduce: outType"),
                 a.device(3, outer * inner, "reduce: x"), a.device(4, outer, "reduce: out"), outer, inner);
    return undefinedValue(env);
  });
}

PC_EXPORT(softmax) {
  return guarded(env, [&] {
    Args a(env, info, 4, "softmax");
    const int64_t rows = a.count(2, "softmax: rows"), cols = a.count(3, "softmax: cols");
    launchSoftmax(static_cast<const float*>(a.device(0, rows * cols, "softmax: x")), static_cast<float*>(a.device(1, rows * cols, "softmax: out")), rows, cols);
    return undefinedValue(env);
  });
}

PC_EXPORT(layerNorm) {
  return guarded(env, [&] {
    Args a(env, info, 7, "layerNorm");
    const int64_t rows = a.count(4, "layerNorm: rows"), cols = a.count(5, "layerNorm: cols");
    launchLayerNorm(static_cast<const float*>(a.device(0, rows * cols, "layerNorm: x")), static_cast<const float*>(a.device(1, cols, "layerNorm: gamma")),
                    static_cast<const float*>(a.device(2, cols, "layerNorm: beta")), static_cast<float*>(a.device(3, rows * cols, "layerNorm: out")), rows, cols,
                    static_cast<float>(a.num(6, "layerNorm: eps")));
    return undefinedValue(env);
  });
}

PC_EXPORT(scaleShift) {
  return guarded(env, [&] {
    Args a(env, info, 7, "scaleShift");
    const int64_t n = a.count(4, "scaleShift: n"), channels = a.count(5, "scaleShift: channels");
    launchScaleShift(static_cast<const float*>(a.device(0, n, "scaleShift: x")), static_cast<const float*>(a.device(1, channels, "scaleShift: scale")),
                     static_cast<const float*>(a.device(2, channels, "scaleShift: shift")), static_cast<float*>(a.device(3, n, "scaleShift: out")), n, channels,
                     a.flag(6, "scaleShift: relu"));
    return undefinedValue(env);
  });
}

// Highest element (+1) a head view reaches over [B, H, L, d].
int64_t viewExtent(const HeadView& v, int64_t B, int64_t H, int64_t L, int64_t d, const char* what) {
  if (v.offset < 0 || v.batchStride < 0 || v.headStride < 0 || v.rowStride < d) throw Error(std::string(what) + ": negative stride or row stride below the head width");
  return v.offset + (B - 1) * v.batchStride + (H - 1) * v.headStride + (L - 1) * v.rowStride + d;
}

PC_EXPORT(attention) {
  return guarded(env, [&] {
    Args a(env, info, 8, "attention");
    const auto p = a.list(6, "attention: params");
    if (p.size() != 25) throw Error("attention: expected 25 parameters");
    const int64_t B = p[0], H = p[1], Lq = p[2], Lk = p[3], d = p[4];
    if (B <= 0 || H <= 0 || Lq <= 0 || Lk <= 0 || d <= 0) throw Error("attention: B, H, Lq, Lk and d must be positive");
    const HeadView qv{p[5], p[6], p[7], p[8]}, kv{p[9], p[10], p[11], p[12]}, vv{p[13], p[14], p[15], p[16]}, ov{p[17], p[18], p[19], p[20]};
    const int64_t maskStrides[4] = {p[21], p[22], p[23], p[24]};
    const float* mask = nullptr;
    if (a.integer(3, "attention: mask") != 0) {
      for (int64_t s : maskStrides) if (s < 0) throw Error("attention: negative mask stride");
      const int64_t extent = (B - 1) * maskStrides[0] + (H - 1) * maskStrides[1] + (Lq - 1) * maskStrides[2] + (Lk - 1) * maskStrides[3] + 1;
      mask = static_cast<const float*>(a.device(3, extent, "attention: mask"));
    }
    pc::attention(static_cast<const float*>(a.device(0, viewExtent(qv, B, H, Lq, d, "attention: q"), "attention: q")), qv,
                  static_cast<const float*>(a.device(1, viewExtent(kv, B, H, Lk, d, "attention: k"), "attention: k")), kv,
                  static_cast<const float*>(a.device(2, viewExtent(vv, B, H, Lk, d, "attention: v"), "attention: v")), vv, mask, maskStrides,
                  static_cast<float*>(a.device(4, viewExtent(ov, B, H, Lq, d, "attention: out"), "attention: out")), ov,
                  a.integer(5, "attention: probs") != 0 ? static_cast<float*>(a.device(5, B * H * Lq * Lk, "attention: probs")) : nullptr, B, H, Lq, Lk, d,
                  static_cast<float>(a.num(7, "attention: scale")));
    return undefinedValue(env);
  });
}

PC_EXPORT(copy) {
  return guarded(env, [&] {
    Args a(env, info, 7, "copy");
    const auto shape = a.list(2, "copy: shape");
    const auto si = a.list(3, "copy: inStrides");
    const auto so = a.list(5, "copy: outStrides");
    const int64_t inOffset = a.count(4, "copy: inOffset"), outOffset = a.count(6, "copy: outOffset");
    const Strided s = makeStrided(shape, &si, &so, nullptr, "copy");
    launchCopy(static_cast<const uint32_t*>(a.device(0, extentOf(shape, si, inOffset), "copy: x")),
               static_cast<uint32_t*>(a.device(1, extentOf(shape, so, outOffset), "copy: out")), s, inOffset, outOffset);
    return undefinedValue(env);
  });
}

PC_EXPORT(gather) {
  return guarded(env, [&] {
    Args a(env, info, 7, "gather");
    const int64_t outer = a.count(3, "gather: outer"), axisSize = a.count(4, "gather: axisSize"), inner = a.count(5, "gather: inner"),
                  count = a.count(6, "gather: count");
    launchGather(static_cast<const uint32_t*>(a.device(0, outer * axisSize * inner, "gather: x")), static_cast<const int32_t*>(a.device(1, count, "gather: indices")),
                 static_cast<uint32_t*>(a.device(2, outer * count * inner, "gather: out")), outer, axisSize, inner, count);
    return undefinedValue(env);
  });
}

PC_EXPORT(gemm) {
  return guarded(env, [&] {
    Args a(env, info, 12, "gemm");
    const int64_t batch = a.count(3, "gemm: batch"), m = a.count(4, "gemm: m"), n = a.count(5, "gemm: n"), k = a.count(6, "gemm: k");
    const bool transA = a.flag(7, "gemm: transA"), transB = a.flag(8, "gemm: transB");
    const int64_t sA = a.count(9, "gemm: strideA"), sB = a.count(10, "gemm: strideB"), sC = a.count(11, "gemm: strideC");
    const int64_t last = batch > 0 ? batch - 1 : 0;
    if (batch > 1 && sC < m * n) throw Error("gemm: output batches overlap (strideC < m·n)");
    gemm(static_cast<const float*>(a.device(0, batch ? last * sA + m * k : 0, "gemm: a")), static_cast<const float*>(a.device(1, batch ? last * sB + k * n : 0, "gemm: b")),
         static_cast<float*>(a.device(2, batch ? last * sC + m * n : 0, "gemm: out")), batch, m, n, k, transA, transB, sA, sB, sC);
    return undefinedValue(env);
  });
}

PC_EXPORT(gemmBias) {
  return guarded(env, [&] {
    Args a(env, info, 10, "gemmBias");
    const int64_t m = a.count(4, "gemmBias: m"), n = a.count(5, "gemmBias: n"), k = a.count(6, "gemmBias: k");
    const float* residual = a.integer(9, "gemmBias: residual") != 0 ? static_cast<const float*>(a.device(9, m * n, "gemmBias: residual")) : nullptr;
    const bool done = gemmBias(static_cast<const float*>(a.device(0, m * k, "gemmBias: a")), static_cast<const float*>(a.device(1, k * n, "gemmBias: b")),
                               static_cast<const float*>(a.device(2, n, "gemmBias: bias")), residual, static_cast<float*>(a.device(3, m * n, "gemmBias: out")), m, n,
                               k, a.flag(7, "gemmBias: transB"), a.flag(8, "gemmBias: relu"));
    napi_value out;
    napi_get_boolean(env, done, &out);
    return out;
  });
}

PC_EXPORT(im2col) {
  return guarded(env, [&] {
    Args a(env, info, 3, "im2col");
    const auto p = a.list(2, "im2col: params");
    if (p.size() != 14) throw Error("im2col: expected 14 parameters");
    for (int64_t v : p) if (v < 0) throw Error("im2col: negative parameter");
    if (p[6] == 0 || p[7] == 0 || p[10] == 0 || p[11] == 0) throw Error("im2col: zero stride or dilation");
    const int64_t inElems = p[0] * p[1] * p[2] * p[3];
    const int64_t colElems = p[0] * p[12] * p[13] * p[4] * p[5] * p[3];
    launchIm2col(static_cast<const float*>(a.device(0, inElems, "im2col: x")), static_cast<float*>(a.device(1, colElems, "im2col: cols")), p.data());
    return undefinedValue(env);
  });
}

PC_EXPORT(resize) {
  return guarded(env, [&] {
    Args a(env, info, 5, "resize");
    const int mode = static_cast<int>(a.integer(0, "resize: mode"));
    const int dt = a.dtype(1, "resize: dtype");
    const auto p = a.list(4, "resize: params");
    if (p.size() != 8) throw Error("resize: expected 8 parameters");
    for (int64_t v : p) if (v < 0) throw Error("resize: negative parameter");
    if ((p[1] == 0 || p[2] == 0) && p[0] * p[3] * p[4] * p[5] > 0) throw Error("resize: empty input image");
    launchResize(mode, dt, a.device(2, p[0] * p[1] * p[2] * p[3], "resize: x"), a.device(3, p[0] * p[4] * p[5] * p[3], "resize: out"), p.data());
    return undefinedValue(env);
  });
}

PC_EXPORT(cumsum) {
  return guarded(env, [&] {
    Args a(env, info, 7, "cumsum");
    const int dt = a.dtype(0, "cumsum: dtype");
    const int64_t outer = a.count(3, "cumsum: outer"), inner = a.count(4, "cumsum: inner");
    launchCumsum(dt, a.device(1, outer * inner, "cumsum: x"), a.device(2, outer * inner, "cumsum: out"), outer, inner, a.flag(5, "cumsum: exclusive"),
                 a.flag(6, "cumsum: reverse"));
    return undefinedValue(env);
  });
}

PC_EXPORT(topk) {
  return guarded(env, [&] {
    Args a(env, info, 6, "topk");
    const int64_t rows = a.count(3, "topk: rows"), cols = a.count(4, "topk: cols"), k = a.count(5, "topk: k");
    if (k > cols) throw Error("topk: k exceeds the row length");
    launchTopk(static_cast<const float*>(a.device(0, rows * cols, "topk: x")), static_cast<float*>(a.device(1, rows * k, "topk: values")),
               static_cast<int32_t*>(a.device(2, rows * k, "topk: indices")), rows, cols, k);
    return undefinedValue(env);
  });
}

PC_EXPORT(oneHot) {
  return guarded(env, [&] {
    Args a(env, info, 7, "oneHot");
    const int64_t n = a.count(2, "oneHot: n"), depth = a.count(3, "oneHot: depth");
    launchOneHot(static_cast<const int32_t*>(a.device(0, n, "oneHot: indices")), a.device(1, n * depth, "oneHot: out"), n, depth, a.num(4, "oneHot: on"),
                 a.num(5, "oneHot: off"), a.dtype(6, "oneHot: dtype"));
    return undefinedValue(env);
  });
}

}  // namespace

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string(what) + ": " + cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")");
}

cudaStream_t stream() {
  ensureInit();
  return theStream;
}

void afterLaunch(const char* what) {
  check(cudaGetLastError(), what);
  if (debugSync) check(cudaStreamSynchronize(theStream), what);
}

}  // namespace pc

namespace {

napi_value Init(napi_env env, napi_value exports) {
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  const Entry entries[] = {
      {"deviceInfo", pc::js_deviceInfo}, {"alloc", pc::js_alloc}, {"free", pc::js_free}, {"upload", pc::js_upload},
      {"download", pc::js_download}, {"synchronize", pc::js_synchronize}, {"memory", pc::js_memory}, {"setTF32", pc::js_setTF32},
      {"setDebugSync", pc::js_setDebugSync}, {"fill", pc::js_fill}, {"unary", pc::js_unary}, {"binary", pc::js_binary},
      {"binaryScalar", pc::js_binaryScalar}, {"select", pc::js_select}, {"reduce", pc::js_reduce}, {"softmax", pc::js_softmax},
      {"copy", pc::js_copy}, {"gather", pc::js_gather}, {"gemm", pc::js_gemm}, {"gemmBias", pc::js_gemmBias}, {"im2col", pc::js_im2col}, {"resize", pc::js_resize},
      {"cumsum", pc::js_cumsum}, {"topk", pc::js_topk}, {"oneHot", pc::js_oneHot},
      {"layerNorm", pc::js_layerNorm}, {"attention", pc::js_attention}, {"scaleShift", pc::js_scaleShift},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
