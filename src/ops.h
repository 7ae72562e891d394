// The compute half of the backend seam: every computation on tensors of the model,
// the loss, the optimizer, scoring and generation. Memory is the other half (device.h).
//
// Conventions (llm.c's): outputs first, then inputs, weights, sizes. Every pointer is
// device memory (device.h), index arrays included; scalars are host values. Row-major
// throughout. "Accumulates" means += into the output, otherwise the output is written.
// Ops are issued in order; results are visible to later ops, and to the host after a
// wmss_dev_download (which waits). A backend owns its workspaces and threads: no op takes
// scratch buffers or thread counts.
//
// Implementations: src/ops/cpu/ (OpenBLAS + OpenMP) and src/ops/cuda/ (cuBLAS + own
// kernels, make CUDA=1); src/ops/dispatch.c sends each call to the selected one.
// tests/c/test_ops.c checks every op of the selected backend against float64 references
// and finite differences: it is the acceptance test of a backend.
//
// Notation: N tokens, C channels, V vocabulary, H query heads, KV key/value heads, D
// head dim.
#ifndef WMSS_OPS_H
#define WMSS_OPS_H

#include <stddef.h>
#include <stdint.h>

// ---------------------------------------------------------------------------------
// General linear algebra and data movement.

// C (M, N) = alpha * op(A) op(B) + beta * C, row-major like cblas_sgemm(CblasRowMajor):
// op(A) is (M, K): A is (M, K) with row stride lda, or (K, M) when transA. op(B) is
// (K, N): B is (K, N) with stride ldb, or (N, K) when transB. beta = 0: C is not read.
void gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
          float beta, float *Cm, int ldc);

// out (n, C) = in[rows[r]] for r < n (gather). rows: device int64.
void gather_rows(float *out, const float *in, const int64_t *rows, int n, int C);
// out[rows[r]] = in (n, C) row r (scatter; rows distinct). Used for the KV-cache append
// (rows = slot * max_len + position) and for the loss's dh.
void scatter_rows(float *out, const float *in, const int64_t *rows, int n, int C);

// x *= s over n.
void tensor_scale(float *x, size_t n, float s);
// Sum of x[i]^2 over n, accumulated in double; returned to the host (waits).
double sum_squares(const float *x, size_t n);

// ---------------------------------------------------------------------------------
// Transformer layers.

// out (N, C) = scale * table[ids] with table (V, C) (scale: Gemma's sqrt(C), else 1).
void embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C);
// Accumulates dtable[ids[i]] += scale * dout[i] (ids may repeat).
void embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C);
// NEFTune's noise on the input embeddings (training only), in place on x (N, C) holding B
// packed sequences (seq_start (B+1), device ints, seq_start[0] = 0, seq_start[B] = N;
// every sequence non-empty): for token n of
// sequence b (L = its length) and channel c,
//   x[n, c] += s_b * u(seed, n * C + c),   s_b = (float)((double)alpha / sqrt((double)L * C))
// (the product s_b * u rounded to float, then the sum: no fused multiply-add), where u
// is a counter-based uniform in (-1, 1): z = splitmix64's output for state seed and
// counter k + 1, i.e. z = seed + (k + 1) * 0x9E3779B97F4A7C15, z = (z ^ z >> 30) *
// 0xBF58476D1CE4E5B9, z = (z ^ z >> 27) * 0x94D049BB133111EB, z ^= z >> 31 (mod 2^64),
// and u = (2 * (z >> 40) + 1 - 2^24) / 2^24 (exact in float, symmetric, mean 0).
// Every backend gives the same bits, whatever its threading. The backward pass is the
// identity (the noise does not depend on x).
void embedding_noise(float *x, const int *seq_start, int B, int N, int C, float alpha, uint64_t seed);

// out (N, OC) = inp (N, IC) @ w^T + bias, with w (OC, IC) as PyTorch's Linear stores
// it; bias (OC) may be NULL.
void matmul_forward(float *out, const float *inp, const float *w, const float *bias, int N, int IC, int OC);
// Accumulates: dinp (N, IC) += dout @ w; dw (OC, IC) += dout^T @ inp; dbias (OC) +=
// column sums of dout. dinp and dbias may be NULL.
void matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w, int N,
                     int IC, int OC);

// RMSNorm over rows of C: out = (inp * rstd) * (w_offset + w), rstd = 1/sqrt(mean(inp^2)
// + eps); w_offset is 0, or 1 for Gemma's (1 + w). out, inp (N, C); rstd (N) saved for
// the backward pass; w (C).
void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, float w_offset, int N, int C,
                     float eps);
// Accumulates dinp (N, C) and dw (C) from dout (N, C).
void rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w, float w_offset,
                      const float *rstd, int N, int C);

// RoPE in Hugging Face's rotate-half convention, in place on x (N, nh, D): for i < D/2,
// (x_i, x_{i+D/2}) rotate by angle pos[n] * inv_freq[i] (angle in float32 as
// transformers computes it). inv_freq (D/2) on the device.
void rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
// The rotation is orthogonal: the backward pass rotates dx by the opposite angle, in place.
void rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D);

// Grouped-query attention, causal, optionally over a sliding window. Token i, at
// position pos[i] of its sequence, attends to the key/value rows kv_row[i] + j for j in
// [lo, pos[i]], lo = window > 0 ? max(0, pos[i] - window + 1) : 0 (rows of KV*D floats
// in k and v). For packed training sequences kv_row[i] is the sequence's first token;
// with a KV cache, the slot's first row. Scores are scale * (q . k); query head h reads
// kv head h / (H / KV). q, out (N, H, D); lse (N, H) the log-sum-exp of each score row
// (for the backward pass). No (T x T) score matrix may exist (FlashAttention's online
// softmax).
void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                       const int *pos, int N, int H, int KV, int D, int window, float scale);
// For packed sequences (kv_row = the sequence's first token, positions from 0): writes
// (does not accumulate) dq (N, H, D) and dk, dv (N, KV, D) from dout (N, H, D), the
// forward's inputs, its out and lse. seq_start (B+1): the sequences' token offsets;
// pos (N): each token's position in its sequence.
void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, const int *seq_start, const int *pos, int B,
                        int N, int H, int KV, int D, int window, float scale);

// SwiGLU: out = silu(gate) * up, elementwise over n. The backward writes dgate and dup.
void swiglu_forward(float *out, const float *gate, const float *up, size_t n);
void swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);
// GeGLU with the tanh approximation of GELU (gelu_pytorch_tanh): out = gelu(gate) * up.
void geglu_forward(float *out, const float *gate, const float *up, size_t n);
void geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);

// out = x + y, elementwise over n (out may alias x). Its backward is the identity.
void residual_forward(float *out, const float *x, const float *y, size_t n);

// Logit soft-capping (Gemma's final_logit_softcapping), z = cap * tanh(z / cap), in place over n.
void softcap_forward(float *z, size_t n, float cap);
// z (n) = (accumulate ? z : 0) + w * cap * tanh(zraw / cap): one soft-capped branch's
// share of the mixed logits.
void softcap_mix(float *z, const float *zraw, float w, float cap, int accumulate, size_t n);
// dzraw (n) = dz * (1 - tanh^2(zraw / cap)): the gradient through the cap
// (elementwise: dzraw may alias dz or zraw).
void softcap_backward(float *dzraw, const float *dz, const float *zraw, float cap, size_t n);

// ---------------------------------------------------------------------------------
// The loss over a chunk of rows (the fused LM-head loss in src/train/loss.c drives these).

// Cross-entropy of T rows of logits z (T, V) against targets (T, device, each in [0, V)):
// stats (T, 3, device doubles) = -log softmax(z)[target], the entropy of softmax(z)
// (nats), 1 if the first maximum of the row is the target else 0. z is overwritten: with
// want_grad it becomes grad_scale * (softmax(z) - onehot(target)), the loss gradient;
// otherwise exp(z - max z).
void xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad);

// The logit statistics of the paper's Tables 6-7 for T rows of z (T, V) (not modified)
// against targets (T): out (T, OPS_LS_COUNT, device doubles) in this order: target
// logit, mean non-target logit, their gap, population std, centered norm ||z - mean||,
// max, min, entropy (nats), max probability. V >= 2.
enum { OPS_LS_COUNT = 9 };
void logit_stats_rows(double *out, const float *z, const int *targets, int T, int V);

// ---------------------------------------------------------------------------------
// Optimizer.

// torch.optim.AdamW on n parameters, one step: p *= decay; m = b1 m + (1 - b1) g;
// v = b2 v + (1 - b2) g^2; p -= step_size * m / (sqrt(v) / bc2_sqrt + eps), with
// decay = 1 - lr * weight_decay (or 1), step_size = lr / (1 - b1^t), bc2_sqrt =
// sqrt(1 - b2^t) computed by the caller.
void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps, float decay,
                  float step_size, float bc2_sqrt);

#endif
