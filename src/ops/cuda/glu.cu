// Gated MLP activations, elementwise over n (float math as the CPU backend):
//   SwiGLU  out = silu(gate) * up, silu(g) = g / (1 + exp(-g));
//   GeGLU   out = gelu_tanh(gate) * up, gelu_tanh(x) = 0.5 x (1 + tanh(k (x + 0.044715 x^3))),
//           k = sqrt(2 / pi) (PyTorch's gelu_pytorch_tanh).
// The backward passes write dgate and dup.
#include "cuda_common.h"

#define GELU_K 0.7978845608028654f
#define GELU_C 0.044715f

static __global__ void swiglu_forward_kernel(float *out, const float *gate, const float *up, size_t n) {
    GRID_STRIDE(i, n) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

static __global__ void swiglu_backward_kernel(float *dgate, float *dup, const float *dout, const float *gate,
                                              const float *up, size_t n) {
    GRID_STRIDE(i, n) {
        const float g = gate[i], sg = 1.0f / (1.0f + expf(-g)), silu = g * sg, d = dout[i], u = up[i];
        dup[i] = d * silu;
        dgate[i] = d * u * sg * (1.0f + g * (1.0f - sg));
    }
}

static __global__ void geglu_forward_kernel(float *out, const float *gate, const float *up, size_t n) {
    GRID_STRIDE(i, n) {
        const float x = gate[i], inner = GELU_K * (x + GELU_C * (x * x * x));
        out[i] = 0.5f * x * (1.0f + tanhf(inner)) * up[i];
    }
}

static __global__ void geglu_backward_kernel(float *dgate, float *dup, const float *dout, const float *gate,
                                             const float *up, size_t n) {
    GRID_STRIDE(i, n) {
        const float x = gate[i], t = tanhf(GELU_K * (x + GELU_C * (x * x * x)));
        const float gelu = 0.5f * x * (1.0f + t);
        const float dgelu = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * GELU_K * (1.0f + 3.0f * GELU_C * x * x);
        const float d = dout[i], u = up[i];
        dup[i] = d * gelu;
        dgate[i] = d * u * dgelu;
    }
}

void cuda_swiglu_forward(float *out, const float *gate, const float *up, size_t n) {
    if (!n) return;
    swiglu_forward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(out, gate, up, n);
    CUDA_LAUNCH_CHECK();
}

void cuda_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    if (!n) return;
    swiglu_backward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(dgate, dup, dout, gate, up, n);
    CUDA_LAUNCH_CHECK();
}

void cuda_geglu_forward(float *out, const float *gate, const float *up, size_t n) {
    if (!n) return;
    geglu_forward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(out, gate, up, n);
    CUDA_LAUNCH_CHECK();
}

void cuda_geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    if (!n) return;
    geglu_backward_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(dgate, dup, dout, gate, up, n);
    CUDA_LAUNCH_CHECK();
}
