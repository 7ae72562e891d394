// The seam's public face: every device.h and ops.h call goes to the backend chosen by
// wmss_dev_select() (the CPU backend until then). The choice is the one piece of
// process-wide state here, like BLAS's thread pool: made once, before the first
// allocation, and fixed after it (pointers of one backend mean nothing to another).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "device.h"
#include "ops.h"

static const wmss_backend *g_be = &wmss_backend_cpu;
static int g_allocated;  // an allocation was made: the backend is fixed

int wmss_dev_cuda_built(void) {
#ifdef WMSS_CUDA
    return 1;
#else
    return 0;
#endif
}

int wmss_dev_select(const char *want, wmss_error *e) {
    const int automatic = !want || !*want || !strcmp(want, "auto");
    if (!automatic && strcmp(want, "cpu") && strcmp(want, "cuda"))
        return wmss_fail(e, "--device: unknown device '%s' (cpu, cuda or auto)", want);
    const wmss_backend *pick = &wmss_backend_cpu;
#ifdef WMSS_CUDA
    if (automatic || !strcmp(want, "cuda")) {
        const wmss_backend *cu = wmss_cuda_backend();
        wmss_error ce = {{0}};
        if (!cu->init(&ce)) pick = cu;
        else if (!automatic) return wmss_fail(e, "--device cuda: %s", ce.msg);
    }
#else
    if (!automatic && !strcmp(want, "cuda"))
        return wmss_fail(e, "--device cuda: this wmss was built without CUDA (rebuild with make CUDA=1)");
#endif
    if (pick == g_be) return 0;
    if (g_allocated) return wmss_fail(e, "device: cannot switch to %s after tensors were allocated on %s", pick->name, g_be->name);
    g_be = pick;
    return 0;
}

wmss_dev_kind wmss_dev_kind_now(void) { return g_be == &wmss_backend_cpu ? WMSS_DEV_CPU : WMSS_DEV_CUDA; }
void wmss_dev_describe(char *buf, size_t cap) { g_be->describe(buf, cap); }
int wmss_dev_host_shared(void) { return g_be->host_shared; }

void *wmss_dev_alloc(size_t bytes, const char *what, wmss_error *e) {
    g_allocated = 1;
    return g_be->alloc(bytes, what, e);
}
void wmss_dev_free(void *p) {
    if (p) g_be->free(p);
}
void wmss_dev_zero(void *p, size_t bytes) {
    if (bytes) g_be->zero(p, bytes);
}
void wmss_dev_upload(void *dst, const void *src, size_t bytes) {
    if (bytes) g_be->upload(dst, src, bytes);
}
void wmss_dev_download(void *dst, const void *src, size_t bytes) {
    if (bytes) g_be->download(dst, src, bytes);
}
void wmss_dev_copy(void *dst, const void *src, size_t bytes) {
    if (bytes) g_be->copy(dst, src, bytes);
}
void wmss_dev_sync(void) { g_be->sync(); }
int wmss_dev_check(wmss_error *e) { return g_be->check(e); }

void gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
          float beta, float *Cm, int ldc) {
    g_be->gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, Cm, ldc);
}
void gather_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    g_be->gather_rows(out, in, rows, n, C);
}
void scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C) {
    g_be->scatter_rows(out, in, rows, n, C);
}
void tensor_scale(float *x, size_t n, float s) { g_be->scale(x, n, s); }
double sum_squares(const float *x, size_t n) { return g_be->sum_squares(x, n); }

void embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C) {
    g_be->embedding_forward(out, ids, table, scale, N, C);
}
void embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C) {
    g_be->embedding_backward(dtable, dout, ids, scale, N, C);
}
void embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed) {
    g_be->embedding_noise(x, seq_start, B, N, C, alpha, seed);
}
void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC) {
    g_be->matmul_forward(out, inp, w, bias, N, IC, OC);
}
void matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w, int N,
                     int IC, int OC) {
    g_be->matmul_backward(dinp, dw, dbias, dout, inp, w, N, IC, OC);
}
void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                     float eps) {
    g_be->rmsnorm_forward(out, rstd, inp, w, w_offset, N, C, eps);
}
void rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w, float w_offset,
                      const float *rstd, int N, int C) {
    g_be->rmsnorm_backward(dinp, dw, dout, inp, w, w_offset, rstd, N, C);
}
void rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D) {
    g_be->rope_forward(x, pos, inv_freq, N, nh, D);
}
void rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D) {
    g_be->rope_backward(dx, pos, inv_freq, N, nh, D);
}
void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                       const int *pos, int N, int H, int KV, int D, int window, float scale) {
    g_be->attention_forward(out, lse, q, k, v, kv_row, pos, N, H, KV, D, window, scale);
}
void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, const int *seq_start, const int *pos, int B,
                        int N, int H, int KV, int D, int window, float scale) {
    g_be->attention_backward(dq, dk, dv, dout, q, k, v, out, lse, seq_start, pos, B, N, H, KV, D, window, scale);
}
void swiglu_forward(float *out, const float *gate, const float *up, size_t n) { g_be->swiglu_forward(out, gate, up, n); }
void swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    g_be->swiglu_backward(dgate, dup, dout, gate, up, n);
}
void geglu_forward(float *out, const float *gate, const float *up, size_t n) { g_be->geglu_forward(out, gate, up, n); }
void geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n) {
    g_be->geglu_backward(dgate, dup, dout, gate, up, n);
}
void residual_forward(float *out, const float *x, const float *y, size_t n) { g_be->residual_forward(out, x, y, n); }
void softcap_forward(float *z, size_t n, float cap) { g_be->softcap_forward(z, n, cap); }
void softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n) {
    g_be->softcap_mix(z, zraw, w, cap, accumulate, n);
}
void softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n) {
    g_be->softcap_backward(dzraw, dz, zraw, cap, n);
}
void xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad) {
    g_be->xent_rows(z, stats, targets, T, V, grad_scale, want_grad);
}
void logit_stats_rows(double *out, const float *z, const int *targets, int T, int V) {
    g_be->logit_stats_rows(out, z, targets, T, V);
}
void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps, float decay,
                  float step_size, float bc2_sqrt) {
    g_be->adamw_update(p, g, m, v, n, b1, b2, eps, decay, step_size, bc2_sqrt);
}
