// Private to src/ops/cuda: the checked-call macros, the backend's process-wide device
// state (stream, cuBLAS handle, math mode, scratch buffers), small launch and reduction
// helpers, and the cuda_* ops that backend.cu puts in the table. Each cuda_* op has the
// contract of its ops.h / device.h twin; all run asynchronously on cuda_stream().
#ifndef WMSS_OPS_CUDA_COMMON_H
#define WMSS_OPS_CUDA_COMMON_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern "C" {
#include "error.h"
}
#include "ops/backend.h"

// An op has no error return: a failing CUDA or cuBLAS call prints where and why, then aborts.
#define CUDA_CHECK(call)                                                                                 \
    do {                                                                                                 \
        cudaError_t err_ = (call);                                                                       \
        if (err_ != cudaSuccess) {                                                                       \
            fprintf(stderr, "wmss cuda: %s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(err_)); \
            abort();                                                                                     \
        }                                                                                                \
    } while (0)
#define CUBLAS_CHECK(call)                                                                               \
    do {                                                                                                 \
        cublasStatus_t st_ = (call);                                                                     \
        if (st_ != CUBLAS_STATUS_SUCCESS) {                                                              \
            fprintf(stderr, "wmss cublas: %s:%d: %s: %s\n", __FILE__, __LINE__, #call, cublasGetStatusString(st_)); \
            abort();                                                                                     \
        }                                                                                                \
    } while (0)
// After each kernel launch (bad configurations are reported at once).
#define CUDA_LAUNCH_CHECK() CUDA_CHECK(cudaGetLastError())

// A precondition of an op that the caller violated (no error return): message and abort.
#define CUDA_REQUIRE(cond, ...)                                                  \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "wmss cuda: %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

// ---------------------------------------------------------------------------------
// Device state (device.cu).

cudaStream_t cuda_stream(void);
cublasHandle_t cuda_cublas(void);
cublasComputeType_t cuda_compute_type(void);
// A device buffer of at least bytes owned by the backend, one per slot, grown on demand
// (valid until the next call with the same slot). Ops run in stream order, so an op may
// use a slot freely between its launches.
enum { SCRATCH_REDUCE, SCRATCH_ATTN, SCRATCH_COUNT };
void *cuda_scratch(int slot, size_t bytes);

// ---------------------------------------------------------------------------------
// Launch helpers.

enum { WARP = 32 };
// Blocks for n elements at threads per block, at most 2^20: kernels over n elements loop
// with a grid stride.
static inline unsigned cuda_grid(size_t n, int threads) {
    size_t g = (n + (size_t)threads - 1) / (size_t)threads;
    return (unsigned)(g < 1 ? 1 : (g > ((size_t)1 << 20) ? ((size_t)1 << 20) : g));
}
#define GRID_STRIDE(k, n) \
    for (size_t k = blockIdx.x * (size_t)blockDim.x + threadIdx.x; k < (n); k += (size_t)gridDim.x * blockDim.x)

template <typename T> __device__ inline T warp_sum(T x) {
    for (int o = WARP / 2; o > 0; o /= 2) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}
__device__ inline float warp_max(float x) {
    for (int o = WARP / 2; o > 0; o /= 2) {
        float y = __shfl_xor_sync(0xffffffffu, x, o);
        x = y > x ? y : x;
    }
    return x;
}

// Block-wide reductions for blockDim.x a multiple of 32 (<= 1024). Every thread gets the
// result. shared: WARP elements of scratch; the call ends with a barrier, so it may be
// called again with the same scratch.
template <typename T> __device__ inline T block_sum(T x, T *shared) {
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, nw = blockDim.x / WARP;
    x = warp_sum(x);
    if (lane == 0) shared[warp] = x;
    __syncthreads();
    T r = lane < nw ? shared[lane] : (T)0;
    r = warp_sum(r);
    __syncthreads();
    return r;
}
template <typename T> __device__ inline T block_max(T x, T *shared) {
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, nw = blockDim.x / WARP;
    for (int o = WARP / 2; o > 0; o /= 2) {
        T y = __shfl_xor_sync(0xffffffffu, x, o);
        x = y > x ? y : x;
    }
    if (lane == 0) shared[warp] = x;
    __syncthreads();
    T r = lane < nw ? shared[lane] : shared[0];
    for (int o = WARP / 2; o > 0; o /= 2) {
        T y = __shfl_xor_sync(0xffffffffu, r, o);
        r = y > r ? y : r;
    }
    __syncthreads();
    return r;
}
template <typename T> __device__ inline T block_min(T x, T *shared) {
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP, nw = blockDim.x / WARP;
    for (int o = WARP / 2; o > 0; o /= 2) {
        T y = __shfl_xor_sync(0xffffffffu, x, o);
        x = y < x ? y : x;
    }
    if (lane == 0) shared[warp] = x;
    __syncthreads();
    T r = lane < nw ? shared[lane] : shared[0];
    for (int o = WARP / 2; o > 0; o /= 2) {
        T y = __shfl_xor_sync(0xffffffffu, r, o);
        r = y < r ? y : r;
    }
    __syncthreads();
    return r;
}

// dst (C) += column sums over rows [0, N) of f(row, col) (deterministic: per-block partial
// sums over row chunks, then a fixed-order pass). Defined in reduce.cu for the functors
// below.
struct colsum_plain {  // x (N, C)
    const float *x;
    int C;
    __device__ float operator()(int i, int c) const { return x[(size_t)i * C + c]; }
};
struct colsum_rmsnorm_dw {  // dy * x * rstd
    const float *dy, *x, *rstd;
    int C;
    __device__ float operator()(int i, int c) const {
        const size_t k = (size_t)i * C + c;
        return dy[k] * x[k] * rstd[i];
    }
};
void cuda_colsum_plain(float *dst, colsum_plain f, int N, int C);
void cuda_colsum_rmsnorm_dw(float *dst, colsum_rmsnorm_dw f, int N, int C);

// ---------------------------------------------------------------------------------
// The backend's entries.

int cuda_init(wmss_error *e);
void cuda_describe(char *buf, size_t cap);
void *cuda_alloc(size_t bytes, const char *what, wmss_error *e);
void cuda_free(void *p);
void cuda_zero(void *p, size_t bytes);
void cuda_upload(void *dst_dev, const void *src_host, size_t bytes);
void cuda_download(void *dst_host, const void *src_dev, size_t bytes);
void cuda_copy(void *dst_dev, const void *src_dev, size_t bytes);
void cuda_sync(void);
int cuda_check(wmss_error *e);

void cuda_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
               int ldb, float beta, float *Cm, int ldc);
void cuda_gather_rows(float *out, const float *in, const int64_t *rows, int n, int C);
void cuda_scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C);
void cuda_scale(float *x, size_t n, float s);
double cuda_sum_squares(const float *x, size_t n);

void cuda_embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C);
void cuda_embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C);
void cuda_embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed);
void cuda_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC);
void cuda_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                          int N, int IC, int OC);
void cuda_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                          float eps);
void cuda_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w, float w_offset,
                           const float *rstd, int N, int C);
void cuda_rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
void cuda_rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D);
void cuda_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                            const int64_t *kv_row, const int *pos, int N, int H, int KV, int D, int window,
                            float scale);
void cuda_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                             const float *v, const float *out, const float *lse, const int *seq_start, const int *pos,
                             int B, int N, int H, int KV, int D, int window, float scale);
void cuda_swiglu_forward(float *out, const float *gate, const float *up, size_t n);
void cuda_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
void cuda_geglu_forward(float *out, const float *gate, const float *up, size_t n);
void cuda_geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
void cuda_residual_forward(float *out, const float *x, const float *y, size_t n);
void cuda_softcap_forward(float *z, size_t n, float cap);
void cuda_softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n);
void cuda_softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n);
void cuda_xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad);
void cuda_logit_stats_rows(double *out, const float *z, const int *targets, int T, int V);
void cuda_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps,
                       float decay, float step_size, float bc2_sqrt);

#endif
