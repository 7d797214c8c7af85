// Mean softmax cross-entropy and its gradient for a feed-forward network (conv, max pool, ReLU, dense) in one native
// pass, with the same kernels as the per-op path (kernels.inc.cc, pool.cc, rows.cc): the examples go through the
// whole network in blocks of kFusedBlock, each block's float32 gradient is added into float64 totals in block
// order, and the thread count only decides which thread computes a block, so results are bit-identical for any
// count. The per-op path pays tfjs's ~10 µs per kernel call (about 160 calls for the CNN's value and gradient); this
// pays it once.
#include "sequential.h"

#include <cmath>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "pool.h"
#include "rows.h"

namespace sgd_native {

namespace {

constexpr int kHeader = 6;   // [format, D, inputSize, classes, opCount, reserved]
constexpr int kOpWords = 16;

bool convGeometry(const ConvShape& s) {
  const bool positive = s.h > 0 && s.w > 0 && s.ci > 0 && s.kh > 0 && s.kw > 0 && s.co > 0 && s.ho > 0 && s.wo > 0;
  const int bottom = s.ho + s.kh - 1 - s.h - s.top, right = s.wo + s.kw - 1 - s.w - s.left;
  return positive && s.top >= 0 && s.left >= 0 && bottom >= 0 && right >= 0 && s.top < s.kh && s.left < s.kw &&
         bottom < s.kh && right < s.kw;
}

// A float32 buffer whose contents start undefined (every kernel here writes all of its outputs; zeroing the
// activations of a large network would cost more than a small block's arithmetic).
struct Buffer {
  std::unique_ptr<float[]> data;
  void resize(int64_t n) { data.reset(new float[n]); }
  float* get() { return data.get(); }
};

// One thread's buffers for blocks of up to `examples`: every op's output (acts[0] is the input), two gradient
// buffers, the block's float32 gradient.
struct Workspace {
  std::vector<Buffer> acts;
  Buffer g0, g1, grad;
  double loss = 0;

  Workspace(const Program& p, int examples) : acts(p.count + 1) {
    int64_t widest = p.inputSize;
    acts[0].resize(examples * p.inputSize);
    for (int l = 0; l < p.count; l++) {
      acts[l + 1].resize(examples * p.ops[l].outSize);
      if (p.ops[l].outSize > widest) widest = p.ops[l].outSize;
    }
    g0.resize(examples * widest);
    g1.resize(examples * widest);
    grad.resize(p.params);
  }
};

// Forward and backward through one block of m ≤ kFusedBlock examples; ws.grad gets Σ over the block of ∇ℓᵢ and
// ws.loss Σ ℓᵢ (float64, in example order).
void runBlock(const KernelTable& t, const Program& p, const float* w, const float* x, const int32_t* labels,
              const int32_t* rows, int m, Workspace& ws) {
  for (int i = 0; i < m; i++) std::memcpy(&ws.acts[0].get()[i * p.inputSize], x + rows[i] * p.inputSize, sizeof(float) * p.inputSize);
  for (int l = 0; l < p.count; l++) {
    const Op& op = p.ops[l];
    const float* in = ws.acts[l].get();
    float* out = ws.acts[l + 1].get();
    switch (op.kind) {
      case OpKind::Conv: {
        ConvShape s = op.conv;
        s.n = m;
        t.conv2d(s, in, w + op.wOffset, out);
        addRows(out, w + op.bOffset, out, static_cast<int64_t>(m) * s.ho * s.wo, s.co);
        break;
      }
      case OpKind::Pool:
        if (op.kh == 2 && op.kw == 2) t.maxPool2x2(0, in, nullptr, out, m, op.H, op.W, op.c);
        else maxPoolForward(in, out, m, op.H, op.W, op.c, op.kh, op.kw);
        break;
      case OpKind::Relu:
        for (int64_t j = 0; j < m * op.size; j++) out[j] = in[j] < 0.0f ? 0.0f : in[j];  // NaN stays NaN
        break;
      case OpKind::Dense: {
        const MatmulShape s{1, 1, 1, m, op.nin, op.nout, false, false};
        t.matmul(s, in, w + op.wOffset, out);
        addRows(out, w + op.bOffset, out, m, op.nout);
        break;
      }
    }
  }
  // softmax cross-entropy: ℓ = logsumexp(z) − z_y and dℓ/dz = softmax(z) − onehot(y), in float64 per example
  const float* logits = ws.acts[p.count].get();
  float* g = ws.g0.get();
  const int C = p.classes;
  double loss = 0;
  for (int i = 0; i < m; i++) {
    const float* z = logits + static_cast<int64_t>(i) * C;
    double zmax = z[0];
    for (int c = 1; c < C; c++) zmax = z[c] > zmax ? z[c] : zmax;
    double sum = 0;
    for (int c = 0; c < C; c++) sum += std::exp(z[c] - zmax);
    const double lse = zmax + std::log(sum);
    const int y = labels[rows[i]];
    loss += lse - z[y];
    for (int c = 0; c < C; c++) g[i * C + c] = static_cast<float>(std::exp(z[c] - lse) - (c == y ? 1.0 : 0.0));
  }
  ws.loss = loss;
  // backward: g is dℓ/d(output of op l); it becomes dℓ/d(input of op l)
  float* gin = ws.g1.get();
  for (int l = p.count - 1; l >= 0; l--) {
    const Op& op = p.ops[l];
    const float* in = ws.acts[l].get();
    const float* out = ws.acts[l + 1].get();
    const bool needInput = l > 0;
    switch (op.kind) {
      case OpKind::Conv: {
        ConvShape s = op.conv;
        s.n = m;
        t.conv2dBackpropFilter(s, in, g, ws.grad.get() + op.wOffset, 0, s.kh * s.kw * s.ci);
        sumRows(g, ws.grad.get() + op.bOffset, static_cast<int64_t>(m) * s.ho * s.wo, s.co);
        if (needInput) t.conv2dBackpropInput(s, g, w + op.wOffset, gin);
        break;
      }
      case OpKind::Pool:
        if (!needInput) break;
        if (op.kh == 2 && op.kw == 2) t.maxPool2x2(1, in, g, gin, m, op.H, op.W, op.c);
        else maxPoolScatter(in, g, gin, m, op.H, op.W, op.c, op.kh, op.kw);
        break;
      case OpKind::Relu:
        if (!needInput) break;
        for (int64_t j = 0; j < m * op.size; j++) gin[j] = out[j] > 0.0f ? g[j] : 0.0f;
        break;
      case OpKind::Dense: {
        const MatmulShape dW{1, 1, 1, op.nin, m, op.nout, true, false};  // inᵀ · g
        t.matmul(dW, in, g, ws.grad.get() + op.wOffset);
        sumRows(g, ws.grad.get() + op.bOffset, m, op.nout);
        if (needInput) {
          const MatmulShape dIn{1, 1, 1, m, op.nout, op.nin, false, true};  // g · Wᵀ
          t.matmul(dIn, g, w + op.wOffset, gin);
        }
        break;
      }
    }
    if (needInput) std::swap(g, gin);
  }
}

}  // namespace

bool parseProgram(const int32_t* code, size_t length, Program* out, std::string* why) {
  if (length < kHeader || code[0] != 1) return *why = "not a format-1 program", false;
  Program p;
  p.params = code[1];
  p.inputSize = code[2];
  p.classes = code[3];
  p.count = code[4];
  if (p.params < 1 || p.inputSize < 1 || p.classes < 1 || p.count < 1 || p.count > 32)
    return *why = "bad header", false;
  if (length != static_cast<size_t>(kHeader + kOpWords * p.count)) return *why = "length does not match the op count", false;
  int64_t size = p.inputSize;
  for (int l = 0; l < p.count; l++) {
    const int32_t* a = code + kHeader + kOpWords * l;
    Op op{};
    op.kind = static_cast<OpKind>(a[0]);
    op.inSize = size;
    const std::string where = "op " + std::to_string(l) + ": ";
    switch (op.kind) {
      case OpKind::Conv: {
        op.conv = ConvShape{0, a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]};
        op.wOffset = a[11];
        op.bOffset = a[12];
        const ConvShape& s = op.conv;
        if (!convGeometry(s)) return *why = where + "unsupported convolution geometry", false;
        if (static_cast<int64_t>(s.h) * s.w * s.ci != size) return *why = where + "input size mismatch", false;
        const int64_t wn = static_cast<int64_t>(s.kh) * s.kw * s.ci * s.co;
        if (op.wOffset < 0 || op.wOffset + wn > p.params || op.bOffset < 0 || op.bOffset + s.co > p.params)
          return *why = where + "parameters outside [0, D)", false;
        op.outSize = static_cast<int64_t>(s.ho) * s.wo * s.co;
        break;
      }
      case OpKind::Pool:
        op.H = a[1], op.W = a[2], op.c = a[3], op.kh = a[4], op.kw = a[5];
        if (op.H <= 0 || op.W <= 0 || op.c <= 0 || op.kh <= 0 || op.kw <= 0 || op.H % op.kh || op.W % op.kw)
          return *why = where + "pool windows must tile the input", false;
        if (static_cast<int64_t>(op.H) * op.W * op.c != size) return *why = where + "input size mismatch", false;
        op.outSize = static_cast<int64_t>(op.H / op.kh) * (op.W / op.kw) * op.c;
        break;
      case OpKind::Relu:
        op.size = a[1];
        if (op.size != size) return *why = where + "input size mismatch", false;
        op.outSize = size;
        break;
      case OpKind::Dense:
        op.nin = a[1], op.nout = a[2];
        op.wOffset = a[3];
        op.bOffset = a[4];
        if (op.nin != size || op.nout < 1) return *why = where + "input size mismatch", false;
        if (op.wOffset < 0 || op.wOffset + static_cast<int64_t>(op.nin) * op.nout > p.params || op.bOffset < 0 ||
            op.bOffset + op.nout > p.params)
          return *why = where + "parameters outside [0, D)", false;
        op.outSize = op.nout;
        break;
      default:
        return *why = where + "unknown op kind " + std::to_string(a[0]), false;
    }
    size = op.outSize;
    p.ops[l] = op;
  }
  if (size != p.classes) return *why = "the last op gives " + std::to_string(size) + " values, not one per class", false;
  *out = p;
  return true;
}

double sequentialValueAndGrad(const KernelTable& t, const Program& p, const float* w, const float* x,
                              const int32_t* labels, const int32_t* rows, int n, int threads, float* grad) {
  const int blocks = (n + kFusedBlock - 1) / kFusedBlock;
  const int parts = threads < blocks ? threads : blocks;
  std::vector<Workspace> spaces;
  spaces.reserve(parts);
  for (int i = 0; i < parts; i++) spaces.emplace_back(p, n < kFusedBlock ? n : kFusedBlock);
  if (blocks == 1) {  // the same values as the sum below, without a float64 vector of D entries
    runBlock(t, p, w, x, labels, rows, n, spaces[0]);
    const float* g = spaces[0].grad.get();
    for (int64_t j = 0; j < p.params; j++) grad[j] = static_cast<float>(static_cast<double>(g[j]) / n);
    return spaces[0].loss / n;
  }
  std::vector<double> total(p.params, 0.0);
  double loss = 0;
  // waves of `parts` blocks, one per thread; the wave's block gradients are added in block order
  for (int b0 = 0; b0 < blocks; b0 += parts) {
    const int inWave = blocks - b0 < parts ? blocks - b0 : parts;
    auto work = [&](int i) {
      const int b = b0 + i, first = b * kFusedBlock, m = n - first < kFusedBlock ? n - first : kFusedBlock;
      runBlock(t, p, w, x, labels, rows + first, m, spaces[i]);
    };
    std::vector<std::thread> pool;
    for (int i = 1; i < inWave; i++) pool.emplace_back(work, i);
    work(0);
    for (std::thread& th : pool) th.join();
    for (int i = 0; i < inWave; i++) {
      const float* g = spaces[i].grad.get();
      for (int64_t j = 0; j < p.params; j++) total[j] += g[j];
      loss += spaces[i].loss;
    }
  }
  for (int64_t j = 0; j < p.params; j++) grad[j] = static_cast<float>(total[j] / n);
  return loss / n;
}

}  // namespace sgd_native
