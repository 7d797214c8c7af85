// Max-pool gradient kernels for exactly tiling windows (stride = window, no padding): the scatter of dy to each
// window's first maximum (row-major, the tie rule of tfjs's cpu kernel), and its adjoint, the gather.
#include <cstdint>

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

void maxPoolScatter(const float* x, const float* dy, float* dx, int n, int H, int W, int c, int kh, int kw) {
  firstMax(x, n, H, W, c, kh, kw, [&](int64_t k, int64_t at) { dx[at] = dy[k]; });
}

void maxPoolPick(const float* x, const float* d, float* out, int n, int H, int W, int c, int kh, int kw) {
  firstMax(x, n, H, W, c, kh, kw, [&](int64_t k, int64_t at) { out[k] = d[at]; });
}

}  // namespace sgd_native
