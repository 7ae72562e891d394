#include <math.h>
#include <string.h>

#include "ops.h"

void embedding_forward(float *out, const int *ids, const float *table, int N, int C) {
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) memcpy(out + (size_t)i * C, table + (size_t)ids[i] * C, C * sizeof(float));
}

void swiglu_forward(float *out, const float *gate, const float *up, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

void residual_forward(float *x, const float *y, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}
