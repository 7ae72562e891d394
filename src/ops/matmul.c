#include <cblas.h>

#include "ops.h"

void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC) {
    // (N, OC) = (N, IC) @ (OC, IC)^T
    if (bias) {
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OC; o++) out[(size_t)i * OC + o] = bias[o];
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, w, IC, bias ? 1.0f : 0.0f, out, OC);
}
