// The float32 CNN kernels of sgd-noise's native backend, compiled once per instruction set (build.mjs defines
// SGD_ISA, the namespace, and passes -mavx512f / -mavx2 / nothing).
//
// Every kernel vectorises only across independent outputs (output channels, or filter entries) and keeps each
// output's sum in one fixed order, and the build disables FMA contraction (-ffp-contract=off): so each instruction
// set computes the same float32 operations on every entry, and all of them give bit-identical results.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels.h"

namespace sgd_native {
namespace SGD_ISA {

// 16 float32 lanes: one zmm on AVX-512, two ymm on AVX2, four xmm on SSE2. Lanes past the channel count compute
// values that are never stored.
typedef float V __attribute__((vector_size(64), aligned(4)));
constexpr int L = 16;

static inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline V loadPartial(const float* p, int n) {
  V v = {};
  for (int i = 0; i < n; i++) v[i] = p[i];
  return v;
}
template <int N>
static inline void storeN(float* p, const V& v) {
  std::memcpy(p, &v, sizeof(float) * N);
}
// Stores the first n lanes; a switch of constant-size copies (a variable-size memcpy is a library call per pixel).
static inline void store(float* p, V v, int n) {
  switch (n) {
    case 16: storeN<16>(p, v); break;
    case 15: storeN<15>(p, v); break;
    case 14: storeN<14>(p, v); break;
    case 13: storeN<13>(p, v); break;
    case 12: storeN<12>(p, v); break;
    case 11: storeN<11>(p, v); break;
    case 10: storeN<10>(p, v); break;
    case 9: storeN<9>(p, v); break;
    case 8: storeN<8>(p, v); break;
    case 7: storeN<7>(p, v); break;
    case 6: storeN<6>(p, v); break;
    case 5: storeN<5>(p, v); break;
    case 4: storeN<4>(p, v); break;
    case 3: storeN<3>(p, v); break;
    case 2: storeN<2>(p, v); break;
    default: storeN<1>(p, v); break;
  }
}
static inline V splat(float x) { return V{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }

// Pixels per block of the forward conv: its accumulators stay in registers (AVX2 has 16 ymm, AVX-512 32 zmm).
#if defined(__AVX512F__)
constexpr int P = 8;
constexpr int G = 26;  // most filter entries accumulated at once by the filter gradient
#else
constexpr int P = 4;
constexpr int G = 6;
#endif

// Output pixels j … j+Q−1 of one row and one channel chunk, the Q sums in registers.
template <int Q>
static inline void convBlock(const float* xrow, const float* wp, float* yrow, int j, int c, int lanes, int wdp, int ci,
                             int kw, int co, int coP, int aLo, int aHi) {
  V acc[Q];
  for (int p = 0; p < Q; p++) acc[p] = V{};
  for (int a = aLo; a < aHi; a++) {
    for (int bb = 0; bb < kw; bb++) {
      const float* xs = xrow + (static_cast<int64_t>(a) * wdp + j + bb) * ci;
      const float* ws = wp + ((static_cast<int64_t>(a) * kw + bb) * ci) * coP + c * L;
      for (int k = 0; k < ci; k++) {
        const V wv = load(ws + static_cast<int64_t>(k) * coP);
        for (int p = 0; p < Q; p++) acc[p] += splat(xs[p * ci + k]) * wv;
      }
    }
  }
  for (int p = 0; p < Q; p++) store(yrow + static_cast<int64_t>(j + p) * co + c * L, acc[p], lanes);
}

// y[n,i,j,co] = Σ_{a,b,ci} xp[n,i+a,j+b,ci] wp[a,b,ci,co] (stride 1, no padding: xp is already padded), summed in
// the order a, b, ci, skipping the rows of xp outside [rowLo, rowHi), which are zero padding. wp has its output
// channels padded to a multiple of L with zeros (row stride coP). Pixels go in blocks of P, then P/2, …, 1.
static void convValidPadded(const float* xp, const float* wp, float* y, int n, int hp, int wdp, int ci, int kh,
                            int kw, int co, int coP, int rowLo, int rowHi) {
  const int ho = hp - kh + 1, wo = wdp - kw + 1;
  const int chunks = coP / L;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < ho; i++) {
      const float* xrow = xp + (static_cast<int64_t>(b) * hp + i) * wdp * ci;
      float* yrow = y + (static_cast<int64_t>(b) * ho + i) * wo * co;
      const int aLo = rowLo - i > 0 ? rowLo - i : 0, aHi = rowHi - i < kh ? rowHi - i : kh;
      for (int c = 0; c < chunks; c++) {
        const int lanes = co - c * L < L ? co - c * L : L;
        int j = 0;
        for (; j + P <= wo; j += P) convBlock<P>(xrow, wp, yrow, j, c, lanes, wdp, ci, kw, co, coP, aLo, aHi);
        if (P >= 8 && j + 4 <= wo) convBlock<4>(xrow, wp, yrow, j, c, lanes, wdp, ci, kw, co, coP, aLo, aHi), j += 4;
        if (j + 2 <= wo) convBlock<2>(xrow, wp, yrow, j, c, lanes, wdp, ci, kw, co, coP, aLo, aHi), j += 2;
        if (j < wo) convBlock<1>(xrow, wp, yrow, j, c, lanes, wdp, ci, kw, co, coP, aLo, aHi), j += 1;
      }
    }
  }
}

// x [n,h,w,c] into a zero border: [n, h+top+bottom, w+left+right, c]. Returns x itself when there is no border.
static const float* padded(const float* x, int n, int h, int w, int c, int top, int bottom, int left, int right,
                           std::vector<float>& store) {
  if (!top && !bottom && !left && !right) return x;
  const int hp = h + top + bottom, wp = w + left + right;
  store.assign(static_cast<size_t>(n) * hp * wp * c, 0.0f);
  for (int b = 0; b < n; b++)
    for (int i = 0; i < h; i++)
      std::memcpy(&store[((static_cast<size_t>(b) * hp + i + top) * wp + left) * c],
                  x + (static_cast<size_t>(b) * h + i) * w * c, sizeof(float) * w * c);
  return store.data();
}

void conv2d(const ConvShape& s, const float* x, const float* w, float* y) {
  const int coP = (s.co + L - 1) / L * L;
  std::vector<float> wp(static_cast<size_t>(s.kh) * s.kw * s.ci * coP, 0.0f);
  for (int64_t r = 0; r < static_cast<int64_t>(s.kh) * s.kw * s.ci; r++)
    std::memcpy(&wp[r * coP], w + r * s.co, sizeof(float) * s.co);
  std::vector<float> xs;
  const int bottom = s.ho + s.kh - 1 - s.h - s.top, right = s.wo + s.kw - 1 - s.w - s.left;
  const float* xp = padded(x, s.n, s.h, s.w, s.ci, s.top, bottom, s.left, right, xs);
  convValidPadded(xp, wp.data(), y, s.n, s.ho + s.kh - 1, s.wo + s.kw - 1, s.ci, s.kh, s.kw, s.co, coP, s.top, s.top + s.h);
}

// dx[n,y,x,ci] = Σ_{a,b,co} dy[n, y+top−a, x+left−b, co] w[a,b,ci,co]: a valid conv of dy, padded by (kh−1−top,
// kw−1−left) before, with the filter flipped in space and transposed in channels.
void conv2dBackpropInput(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int ciP = (s.ci + L - 1) / L * L;
  std::vector<float> wf(static_cast<size_t>(s.kh) * s.kw * s.co * ciP, 0.0f);
  for (int a = 0; a < s.kh; a++)
    for (int b = 0; b < s.kw; b++)
      for (int o = 0; o < s.co; o++)
        for (int c = 0; c < s.ci; c++)
          wf[((static_cast<size_t>(s.kh - 1 - a) * s.kw + (s.kw - 1 - b)) * s.co + o) * ciP + c] =
              w[((static_cast<size_t>(a) * s.kw + b) * s.ci + c) * s.co + o];
  const int top = s.kh - 1 - s.top, left = s.kw - 1 - s.left;
  const int bottom = s.h + s.kh - 1 - s.ho - top, right = s.w + s.kw - 1 - s.wo - left;
  std::vector<float> ds;
  // A negative border (an output row no input reaches) does not occur for stride-1 'same'/'valid'/explicit pads ≥ 0.
  const float* dyp = padded(dy, s.n, s.ho, s.wo, s.co, top, bottom, left, right, ds);
  convValidPadded(dyp, wf.data(), dx, s.n, s.h + s.kh - 1, s.w + s.kw - 1, s.co, s.kh, s.kw, s.ci, ciP, top, top + s.ho);
}

// Accumulates dw entries k0 … k0+G−1 (one channel chunk at c0) over `count` consecutive output pixels starting at
// pixel r (of the flattened n·ho·wo), in pixel order, in float32 registers; then adds them to the float64 totals.
struct FilterPass {
  const float* xp;   // padded input
  const float* dy;   // output gradient, rows of co
  const float* tail; // copy of dy's last rows (a full-width load of them would read past the end)
  int64_t tailStart;
  const int64_t* offset;  // filter entry k → offset of its input value from the pixel's patch origin
  int co, ci, ho, wo, hp, wp;
};

template <int G>
static void filterGroup(const FilterPass& f, int64_t r, int count, int k0, int c0, int lanes, double* total) {
  V acc[G];
  for (int t = 0; t < G; t++) acc[t] = V{};
  int64_t off[G];
  for (int t = 0; t < G; t++) off[t] = f.offset[k0 + t];
  int j = static_cast<int>(r % f.wo), i = static_cast<int>((r / f.wo) % f.ho);
  int64_t b = r / (static_cast<int64_t>(f.wo) * f.ho);
  const float* xj = f.xp + ((b * f.hp + i) * f.wp + j) * f.ci;
  for (int q = 0; q < count; q++, r++) {
    const V d = r < f.tailStart ? load(f.dy + r * f.co + c0) : load(f.tail + (r - f.tailStart) * f.co + c0);
    for (int t = 0; t < G; t++) acc[t] += splat(xj[off[t]]) * d;
    if (++j == f.wo) {
      j = 0;
      if (++i == f.ho) {
        i = 0;
        b++;
      }
      xj = f.xp + ((b * f.hp + i) * f.wp) * f.ci;
    } else {
      xj += f.ci;
    }
  }
  for (int t = 0; t < G; t++) {
    float part[L];
    std::memcpy(part, &acc[t], sizeof part);
    double* out = total + static_cast<int64_t>(k0 + t) * f.co + c0;
    for (int l = 0; l < lanes; l++) out[l] += part[l];
  }
}

typedef void (*FilterGroupFn)(const FilterPass&, int64_t, int, int, int, int, double*);
template <int... Gs>
static constexpr std::array<FilterGroupFn, sizeof...(Gs)> filterGroups(std::integer_sequence<int, Gs...>) {
  return {filterGroup<Gs + 1>...};
}
static constexpr auto kFilterGroups = filterGroups(std::make_integer_sequence<int, G>{});

// dw[a,b,ci,co] (filter entries k = (a·kw + b)·ci + c in [kBegin, kEnd)) = Σ_{n,i,j} xp[n,i+a,j+b,ci] dy[n,i,j,co], over (n, i, j) in order: float32 partial sums over blocks
// of kBlock pixels, added into float64 totals, so the long sum stays accurate.
void conv2dBackpropFilter(const ConvShape& s, const float* x, const float* dy, float* dw, int kBegin, int kEnd) {
  constexpr int kBlock = 256;
  const int bottom = s.ho + s.kh - 1 - s.h - s.top, right = s.wo + s.kw - 1 - s.w - s.left;
  std::vector<float> xs;
  const float* xp = padded(x, s.n, s.h, s.w, s.ci, s.top, bottom, s.left, right, xs);
  const int hp = s.ho + s.kh - 1, wp = s.wo + s.kw - 1;
  const int K = s.kh * s.kw * s.ci;
  std::vector<int64_t> offset(K);
  for (int a = 0, k = 0; a < s.kh; a++)
    for (int b = 0; b < s.kw; b++)
      for (int c = 0; c < s.ci; c++) offset[k++] = (static_cast<int64_t>(a) * wp + b) * s.ci + c;
  const int64_t rows = static_cast<int64_t>(s.n) * s.ho * s.wo;
  const int64_t safeRows = rows - (s.co + L + s.co - 1) / s.co;  // r·co + c0 + L ≤ rows·co for every c0 < co
  const int64_t tailStart = safeRows > 0 ? safeRows : 0;
  std::vector<float> tail(static_cast<size_t>((rows - tailStart) * s.co + L), 0.0f);
  std::memcpy(tail.data(), dy + tailStart * s.co, sizeof(float) * (rows - tailStart) * s.co);
  const FilterPass f{xp, dy, tail.data(), tailStart, offset.data(), s.co, s.ci, s.ho, s.wo, hp, wp};
  // Entries [kBegin, kEnd) in equal groups of at most G, each accumulated in registers. Each entry's sum is the
  // same whatever the range and grouping, so splitting the entries between threads changes no bit.
  const int Kr = kEnd - kBegin;
  const int groups = (Kr + G - 1) / G;
  std::vector<double> total(static_cast<size_t>(K) * s.co, 0.0);
  for (int64_t r = 0; r < rows; r += kBlock) {
    const int count = rows - r < kBlock ? static_cast<int>(rows - r) : kBlock;
    for (int c0 = 0; c0 < s.co; c0 += L) {
      const int lanes = s.co - c0 < L ? s.co - c0 : L;
      for (int gi = 0, k0 = kBegin; gi < groups; gi++) {
        const int g = (kEnd - k0 + (groups - gi) - 1) / (groups - gi);
        kFilterGroups[g - 1](f, r, count, k0, c0, lanes, total.data());
        k0 += g;
      }
    }
  }
  for (size_t e = static_cast<size_t>(kBegin) * s.co; e < static_cast<size_t>(kEnd) * s.co; e++) dw[e] = static_cast<float>(total[e]);
}

// Rows i … i+Q−1 of one output chunk of a matmul: out[i, c·L + l] = Σ_k A(i, k) bp[k, c·L + l], k in order.
template <int Q>
static inline void matmulRows(const float* a, int64_t rowStride, int64_t kStride, const float* bp, int64_t nP, int k,
                              float* out, int64_t n, int c, int lanes) {
  V acc[Q];
  for (int q = 0; q < Q; q++) acc[q] = V{};
  for (int kk = 0; kk < k; kk++) {
    const V bv = load(bp + kk * nP + c * L);
    for (int q = 0; q < Q; q++) acc[q] += splat(a[q * rowStride + kk * kStride]) * bv;
  }
  for (int q = 0; q < Q; q++) store(out + q * n + c * L, acc[q], lanes);
}

void matmul(const MatmulShape& s, const float* a, const float* b, float* out) {
  const int64_t nP = (s.n + L - 1) / L * L;
  std::vector<float> bp(static_cast<size_t>(s.k) * nP);
  // A(i, k) = a[i·rowStride + k·kStride]
  const int64_t rowStride = s.transposeA ? 1 : s.k, kStride = s.transposeA ? s.m : 1;
  for (int bt = 0; bt < s.batch; bt++) {
    const float* ab = a + (s.batchA == 1 ? 0 : static_cast<int64_t>(bt) * s.m * s.k);
    const float* bb = b + (s.batchB == 1 ? 0 : static_cast<int64_t>(bt) * s.k * s.n);
    float* ob = out + static_cast<int64_t>(bt) * s.m * s.n;
    if (bt == 0 || s.batchB != 1) {
      std::fill(bp.begin(), bp.end(), 0.0f);
      for (int kk = 0; kk < s.k; kk++)
        for (int j = 0; j < s.n; j++)
          bp[kk * nP + j] = s.transposeB ? bb[static_cast<int64_t>(j) * s.k + kk] : bb[static_cast<int64_t>(kk) * s.n + j];
    }
    for (int c = 0; c < nP / L; c++) {
      const int lanes = s.n - c * L < L ? s.n - c * L : L;
      int i = 0;
      for (; i + P <= s.m; i += P) matmulRows<P>(ab + i * rowStride, rowStride, kStride, bp.data(), nP, s.k, ob + i * s.n, s.n, c, lanes);
      if (P >= 8 && i + 4 <= s.m) matmulRows<4>(ab + i * rowStride, rowStride, kStride, bp.data(), nP, s.k, ob + i * s.n, s.n, c, lanes), i += 4;
      if (i + 2 <= s.m) matmulRows<2>(ab + i * rowStride, rowStride, kStride, bp.data(), nP, s.k, ob + i * s.n, s.n, c, lanes), i += 2;
      if (i < s.m) matmulRows<1>(ab + i * rowStride, rowStride, kStride, bp.data(), nP, s.k, ob + i * s.n, s.n, c, lanes);
    }
  }
}

// 2×2 max pools, vectorised over the channels: the same strict comparisons in the same order as the scalar first-
// maximum search (pool.cc), so the same first maximum. mode 0: out = the maxima; 1: out = dx, the scatter of g (dy)
// to the first maxima and 0 elsewhere (every entry written); 2: out = the pick of g (d, shaped like x) at them.
template <int mode>
static inline void pool2x2Chunk(const float* x, const float* g, float* out, const int64_t* p, int64_t k, int ch,
                                int lanes, bool full) {
  const auto ld = [&](const float* q) { return full ? load(q) : loadPartial(q, lanes); };
  const V x0 = ld(x + p[0] + ch), x1 = ld(x + p[1] + ch), x2 = ld(x + p[2] + ch), x3 = ld(x + p[3] + ch);
  typedef int32_t VI __attribute__((vector_size(64), aligned(4)));
  VI sel = VI{};
  V best = x0;
  VI m = x1 > best;
  sel = m ? VI{} + 1 : sel;
  best = m ? x1 : best;
  m = x2 > best;
  sel = m ? VI{} + 2 : sel;
  best = m ? x2 : best;
  m = x3 > best;
  sel = m ? VI{} + 3 : sel;
  best = m ? x3 : best;
  if (mode == 0) {
    store(out + k + ch, best, lanes);
  } else if (mode == 1) {
    const V gv = ld(g + k + ch);
    const V zero = V{};
    store(out + p[0] + ch, sel == 0 ? gv : zero, lanes);
    store(out + p[1] + ch, sel == 1 ? gv : zero, lanes);
    store(out + p[2] + ch, sel == 2 ? gv : zero, lanes);
    store(out + p[3] + ch, sel == 3 ? gv : zero, lanes);
  } else {
    const V d0 = ld(g + p[0] + ch), d1 = ld(g + p[1] + ch), d2 = ld(g + p[2] + ch), d3 = ld(g + p[3] + ch);
    store(out + k + ch, sel == 0 ? d0 : sel == 1 ? d1 : sel == 2 ? d2 : d3, lanes);
  }
}

void maxPool2x2(int mode, const float* x, const float* g, float* out, int n, int H, int W, int c) {
  const int h = H / 2, w = W / 2;
  const int64_t rowStride = static_cast<int64_t>(W) * c;
  const int64_t total = static_cast<int64_t>(n) * H * W * c, pooled = total / 4;
  int64_t k = 0;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++, k += c) {
        const int64_t p0 = ((static_cast<int64_t>(b) * H + 2 * i) * W + 2 * j) * c;
        const int64_t p[4] = {p0, p0 + c, p0 + rowStride, p0 + rowStride + c};
        for (int ch = 0; ch < c; ch += L) {
          const int lanes = c - ch < L ? c - ch : L;
          // full-width loads stay inside x, g and the pooled arrays (they may read past this window's channels)
          const bool full = p[3] + ch + L <= total && k + ch + L <= pooled;
          if (mode == 0) pool2x2Chunk<0>(x, g, out, p, k, ch, lanes, full);
          if (mode == 1) pool2x2Chunk<1>(x, g, out, p, k, ch, lanes, full);
          if (mode == 2) pool2x2Chunk<2>(x, g, out, p, k, ch, lanes, full);
        }
      }
    }
  }
}

}  // namespace SGD_ISA
}  // namespace sgd_native
