// Token embedding: out (N, C) = scale * table[ids] with table (V, C); the backward
// accumulates dtable[ids[i]] += scale * dout[i] with atomicAdd (ids repeat). NEFTune's
// noise: the counter-based uniform of ops.h, the same bits as the CPU backend (IEEE
// double sqrt and division, explicitly rounded float multiply and add).
#include "cuda_common.h"

static __global__ void embedding_forward_kernel(float *out, const int *ids, const float *table, float scale, int N,
                                                int C) {
    GRID_STRIDE(k, (size_t)N * C) {
        const size_t i = k / C, c = k % C;
        out[k] = table[(size_t)ids[i] * C + c] * scale;
    }
}

static __global__ void embedding_backward_kernel(float *dtable, const float *dout, const int *ids, float scale, int N,
                                                 int C) {
    GRID_STRIDE(k, (size_t)N * C) {
        const size_t i = k / C, c = k % C;
        atomicAdd(dtable + (size_t)ids[i] * C + c, scale * dout[k]);
    }
}

void cuda_embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C) {
    if (N <= 0 || C <= 0) return;
    embedding_forward_kernel<<<cuda_grid((size_t)N * C, 256), 256, 0, cuda_stream()>>>(out, ids, table, scale, N, C);
    CUDA_LAUNCH_CHECK();
}

void cuda_embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C) {
    if (N <= 0 || C <= 0) return;
    embedding_backward_kernel<<<cuda_grid((size_t)N * C, 256), 256, 0, cuda_stream()>>>(dtable, dout, ids, scale, N,
                                                                                         C);
    CUDA_LAUNCH_CHECK();
}

static __device__ __forceinline__ float noise_uniform(uint64_t seed, uint64_t k) {
    uint64_t z = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return __fmul_rn((float)((int32_t)(z >> 40) * 2 + 1 - (1 << 24)), 0x1p-24f);
}

static __global__ void embedding_noise_kernel(float *x, const int *seq_start, int B, int N, int C, float alpha,
                                              uint64_t seed) {
    GRID_STRIDE(k, (size_t)N * C) {
        const int n = (int)(k / C);
        int lo = 0, hi = B - 1;  // the sequence of token n: the last b with seq_start[b] <= n
        while (lo < hi) {
            const int mid = (lo + hi + 1) / 2;
            if (seq_start[mid] <= n) lo = mid;
            else hi = mid - 1;
        }
        const float s = (float)__ddiv_rn((double)alpha, __dsqrt_rn((double)(seq_start[lo + 1] - seq_start[lo]) * C));
        x[k] = __fadd_rn(x[k], __fmul_rn(s, noise_uniform(seed, (uint64_t)k)));
    }
}

void cuda_embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed) {
    if (B <= 0 || N <= 0 || C <= 0) return;
    embedding_noise_kernel<<<cuda_grid((size_t)N * C, 256), 256, 0, cuda_stream()>>>(x, seq_start, B, N, C, alpha,
                                                                                      seed);
    CUDA_LAUNCH_CHECK();
}
