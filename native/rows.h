// Row kernels over [rows, inner] float32 arrays (see rows.cc).
#pragma once
#include <cstdint>

namespace sgd_native {
// out[j] = Σ_r x[r, j], in row order within blocks of 256 rows (float32), the blocks added in float64.
void sumRows(const float* x, float* out, int64_t rows, int64_t inner);
// out[r, j] = x[r, j] + bias[j].
void addRows(const float* x, const float* bias, float* out, int64_t rows, int64_t inner);
}  // namespace sgd_native
