// The forward pass of the decoder-only transformer over a packed batch, with or without
// a key/value cache (training and scoring use none; generation appends to one).
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops.h"

static int check_batch(const wmss_model *m, const wmss_acts *a, const wmss_batch *b, const wmss_kv_cache *kv,
                       const int *slot, wmss_error *e) {
    if (b->B <= 0 || b->start[0] != 0) return wmss_fail(e, "batch: empty or malformed");
    int N = b->start[b->B];
    if (N > a->max_tokens) return wmss_fail(e, "batch: %d tokens exceed the %d the activations hold", N, a->max_tokens);
    for (int s = 0; s < b->B; s++) {
        int len = b->start[s + 1] - b->start[s], past = 0;
        if (len <= 0) return wmss_fail(e, "batch: sequence %d is empty", s);
        if (kv) {
            if (slot[s] < 0 || slot[s] >= kv->slots) return wmss_fail(e, "batch: slot %d out of range", slot[s]);
            for (int r = 0; r < s; r++)
                if (slot[r] == slot[s]) return wmss_fail(e, "batch: slot %d used twice", slot[s]);
            past = kv->len[slot[s]];
            if (past + len > kv->max_len)
                return wmss_fail(e, "batch: sequence %d needs %d cached tokens, the cache holds %d", s, past + len,
                                 kv->max_len);
        }
        if (past + len > m->cfg.max_position_embeddings)
            return wmss_fail(e, "batch: sequence %d reaches %d tokens, more than max_position_embeddings (%d)", s,
                             past + len, m->cfg.max_position_embeddings);
        if (past + len > a->max_tokens && !kv) return wmss_fail(e, "batch: sequence %d too long", s);
    }
    for (int i = 0; i < N; i++)
        if (b->ids[i] < 0 || b->ids[i] >= m->cfg.vocab_size)
            return wmss_fail(e, "batch: token id %d at position %d is outside the vocabulary [0, %d)", b->ids[i], i,
                             m->cfg.vocab_size);
    return 0;
}

// Positions and key rows. Without a cache a token attends to its own sequence up to
// itself; with one, to its slot's rows up to itself (sliding layers: the last W only).
static void plan_attention(wmss_acts *a, const wmss_batch *b, const wmss_kv_cache *kv, const int *slot) {
    for (int s = 0; s < b->B; s++) {
        const int past = kv ? kv->len[slot[s]] : 0;
        for (int i = b->start[s]; i < b->start[s + 1]; i++) {
            a->pos[i] = past + i - b->start[s];
            a->kv_row[i] = kv ? (int64_t)slot[s] * kv->max_len : (int64_t)b->start[s];
        }
    }
}

// A block's output that joins the residual: out (N, C) = inp (N, IC) @ w^T + b, then,
// where the architecture norms block outputs (Gemma 3: norm_w not NULL), RMSNorm'd with
// the projection kept in proj (N, C) and its rstd (N) for the backward pass.
static void block_output(float *out, float *proj, float *rstd, const float *inp, const float *w, const float *b,
                         const float *norm_w, float off, int N, int IC, int C, float eps) {
    if (!norm_w) {
        matmul_forward(out, inp, w, b, N, IC, C);
        return;
    }
    matmul_forward(proj, inp, w, b, N, IC, C);
    rmsnorm_forward(out, rstd, proj, norm_w, off, N, C, eps);
}

static int forward_impl(const wmss_model *m, wmss_acts *a, const wmss_batch *b, wmss_kv_cache *kv, const int *slot,
                        float *logits, int last_only, wmss_error *e) {
    const wmss_config *c = &m->cfg;
    if (check_batch(m, a, b, kv, slot, e)) return -1;
    const int N = b->start[b->B], C = c->hidden_size, I = c->intermediate_size, D = c->head_dim;
    const int H = c->num_heads, KV = c->num_kv_heads, QD = H * D, KD = KV * D;
    if (kv && kv->max_len > a->max_keys)
        return wmss_fail(e, "cached forward: the activations hold %d keys per token, the cache %d", a->max_keys, kv->max_len);
    plan_attention(a, b, kv, slot);

    const float off = c->arch->norm_plus_one ? 1.0f : 0.0f, eps = c->rms_norm_eps;
    embedding_forward(a->resid, b->ids, m->w.embed, c->embed_scale, N, C);
    for (int l = 0; l < c->num_layers; l++) {
        const wmss_layer_weights *w = &m->w.layers[l];
        const size_t ls = a->keep_layers ? (size_t)l : 0;  // activation slot
        float *x = a->resid + ls * N * C;  // (N, C) layer input
        float *x_out = a->resid + (a->keep_layers ? (size_t)l + 1 : 0) * N * C;
        float *ln1 = a->ln1 + ls * N * C, *ln1_rstd = a->ln1_rstd + ls * N;
        float *q = a->q + ls * N * QD, *k = a->k + ls * N * KD, *v = a->v + ls * N * KD;
        float *q_raw = a->q_raw + ls * N * QD, *k_raw = a->k_raw + ls * N * KD;
        float *att = a->att + ls * N * QD, *lse = a->att_lse + ls * N * H;
        float *mid = a->resid_mid + ls * N * C;
        float *ln2 = a->ln2 + ls * N * C, *ln2_rstd = a->ln2_rstd + ls * N;
        float *gate = a->gate + ls * N * I, *up = a->up + ls * N * I, *act = a->mlp_act + ls * N * I;
        const int sliding = c->layer_sliding[l], window = sliding ? c->sliding_window : 0;
        const float *inv_freq = sliding ? a->rope_inv_freq_local : a->rope_inv_freq;

        // attention block: mid = x + [out_norm](o_proj(attention(rope(norm(q)), rope(norm(k)), v)))
        rmsnorm_forward(ln1, ln1_rstd, x, w->ln1, off, N, C, eps);
        if (c->arch->qk_norm) {
            matmul_forward(q_raw, ln1, w->wq, w->bq, N, C, QD);
            matmul_forward(k_raw, ln1, w->wk, w->bk, N, C, KD);
            rmsnorm_forward(q, a->qn_rstd + ls * N * H, q_raw, w->q_norm, off, N * H, D, eps);
            rmsnorm_forward(k, a->kn_rstd + ls * N * KV, k_raw, w->k_norm, off, N * KV, D, eps);
        } else {
            matmul_forward(q, ln1, w->wq, w->bq, N, C, QD);
            matmul_forward(k, ln1, w->wk, w->bk, N, C, KD);
        }
        matmul_forward(v, ln1, w->wv, w->bv, N, C, KD);
        rope_forward(q, a->pos, inv_freq, N, H, D);
        rope_forward(k, a->pos, inv_freq, N, KV, D);
        const float *keys = k, *vals = v;
        if (kv) {  // append this batch's rows to the cache, then attend over the cache
            float *ck = kv->k + (size_t)l * kv->slots * kv->max_len * KD;
            float *cv = kv->v + (size_t)l * kv->slots * kv->max_len * KD;
            for (int i = 0; i < N; i++) {
                const size_t row = (size_t)a->kv_row[i] + a->pos[i];
                memcpy(ck + row * KD, k + (size_t)i * KD, KD * sizeof(float));
                memcpy(cv + row * KD, v + (size_t)i * KD, KD * sizeof(float));
            }
            keys = ck;
            vals = cv;
        }
        attention_forward(att, lse, q, keys, vals, a->kv_row, a->pos, N, H, KV, D, window, c->attn_scale, a->scratch,
                          a->max_keys, a->n_threads);
        block_output(a->tmp, a->att_proj + ls * N * C, a->att_proj_rstd + ls * N, att, w->wo, w->bo, w->attn_out_norm,
                     off, N, QD, C, eps);
        residual_forward(mid, x, a->tmp, (size_t)N * C);

        // MLP block: x_out = mid + [out_norm](down(act(gate(ln2)) * up(ln2)))
        rmsnorm_forward(ln2, ln2_rstd, mid, w->ln2, off, N, C, eps);
        matmul_forward(gate, ln2, w->w_gate, w->b_gate, N, C, I);
        matmul_forward(up, ln2, w->w_up, w->b_up, N, C, I);
        if (c->arch->act == WMSS_ACT_GELU_TANH) geglu_forward(act, gate, up, (size_t)N * I);
        else swiglu_forward(act, gate, up, (size_t)N * I);
        block_output(a->tmp, a->mlp_proj + ls * N * C, a->mlp_proj_rstd + ls * N, act, w->w_down, w->b_down,
                     w->mlp_out_norm, off, N, I, C, eps);
        residual_forward(x_out, mid, a->tmp, (size_t)N * C);
    }
    if (kv)
        for (int s = 0; s < b->B; s++) kv->len[slot[s]] += b->start[s + 1] - b->start[s];
    const float *x_final = a->resid + (a->keep_layers ? (size_t)c->num_layers : 0) * N * C;
    if (last_only) {  // only each sequence's last token: gather, norm, head
        for (int s = 0; s < b->B; s++)
            memcpy(a->last_rows + (size_t)s * C, x_final + (size_t)(b->start[s + 1] - 1) * C, C * sizeof(float));
        rmsnorm_forward(a->final_norm, a->final_rstd, a->last_rows, m->w.final_norm, off, b->B, C, eps);
        matmul_forward(logits, a->final_norm, m->w.lm_head, NULL, b->B, C, c->vocab_size);
        if (c->final_softcap > 0) softcap_forward(logits, (size_t)b->B * c->vocab_size, c->final_softcap);
        return 0;
    }
    rmsnorm_forward(a->final_norm, a->final_rstd, x_final, m->w.final_norm, off, N, C, eps);
    if (logits) {
        matmul_forward(logits, a->final_norm, m->w.lm_head, NULL, N, C, c->vocab_size);
        if (c->final_softcap > 0) softcap_forward(logits, (size_t)N * c->vocab_size, c->final_softcap);
    }
    return 0;
}

int wmss_forward(const wmss_model *m, wmss_acts *a, const wmss_batch *b, float *logits, wmss_error *e) {
    return forward_impl(m, a, b, NULL, NULL, logits, 0, e);
}

int wmss_forward_cached(const wmss_model *m, wmss_acts *a, wmss_kv_cache *kv, const wmss_batch *b, const int *slot,
                        float *logits_last, wmss_error *e) {
    if (a->keep_layers) return wmss_fail(e, "cached forward: activations must not keep layers");
    return forward_impl(m, a, b, kv, slot, logits_last, 1, e);
}

int wmss_kv_create(const wmss_config *c, int slots, int max_len, wmss_kv_cache *kv, wmss_error *e) {
    memset(kv, 0, sizeof *kv);
    *kv = (wmss_kv_cache){.L = c->num_layers, .slots = slots, .max_len = max_len, .kvd = c->num_kv_heads * c->head_dim};
    const size_t n = (size_t)kv->L * slots * max_len * kv->kvd;
    kv->k = malloc(n * sizeof(float));
    kv->v = malloc(n * sizeof(float));
    kv->len = calloc(slots, sizeof(int));
    if (!kv->k || !kv->v || !kv->len) {
        wmss_kv_free(kv);
        return wmss_fail(e, "out of memory: a KV cache of %d x %d tokens needs %zu MB", slots, max_len,
                         2 * n * sizeof(float) >> 20);
    }
    return 0;
}

void wmss_kv_free(wmss_kv_cache *kv) {
    free(kv->k);
    free(kv->v);
    free(kv->len);
    memset(kv, 0, sizeof *kv);
}
