// General linear algebra and data movement of the CPU backend: sgemm through OpenBLAS,
// row gather/scatter, scaling and the sum of squares.
#include <cblas.h>
#include <string.h>

#include "cpu.h"

void cpu_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
              float beta, float *Cm, int ldc) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K, alpha,
                A, lda, B, ldb, beta, Cm, ldc);
}

void cpu_gather_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < n; r++) memcpy(out + (size_t)r * C, in + (size_t)rows[r] * C, (size_t)C * sizeof(float));
}

void cpu_scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < n; r++) memcpy(out + (size_t)rows[r] * C, in + (size_t)r * C, (size_t)C * sizeof(float));
}

void cpu_scale(float *x, size_t n, float s) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

double cpu_sum_squares(const float *x, size_t n) {
    double s = 0.0;
    #pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
    return s;
}
