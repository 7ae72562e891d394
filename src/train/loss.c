// Fused chunked LM-head loss: see loss.h.
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "ops.h"

int wmss_loss_ws_create(wmss_loss_ws *ws, int K, int chunk, int V, int C, int max_tokens, wmss_error *e) {
    memset(ws, 0, sizeof *ws);
    if (K < 1 || K > WMSS_LOSS_MAX_BRANCHES) return wmss_fail(e, "loss: %d branches (1..%d supported)", K, WMSS_LOSS_MAX_BRANCHES);
    *ws = (wmss_loss_ws){.K = K, .chunk = chunk, .V = V, .C = C};
    ws->z = aligned_alloc(64, ((size_t)chunk * V * sizeof(float) + 63) / 64 * 64);
    ws->h = aligned_alloc(64, ((size_t)K * chunk * C * sizeof(float) + 63) / 64 * 64);
    ws->dh = aligned_alloc(64, ((size_t)chunk * C * sizeof(float) + 63) / 64 * 64);
    ws->rows = malloc((size_t)max_tokens * sizeof(int));
    ws->row_stats = malloc((size_t)chunk * WMSS_LS_COUNT * sizeof(double));  // 3 per row here, all of them for statistics
    if (!ws->z || !ws->h || !ws->dh || !ws->rows || !ws->row_stats) {
        wmss_loss_ws_free(ws);
        return wmss_fail(e, "out of memory for the loss workspace (chunk %d x vocabulary %d)", chunk, V);
    }
    return 0;
}

void wmss_loss_ws_free(wmss_loss_ws *ws) {
    free(ws->z);
    free(ws->zk);
    free(ws->h);
    free(ws->dh);
    free(ws->rows);
    free(ws->row_stats);
    memset(ws, 0, sizeof *ws);
}

// Soft-capped branches need a buffer of their own (chunk, V): made once, on first use.
static int need_zk(wmss_loss_ws *ws, wmss_error *e) {
    if (ws->zk) return 0;
    ws->zk = aligned_alloc(64, ((size_t)ws->chunk * ws->V * sizeof(float) + 63) / 64 * 64);
    return ws->zk ? 0 : wmss_fail(e, "out of memory for soft-capped logits (chunk %d x vocabulary %d)", ws->chunk, ws->V);
}

// zk (T, V) = h (T, C) W^T, raw (uncapped) logits of one branch.
static void branch_logits(float *zk, const float *h, const float *W, int T, int V, int C) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, C, 1.0f, h, C, W, C, 0.0f, zk, V);
}

int wmss_lm_loss(wmss_loss_ws *ws, const wmss_loss_branch *br, int K, const int *targets, int N, float grad_scale,
                 wmss_loss_stats *st, float *tok_entropy, float *tok_loss, wmss_error *e) {
    if (K < 1 || K > ws->K) return wmss_fail(e, "loss: workspace built for %d branches, called with %d", ws->K, K);
    const int V = ws->V, C = ws->C;
    int n_rows = 0;
    for (int i = 0; i < N; i++) {
        if (targets[i] < -1 || targets[i] >= V) return wmss_fail(e, "loss: target %d at position %d outside [0, %d)", targets[i], i, V);
        if (targets[i] >= 0) ws->rows[n_rows++] = i;
    }
    int want_grad = 0;
    for (int k = 0; k < K; k++) {
        if (br[k].dh) {
            memset(br[k].dh, 0, (size_t)N * C * sizeof(float));
            want_grad = 1;
        }
        if (br[k].dW) want_grad = 1;
        if (br[k].softcap > 0 && need_zk(ws, e)) return -1;
    }
    for (int r0 = 0; r0 < n_rows; r0 += ws->chunk) {
        const int T = n_rows - r0 < ws->chunk ? n_rows - r0 : ws->chunk;
        const int *rows = ws->rows + r0;
        // z (T, V) = sum_k w_k h_k[rows] W_k^T
        for (int k = 0; k < K; k++) {
            float *hk = ws->h + (size_t)k * ws->chunk * C;
            #pragma omp parallel for schedule(static)
            for (int r = 0; r < T; r++) memcpy(hk + (size_t)r * C, br[k].h + (size_t)rows[r] * C, C * sizeof(float));
            if (br[k].softcap > 0) {  // z += w_k * cap * tanh(h W^T / cap)
                const float cap = br[k].softcap, wk = br[k].weight;
                branch_logits(ws->zk, hk, br[k].W, T, V, C);
                #pragma omp parallel for schedule(static)
                for (size_t i = 0; i < (size_t)T * V; i++) {
                    const float zc = tanhf(ws->zk[i] / cap) * cap;
                    ws->z[i] = k ? ws->z[i] + wk * zc : wk * zc;
                }
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, C, br[k].weight, hk, C, br[k].W, C,
                            k ? 1.0f : 0.0f, ws->z, V);
            }
        }
        #pragma omp parallel for schedule(static)
        for (int r = 0; r < T; r++)
            xent_row(ws->z + (size_t)r * V, V, targets[rows[r]], grad_scale, want_grad, ws->row_stats + 3 * r);
        for (int r = 0; r < T; r++) {  // serial, in order: deterministic sums
            const double *s = ws->row_stats + 3 * r;
            st->loss_sum += s[0];
            st->entropy_sum += s[1];
            st->n_correct += (long)s[2];
            if (tok_loss) tok_loss[rows[r]] = (float)s[0];
            if (tok_entropy) tok_entropy[rows[r]] = (float)s[1];
        }
        st->n_tokens += T;
        if (!want_grad) continue;
        // g = ws->z (T, V). dW_k += w_k g^T h_k ; dh_k[rows] = w_k g W_k. A soft-capped
        // branch first multiplies g by the cap's derivative 1 - tanh^2 (logits recomputed).
        for (int k = 0; k < K; k++) {
            const float *hk = ws->h + (size_t)k * ws->chunk * C;
            const float *g = ws->z;
            if (br[k].softcap > 0 && (br[k].dW || br[k].dh)) {
                const float cap = br[k].softcap;
                branch_logits(ws->zk, hk, br[k].W, T, V, C);
                #pragma omp parallel for schedule(static)
                for (size_t i = 0; i < (size_t)T * V; i++) {
                    const float t = tanhf(ws->zk[i] / cap);
                    ws->zk[i] = ws->z[i] * (1.0f - t * t);
                }
                g = ws->zk;
            }
            if (br[k].dW)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, V, C, T, br[k].weight, g, V, hk, C, 1.0f,
                            br[k].dW, C);
            if (br[k].dh) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, C, V, br[k].weight, g, V, br[k].W, C,
                            0.0f, ws->dh, C);
                #pragma omp parallel for schedule(static)
                for (int r = 0; r < T; r++)
                    memcpy(br[k].dh + (size_t)rows[r] * C, ws->dh + (size_t)r * C, C * sizeof(float));
            }
        }
    }
    return 0;
}

static void row_logit_stats(const float *z, int V, int y, double *out) {
    double sum = 0, sumsq = 0, mx = z[0], mn = z[0];
    for (int v = 0; v < V; v++) {
        sum += z[v];
        if (z[v] > mx) mx = z[v];
        if (z[v] < mn) mn = z[v];
    }
    const double mean = sum / V;
    double se = 0, pz = 0;
    for (int v = 0; v < V; v++) {
        const double d = z[v] - mean, ev = exp(z[v] - mx);
        sumsq += d * d;
        se += ev;
        pz += ev * (z[v] - mx);
    }
    out[WMSS_LS_TARGET] = z[y];
    out[WMSS_LS_NONTARGET] = (sum - z[y]) / (V - 1);
    out[WMSS_LS_GAP] = z[y] - out[WMSS_LS_NONTARGET];
    out[WMSS_LS_STD] = sqrt(sumsq / V);
    out[WMSS_LS_CNORM] = sqrt(sumsq);
    out[WMSS_LS_MAX] = mx;
    out[WMSS_LS_MIN] = mn;
    out[WMSS_LS_ENTROPY] = log(se) - pz / se;
    out[WMSS_LS_MAXPROB] = 1.0 / se;
}

int wmss_logit_stats_accumulate(wmss_loss_ws *ws, const float *h, const float *W, float softcap, const int *targets,
                                int N, wmss_logit_stats *ls, wmss_error *e) {
    const int V = ws->V, C = ws->C;
    if (V < 2) return wmss_fail(e, "logit statistics need a vocabulary of at least 2");
    int n_rows = 0;
    for (int i = 0; i < N; i++)
        if (targets[i] >= 0) ws->rows[n_rows++] = i;
    double *row = ws->row_stats;
    for (int r0 = 0; r0 < n_rows; r0 += ws->chunk) {
        const int T = n_rows - r0 < ws->chunk ? n_rows - r0 : ws->chunk;
        const int *rows = ws->rows + r0;
        #pragma omp parallel for schedule(static)
        for (int r = 0; r < T; r++) memcpy(ws->h + (size_t)r * C, h + (size_t)rows[r] * C, C * sizeof(float));
        branch_logits(ws->z, ws->h, W, T, V, C);
        if (softcap > 0) softcap_forward(ws->z, (size_t)T * V, softcap);
        #pragma omp parallel for schedule(static)
        for (int r = 0; r < T; r++) row_logit_stats(ws->z + (size_t)r * V, V, targets[rows[r]], row + (size_t)r * WMSS_LS_COUNT);
        for (int r = 0; r < T; r++)
            for (int k = 0; k < WMSS_LS_COUNT; k++) ls->sum[k] += row[(size_t)r * WMSS_LS_COUNT + k];
        ls->n += T;
    }
    return 0;
}
