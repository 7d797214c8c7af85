// Max-pool kernels (forward, gradient, its adjoint) for exactly tiling windows (stride = window, no padding): the scatter of dy to each
// window's first maximum (row-major, the tie rule of tfjs's cpu kernel), and its adjoint, the gather.
#include <cstdint>
#include <cstring>

#include "pool.h"

namespace sgd_native {

// Calls visit(k, at) for every window k of x [n,H,W,c] (pooled order) with the flat index of its first maximum.
template <typename Visit>
static void firstMax(const float* x, int n, int H, int W, int c, int kh, int kw, Visit visit) {
  const int h = H / kh, w = W / kw;
  const int64_t rowStride = static_cast<int64_t>(W) * c;
  int64_t k = 0;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++) {
        const int64_t base = ((static_cast<int64_t>(b) * H + static_cast<int64_t>(i) * kh) * W + static_cast<int64_t>(j) * kw) * c;
        for (int ch = 0; ch < c; ch++, k++) {
          int64_t arg = base + ch;
          float best = x[arg];
          for (int a = 0; a < kh; a++) {
            const int64_t row = base + a * rowStride + ch;
            for (int e = a == 0 ? 1 : 0; e < kw; e++) {
              const float v = x[row + static_cast<int64_t>(e) * c];
              if (v > best) {
                best = v;
                arg = row + static_cast<int64_t>(e) * c;
              }
            }
          }
          visit(k, arg);
        }
      }
    }
  }
}

// 2×2 windows, branch-free over the channels (so the compiler vectorises it): the same strict comparisons in the
// same order as firstMax, so the same first maximum. visit(k, p, ch, sel, best) gets the window's four positions.
template <typename Visit>
static void firstMax2x2(const float* __restrict x, int n, int H, int W, int c, Visit visit) {
  const int h = H / 2, w = W / 2;
  const int64_t rowStride = static_cast<int64_t>(W) * c;
  int64_t k = 0;
  for (int b = 0; b < n; b++) {
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++, k += c) {
        const int64_t p0 = ((static_cast<int64_t>(b) * H + 2 * i) * W + 2 * j) * c;
        const int64_t p[4] = {p0, p0 + c, p0 + rowStride, p0 + rowStride + c};
        const float* x0 = x + p[0];
        const float* x1 = x + p[1];
        const float* x2 = x + p[2];
        const float* x3 = x + p[3];
        for (int ch = 0; ch < c; ch++) {
          float best = x0[ch];
          int sel = 0;
          const float v1 = x1[ch], v2 = x2[ch], v3 = x3[ch];
          sel = v1 > best ? 1 : sel;
          best = v1 > best ? v1 : best;
          sel = v2 > best ? 2 : sel;
          best = v2 > best ? v2 : best;
          sel = v3 > best ? 3 : sel;
          best = v3 > best ? v3 : best;
          visit(k + ch, p, ch, sel, best);
        }
      }
    }
  }
}

void maxPoolScatter(const float* x, const float* dy, float* dx, int n, int H, int W, int c, int kh, int kw) {
  if (kh == 2 && kw == 2) {  // writes every entry of dx (the windows tile it)
    firstMax2x2(x, n, H, W, c, [&](int64_t k, const int64_t* p, int ch, int sel, float) {
      const float g = dy[k];
      dx[p[0] + ch] = sel == 0 ? g : 0.0f;
      dx[p[1] + ch] = sel == 1 ? g : 0.0f;
      dx[p[2] + ch] = sel == 2 ? g : 0.0f;
      dx[p[3] + ch] = sel == 3 ? g : 0.0f;
    });
    return;
  }
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(n) * H * W * c);
  firstMax(x, n, H, W, c, kh, kw, [&](int64_t k, int64_t at) { dx[at] = dy[k]; });
}

void maxPoolPick(const float* x, const float* d, float* out, int n, int H, int W, int c, int kh, int kw) {
  if (kh == 2 && kw == 2) {
    firstMax2x2(x, n, H, W, c, [&](int64_t k, const int64_t* p, int ch, int sel, float) {
      const float a = d[p[0] + ch], b = d[p[1] + ch], e = d[p[2] + ch], f = d[p[3] + ch];
      out[k] = sel == 0 ? a : sel == 1 ? b : sel == 2 ? e : f;
    });
    return;
  }
  firstMax(x, n, H, W, c, kh, kw, [&](int64_t k, int64_t at) { out[k] = d[at]; });
}

void maxPoolForward(const float* x, float* out, int n, int H, int W, int c, int kh, int kw) {
  if (kh == 2 && kw == 2) {
    firstMax2x2(x, n, H, W, c, [&](int64_t k, const int64_t*, int, int, float best) { out[k] = best; });
    return;
  }
  firstMax(x, n, H, W, c, kh, kw, [&](int64_t k, int64_t at) { out[k] = x[at]; });
}

}  // namespace sgd_native
