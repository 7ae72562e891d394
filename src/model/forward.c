// The forward pass of the decoder-only transformer over a packed batch.
#include <string.h>

#include "model.h"
#include "ops.h"

static int check_batch(const wmss_model *m, const wmss_acts *a, const wmss_batch *b, int *max_len, wmss_error *e) {
    if (b->B <= 0 || b->start[0] != 0) return wmss_fail(e, "batch: empty or malformed");
    int N = b->start[b->B];
    if (N > a->max_tokens) return wmss_fail(e, "batch: %d tokens exceed the %d the activations hold", N, a->max_tokens);
    *max_len = 0;
    for (int s = 0; s < b->B; s++) {
        int len = b->start[s + 1] - b->start[s];
        if (len <= 0) return wmss_fail(e, "batch: sequence %d is empty", s);
        if (len > m->cfg.max_position_embeddings)
            return wmss_fail(e, "batch: sequence %d has %d tokens, more than max_position_embeddings (%d)", s, len,
                             m->cfg.max_position_embeddings);
        if (len > *max_len) *max_len = len;
    }
    for (int i = 0; i < N; i++)
        if (b->ids[i] < 0 || b->ids[i] >= m->cfg.vocab_size)
            return wmss_fail(e, "batch: token id %d at position %d is outside the vocabulary [0, %d)", b->ids[i], i,
                             m->cfg.vocab_size);
    return 0;
}

int wmss_forward(const wmss_model *m, wmss_acts *a, const wmss_batch *b, float *logits, wmss_error *e) {
    const wmss_config *c = &m->cfg;
    int max_len;
    if (check_batch(m, a, b, &max_len, e)) return -1;
    const int N = b->start[b->B], C = c->hidden_size, I = c->intermediate_size, D = c->head_dim;
    const int H = c->num_heads, KV = c->num_kv_heads, QD = H * D, KD = KV * D;
    for (int s = 0; s < b->B; s++)
        for (int i = b->start[s]; i < b->start[s + 1]; i++) a->pos[i] = i - b->start[s];

    embedding_forward(a->resid, b->ids, m->w.embed, N, C);
    for (int l = 0; l < c->num_layers; l++) {
        const wmss_layer_weights *w = &m->w.layers[l];
        const size_t ls = a->keep_layers ? (size_t)l : 0;  // activation slot
        float *x = a->resid + (a->keep_layers ? (size_t)l : 0) * N * C;  // (N, C) layer input
        float *x_out = a->resid + (a->keep_layers ? (size_t)l + 1 : 0) * N * C;
        float *ln1 = a->ln1 + ls * N * C, *ln1_rstd = a->ln1_rstd + ls * N;
        float *q = a->q + ls * N * QD, *k = a->k + ls * N * KD, *v = a->v + ls * N * KD;
        float *q_raw = a->q_raw + ls * N * QD, *k_raw = a->k_raw + ls * N * KD;
        float *att = a->att + ls * N * QD, *lse = a->att_lse + ls * N * H;
        float *ln2 = a->ln2 + ls * N * C, *ln2_rstd = a->ln2_rstd + ls * N;
        float *gate = a->gate + ls * N * I, *up = a->up + ls * N * I, *act = a->mlp_act + ls * N * I;

        // attention block
        rmsnorm_forward(ln1, ln1_rstd, x, w->ln1, N, C, c->rms_norm_eps);
        if (c->arch->qk_norm) {
            matmul_forward(q_raw, ln1, w->wq, w->bq, N, C, QD);
            matmul_forward(k_raw, ln1, w->wk, w->bk, N, C, KD);
            rmsnorm_forward(q, a->qn_rstd + ls * N * H, q_raw, w->q_norm, N * H, D, c->rms_norm_eps);
            rmsnorm_forward(k, a->kn_rstd + ls * N * KV, k_raw, w->k_norm, N * KV, D, c->rms_norm_eps);
        } else {
            matmul_forward(q, ln1, w->wq, w->bq, N, C, QD);
            matmul_forward(k, ln1, w->wk, w->bk, N, C, KD);
        }
        matmul_forward(v, ln1, w->wv, w->bv, N, C, KD);
        rope_forward(q, a->pos, a->rope_inv_freq, N, H, D);
        rope_forward(k, a->pos, a->rope_inv_freq, N, KV, D);
        attention_forward(att, lse, q, k, v, a->pos, N, H, KV, D, a->scratch, a->max_tokens, a->n_threads);
        // mid = x + o_proj(att)
        float *mid = a->resid_mid + ls * N * C;
        matmul_forward(a->tmp, att, w->wo, w->bo, N, QD, C);
        residual_forward(mid, x, a->tmp, (size_t)N * C);

        // x_out = mid + down(silu(gate(ln2)) * up(ln2))
        rmsnorm_forward(ln2, ln2_rstd, mid, w->ln2, N, C, c->rms_norm_eps);
        matmul_forward(gate, ln2, w->w_gate, NULL, N, C, I);
        matmul_forward(up, ln2, w->w_up, NULL, N, C, I);
        swiglu_forward(act, gate, up, (size_t)N * I);
        matmul_forward(a->tmp, act, w->w_down, NULL, N, I, C);
        residual_forward(x_out, mid, a->tmp, (size_t)N * C);
    }
    const float *x_final = a->resid + (a->keep_layers ? (size_t)c->num_layers : 0) * N * C;
    rmsnorm_forward(a->final_norm, a->final_rstd, x_final, m->w.final_norm, N, C, c->rms_norm_eps);
    if (logits) matmul_forward(logits, a->final_norm, m->w.lm_head, NULL, N, C, c->vocab_size);
    return 0;
}
