// Declarations of sgd-noise's native float32 kernels (one copy per instruction set, see kernels.inc.cc).
#pragma once
#include <cstdint>

namespace sgd_native {

// A stride-1, dilation-1 NHWC convolution: x [n,h,w,ci] * filter [kh,kw,ci,co] → y [n,ho,wo,co], with x padded by
// top rows above and left columns before it (the bottom and right padding follow from ho and wo).
struct ConvShape {
  int n, h, w, ci, kh, kw, co, ho, wo, top, left;
};

// out [batch, m, n] = A · B with A [batchA, m, k] (or [batchA, k, m] when transposeA) and B [batchB, k, n] (or
// [batchB, n, k] when transposeB); batchA and batchB are 1 or batch.
struct MatmulShape {
  int batch, batchA, batchB, m, k, n;
  bool transposeA, transposeB;
};

// One instruction set's kernels.
struct KernelTable {
  const char* isa;
  void (*conv2d)(const ConvShape&, const float* x, const float* w, float* y);
  void (*conv2dBackpropInput)(const ConvShape&, const float* dy, const float* w, float* dx);
  // writes the filter entries k = (a·kw + b)·ci + c in [kBegin, kEnd) of dw (each with all its co values)
  void (*conv2dBackpropFilter)(const ConvShape&, const float* x, const float* dy, float* dw, int kBegin, int kEnd);
  void (*matmul)(const MatmulShape&, const float* a, const float* b, float* out);
  // 2×2 tiling max pool over x [n,H,W,c]: mode 0 forward, 1 scatter of g (pooled) to dx, 2 pick of g (like x).
  void (*maxPool2x2)(int mode, const float* x, const float* g, float* out, int n, int H, int W, int c);
};

#define SGD_DECLARE_ISA(NS)                                                                 \
  namespace NS {                                                                            \
  void conv2d(const ConvShape&, const float*, const float*, float*);                        \
  void conv2dBackpropInput(const ConvShape&, const float*, const float*, float*);           \
  void conv2dBackpropFilter(const ConvShape&, const float*, const float*, float*, int, int); \
  void matmul(const MatmulShape&, const float*, const float*, float*);                      \
  void maxPool2x2(int, const float*, const float*, float*, int, int, int, int);             \
  }
SGD_DECLARE_ISA(avx512)
SGD_DECLARE_ISA(avx2)
SGD_DECLARE_ISA(baseline)
#undef SGD_DECLARE_ISA

}  // namespace sgd_native
