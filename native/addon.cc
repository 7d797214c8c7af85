// Node-API entry points of sgd-noise's native kernels. Every function takes Float32Array views (of the wasm heap or
// of plain buffers) and an Int32Array of dimensions, checks every length against the dimensions before touching
// memory, and runs synchronously on the calling thread.
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "kernels.h"
#include "pool.h"
#include "rows.h"
#include "sequential.h"

namespace {

using sgd_native::ConvShape;
using sgd_native::KernelTable;

const KernelTable kTables[] = {
    {"avx512", sgd_native::avx512::conv2d, sgd_native::avx512::conv2dBackpropInput,
     sgd_native::avx512::conv2dBackpropFilter, sgd_native::avx512::matmul, sgd_native::avx512::maxPool2x2},
    {"avx2", sgd_native::avx2::conv2d, sgd_native::avx2::conv2dBackpropInput, sgd_native::avx2::conv2dBackpropFilter,
     sgd_native::avx2::matmul, sgd_native::avx2::maxPool2x2},
    {"baseline", sgd_native::baseline::conv2d, sgd_native::baseline::conv2dBackpropInput,
     sgd_native::baseline::conv2dBackpropFilter, sgd_native::baseline::matmul, sgd_native::baseline::maxPool2x2},
};

bool supported(const char* isa) {
  if (std::strcmp(isa, "avx512") == 0) return __builtin_cpu_supports("avx512f");
  if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2");
  return true;
}

const KernelTable* active = nullptr;
int threads = 1;

// Below this many multiply-adds a kernel runs on the calling thread alone (starting a thread costs ~20 µs).
constexpr double kThreadWork = 2e6;

// Runs f(t) for t = 0 … parts−1, parts − 1 of them on new threads and one here. Each part writes its own outputs.
template <typename F>
void parallel(int parts, F f) {
  if (parts <= 1) return f(0);
  std::vector<std::thread> pool;
  for (int t = 1; t < parts; t++) pool.emplace_back(f, t);
  f(0);
  for (std::thread& th : pool) th.join();
}

// How many parts to split `units` independent units of `work` multiply-adds in all into.
int partsFor(int64_t units, double work) {
  if (threads <= 1 || work < kThreadWork) return 1;
  return static_cast<int>(units < threads ? units : threads);
}

// Calls f(n0, n1) on disjoint, non-empty, consecutive ranges of the n images, in parallel when `work` is large.
template <typename F>
void forImageRanges(int n, double work, F f) {
  const int parts = partsFor(n, work);
  parallel(parts, [&](int p) {
    const int n0 = static_cast<int>(static_cast<int64_t>(n) * p / parts), n1 = static_cast<int>(static_cast<int64_t>(n) * (p + 1) / parts);
    if (n1 > n0) f(n0, n1);
  });
}

const KernelTable* best() {
  for (const KernelTable& t : kTables)
    if (supported(t.isa)) return &t;
  return &kTables[2];
}

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return nullptr;
}

bool floatArray(napi_env env, napi_value v, float** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_float32_array) return false;
  *data = static_cast<float*>(raw);
  return true;
}

bool intArray(napi_env env, napi_value v, int32_t** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* raw = nullptr;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, nullptr, nullptr) != napi_ok) return false;
  if (type != napi_int32_array) return false;
  *data = static_cast<int32_t*>(raw);
  return true;
}

// Reads (a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array) into pointers; false after a throw.
bool args4(napi_env env, napi_callback_info info, const char* name, float* f[3], size_t len[3], int32_t** dims,
           size_t* dimCount) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) return fail(env, std::string(name) + ": expected 4 arguments"), false;
  for (int i = 0; i < 3; i++)
    if (!floatArray(env, argv[i], &f[i], &len[i]))
      return fail(env, std::string(name) + ": argument " + std::to_string(i + 1) + " must be a Float32Array"), false;
  if (!intArray(env, argv[3], dims, dimCount))
    return fail(env, std::string(name) + ": argument 4 must be an Int32Array of dimensions"), false;
  return true;
}

bool convShape(napi_env env, const char* name, const int32_t* d, size_t count, ConvShape* s) {
  if (count != 11) return fail(env, std::string(name) + ": expected 11 dimensions"), false;
  *s = ConvShape{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]};
  const bool positive = s->n > 0 && s->h > 0 && s->w > 0 && s->ci > 0 && s->kh > 0 && s->kw > 0 && s->co > 0 &&
                        s->ho > 0 && s->wo > 0;
  const int bottom = s->ho + s->kh - 1 - s->h - s->top, right = s->wo + s->kw - 1 - s->w - s->left;
  const bool pads = s->top >= 0 && s->left >= 0 && bottom >= 0 && right >= 0 && s->top < s->kh && s->left < s->kw &&
                    bottom < s->kh && right < s->kw;
  if (!positive || !pads) return fail(env, std::string(name) + ": unsupported convolution geometry"), false;
  return true;
}

size_t count(int64_t a, int64_t b, int64_t c, int64_t d) { return static_cast<size_t>(a * b * c * d); }

// conv2d(x, w, y, dims) · conv2dBackpropInput(dy, w, dx, dims) · conv2dBackpropFilter(x, dy, dw, dims)
enum class Conv { Forward, Input, Filter };

template <Conv kind>
napi_value convCall(napi_env env, napi_callback_info info) {
  const char* name = kind == Conv::Forward ? "conv2d" : kind == Conv::Input ? "conv2dBackpropInput" : "conv2dBackpropFilter";
  float* f[3];
  size_t len[3];
  int32_t* dims;
  size_t dimCount;
  if (!args4(env, info, name, f, len, &dims, &dimCount)) return nullptr;
  ConvShape s;
  if (!convShape(env, name, dims, dimCount, &s)) return nullptr;
  const size_t xs = count(s.n, s.h, s.w, s.ci), ws = count(s.kh, s.kw, s.ci, s.co), ys = count(s.n, s.ho, s.wo, s.co);
  const size_t want[3][3] = {{xs, ws, ys}, {ys, ws, xs}, {xs, ys, ws}};
  const size_t* expect = want[static_cast<int>(kind)];
  for (int i = 0; i < 3; i++)
    if (len[i] != expect[i])
      return fail(env, std::string(name) + ": argument " + std::to_string(i + 1) + " has " + std::to_string(len[i]) +
                           " entries, the dimensions need " + std::to_string(expect[i]));
  if (!active) active = best();
  const KernelTable* t = active;
  const double work = static_cast<double>(s.n) * s.ho * s.wo * s.kh * s.kw * s.ci * s.co;
  const int64_t xImage = static_cast<int64_t>(s.h) * s.w * s.ci, yImage = static_cast<int64_t>(s.ho) * s.wo * s.co;
  if (kind == Conv::Filter) {
    // threads take disjoint ranges of filter entries; every entry's sum is the same as on one thread
    const int K = s.kh * s.kw * s.ci;
    const int parts = partsFor(K, work);
    parallel(parts, [&](int p) { t->conv2dBackpropFilter(s, f[0], f[1], f[2], K * p / parts, K * (p + 1) / parts); });
    return nullptr;
  }
  // forward and input gradient: threads take disjoint ranges of images
  forImageRanges(s.n, work, [&](int n0, int n1) {
    ConvShape part = s;
    part.n = n1 - n0;
    if (kind == Conv::Forward) t->conv2d(part, f[0] + n0 * xImage, f[1], f[2] + n0 * yImage);
    else t->conv2dBackpropInput(part, f[0] + n0 * yImage, f[1], f[2] + n0 * xImage);
  });
  return nullptr;
}

// maxPoolScatter(x, dy, dx, [n,H,W,c,kh,kw]) · maxPoolPick(x, d, out, [n,H,W,c,kh,kw])
template <bool scatter>
napi_value poolCall(napi_env env, napi_callback_info info) {
  const char* name = scatter ? "maxPoolScatter" : "maxPoolPick";
  float* f[3];
  size_t len[3];
  int32_t* d;
  size_t dimCount;
  if (!args4(env, info, name, f, len, &d, &dimCount)) return nullptr;
  if (dimCount != 6) return fail(env, std::string(name) + ": expected 6 dimensions");
  const int n = d[0], H = d[1], W = d[2], c = d[3], kh = d[4], kw = d[5];
  if (n <= 0 || H <= 0 || W <= 0 || c <= 0 || kh <= 0 || kw <= 0 || H % kh || W % kw)
    return fail(env, std::string(name) + ": windows must tile the input");
  const size_t full = count(n, H, W, c), pooled = count(n, H / kh, W / kw, c);
  const size_t expect[3] = {full, scatter ? pooled : full, scatter ? full : pooled};
  for (int i = 0; i < 3; i++)
    if (len[i] != expect[i])
      return fail(env, std::string(name) + ": argument " + std::to_string(i + 1) + " has " + std::to_string(len[i]) +
                           " entries, the dimensions need " + std::to_string(expect[i]));
  if (!active) active = best();
  if (kh == 2 && kw == 2) {
    const KernelTable* t = active;
    const int64_t image = static_cast<int64_t>(H) * W * c;
    forImageRanges(n, static_cast<double>(full), [&](int n0, int n1) {
      const float* g = scatter ? f[1] + n0 * image / 4 : f[1] + n0 * image;
      float* o = scatter ? f[2] + n0 * image : f[2] + n0 * image / 4;
      t->maxPool2x2(scatter ? 1 : 2, f[0] + n0 * image, g, o, n1 - n0, H, W, c);
    });
  }
  else if (scatter) sgd_native::maxPoolScatter(f[0], f[1], f[2], n, H, W, c, kh, kw);  // writes all of dx
  else sgd_native::maxPoolPick(f[0], f[1], f[2], n, H, W, c, kh, kw);
  return nullptr;
}

// matmul(a, b, out, [batch, batchA, batchB, m, k, n, transposeA, transposeB])
napi_value matmulCall(napi_env env, napi_callback_info info) {
  float* f[3];
  size_t len[3];
  int32_t* d;
  size_t dimCount;
  if (!args4(env, info, "matmul", f, len, &d, &dimCount)) return nullptr;
  if (dimCount != 8) return fail(env, "matmul: expected 8 dimensions");
  const sgd_native::MatmulShape s{d[0], d[1], d[2], d[3], d[4], d[5], d[6] != 0, d[7] != 0};
  const bool ok = s.batch > 0 && s.m > 0 && s.k > 0 && s.n > 0 && (s.batchA == 1 || s.batchA == s.batch) &&
                  (s.batchB == 1 || s.batchB == s.batch);
  if (!ok) return fail(env, "matmul: unsupported shapes");
  const size_t expect[3] = {count(s.batchA, s.m, s.k, 1), count(s.batchB, s.k, s.n, 1), count(s.batch, s.m, s.n, 1)};
  for (int i = 0; i < 3; i++)
    if (len[i] != expect[i])
      return fail(env, std::string("matmul: argument ") + std::to_string(i + 1) + " has " + std::to_string(len[i]) +
                           " entries, the dimensions need " + std::to_string(expect[i]));
  if (!active) active = best();
  active->matmul(s, f[0], f[1], f[2]);
  return nullptr;
}

// Reads (a: Float32Array, out: Float32Array, dims: Int32Array of `dimCount`) into pointers; false after a throw
// whose message is `usage`.
bool args3(napi_env env, napi_callback_info info, const char* usage, size_t dimCount, float* f[2], size_t len[2], int32_t** dims) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  size_t ld = 0;
  if (argc != 3 || !floatArray(env, argv[0], &f[0], &len[0]) || !floatArray(env, argv[1], &f[1], &len[1]) || !intArray(env, argv[2], dims, &ld) || ld != dimCount)
    return fail(env, usage), false;
  return true;
}

// maxPoolForward(x, out, [n,H,W,c,kh,kw]) → each tiling window's maximum (its first maximum's value)
napi_value maxPoolForwardCall(napi_env env, napi_callback_info info) {
  float* f[2];
  size_t len[2];
  int32_t* d;
  if (!args3(env, info, "maxPoolForward: expected (x: Float32Array, out: Float32Array, [n,H,W,c,kh,kw]: Int32Array)", 6, f, len, &d)) return nullptr;
  float *x = f[0], *out = f[1];
  const size_t lx = len[0], lo = len[1];
  const int n = d[0], H = d[1], W = d[2], c = d[3], kh = d[4], kw = d[5];
  if (n <= 0 || H <= 0 || W <= 0 || c <= 0 || kh <= 0 || kw <= 0 || H % kh || W % kw)
    return fail(env, "maxPoolForward: windows must tile the input");
  if (lx != count(n, H, W, c) || lo != count(n, H / kh, W / kw, c))
    return fail(env, "maxPoolForward: lengths do not match the dimensions");
  if (!active) active = best();
  if (kh == 2 && kw == 2) {
    const KernelTable* t = active;
    const int64_t image = static_cast<int64_t>(H) * W * c;
    forImageRanges(n, static_cast<double>(lx), [&](int n0, int n1) { t->maxPool2x2(0, x + n0 * image, nullptr, out + n0 * image / 4, n1 - n0, H, W, c); });
  }
  else sgd_native::maxPoolForward(x, out, n, H, W, c, kh, kw);
  return nullptr;
}

// sumRows(x, out, [rows, inner]) · addRows(x, bias, out, [rows, inner])
napi_value sumRowsCall(napi_env env, napi_callback_info info) {
  float* f[2];
  size_t len[2];
  int32_t* d;
  if (!args3(env, info, "sumRows: expected (x: Float32Array, out: Float32Array, [rows, inner]: Int32Array)", 2, f, len, &d)) return nullptr;
  float *x = f[0], *out = f[1];
  const size_t lx = len[0], lo = len[1];
  if (d[0] <= 0 || d[1] <= 0 || lx != count(d[0], d[1], 1, 1) || lo != static_cast<size_t>(d[1]))
    return fail(env, "sumRows: lengths do not match [rows, inner]");
  sgd_native::sumRows(x, out, d[0], d[1]);
  return nullptr;
}

napi_value addRowsCall(napi_env env, napi_callback_info info) {
  float* f[3];
  size_t len[3];
  int32_t* d;
  size_t dimCount;
  if (!args4(env, info, "addRows", f, len, &d, &dimCount)) return nullptr;
  if (dimCount != 2 || d[0] <= 0 || d[1] <= 0) return fail(env, "addRows: expected [rows, inner]");
  const size_t full = count(d[0], d[1], 1, 1);
  if (len[0] != full || len[1] != static_cast<size_t>(d[1]) || len[2] != full)
    return fail(env, "addRows: lengths do not match [rows, inner]");
  sgd_native::addRows(f[0], f[1], f[2], d[0], d[1]);
  return nullptr;
}

// sequentialValueAndGrad(program, w, x, labels, rows, grad) → the mean loss over the examples `rows` of x; grad gets
// its gradient (see sequential.h). Every length and index is checked before any work.
napi_value sequentialCall(napi_env env, napi_callback_info info) {
  const char* usage = "sequentialValueAndGrad: expected (program: Int32Array, w: Float32Array, x: Float32Array, labels: Int32Array, rows: Int32Array, grad: Float32Array)";
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t *code, *labels, *rows;
  float *w, *x, *grad;
  size_t lc, lw, lx, ll, lr, lg;
  if (argc != 6 || !intArray(env, argv[0], &code, &lc) || !floatArray(env, argv[1], &w, &lw) || !floatArray(env, argv[2], &x, &lx) ||
      !intArray(env, argv[3], &labels, &ll) || !intArray(env, argv[4], &rows, &lr) || !floatArray(env, argv[5], &grad, &lg))
    return fail(env, usage);
  sgd_native::Program p;
  std::string why;
  if (!sgd_native::parseProgram(code, lc, &p, &why)) return fail(env, "sequentialValueAndGrad: bad program (" + why + ")");
  if (lw != static_cast<size_t>(p.params) || lg != static_cast<size_t>(p.params))
    return fail(env, "sequentialValueAndGrad: w and grad need " + std::to_string(p.params) + " entries, got " + std::to_string(lw) + " and " + std::to_string(lg));
  if (lx % static_cast<size_t>(p.inputSize) != 0) return fail(env, "sequentialValueAndGrad: x is not a whole number of examples");
  const size_t examples = lx / static_cast<size_t>(p.inputSize);
  if (ll != examples) return fail(env, "sequentialValueAndGrad: " + std::to_string(examples) + " examples but " + std::to_string(ll) + " labels");
  if (lr < 1 || lr > 0x7fffffff) return fail(env, "sequentialValueAndGrad: rows must name at least one example");
  for (size_t i = 0; i < lr; i++) {
    if (rows[i] < 0 || static_cast<size_t>(rows[i]) >= examples)
      return fail(env, "sequentialValueAndGrad: row " + std::to_string(rows[i]) + " is outside [0, " + std::to_string(examples) + ")");
    const int32_t y = labels[rows[i]];
    if (y < 0 || y >= p.classes)
      return fail(env, "sequentialValueAndGrad: label " + std::to_string(y) + " of example " + std::to_string(rows[i]) + " is outside [0, " + std::to_string(p.classes) + ")");
  }
  if (!active) active = best();
  const int n = static_cast<int>(lr);
  const double work = static_cast<double>(n) * static_cast<double>(p.params) * 50;  // a rough count of multiply-adds
  const int parts = work < kThreadWork ? 1 : threads;
  const double loss = sgd_native::sequentialValueAndGrad(*active, p, w, x, labels, rows, n, parts, grad);
  napi_value out;
  napi_create_double(env, loss, &out);
  return out;
}

// isa() → the instruction set in use; useIsa(name) selects one (for tests), throwing if this CPU lacks it.
napi_value isaCall(napi_env env, napi_callback_info) {
  if (!active) active = best();
  napi_value out;
  napi_create_string_utf8(env, active->isa, NAPI_AUTO_LENGTH, &out);
  return out;
}

napi_value useIsaCall(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[32] = {0};
  size_t n = 0;
  if (argc != 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n) != napi_ok)
    return fail(env, "useIsa: expected an instruction-set name");
  for (const KernelTable& t : kTables) {
    if (std::strcmp(t.isa, name) != 0) continue;
    if (!supported(t.isa)) return fail(env, std::string("useIsa: this CPU lacks ") + name);
    active = &t;
    return nullptr;
  }
  return fail(env, std::string("useIsa: unknown instruction set ") + name);
}

// supportedIsas() → the instruction sets this CPU runs, best first.
// setThreads(n): threads for the large kernels (results are the same for every n); threads() reads it back.
napi_value setThreadsCall(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n = 0;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > 256)
    return fail(env, "setThreads: expected an integer from 1 to 256");
  threads = n;
  return nullptr;
}

napi_value threadsCall(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, threads, &out);
  return out;
}

napi_value supportedCall(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_array(env, &out);
  uint32_t i = 0;
  for (const KernelTable& t : kTables) {
    if (!supported(t.isa)) continue;
    napi_value s;
    napi_create_string_utf8(env, t.isa, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, out, i++, s);
  }
  return out;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, convCall<Conv::Forward>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, convCall<Conv::Input>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, convCall<Conv::Filter>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolScatter", nullptr, poolCall<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolPick", nullptr, poolCall<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, matmulCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolForward", nullptr, maxPoolForwardCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, sumRowsCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addRows", nullptr, addRowsCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sequentialValueAndGrad", nullptr, sequentialCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isa", nullptr, isaCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"useIsa", nullptr, useIsaCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, setThreadsCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, threadsCall, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"supportedIsas", nullptr, supportedCall, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE_INIT() { return init(env, exports); }
