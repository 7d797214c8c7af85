// Row kernels over [rows, inner] float32 arrays: the leading-axes sum (a bias gradient) and the bias add.
#include <cstdint>
#include <cstring>
#include <vector>

#include "rows.h"

namespace sgd_native {

void sumRows(const float* x, float* out, int64_t rows, int64_t inner) {
  constexpr int64_t kBlock = 256;  // float32 partial sums of kBlock rows each, added into float64 totals
  std::vector<double> total(inner, 0.0);
  std::vector<float> part(inner);
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = r0 + kBlock < rows ? r0 + kBlock : rows;
    std::memcpy(part.data(), x + r0 * inner, sizeof(float) * inner);
    for (int64_t r = r0 + 1; r < r1; r++) {
      const float* row = x + r * inner;
      for (int64_t j = 0; j < inner; j++) part[j] += row[j];
    }
    for (int64_t j = 0; j < inner; j++) total[j] += part[j];
  }
  for (int64_t j = 0; j < inner; j++) out[j] = static_cast<float>(total[j]);
}

void addRows(const float* x, const float* bias, float* out, int64_t rows, int64_t inner) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * inner;
    float* o = out + r * inner;
    for (int64_t j = 0; j < inner; j++) o[j] = row[j] + bias[j];
  }
}

}  // namespace sgd_native
