// A backend: the device memory calls of device.h and the ops of ops.h as one table of
// functions (private to src/ops). src/ops/dispatch.c forwards every public call to the
// table selected by wmss_dev_select(); src/ops/cpu/ fills wmss_backend_cpu and, in a
// CUDA=1 build, src/ops/cuda/ fills the table wmss_cuda_backend() returns. Each entry
// has exactly the contract its public twin documents in device.h / ops.h.
#ifndef WMSS_OPS_BACKEND_H
#define WMSS_OPS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;  // "cpu", "cuda"
    int host_shared;   // device memory is host memory
    // Makes the backend ready (device, library handles); fails when it cannot run here.
    int (*init)(wmss_error *e);
    void (*describe)(char *buf, size_t cap);

    void *(*alloc)(size_t bytes, const char *what, wmss_error *e);
    void (*free)(void *p);
    void (*zero)(void *p, size_t bytes);
    void (*upload)(void *dst_dev, const void *src_host, size_t bytes);
    void (*download)(void *dst_host, const void *src_dev, size_t bytes);
    void (*copy)(void *dst_dev, const void *src_dev, size_t bytes);
    void (*sync)(void);
    int (*check)(wmss_error *e);

    void (*gemm)(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                 int ldb, float beta, float *Cm, int ldc);
    void (*gather_rows)(float *out, const float *in, const int64_t *rows, int n, int C);
    void (*scatter_rows)(float *out, const float *in, const int64_t *rows, int n, int C);
    void (*scale)(float *x, size_t n, float s);
    double (*sum_squares)(const float *x, size_t n);

    void (*embedding_forward)(float *out, const int *ids, const float *table, float scale, int N, int C);
    void (*embedding_backward)(float *dtable, const float *dout, const int *ids, float scale, int N, int C);
    void (*embedding_noise)(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed);
    void (*matmul_forward)(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC);
    void (*matmul_backward)(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                            int N, int IC, int OC);
    void (*rmsnorm_forward)(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                            float eps);
    void (*rmsnorm_backward)(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                             float w_offset, const float *rstd, int N, int C);
    void (*rope_forward)(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
    void (*rope_backward)(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D);
    void (*attention_forward)(float *out, float *lse, const float *q, const float *k, const float *v,
                              const int64_t *kv_row, const int *pos, int N, int H, int KV, int D, int window,
                              float scale);
    void (*attention_backward)(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                               const float *v, const float *out, const float *lse, const int *seq_start,
                               const int *pos, int B, int N, int H, int KV, int D, int window, float scale);
    void (*swiglu_forward)(float *out, const float *gate, const float *up, size_t n);
    void (*swiglu_backward)(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
    void (*geglu_forward)(float *out, const float *gate, const float *up, size_t n);
    void (*geglu_backward)(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
    void (*residual_forward)(float *out, const float *x, const float *y, size_t n);
    void (*softcap_forward)(float *z, size_t n, float cap);
    void (*softcap_mix)(float *z, const float *zraw, float w, float cap, int accumulate, size_t n);
    void (*softcap_backward)(float *dzraw, const float *dz, const float *zraw, float cap, size_t n);

    void (*xent_rows)(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad);
    void (*logit_stats_rows)(double *out, const float *z, const int *targets, int T, int V);

    void (*adamw_update)(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps,
                         float decay, float step_size, float bc2_sqrt);
} wmss_backend;

extern const wmss_backend wmss_backend_cpu;
#ifdef WMSS_CUDA
// The CUDA backend's table (src/ops/cuda/backend.cu).
const wmss_backend *wmss_cuda_backend(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
