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

void residual_forward(float *out, const float *x, const float *y, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = x[i] + y[i];
}

void embedding_backward(float *dtable, const float *dout, const int *ids, int N, int C) {
    // Rows may repeat: split by columns so that no two threads add to the same float.
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < C; c0 += 64) {
        int c1 = c0 + 64 < C ? c0 + 64 : C;
        for (int i = 0; i < N; i++) {
            float *d = dtable + (size_t)ids[i] * C;
            const float *g = dout + (size_t)i * C;
            for (int c = c0; c < c1; c++) d[c] += g[c];
        }
    }
}

void swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i], sg = 1.0f / (1.0f + expf(-g)), silu = g * sg;
        dup[i] = dout[i] * silu;
        dgate[i] = dout[i] * up[i] * sg * (1.0f + g * (1.0f - sg));
    }
}
