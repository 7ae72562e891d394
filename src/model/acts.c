// Activation buffers: one allocation, named views, sized for max_tokens.
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "ops.h"

int wmss_acts_create(const wmss_config *c, int max_tokens, int keep_layers, wmss_acts *a, wmss_error *e) {
    memset(a, 0, sizeof *a);
    if (max_tokens <= 0) return wmss_fail(e, "activations: max_tokens must be positive");
    const size_t N = (size_t)max_tokens, C = c->hidden_size, I = c->intermediate_size;
    const size_t QD = (size_t)c->num_heads * c->head_dim, KD = (size_t)c->num_kv_heads * c->head_dim;
    const size_t H = c->num_heads, KV = c->num_kv_heads;
    const size_t LS = keep_layers ? (size_t)c->num_layers : 1;  // layer slots
    a->max_tokens = max_tokens;
    a->keep_layers = keep_layers;
    a->n_threads = omp_get_max_threads();
    struct { float **p; size_t n; } views[] = {
        {&a->resid, (LS + 1) * N * C},
        {&a->ln1, LS * N * C}, {&a->ln1_rstd, LS * N},
        {&a->q, LS * N * QD}, {&a->k, LS * N * KD}, {&a->v, LS * N * KD},
        {&a->q_raw, LS * N * QD}, {&a->k_raw, LS * N * KD},
        {&a->qn_rstd, LS * N * H}, {&a->kn_rstd, LS * N * KV},
        {&a->att, LS * N * QD}, {&a->att_lse, LS * N * H},
        {&a->ln2, LS * N * C}, {&a->ln2_rstd, LS * N},
        {&a->gate, LS * N * I}, {&a->up, LS * N * I}, {&a->mlp_act, LS * N * I},
        {&a->final_norm, N * C}, {&a->final_rstd, N}, {&a->tmp, N * C},
        {&a->scratch, (size_t)a->n_threads * N},
        {&a->rope_inv_freq, (size_t)c->head_dim / 2},
    };
    const int nv = sizeof views / sizeof views[0];
    size_t total = 0;
    for (int i = 0; i < nv; i++) total += (views[i].n + 15) / 16 * 16;
    a->buf = aligned_alloc(64, total * sizeof(float));
    a->pos = malloc(N * sizeof(int));
    if (!a->buf || !a->pos) {
        wmss_acts_free(a);
        return wmss_fail(e, "out of memory: activations for %d tokens need %zu MB", max_tokens, total * 4 >> 20);
    }
    a->n_floats = total;
    size_t off = 0;
    for (int i = 0; i < nv; i++) {
        *views[i].p = a->buf + off;
        off += (views[i].n + 15) / 16 * 16;
    }
    rope_inv_freq(a->rope_inv_freq, c->head_dim, c->rope_theta);
    return 0;
}

void wmss_acts_free(wmss_acts *a) {
    free(a->buf);
    free(a->pos);
    memset(a, 0, sizeof *a);
}
