// Declarations of sgd-noise's native float32 kernels (one copy per instruction set, see kernels.inc.cc).
#pragma once
#include <cstdint>

namespace sgd_native {

// A stride-1, dilation-1 NHWC convolution: x [n,h,w,ci] * filter [kh,kw,ci,co] → y [n,ho,wo,co], with x padded by
// top rows above and left columns before it (the bottom and right padding follow from ho and wo).
struct ConvShape {
  int n, h, w, ci, kh, kw, co, ho, wo, top, left;
};

// One instruction set's kernels.
struct KernelTable {
  const char* isa;
  void (*conv2d)(const ConvShape&, const float* x, const float* w, float* y);
  void (*conv2dBackpropInput)(const ConvShape&, const float* dy, const float* w, float* dx);
  void (*conv2dBackpropFilter)(const ConvShape&, const float* x, const float* dy, float* dw);
};

#define SGD_DECLARE_ISA(NS)                                                                 \
  namespace NS {                                                                            \
  void conv2d(const ConvShape&, const float*, const float*, float*);                        \
  void conv2dBackpropInput(const ConvShape&, const float*, const float*, float*);           \
  void conv2dBackpropFilter(const ConvShape&, const float*, const float*, float*);          \
  }
SGD_DECLARE_ISA(avx512)
SGD_DECLARE_ISA(avx2)
SGD_DECLARE_ISA(baseline)
#undef SGD_DECLARE_ISA

}  // namespace sgd_native
