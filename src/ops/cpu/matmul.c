#include <cblas.h>

#include "cpu.h"
#include "simd.h"

void cpu_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC) {
    // (N, OC) = (N, IC) @ (OC, IC)^T
    if (bias) {
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OC; o++) out[(size_t)i * OC + o] = bias[o];
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, w, IC, bias ? 1.0f : 0.0f, out, OC);
}

// dbias (OC) += column sums of dout (N, OC): threads own blocks of 64 columns and stream
// the rows (contiguous, vectorized) rather than walking one column at a time.
WMSS_CLONES static void matmul_dbias(float *dbias, const float *dout, int N, int OC) {
    #pragma omp parallel for schedule(static)
    for (int o0 = 0; o0 < OC; o0 += 64) {
        const int o1 = o0 + 64 < OC ? o0 + 64 : OC;
        float acc[64] = {0};
        for (int i = 0; i < N; i++) {
            const float *d = dout + (size_t)i * OC;
            #pragma omp simd
            for (int o = o0; o < o1; o++) acc[o - o0] += d[o];
        }
        for (int o = o0; o < o1; o++) dbias[o] += acc[o - o0];
    }
}

void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w, int N,
                     int IC, int OC) {
    // dinp (N, IC) += dout (N, OC) @ w (OC, IC)
    if (dinp) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, OC, w, IC, 1.0f, dinp, IC);
    // dw (OC, IC) += dout^T (OC, N) @ inp (N, IC)
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, OC, inp, IC, 1.0f, dw, IC);
    if (dbias) matmul_dbias(dbias, dout, N, OC);
}
