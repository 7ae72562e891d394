// Activation buffers: one allocation, named views, sized for max_tokens.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "model.h"
#include "views.h"

// transformers: 1 / theta ** (arange(0, D, 2).float() / D), in float32.
static void rope_inv_freq(float *inv_freq, int D, float theta) {
    for (int i = 0; i < D / 2; i++) inv_freq[i] = 1.0f / powf(theta, (float)(2 * i) / (float)D);
}

// RoPE frequencies with transformers' scaling rules (modeling_rope_utils), in float32
// as torch evaluates them.
static void rope_frequencies(float *inv, int D, const wmss_rope *r) {
    rope_inv_freq(inv, D, r->theta);
    for (int i = 0; i < D / 2; i++) {
        if (r->type == WMSS_ROPE_LINEAR) inv[i] = inv[i] / r->factor;
        if (r->type != WMSS_ROPE_LLAMA3) continue;
        const float old_len = (float)r->original_max_position;
        const float low_wavelen = old_len / r->low_freq_factor, high_wavelen = old_len / r->high_freq_factor;
        const float wavelen = (1.0f / inv[i]) * (float)(2.0 * M_PI);
        float f = wavelen > low_wavelen ? inv[i] / r->factor : inv[i];
        if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {
            const float smooth = ((1.0f / wavelen) * old_len - r->low_freq_factor) / (r->high_freq_factor - r->low_freq_factor);
            f = (1.0f - smooth) * f / r->factor + smooth * f;
        }
        inv[i] = f;
    }
}

// The index arrays' views into one buffer: the 8-byte arrays first, so all stay aligned.
static void index_views(wmss_batch_index *x, void *base, int max_tokens) {
    const size_t N = (size_t)max_tokens;
    int64_t *w = base;
    x->kv_row = w;
    x->cache_row = w + N;
    x->last_row = w + 2 * N;
    int *i = (int *)(w + 3 * N);
    x->ids = i;
    x->pos = i + N;
    x->seq_start = i + 2 * N;
}

int wmss_acts_create(const wmss_config *c, int max_tokens, int max_keys, int keep_layers, wmss_acts *a, wmss_error *e) {
    memset(a, 0, sizeof *a);
    if (max_tokens <= 0) return wmss_fail(e, "activations: max_tokens must be positive");
    const size_t N = (size_t)max_tokens, C = c->hidden_size, I = c->intermediate_size;
    const size_t QD = (size_t)c->num_heads * c->head_dim, KD = (size_t)c->num_kv_heads * c->head_dim;
    const size_t H = c->num_heads, KV = c->num_kv_heads;
    const size_t LS = keep_layers ? (size_t)c->num_layers : 1;  // layer slots
    const size_t SW = c->arch->sandwich_norms ? 1 : 0;
    a->max_tokens = max_tokens;
    a->max_keys = max_keys > max_tokens ? max_keys : max_tokens;
    a->keep_layers = keep_layers;
    a->vocab = c->vocab_size;
    const wmss_view views[] = {
        {&a->resid, (LS + 1) * N * C},
        {&a->ln1, LS * N * C}, {&a->ln1_rstd, LS * N},
        {&a->q, LS * N * QD}, {&a->k, LS * N * KD}, {&a->v, LS * N * KD},
        {&a->q_raw, LS * N * QD}, {&a->k_raw, LS * N * KD},
        {&a->qn_rstd, LS * N * H}, {&a->kn_rstd, LS * N * KV},
        {&a->att, LS * N * QD}, {&a->att_lse, LS * N * H},
        {&a->att_proj, SW * LS * N * C}, {&a->att_proj_rstd, SW * LS * N},
        {&a->mlp_proj, SW * LS * N * C}, {&a->mlp_proj_rstd, SW * LS * N},
        {&a->resid_mid, LS * N * C}, {&a->ln2, LS * N * C}, {&a->ln2_rstd, LS * N},
        {&a->gate, LS * N * I}, {&a->up, LS * N * I}, {&a->mlp_act, LS * N * I},
        {&a->final_norm, N * C}, {&a->final_rstd, N}, {&a->tmp, N * C}, {&a->last_rows, N * C},
        {&a->rope_inv_freq, (size_t)c->head_dim / 2}, {&a->rope_inv_freq_local, (size_t)c->head_dim / 2},
    };
    a->buf = wmss_alloc_views(views, sizeof views / sizeof views[0], &a->n_floats, "activations", e);
    const size_t NI = (size_t)max_tokens;
    a->ix_bytes = 3 * NI * sizeof(int64_t) + (3 * NI + 1) * sizeof(int);
    a->ix_buf = a->buf ? wmss_dev_alloc(a->ix_bytes, "batch index arrays", e) : NULL;
    a->ixh_buf = a->ix_buf ? wmss_malloc(a->ix_bytes, e) : NULL;
    if (!a->ixh_buf) {
        wmss_acts_free(a);
        return -1;
    }
    index_views(&a->ix, a->ix_buf, max_tokens);
    index_views(&a->ixh, a->ixh_buf, max_tokens);
    float inv[2][512];  // D/2 <= 512 (checked by the config)
    rope_frequencies(inv[0], c->head_dim, &c->rope);
    rope_frequencies(inv[1], c->head_dim, &c->rope_local);
    wmss_dev_upload(a->rope_inv_freq, inv[0], (size_t)c->head_dim / 2 * sizeof(float));
    wmss_dev_upload(a->rope_inv_freq_local, inv[1], (size_t)c->head_dim / 2 * sizeof(float));
    return 0;
}

void wmss_acts_free(wmss_acts *a) {
    wmss_dev_free(a->buf);
    wmss_dev_free(a->ix_buf);
    wmss_dev_free(a->logits);
    free(a->ixh_buf);
    memset(a, 0, sizeof *a);
}

float *wmss_acts_logits(wmss_acts *a, int rows, wmss_error *e) {
    if (rows <= a->logits_rows) return a->logits;
    wmss_dev_free(a->logits);
    a->logits_rows = 0;
    a->logits = wmss_dev_alloc((size_t)rows * a->vocab * sizeof(float), "logits", e);
    if (a->logits) a->logits_rows = rows;
    return a->logits;
}
