// The fused, chunked LM-head loss over K weighted branches (DESIGN §3).
//
// Given each branch's final hidden states h_k (N, C), head W_k (V, C) and weight w_k,
// it takes the cross-entropy of the mixed logits z = sum_k w_k h_k W_k^T at the
// positions that have a target, one chunk of those positions at a time, so that the
// full (N, V) logits never exist: peak memory is O(chunk x V). It also yields the
// entropy and top-1 accuracy of the mixed distribution, and, when asked, dh_k and
// dW_k. K = 1 is SFT, K = 2 is WD-JT (w = lambda, 1 - lambda), and with no gradient
// buffers it is the forward-only scoring of WD-DS.
#ifndef WMSS_LOSS_H
#define WMSS_LOSS_H

#include <stdint.h>

#include "error.h"

#define WMSS_LOSS_MAX_BRANCHES 4

// Tensors (h, W, dh, dW) are device memory; targets and statistics are on the host.
typedef struct {
    const float *h;   // (N, C) final normed hidden states
    const float *W;   // (V, C) head weight
    float weight;     // w_k
    float softcap;    // > 0: the branch's logits are cap * tanh(hW^T / cap) (Gemma); 0: none
    float *dh;        // (N, C) written: dL/dh_k (zero where no target), or NULL
    float *dW;        // (V, C) accumulated: dL/dW_k, or NULL
} wmss_loss_branch;

typedef struct {
    double loss_sum;     // sum over target positions of -log p(target)
    double entropy_sum;  // sum over target positions of the entropy (nats)
    long n_tokens;       // target positions
    long n_correct;      // of which the argmax is the target
} wmss_loss_stats;

typedef struct {
    int K, chunk, V, C, max_tokens;
    // On the device:
    float *z;         // (chunk, V) mixed logits, then their gradient
    float *zk;        // (chunk, V) one soft-capped branch's logits; allocated on first use
    float *h;         // (K, chunk, C) gathered hidden rows
    float *dh;        // (chunk, C)
    int64_t *rows;    // (max_tokens) positions with a target
    int *tgt;         // (max_tokens) their targets
    double *stats;    // (chunk, WMSS_LS_COUNT): loss, entropy, correct per row; or the logit statistics
    // On the host:
    int64_t *rows_h;  // (max_tokens)
    int *tgt_h;       // (max_tokens)
    double *row_stats;  // (chunk, WMSS_LS_COUNT) the rows' statistics, downloaded
} wmss_loss_ws;

// A workspace for up to K branches.
int wmss_loss_ws_create(wmss_loss_ws *ws, int K, int chunk, int V, int C, int max_tokens, wmss_error *e);
void wmss_loss_ws_free(wmss_loss_ws *ws);

// targets (N): the token each position must predict, or -1 for no loss there.
// grad_scale: dL/d(loss at one position); 1/(target positions in the global batch)
// gives the mean over the global batch. Stats are added to *st. tok_entropy and
// tok_loss (N, optional) receive per-position values at target positions.
int wmss_lm_loss(wmss_loss_ws *ws, const wmss_loss_branch *br, int K, const int *targets, int N, float grad_scale,
                 wmss_loss_stats *st, float *tok_entropy, float *tok_loss, wmss_error *e);

// Logit statistics of the paper's Tables 6-7, summed over target positions (divide by
// n for means): target logit, mean non-target logit, their gap, population std of the
// logits, centered norm ||z - mean z||, max and min logit, entropy, max probability.
enum { WMSS_LS_TARGET, WMSS_LS_NONTARGET, WMSS_LS_GAP, WMSS_LS_STD, WMSS_LS_CNORM, WMSS_LS_MAX, WMSS_LS_MIN,
       WMSS_LS_ENTROPY, WMSS_LS_MAXPROB, WMSS_LS_COUNT };
typedef struct {
    double sum[WMSS_LS_COUNT];
    long n;
} wmss_logit_stats;

// Adds the statistics of the logits h W^T (soft-capped if softcap > 0) at the target positions to *ls, one chunk
// at a time (no gradient; the workspace is reused).
int wmss_logit_stats_accumulate(wmss_loss_ws *ws, const float *h, const float *W, float softcap, const int *targets,
                                int N, wmss_logit_stats *ls, wmss_error *e);

#endif
