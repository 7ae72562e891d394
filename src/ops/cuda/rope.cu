// RoPE, Hugging Face's rotate-half convention, in place on x (N, nh, D): for j < D/2 the
// pair (x_j, x_{j+D/2}) rotates by angle = (float)pos[n] * inv_freq[j] (float32, as
// transformers computes it); the backward rotates by the opposite angle. One thread
// per (token, head, pair).
#include "cuda_common.h"

static __global__ void rope_kernel(float *x, const int *pos, const float *inv_freq, int N, int nh, int D,
                                   float sign) {
    const int half = D / 2;
    GRID_STRIDE(k, (size_t)N * nh * half) {
        const int j = (int)(k % half);
        const size_t th = k / half;  // token * nh + head
        const int i = (int)(th / nh);
        const float angle = (float)pos[i] * inv_freq[j];
        const float c = cosf(angle), s = sign * sinf(angle);
        float *v1 = x + th * D + j, *v2 = v1 + half;
        const float x1 = *v1, x2 = *v2;
        *v1 = x1 * c - x2 * s;
        *v2 = x2 * c + x1 * s;
    }
}

static void rope(float *x, const int *pos, const float *inv_freq, int N, int nh, int D, float sign) {
    if (N <= 0 || nh <= 0 || D < 2) return;
    rope_kernel<<<cuda_grid((size_t)N * nh * (D / 2), 256), 256, 0, cuda_stream()>>>(x, pos, inv_freq, N, nh, D,
                                                                                      sign);
    CUDA_LAUNCH_CHECK();
}

void cuda_rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope(x, pos, inv_freq, N, nh, D, 1.0f);
}

void cuda_rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope(dx, pos, inv_freq, N, nh, D, -1.0f);
}
