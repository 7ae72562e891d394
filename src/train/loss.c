// Fused chunked LM-head loss: see loss.h. Every tensor step is an op of the backend
// (gather, gemm, soft-cap, cross-entropy rows, scatter); this file plans the chunks and
// sums the rows' statistics on the host, in order, so sums are deterministic.
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "loss.h"
#include "ops.h"

_Static_assert((int)WMSS_LS_COUNT == (int)OPS_LS_COUNT, "loss.h and ops.h list the same logit statistics");

int wmss_loss_ws_create(wmss_loss_ws *ws, int K, int chunk, int V, int C, int max_tokens, wmss_error *e) {
    memset(ws, 0, sizeof *ws);
    if (K < 1 || K > WMSS_LOSS_MAX_BRANCHES) return wmss_fail(e, "loss: %d branches (1..%d supported)", K, WMSS_LOSS_MAX_BRANCHES);
    *ws = (wmss_loss_ws){.K = K, .chunk = chunk, .V = V, .C = C, .max_tokens = max_tokens};
    const size_t M = (size_t)max_tokens, S = (size_t)chunk * WMSS_LS_COUNT * sizeof(double);
    if (!(ws->z = wmss_dev_alloc((size_t)chunk * V * sizeof(float), "the loss's logits chunk", e)) ||
        !(ws->h = wmss_dev_alloc((size_t)K * chunk * C * sizeof(float), "the loss's hidden rows", e)) ||
        !(ws->dh = wmss_dev_alloc((size_t)chunk * C * sizeof(float), "the loss's hidden gradient", e)) ||
        !(ws->rows = wmss_dev_alloc(M * sizeof(int64_t), "the loss's rows", e)) ||
        !(ws->tgt = wmss_dev_alloc(M * sizeof(int), "the loss's targets", e)) ||
        !(ws->stats = wmss_dev_alloc(S, "the loss's row statistics", e)) ||
        !(ws->rows_h = wmss_malloc(M * sizeof(int64_t), e)) || !(ws->tgt_h = wmss_malloc(M * sizeof(int), e)) ||
        !(ws->row_stats = wmss_malloc(S, e))) {
        wmss_loss_ws_free(ws);
        return wmss_error_prefix(e, "the loss workspace (chunk %d x vocabulary %d)", chunk, V);
    }
    return 0;
}

void wmss_loss_ws_free(wmss_loss_ws *ws) {
    wmss_dev_free(ws->z);
    wmss_dev_free(ws->zk);
    wmss_dev_free(ws->h);
    wmss_dev_free(ws->dh);
    wmss_dev_free(ws->rows);
    wmss_dev_free(ws->tgt);
    wmss_dev_free(ws->stats);
    free(ws->rows_h);
    free(ws->tgt_h);
    free(ws->row_stats);
    memset(ws, 0, sizeof *ws);
}

// Soft-capped branches need a buffer of their own (chunk, V): made once, on first use.
static int need_zk(wmss_loss_ws *ws, wmss_error *e) {
    if (ws->zk) return 0;
    ws->zk = wmss_dev_alloc((size_t)ws->chunk * ws->V * sizeof(float), "soft-capped logits", e);
    return ws->zk ? 0 : wmss_error_prefix(e, "chunk %d x vocabulary %d", ws->chunk, ws->V);
}

// The positions with a target (and their targets) to the workspace, host and device.
// Returns their number, or -1 with e set for a target outside the vocabulary.
static int plan_rows(wmss_loss_ws *ws, const int *targets, int N, wmss_error *e) {
    if (N > ws->max_tokens) return wmss_fail(e, "loss: %d positions, the workspace holds %d", N, ws->max_tokens);
    int n_rows = 0;
    for (int i = 0; i < N; i++) {
        if (targets[i] < -1 || targets[i] >= ws->V)
            return wmss_fail(e, "loss: target %d at position %d outside [0, %d)", targets[i], i, ws->V);
        if (targets[i] >= 0) {
            ws->rows_h[n_rows] = i;
            ws->tgt_h[n_rows++] = targets[i];
        }
    }
    wmss_dev_upload(ws->rows, ws->rows_h, (size_t)n_rows * sizeof(int64_t));
    wmss_dev_upload(ws->tgt, ws->tgt_h, (size_t)n_rows * sizeof(int));
    return n_rows;
}

// zk (T, V) = h (T, C) W^T, raw (uncapped) logits of one branch.
static void branch_logits(float *zk, const float *h, const float *W, int T, int V, int C) {
    gemm(0, 1, T, V, C, 1.0f, h, C, W, C, 0.0f, zk, V);
}

int wmss_lm_loss(wmss_loss_ws *ws, const wmss_loss_branch *br, int K, const int *targets, int N, float grad_scale,
                 wmss_loss_stats *st, float *tok_entropy, float *tok_loss, wmss_error *e) {
    if (K < 1 || K > ws->K) return wmss_fail(e, "loss: workspace built for %d branches, called with %d", ws->K, K);
    const int V = ws->V, C = ws->C;
    const int n_rows = plan_rows(ws, targets, N, e);
    if (n_rows < 0) return -1;
    int want_grad = 0;
    for (int k = 0; k < K; k++) {
        if (br[k].dh) {
            wmss_dev_zero(br[k].dh, (size_t)N * C * sizeof(float));
            want_grad = 1;
        }
        if (br[k].dW) want_grad = 1;
        if (br[k].softcap > 0 && need_zk(ws, e)) return -1;
    }
    for (int r0 = 0; r0 < n_rows; r0 += ws->chunk) {
        const int T = n_rows - r0 < ws->chunk ? n_rows - r0 : ws->chunk;
        const int64_t *rows = ws->rows + r0;
        // z (T, V) = sum_k w_k h_k[rows] W_k^T
        for (int k = 0; k < K; k++) {
            float *hk = ws->h + (size_t)k * ws->chunk * C;
            gather_rows(hk, br[k].h, rows, T, C);
            if (br[k].softcap > 0) {  // z += w_k * cap * tanh(h W^T / cap)
                branch_logits(ws->zk, hk, br[k].W, T, V, C);
                softcap_mix(ws->z, ws->zk, br[k].weight, br[k].softcap, k > 0, (size_t)T * V);
            } else {
                gemm(0, 1, T, V, C, br[k].weight, hk, C, br[k].W, C, k ? 1.0f : 0.0f, ws->z, V);
            }
        }
        xent_rows(ws->z, ws->stats, ws->tgt + r0, T, V, grad_scale, want_grad);
        wmss_dev_download(ws->row_stats, ws->stats, (size_t)T * 3 * sizeof(double));
        for (int r = 0; r < T; r++) {  // serial, in order: deterministic sums
            const double *s = ws->row_stats + 3 * r;
            const int64_t row = ws->rows_h[r0 + r];
            st->loss_sum += s[0];
            st->entropy_sum += s[1];
            st->n_correct += (long)s[2];
            if (tok_loss) tok_loss[row] = (float)s[0];
            if (tok_entropy) tok_entropy[row] = (float)s[1];
        }
        st->n_tokens += T;
        if (!want_grad) continue;
        // g = ws->z (T, V). dW_k += w_k g^T h_k ; dh_k[rows] = w_k g W_k. A soft-capped
        // branch first multiplies g by the cap's derivative 1 - tanh^2 (logits recomputed).
        for (int k = 0; k < K; k++) {
            const float *hk = ws->h + (size_t)k * ws->chunk * C;
            const float *g = ws->z;
            if (br[k].softcap > 0 && (br[k].dW || br[k].dh)) {
                branch_logits(ws->zk, hk, br[k].W, T, V, C);
                softcap_backward(ws->zk, ws->z, ws->zk, br[k].softcap, (size_t)T * V);
                g = ws->zk;
            }
            if (br[k].dW) gemm(1, 0, V, C, T, br[k].weight, g, V, hk, C, 1.0f, br[k].dW, C);
            if (br[k].dh) {
                gemm(0, 0, T, C, V, br[k].weight, g, V, br[k].W, C, 0.0f, ws->dh, C);
                scatter_rows(br[k].dh, ws->dh, rows, T, C);
            }
        }
    }
    return 0;
}

int wmss_logit_stats_accumulate(wmss_loss_ws *ws, const float *h, const float *W, float softcap, const int *targets,
                                int N, wmss_logit_stats *ls, wmss_error *e) {
    const int V = ws->V, C = ws->C;
    if (V < 2) return wmss_fail(e, "logit statistics need a vocabulary of at least 2");
    const int n_rows = plan_rows(ws, targets, N, e);
    if (n_rows < 0) return -1;
    double *row = ws->row_stats;
    for (int r0 = 0; r0 < n_rows; r0 += ws->chunk) {
        const int T = n_rows - r0 < ws->chunk ? n_rows - r0 : ws->chunk;
        gather_rows(ws->h, h, ws->rows + r0, T, C);
        branch_logits(ws->z, ws->h, W, T, V, C);
        if (softcap > 0) softcap_forward(ws->z, (size_t)T * V, softcap);
        logit_stats_rows(ws->stats, ws->z, ws->tgt + r0, T, V);
        wmss_dev_download(row, ws->stats, (size_t)T * WMSS_LS_COUNT * sizeof(double));
        for (int r = 0; r < T; r++)
            for (int k = 0; k < WMSS_LS_COUNT; k++) ls->sum[k] += row[(size_t)r * WMSS_LS_COUNT + k];
        ls->n += T;
    }
    return 0;
}
