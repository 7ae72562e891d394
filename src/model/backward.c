// The backward pass of the decoder-only transformer, layer by layer in reverse,
// mirroring wmss_forward. Parameter gradients accumulate (micro-batches add up).
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "model.h"
#include "ops.h"
#include "views.h"

int wmss_grad_acts_create(const wmss_config *c, int max_tokens, wmss_grad_acts *g, wmss_error *e) {
    memset(g, 0, sizeof *g);
    const size_t N = (size_t)max_tokens, C = c->hidden_size, I = c->intermediate_size;
    const size_t QD = (size_t)c->num_heads * c->head_dim, KD = (size_t)c->num_kv_heads * c->head_dim;
    const wmss_view views[] = {
        {&g->d_final, N * C}, {&g->d_resid, N * C}, {&g->d_ln, N * C}, {&g->d_att, N * QD},
        {&g->d_q, N * QD}, {&g->d_k, N * KD}, {&g->d_v, N * KD}, {&g->d_q_raw, N * QD}, {&g->d_k_raw, N * KD},
        {&g->d_gate, N * I}, {&g->d_up, N * I}, {&g->d_act, N * I},
        {&g->d_proj, c->arch->sandwich_norms ? N * C : 0},
    };
    g->buf = wmss_alloc_views(views, sizeof views / sizeof views[0], NULL, "activation gradients", e);
    return g->buf ? 0 : -1;
}

void wmss_grad_acts_free(wmss_grad_acts *g) {
    wmss_dev_free(g->buf);
    memset(g, 0, sizeof *g);
}

static void zero(float *p, size_t n) { wmss_dev_zero(p, n * sizeof(float)); }

void wmss_backward(const wmss_model *m, const wmss_acts *a, wmss_grad_acts *g, const wmss_batch *b,
                   const wmss_weights *grads) {
    const wmss_config *c = &m->cfg;
    const int N = b->start[b->B], C = c->hidden_size, I = c->intermediate_size, D = c->head_dim;
    const int H = c->num_heads, KV = c->num_kv_heads, QD = H * D, KD = KV * D;
    const float *x_final = a->resid + (size_t)c->num_layers * N * C;

    const float off = c->arch->norm_plus_one ? 1.0f : 0.0f;
    const int sw = c->arch->sandwich_norms;
    zero(g->d_resid, (size_t)N * C);
    rmsnorm_backward(g->d_resid, grads->final_norm, g->d_final, x_final, m->w.final_norm, off, a->final_rstd, N, C);
    for (int l = c->num_layers - 1; l >= 0; l--) {
        const wmss_layer_weights *w = &m->w.layers[l];
        const wmss_layer_weights *gw = &grads->layers[l];
        const size_t ls = (size_t)l;
        const float *x = a->resid + ls * N * C, *mid = a->resid_mid + ls * N * C;
        const float *ln1 = a->ln1 + ls * N * C, *ln2 = a->ln2 + ls * N * C;
        const float *q = a->q + ls * N * QD, *k = a->k + ls * N * KD, *v = a->v + ls * N * KD;
        const float *att = a->att + ls * N * QD, *lse = a->att_lse + ls * N * H;
        const float *gate = a->gate + ls * N * I, *up = a->up + ls * N * I, *act = a->mlp_act + ls * N * I;
        const int sliding = c->layer_sliding[l], window = sliding ? c->sliding_window : 0;
        const float *inv_freq = sliding ? a->rope_inv_freq_local : a->rope_inv_freq;

        // MLP block: d_resid holds dL/dx_out, which is also dL/d(MLP block output).
        const float *d_down = g->d_resid;
        if (sw) {  // through the output norm first
            zero(g->d_proj, (size_t)N * C);
            rmsnorm_backward(g->d_proj, gw->mlp_out_norm, g->d_resid, a->mlp_proj + ls * N * C, w->mlp_out_norm, off,
                             a->mlp_proj_rstd + ls * N, N, C);
            d_down = g->d_proj;
        }
        zero(g->d_act, (size_t)N * I);
        matmul_backward(g->d_act, gw->w_down, gw->b_down, d_down, act, w->w_down, N, I, C);
        if (c->arch->act == WMSS_ACT_GELU_TANH) geglu_backward(g->d_gate, g->d_up, g->d_act, gate, up, (size_t)N * I);
        else swiglu_backward(g->d_gate, g->d_up, g->d_act, gate, up, (size_t)N * I);
        zero(g->d_ln, (size_t)N * C);
        matmul_backward(g->d_ln, gw->w_gate, gw->b_gate, g->d_gate, ln2, w->w_gate, N, C, I);
        matmul_backward(g->d_ln, gw->w_up, gw->b_up, g->d_up, ln2, w->w_up, N, C, I);
        rmsnorm_backward(g->d_resid, gw->ln2, g->d_ln, mid, w->ln2, off, a->ln2_rstd + ls * N, N, C);  // now dL/dmid

        // Attention block.
        const float *d_o = g->d_resid;
        if (sw) {
            zero(g->d_proj, (size_t)N * C);
            rmsnorm_backward(g->d_proj, gw->attn_out_norm, g->d_resid, a->att_proj + ls * N * C, w->attn_out_norm, off,
                             a->att_proj_rstd + ls * N, N, C);
            d_o = g->d_proj;
        }
        zero(g->d_att, (size_t)N * QD);
        matmul_backward(g->d_att, gw->wo, gw->bo, d_o, att, w->wo, N, QD, C);
        attention_backward(g->d_q, g->d_k, g->d_v, g->d_att, q, k, v, att, lse, a->ix.seq_start, a->ix.pos, b->B, N, H,
                           KV, D, window, c->attn_scale);
        rope_backward(g->d_q, a->ix.pos, inv_freq, N, H, D);
        rope_backward(g->d_k, a->ix.pos, inv_freq, N, KV, D);
        float *dq = g->d_q, *dk = g->d_k;
        if (c->arch->qk_norm) {
            zero(g->d_q_raw, (size_t)N * QD);
            zero(g->d_k_raw, (size_t)N * KD);
            rmsnorm_backward(g->d_q_raw, gw->q_norm, g->d_q, a->q_raw + ls * N * QD, w->q_norm, off,
                             a->qn_rstd + ls * N * H, N * H, D);
            rmsnorm_backward(g->d_k_raw, gw->k_norm, g->d_k, a->k_raw + ls * N * KD, w->k_norm, off,
                             a->kn_rstd + ls * N * KV, N * KV, D);
            dq = g->d_q_raw;
            dk = g->d_k_raw;
        }
        zero(g->d_ln, (size_t)N * C);
        matmul_backward(g->d_ln, gw->wq, gw->bq, dq, ln1, w->wq, N, C, QD);
        matmul_backward(g->d_ln, gw->wk, gw->bk, dk, ln1, w->wk, N, C, KD);
        matmul_backward(g->d_ln, gw->wv, gw->bv, g->d_v, ln1, w->wv, N, C, KD);
        rmsnorm_backward(g->d_resid, gw->ln1, g->d_ln, x, w->ln1, off, a->ln1_rstd + ls * N, N, C);  // now dL/dx
    }
    embedding_backward(grads->embed, g->d_resid, a->ix.ids, c->embed_scale, N, C);
}
