// The CPU backend's ops (OpenBLAS sgemm + OpenMP loops, vectorized where hot): each is
// the ops.h op of the same name without the cpu_ prefix and has its contract. Private to
// src/ops/cpu; src/ops/cpu/backend.c puts them in the backend table.
#ifndef WMSS_OPS_CPU_H
#define WMSS_OPS_CPU_H

#include <stddef.h>
#include <stdint.h>

void cpu_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
              float beta, float *Cm, int ldc);
void cpu_gather_rows(float *out, const float *in, const int64_t *rows, int n, int C);
void cpu_scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C);
void cpu_scale(float *x, size_t n, float s);
double cpu_sum_squares(const float *x, size_t n);

void cpu_embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C);
void cpu_embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C);
void cpu_embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed);
void cpu_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC);
void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                         int N, int IC, int OC);
void cpu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                         float eps);
void cpu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w, float w_offset,
                          const float *rstd, int N, int C);
void cpu_rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
void cpu_rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D);
void cpu_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                           const int64_t *kv_row, const int *pos, int N, int H, int KV, int D, int window, float scale);
void cpu_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, const int *seq_start, const int *pos,
                            int B, int N, int H, int KV, int D, int window, float scale);
void cpu_swiglu_forward(float *out, const float *gate, const float *up, size_t n);
void cpu_swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
void cpu_geglu_forward(float *out, const float *gate, const float *up, size_t n);
void cpu_geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
void cpu_residual_forward(float *out, const float *x, const float *y, size_t n);
void cpu_softcap_forward(float *z, size_t n, float cap);
void cpu_softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n);
void cpu_softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n);

void cpu_xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad);
void cpu_logit_stats_rows(double *out, const float *z, const int *targets, int T, int V);

void cpu_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps,
                      float decay, float step_size, float bc2_sqrt);

#endif
