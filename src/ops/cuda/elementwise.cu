// Elementwise ops over n floats: the residual add out = x + y (out may alias x), and
// Gemma's logit soft-capping z = tanh(z / cap) * cap (divide, tanh, multiply, as
// transformers does), its weighted mix into mixed logits, and its backward
// dzraw = dz (1 - tanh^2(zraw / cap)) (dzraw may alias dz).
#include "cuda_common.h"

static __global__ void residual_forward_kernel(float *out, const float *x, const float *y, size_t n) {
    GRID_STRIDE(i, n) out[i] = x[i] + y[i];
}

static __global__ void softcap_forward_kernel(float *z, size_t n, float cap) {
    GRID_STRIDE(i, n) z[i] = tanhf(z[i] / cap) * cap;
}

static __global__ void softcap_mix_kernel(float *z, const float *zraw, float w, float cap, int accumulate, size_t n) {
    GRID_STRIDE(i, n) {
        const float zc = tanhf(zraw[i] / cap) * cap;
        z[i] = accumulate ? z[i] + w * zc : w * zc;
    }
}

static __global__ void softcap_backward_kernel(float *dzraw, const float *dz, const float *zraw, float cap, size_t n) {
    GRID_STRIDE(i, n) {
        const float t = tanhf(zraw[i] / cap);
        dzraw[i] = dz[i] * (1.0f - t * t);
    }
}

void cuda_residual_forward(float *out, const float *x, const float *y, size_t n) {
    if (!n) return;
    residual_forward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(out, x, y, n);
    CUDA_LAUNCH_CHECK();
}

void cuda_softcap_forward(float *z, size_t n, float cap) {
    if (!n) return;
    softcap_forward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(z, n, cap);
    CUDA_LAUNCH_CHECK();
}

void cuda_softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n) {
    if (!n) return;
    softcap_mix_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(z, zraw, w, cap, accumulate, n);
    CUDA_LAUNCH_CHECK();
}

void cuda_softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n) {
    if (!n) return;
    softcap_backward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(dzraw, dz, zraw, cap, n);
    CUDA_LAUNCH_CHECK();
}
