// Max-pool gradient kernels for tiling windows (see pool.cc).
#pragma once

namespace sgd_native {
// dx (shape of x [n,H,W,c]) gets dy[window] at each kh×kw window's first maximum of x and 0 elsewhere.
void maxPoolScatter(const float* x, const float* dy, float* dx, int n, int H, int W, int c, int kh, int kw);
// out[window] = d[first maximum of x in that window]: the adjoint of maxPoolScatter in dy.
void maxPoolPick(const float* x, const float* d, float* out, int n, int H, int W, int c, int kh, int kw);
// out[window] = the maximum of x over each tiling kh×kw window (the value at its first maximum).
void maxPoolForward(const float* x, float* out, int n, int H, int W, int c, int kh, int kw);
}  // namespace sgd_native
