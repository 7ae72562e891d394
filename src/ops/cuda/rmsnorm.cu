// RMSNorm over rows of C: out = inp * rstd * (w_offset + w), rstd = 1/sqrt(mean(inp^2) +
// eps), one block per row (sums in float like the CPU backend). The backward: one block
// per row accumulates dinp (N, C) += rstd (g dy) - inp rstd^3 / C sum(g dy inp) with
// g = w_offset + w; dw (C) += sum over rows of dy * inp * rstd, reduced deterministically
// (reduce.cu's column sums, no atomics).
#include "cuda_common.h"

enum { RMS_THREADS = 256 };

static __global__ __launch_bounds__(RMS_THREADS) void rmsnorm_forward_kernel(float *out, float *rstd,
                                                                             const float *inp, const float *w,
                                                                             float w_offset, int C, float eps) {
    __shared__ float sh[WARP];
    const size_t row = (size_t)blockIdx.x * C;
    const float *x = inp + row;
    float ss = 0.0f;
    for (int c = threadIdx.x; c < C; c += blockDim.x) ss += x[c] * x[c];
    ss = block_sum(ss, sh);
    const float r = 1.0f / sqrtf(ss / C + eps);
    for (int c = threadIdx.x; c < C; c += blockDim.x) out[row + c] = x[c] * r * (w_offset + w[c]);
    if (threadIdx.x == 0) rstd[blockIdx.x] = r;
}

static __global__ __launch_bounds__(RMS_THREADS) void rmsnorm_backward_kernel(float *dinp, const float *dout,
                                                                              const float *inp, const float *w,
                                                                              float w_offset, const float *rstd,
                                                                              int C) {
    __shared__ float sh[WARP];
    const size_t row = (size_t)blockIdx.x * C;
    const float *x = inp + row, *dy = dout + row;
    const float r = rstd[blockIdx.x];
    float dot = 0.0f;
    for (int c = threadIdx.x; c < C; c += blockDim.x) dot += (w_offset + w[c]) * dy[c] * x[c];
    dot = block_sum(dot, sh);
    const float k = dot * r * r * r / C;
    for (int c = threadIdx.x; c < C; c += blockDim.x) dinp[row + c] += r * (w_offset + w[c]) * dy[c] - k * x[c];
}

void cuda_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                          float eps) {
    if (N <= 0 || C <= 0) return;
    rmsnorm_forward_kernel<<<N, RMS_THREADS, 0, cuda_stream()>>>(out, rstd, inp, w, w_offset, C, eps);
    CUDA_LAUNCH_CHECK();
}

void cuda_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w, float w_offset,
                           const float *rstd, int N, int C) {
    if (N <= 0 || C <= 0) return;
    rmsnorm_backward_kernel<<<N, RMS_THREADS, 0, cuda_stream()>>>(dinp, dout, inp, w, w_offset, rstd, C);
    CUDA_LAUNCH_CHECK();
    cuda_colsum_rmsnorm_dw(dw, colsum_rmsnorm_dw{dout, inp, rstd, C}, N, C);
}
