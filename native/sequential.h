// Mean softmax cross-entropy and its gradient for a feed-forward network in one native pass (see sequential.cc).
#pragma once
#include <cstdint>
#include <string>

#include "kernels.h"

namespace sgd_native {

// One layer of a program. CONV: stride-1 NHWC conv (ConvShape with n unused) plus bias; POOL: tiling max pool;
// RELU: max(x, 0); DENSE: x·W + b. Weights and biases are at wOffset / bOffset of the flat parameter vector.
enum class OpKind : int32_t { Conv = 1, Pool = 2, Relu = 3, Dense = 5 };

struct Op {
  OpKind kind;
  ConvShape conv;           // Conv (n ignored)
  int H, W, c, kh, kw;      // Pool
  int size;                 // Relu: values per example
  int nin, nout;            // Dense
  int64_t wOffset, bOffset; // Conv, Dense
  int64_t inSize, outSize;  // values per example before and after the op
};

// A parsed program: the layers, the flat parameter count D, the input size per example and the class count.
struct Program {
  Op ops[32];
  int count = 0;
  int64_t params = 0;
  int64_t inputSize = 0;
  int classes = 0;
};

// Parses the Int32Array encoding written by stages/models/fused.ts; on failure returns false with `why` set.
bool parseProgram(const int32_t* code, size_t length, Program* out, std::string* why);

// Examples per block: the unit of work whose float32 gradient is added, in block order, into the float64 total.
constexpr int kFusedBlock = 16;

// Writes grad (D floats) = ∇ (1/n) Σᵢ ℓᵢ(w) and returns the mean loss (float64 sum of per-example losses / n),
// for the examples rows[0..n) of x (row r at x + r·inputSize, label labels[r]). Blocks of kFusedBlock examples run
// on `threads` threads; the result is bit-identical for every thread count.
double sequentialValueAndGrad(const KernelTable& t, const Program& p, const float* w, const float* x,
                              const int32_t* labels, const int32_t* rows, int n, int threads, float* grad);

}  // namespace sgd_native
