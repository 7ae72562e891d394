// The layer operations of the CPU backend. Each is a *_forward (and, with the
// training issue, a *_backward) with llm.c's argument order: outputs, inputs,
// weights, sizes. Matmuls go to BLAS sgemm; the rest is OpenMP loops.
#ifndef WMSS_OPS_H
#define WMSS_OPS_H

#include <stddef.h>

// out (N, C) = table[ids] with table (V, C).
void embedding_forward(float *out, const int *ids, const float *table, int N, int C);

// out (N, OC) = inp (N, IC) @ w^T + bias, with w (OC, IC) as PyTorch's Linear stores
// it; bias (OC) may be NULL.
void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC);

// RMSNorm over rows of C: out = inp * rstd * w, rstd = 1/sqrt(mean(inp^2) + eps).
// out, inp (N, C); rstd (N) saved for the backward pass; w (C).
void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int N, int C, float eps);

// RoPE in Hugging Face's rotate-half convention, in place on x (N, nh, D):
// for i < D/2, (x_i, x_{i+D/2}) rotate by angle pos * inv_freq[i] (angle in float32
// as transformers computes it).
void rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
void rope_inv_freq(float *inv_freq, int D, float theta);  // (D/2)

// Causal grouped-query attention over packed sequences. q (N, H, D); k, v (N, KV, D);
// out (N, H, D); lse (N, H) the log-sum-exp of each score row (for the backward pass).
// Token i attends to tokens [i - pos[i], i]. scratch: (n_threads, max_len) floats.
void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int *pos,
                       int N, int H, int KV, int D, float *scratch, int max_len, int n_threads);

// SwiGLU: out = silu(gate) * up, elementwise over n.
void swiglu_forward(float *out, const float *gate, const float *up, size_t n);

// x += y, elementwise over n.
void residual_forward(float *x, const float *y, size_t n);

#endif
