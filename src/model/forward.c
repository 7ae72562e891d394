// The forward pass of the decoder-only transformer over a packed batch, with or without
// a key/value cache (training and scoring use none; generation appends to one).
#include <stdlib.h>
#include <string.h>

#include "device.h"
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

// The batch's index arrays, planned on the host and uploaded in one copy: token ids,
// sequence offsets, positions and key rows. Without a cache a token attends to its own
// sequence up to itself; with one, to its slot's rows up to itself (sliding layers: the
// last W only), and its key/value goes to cache row slot * max_len + position.
static void plan_batch(wmss_acts *a, const wmss_batch *b, const wmss_kv_cache *kv, const int *slot) {
    const wmss_batch_index *x = &a->ixh;
    const int N = b->start[b->B];
    memcpy(x->ids, b->ids, (size_t)N * sizeof(int));
    memcpy(x->seq_start, b->start, ((size_t)b->B + 1) * sizeof(int));
    for (int s = 0; s < b->B; s++) {
        const int past = kv ? kv->len[slot[s]] : 0;
        for (int i = b->start[s]; i < b->start[s + 1]; i++) {
            x->pos[i] = past + i - b->start[s];
            x->kv_row[i] = kv ? (int64_t)slot[s] * kv->max_len : (int64_t)b->start[s];
            x->cache_row[i] = x->kv_row[i] + x->pos[i];
        }
        x->last_row[s] = b->start[s + 1] - 1;
    }
    wmss_dev_upload(a->ix_buf, a->ixh_buf, a->ix_bytes);
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
    plan_batch(a, b, kv, slot);

    const float off = c->arch->norm_plus_one ? 1.0f : 0.0f, eps = c->rms_norm_eps;
    embedding_forward(a->resid, a->ix.ids, m->w.embed, c->embed_scale, N, C);
    if (b->noise_alpha > 0 && !kv)  // NEFTune, after Gemma's scaling (the embedding module's output)
        embedding_noise(a->resid, a->ix.seq_start, b->B, N, C, b->noise_alpha, b->noise_seed);
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
        rope_forward(q, a->ix.pos, inv_freq, N, H, D);
        rope_forward(k, a->ix.pos, inv_freq, N, KV, D);
        const float *keys = k, *vals = v;
        if (kv) {  // append this batch's rows to the cache, then attend over the cache
            float *ck = kv->k + (size_t)l * kv->slots * kv->max_len * KD;
            float *cv = kv->v + (size_t)l * kv->slots * kv->max_len * KD;
            scatter_rows(ck, k, a->ix.cache_row, N, KD);
            scatter_rows(cv, v, a->ix.cache_row, N, KD);
            keys = ck;
            vals = cv;
        }
        attention_forward(att, lse, q, keys, vals, a->ix.kv_row, a->ix.pos, N, H, KV, D, window, c->attn_scale);
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
    const int rows = last_only ? b->B : N;  // logits of each sequence's last token, or of every token
    if (last_only) {
        gather_rows(a->last_rows, x_final, a->ix.last_row, b->B, C);
        x_final = a->last_rows;
    }
    rmsnorm_forward(a->final_norm, a->final_rstd, x_final, m->w.final_norm, off, rows, C, eps);
    if (!logits) return 0;
    // Where device memory is host memory the caller's buffer is written directly.
    float *z = wmss_dev_host_shared() ? logits : wmss_acts_logits(a, rows, e);
    if (!z) return -1;
    matmul_forward(z, a->final_norm, m->w.lm_head, NULL, rows, C, c->vocab_size);
    if (c->final_softcap > 0) softcap_forward(z, (size_t)rows * c->vocab_size, c->final_softcap);
    wmss_dev_download(logits, z, (size_t)rows * c->vocab_size * sizeof(float));
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
    const size_t bytes = (size_t)kv->L * slots * max_len * kv->kvd * sizeof(float);
    kv->k = wmss_dev_alloc(bytes, "the KV cache's keys", e);
    kv->v = kv->k ? wmss_dev_alloc(bytes, "the KV cache's values", e) : NULL;
    kv->len = kv->v ? wmss_calloc(slots, sizeof(int), e) : NULL;
    if (!kv->len) {
        wmss_kv_free(kv);
        return wmss_error_prefix(e, "a KV cache of %d x %d tokens (%zu MB)", slots, max_len, 2 * bytes >> 20);
    }
    return 0;
}

void wmss_kv_free(wmss_kv_cache *kv) {
    wmss_dev_free(kv->k);
    wmss_dev_free(kv->v);
    free(kv->len);
    memset(kv, 0, sizeof *kv);
}
