// Linear layers (PyTorch's layout, w (OC, IC)):
//   forward   out (N, OC) = inp (N, IC) @ w^T + bias: bias broadcast into out, then the
//             gemm with beta = 1 (beta = 0 without bias), as the CPU backend does;
//   backward  dinp (N, IC) += dout (N, OC) @ w; dw (OC, IC) += dout^T @ inp (both gemm
//             with beta = 1); dbias (OC) += column sums of dout (deterministic, reduce.cu).
#include "cuda_common.h"

static __global__ void broadcast_bias_kernel(float *out, const float *bias, int N, int OC) {
    GRID_STRIDE(k, (size_t)N * OC) out[k] = bias[k % OC];
}

void cuda_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC) {
    if (N <= 0 || OC <= 0) return;
    if (bias) {
        broadcast_bias_kernel<<<cuda_grid((size_t)N * OC, 256), 256, 0, cuda_stream()>>>(out, bias, N, OC);
        CUDA_LAUNCH_CHECK();
    }
    cuda_gemm(0, 1, N, OC, IC, 1.0f, inp, IC, w, IC, bias ? 1.0f : 0.0f, out, OC);
}

void cuda_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                          int N, int IC, int OC) {
    if (N <= 0) return;
    if (dinp) cuda_gemm(0, 0, N, IC, OC, 1.0f, dout, OC, w, IC, 1.0f, dinp, IC);
    cuda_gemm(1, 0, OC, IC, N, 1.0f, dout, OC, inp, IC, 1.0f, dw, IC);
    if (dbias) cuda_colsum_plain(dbias, colsum_plain{dout, OC}, N, OC);
}
