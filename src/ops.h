// The layer operations of the CPU backend. Each is a *_forward (and, with the
// training issue, a *_backward) with llm.c's argument order: outputs, inputs,
// weights, sizes. Matmuls go to BLAS sgemm; the rest is OpenMP loops.
#ifndef WMSS_OPS_H
#define WMSS_OPS_H

#include <stddef.h>
#include <stdint.h>

// out (N, C) = scale * table[ids] with table (V, C) (scale: Gemma's sqrt(C), else 1).
void embedding_forward(float *out, const int *ids, const float *table, float scale, int N, int C);
// dtable[ids[i]] += scale * dout[i].
void embedding_backward(float *dtable, const float *dout, const int *ids, float scale, int N, int C);

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

// RoPE in Hugging Face's rotate-half convention, in place on x (N, nh, D):
// for i < D/2, (x_i, x_{i+D/2}) rotate by angle pos * inv_freq[i] (angle in float32
// as transformers computes it).
void rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D);
void rope_inv_freq(float *inv_freq, int D, float theta);  // (D/2)
// The rotation is orthogonal: the backward pass rotates dx by the opposite angle, in place.
void rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D);

// Grouped-query attention, causal, optionally over a sliding window. Token i, at
// position pos[i] of its sequence, attends to the key/value rows kv_row[i] + j for
// j in [lo, pos[i]], lo = window > 0 ? max(0, pos[i] - window + 1) : 0 (rows of KV*D
// floats). For packed training sequences kv_row[i] is the sequence's first token; with
// a KV cache, the slot's first row. Scores are scale * (q . k). q (N, H, D); out
// (N, H, D); lse (N, H) the log-sum-exp of each score row (for the backward pass).
// Tiled as FlashAttention (an online softmax over key tiles): no score row longer than
// a tile exists. scratch: attention_scratch_floats(max_len, D, n_threads) floats (one
// score tile per thread; the size no longer depends on max_len or D).
size_t attention_scratch_floats(int max_len, int D, int n_threads);
void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, const int64_t *kv_row,
                       const int *pos, int N, int H, int KV, int D, int window, float scale, float *scratch,
                       int max_len, int n_threads);

// Recomputes the softmax from lse, tile by tile (a thread's tiles live on its stack,
// 66 KB). Writes (does not accumulate) dq (N, H, D) and dk, dv (N, KV, D) for packed
// sequences (kv_row = the sequence start, positions from 0). Work is split by
// (sequence, kv head), so no two threads write the same row. seq_start (B+1) are the
// sequences' token offsets.
void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, const int *seq_start, int B, int N, int H,
                        int KV, int D, int window, float scale, int n_threads);

// GeGLU with the tanh approximation of GELU (gelu_pytorch_tanh): out = gelu(gate) * up.
void geglu_forward(float *out, const float *gate, const float *up, size_t n);
void geglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);

// SwiGLU: out = silu(gate) * up, elementwise over n.
void swiglu_forward(float *out, const float *gate, const float *up, size_t n);
// Writes dgate and dup (n) from dout.
void swiglu_backward(float *dgate, float *dup, const float *dout, const float *gate, const float *up, size_t n);

// Logit soft-capping in place: z = cap * tanh(z / cap) over n (Gemma's final_logit_softcapping).
void softcap_forward(float *z, size_t n, float cap);

// Cross-entropy of one row of logits z (V) against `target`: stats[0] = -log
// softmax(z)[target], stats[1] = the entropy of softmax(z) (nats), stats[2] = 1 if the
// first maximum of z is the target, else 0. z is overwritten: with want_grad it becomes
// grad_scale * (softmax(z) - onehot(target)), the loss gradient; otherwise exp(z - max z).
void xent_row(float *z, int V, int target, float grad_scale, int want_grad, double *stats);

// out = x + y, elementwise over n (out may alias x). Its backward is the identity:
// the residual gradient flows to both inputs unchanged.
void residual_forward(float *out, const float *x, const float *y, size_t n);

#endif
