#include <math.h>

#include "cpu.h"
#include "simd.h"

WMSS_CLONES void cpu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N,
                                 int C, float eps) {
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *o = out + (size_t)i * C;
        float ss = 0.0f;
        #pragma omp simd reduction(+ : ss)
        for (int c = 0; c < C; c++) ss += x[c] * x[c];
        const float r = 1.0f / sqrtf(ss / C + eps);
        #pragma omp simd
        for (int c = 0; c < C; c++) o[c] = x[c] * r * (w_offset + w[c]);
        rstd[i] = r;
    }
}

WMSS_CLONES void cpu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                                  float w_offset, const float *rstd, int N, int C) {
    // y = x * r * g with g = w_offset + w and r = (mean(x^2) + eps)^-1/2:
    // dx = r * (g * dy) - x * r^3 / C * sum(g * dy * x);  dw += sum_rows dy * x * r
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        float *dx = dinp + (size_t)i * C, r = rstd[i], dot = 0.0f;
        #pragma omp simd reduction(+ : dot)
        for (int c = 0; c < C; c++) dot += (w_offset + w[c]) * dy[c] * x[c];
        const float k = dot * r * r * r / C;
        #pragma omp simd
        for (int c = 0; c < C; c++) dx[c] += r * (w_offset + w[c]) * dy[c] - k * x[c];
    }
    // The weight gradient reduces over rows: split by columns so threads do not collide.
    #pragma omp parallel for schedule(static)
    for (int c0 = 0; c0 < C; c0 += 64) {
        const int c1 = c0 + 64 < C ? c0 + 64 : C;
        float acc[64] = {0};
        for (int i = 0; i < N; i++) {
            const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C, r = rstd[i];
            #pragma omp simd
            for (int c = c0; c < c1; c++) acc[c - c0] += dy[c] * x[c] * r;
        }
        for (int c = c0; c < c1; c++) dw[c] += acc[c - c0];
    }
}
