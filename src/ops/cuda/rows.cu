// Row gather and scatter: out (n, C) = in[rows] and out[rows] = in (n, C), rows a device
// int64 array (the KV-cache append, the loss's chosen rows). One thread per float.
#include "cuda_common.h"

static __global__ void gather_rows_kernel(float *out, const float *in, const int64_t *rows, int n, int C) {
    GRID_STRIDE(k, (size_t)n * C) {
        const size_t r = k / C, c = k % C;
        out[k] = in[(size_t)rows[r] * C + c];
    }
}

static __global__ void scatter_rows_kernel(float *out, const float *in, const int64_t *rows, int n, int C) {
    GRID_STRIDE(k, (size_t)n * C) {
        const size_t r = k / C, c = k % C;
        out[(size_t)rows[r] * C + c] = in[k];
    }
}

void cuda_gather_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    if (n <= 0 || C <= 0) return;
    gather_rows_kernel<<<cuda_grid((size_t)n * C, 256), 256, 0, cuda_stream()>>>(out, in, rows, n, C);
    CUDA_LAUNCH_CHECK();
}

void cuda_scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    if (n <= 0 || C <= 0) return;
    scatter_rows_kernel<<<cuda_grid((size_t)n * C, 256), 256, 0, cuda_stream()>>>(out, in, rows, n, C);
    CUDA_LAUNCH_CHECK();
}
