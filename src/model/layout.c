// Parameter layout: the list of Hugging Face tensors a config implies, their shapes,
// and their offsets inside one contiguous buffer.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef struct {
    wmss_layout *lo;
    int cap;
} builder;

static void add(builder *b, const char *name, int ndim, int64_t d0, int64_t d1, wmss_init_kind init) {
    wmss_param_spec *s = &b->lo->specs[b->lo->n_specs++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->ndim = ndim;
    s->shape[0] = d0;
    s->shape[1] = ndim == 2 ? d1 : 0;
    s->numel = (size_t)d0 * (size_t)(ndim == 2 ? d1 : 1);
    s->offset = b->lo->n_floats;
    s->init = init;
    // Keep every tensor 16-float aligned (64 bytes) for vector loads.
    b->lo->n_floats += (s->numel + 15) / 16 * 16;
}

int wmss_layout_build(const wmss_config *c, wmss_layout *lo, wmss_error *e) {
    memset(lo, 0, sizeof *lo);
    int per_layer = 20, cap = 4 + per_layer * c->num_layers;
    lo->specs = wmss_calloc(cap, sizeof *lo->specs, e);
    if (!lo->specs) return -1;
    builder b = {lo, cap};
    const int64_t C = c->hidden_size, I = c->intermediate_size, V = c->vocab_size;
    const int64_t QD = (int64_t)c->num_heads * c->head_dim, KD = (int64_t)c->num_kv_heads * c->head_dim;
    const int qkv_bias = c->arch->qkv_bias || c->attention_bias, o_bias = c->attention_bias, mb = c->mlp_bias;
    const int sw = c->arch->sandwich_norms;
    // Norm weights multiply as (1 + w) in Gemma, so they start at 0 there.
    const wmss_init_kind NORM = c->arch->norm_plus_one ? WMSS_INIT_ZEROS : WMSS_INIT_ONES;
    add(&b, "model.embed_tokens.weight", 2, V, C, WMSS_INIT_NORMAL);
    char n[96];
    for (int l = 0; l < c->num_layers; l++) {
#define P(suffix, nd, d0, d1, init) \
    (snprintf(n, sizeof n, "model.layers.%d.%s", l, suffix), add(&b, n, nd, d0, d1, init))
        P("input_layernorm.weight", 1, C, 0, NORM);
        P("self_attn.q_proj.weight", 2, QD, C, WMSS_INIT_NORMAL);
        if (qkv_bias) P("self_attn.q_proj.bias", 1, QD, 0, WMSS_INIT_ZEROS);
        P("self_attn.k_proj.weight", 2, KD, C, WMSS_INIT_NORMAL);
        if (qkv_bias) P("self_attn.k_proj.bias", 1, KD, 0, WMSS_INIT_ZEROS);
        P("self_attn.v_proj.weight", 2, KD, C, WMSS_INIT_NORMAL);
        if (qkv_bias) P("self_attn.v_proj.bias", 1, KD, 0, WMSS_INIT_ZEROS);
        if (c->arch->qk_norm) {
            P("self_attn.q_norm.weight", 1, c->head_dim, 0, NORM);
            P("self_attn.k_norm.weight", 1, c->head_dim, 0, NORM);
        }
        P("self_attn.o_proj.weight", 2, C, QD, WMSS_INIT_NORMAL);
        if (o_bias) P("self_attn.o_proj.bias", 1, C, 0, WMSS_INIT_ZEROS);
        P("post_attention_layernorm.weight", 1, C, 0, NORM);
        if (sw) P("pre_feedforward_layernorm.weight", 1, C, 0, NORM);
        P("mlp.gate_proj.weight", 2, I, C, WMSS_INIT_NORMAL);
        if (mb) P("mlp.gate_proj.bias", 1, I, 0, WMSS_INIT_ZEROS);
        P("mlp.up_proj.weight", 2, I, C, WMSS_INIT_NORMAL);
        if (mb) P("mlp.up_proj.bias", 1, I, 0, WMSS_INIT_ZEROS);
        P("mlp.down_proj.weight", 2, C, I, WMSS_INIT_NORMAL);
        if (mb) P("mlp.down_proj.bias", 1, C, 0, WMSS_INIT_ZEROS);
        if (sw) P("post_feedforward_layernorm.weight", 1, C, 0, NORM);
#undef P
    }
    add(&b, "model.norm.weight", 1, C, 0, NORM);
    if (!c->tie_word_embeddings) add(&b, "lm_head.weight", 2, V, C, WMSS_INIT_NORMAL);
    return 0;
}

void wmss_layout_free(wmss_layout *lo) {
    free(lo->specs);
    memset(lo, 0, sizeof *lo);
}

static float *view(const wmss_layout *lo, float *base, const char *name) {
    for (int i = 0; i < lo->n_specs; i++)
        if (!strcmp(lo->specs[i].name, name)) return base + lo->specs[i].offset;
    return NULL;
}

int wmss_weights_bind(const wmss_config *c, const wmss_layout *lo, float *base, wmss_weights *w, wmss_error *e) {
    memset(w, 0, sizeof *w);
    w->layers = wmss_calloc(c->num_layers, sizeof *w->layers, e);
    if (!w->layers) return -1;
    w->embed = view(lo, base, "model.embed_tokens.weight");
    w->final_norm = view(lo, base, "model.norm.weight");
    w->lm_head = c->tie_word_embeddings ? w->embed : view(lo, base, "lm_head.weight");
    char n[96];
    for (int l = 0; l < c->num_layers; l++) {
        wmss_layer_weights *lw = &w->layers[l];
#define V(field, suffix) (snprintf(n, sizeof n, "model.layers.%d.%s", l, suffix), lw->field = view(lo, base, n))
        V(ln1, "input_layernorm.weight");
        V(wq, "self_attn.q_proj.weight");
        V(bq, "self_attn.q_proj.bias");
        V(wk, "self_attn.k_proj.weight");
        V(bk, "self_attn.k_proj.bias");
        V(wv, "self_attn.v_proj.weight");
        V(bv, "self_attn.v_proj.bias");
        V(q_norm, "self_attn.q_norm.weight");
        V(k_norm, "self_attn.k_norm.weight");
        V(wo, "self_attn.o_proj.weight");
        V(bo, "self_attn.o_proj.bias");
        if (c->arch->sandwich_norms) {
            V(attn_out_norm, "post_attention_layernorm.weight");
            V(ln2, "pre_feedforward_layernorm.weight");
            V(mlp_out_norm, "post_feedforward_layernorm.weight");
        } else {
            V(ln2, "post_attention_layernorm.weight");
        }
        V(w_gate, "mlp.gate_proj.weight");
        V(b_gate, "mlp.gate_proj.bias");
        V(w_up, "mlp.up_proj.weight");
        V(b_up, "mlp.up_proj.bias");
        V(w_down, "mlp.down_proj.weight");
        V(b_down, "mlp.down_proj.bias");
#undef V
    }
    return 0;
}

void wmss_weights_free(wmss_weights *w) {
    free(w->layers);
    w->layers = NULL;
}

wmss_st_out *wmss_layout_describe(const wmss_layout *lo, const float *base, wmss_dtype dtype, const char *prefix,
                                  wmss_error *e) {
    const size_t name_cap = sizeof lo->specs[0].name + strlen(prefix) + 1;
    wmss_st_out *outs = wmss_malloc(lo->n_specs * (sizeof *outs + name_cap), e);
    if (!outs) return NULL;
    char *names = (char *)(outs + lo->n_specs);
    for (int i = 0; i < lo->n_specs; i++) {
        const wmss_param_spec *s = &lo->specs[i];
        char *name = names + (size_t)i * name_cap;
        snprintf(name, name_cap, "%s%s", prefix, s->name);
        outs[i] = (wmss_st_out){.name = name, .dtype = dtype, .ndim = s->ndim, .values = base + s->offset};
        outs[i].shape[0] = s->shape[0];
        outs[i].shape[1] = s->shape[1];
    }
    return outs;
}
