// Token embedding: out (N, C) = scale * table[ids] with table (V, C); the backward
// accumulates dtable[ids[i]] += scale * dout[i] with atomicAdd (ids repeat).
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
