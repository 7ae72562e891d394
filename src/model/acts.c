// Activation buffers: one allocation, named views, sized for max_tokens.
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops.h"
#include "views.h"

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
    a->n_threads = omp_get_max_threads();
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
        {&a->final_norm, N * C}, {&a->final_rstd, N}, {&a->tmp, N * C},
        {&a->scratch, attention_scratch_floats(a->max_keys, c->head_dim, a->n_threads)},
        {&a->rope_inv_freq, (size_t)c->head_dim / 2}, {&a->rope_inv_freq_local, (size_t)c->head_dim / 2},
    };
    a->buf = wmss_alloc_views(views, sizeof views / sizeof views[0], &a->n_floats, "activations", e);
    a->pos = malloc(N * sizeof(int));
    a->kv_row = malloc(N * sizeof(int64_t));
    a->last_rows = malloc(N * C * sizeof(float));
    if (!a->buf || !a->pos || !a->kv_row || !a->last_rows) {
        if (a->buf) wmss_fail(e, "out of memory");
        wmss_acts_free(a);
        return -1;
    }
    rope_frequencies(a->rope_inv_freq, c->head_dim, &c->rope);
    rope_frequencies(a->rope_inv_freq_local, c->head_dim, &c->rope_local);
    return 0;
}

void wmss_acts_free(wmss_acts *a) {
    free(a->buf);
    free(a->pos);
    free(a->kv_row);
    free(a->last_rows);
    memset(a, 0, sizeof *a);
}
