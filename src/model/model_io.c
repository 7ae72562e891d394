// Model lifetime: create, random init, load from and save to a Hugging Face model
// directory (config.json + safetensors, tokenizer files copied through).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "fsutil.h"
#include "model.h"
#include "rng.h"
#include "safetensors.h"

int wmss_model_create(const wmss_config *cfg, wmss_model *m, wmss_error *e) {
    memset(m, 0, sizeof *m);
    if (wmss_config_copy(&m->cfg, cfg, e)) return -1;
    if (wmss_layout_build(&m->cfg, &m->layout, e)) goto fail;
    const size_t bytes = m->layout.n_floats * sizeof(float);
    if (!(m->params = wmss_dev_alloc(bytes, "the model's float32 parameters", e))) goto fail;
    wmss_dev_zero(m->params, bytes);
    if (wmss_dev_host_shared()) {
        m->host = m->params;
    } else {
        if (!(m->host = wmss_calloc(m->layout.n_floats, sizeof(float), e))) goto fail;
    }
    if (wmss_weights_bind(&m->cfg, &m->layout, m->params, &m->w, e)) goto fail;
    return 0;
fail:
    wmss_model_free(m);
    return -1;
}

void wmss_model_free(wmss_model *m) {
    wmss_weights_free(&m->w);
    if (m->host != m->params) free(m->host);
    wmss_dev_free(m->params);
    wmss_layout_free(&m->layout);
    wmss_config_free(&m->cfg);
    memset(m, 0, sizeof *m);
}

void wmss_model_upload(wmss_model *m) { wmss_dev_upload(m->params, m->host, m->layout.n_floats * sizeof(float)); }

void wmss_model_download(const wmss_model *m) {
    wmss_dev_download(m->host, m->params, m->layout.n_floats * sizeof(float));
}

void wmss_model_init_random(wmss_model *m, uint64_t seed) {
    const float std = m->cfg.initializer_range;
    // Each tensor draws from its own stream (seed, name): tensors are independent of
    // layout order.
    for (int i = 0; i < m->layout.n_specs; i++) {
        const wmss_param_spec *s = &m->layout.specs[i];
        float *p = m->host + s->offset;
        wmss_rng r;
        wmss_rng_seed(&r, seed ^ wmss_hash_str(s->name));
        for (size_t j = 0; j < s->numel; j++)
            p[j] = s->init == WMSS_INIT_NORMAL ? (float)(std * wmss_rng_normal(&r))
                                               : s->init == WMSS_INIT_ONES ? 1.0f : 0.0f;
    }
    const int pad = m->cfg.pad_token_id, C = m->cfg.hidden_size;
    float *embed = m->host + (m->w.embed - m->params);
    if (pad >= 0 && pad < m->cfg.vocab_size)
        for (int c = 0; c < C; c++) embed[(size_t)pad * C + c] = 0.0f;
    wmss_model_upload(m);
}

static int is_ignorable(const char *name) {
    // Older checkpoints carry RoPE's inv_freq buffers; they are recomputed, not loaded.
    return strstr(name, "rotary_emb.inv_freq") != NULL;
}

// A multimodal checkpoint (Gemma3ForConditionalGeneration) stores the text model under
// "language_model.model." (transformers < 4.52) or "model.language_model." (newer),
// the head under "language_model.lm_head." or "lm_head.".
static const wmss_st_tensor *find_text_tensor(const wmss_checkpoint *ck, const char *name, int text_only,
                                              const wmss_st_file **f) {
    if (!text_only) return wmss_checkpoint_find(ck, name, f);
    char alt[160];
    const int in_model = !strncmp(name, "model.", 6);
    snprintf(alt, sizeof alt, "%s%s", in_model ? "language_model.model." : "language_model.", name + (in_model ? 6 : 0));
    const wmss_st_tensor *t = wmss_checkpoint_find(ck, alt, f);
    if (t) return t;
    if (in_model) {
        snprintf(alt, sizeof alt, "model.language_model.%s", name + 6);
        if ((t = wmss_checkpoint_find(ck, alt, f))) return t;
    }
    return wmss_checkpoint_find(ck, name, f);
}

// Tensors of a multimodal checkpoint that are not the text model's.
static int is_other_modality(const char *name) {
    static const char *const PREFIXES[] = {"vision_tower.", "multi_modal_projector.", "model.vision_tower.",
                                           "model.multi_modal_projector."};
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++)
        if (!strncmp(name, PREFIXES[i], strlen(PREFIXES[i]))) return 1;
    return 0;
}

static int allow_nonfinite;  // wmss_model_allow_nonfinite
void wmss_model_allow_nonfinite(int allow) { allow_nonfinite = allow; }

static int load_tensors(wmss_model *m, const wmss_checkpoint *ck, const char *dir, const wmss_st_tensor **used,
                        wmss_error *e) {
    int expected = 0;
    const int text_only = m->cfg.text_only;
    for (int i = 0; i < m->layout.n_specs; i++) {
        const wmss_param_spec *s = &m->layout.specs[i];
        const wmss_st_file *f;
        const wmss_st_tensor *t = find_text_tensor(ck, s->name, text_only, &f);
        if (!t) return wmss_fail(e, "%s: tensor '%s' is missing from the checkpoint", dir, s->name);
        int ok = t->ndim == s->ndim && t->shape[0] == s->shape[0] && (s->ndim == 1 || t->shape[1] == s->shape[1]);
        if (!ok) {
            char got[128] = "", *p = got;
            for (int d = 0; d < t->ndim && p < got + 100; d++)
                p += snprintf(p, got + sizeof got - p, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
            if (s->ndim == 1)
                return wmss_fail(e, "%s: tensor '%s' has shape [%s] but config.json implies [%lld]", f->path, s->name,
                                 got, (long long)s->shape[0]);
            return wmss_fail(e, "%s: tensor '%s' has shape [%s] but config.json implies [%lld, %lld]", f->path,
                             s->name, got, (long long)s->shape[0], (long long)s->shape[1]);
        }
        if (wmss_st_read_f32(t, m->host + s->offset, f->path, e)) return -1;
        if (!allow_nonfinite)
            for (size_t j = 0; j < s->numel; j++)
                if (!isfinite(m->host[s->offset + j]))
                    return wmss_fail(e, "%s: tensor '%s' holds a non-finite value (%g at element %zu); the model is "
                                        "damaged (wmss inspect and wmss logits load it with --allow-nonfinite)",
                                     f->path, s->name, m->host[s->offset + j], j);
        used[expected++] = t;
    }
    // Anything else in the checkpoint means the config and the weights disagree, except
    // a tied lm_head that some writers store anyway.
    for (int fi = 0; fi < ck->n_files; fi++)
        for (int ti = 0; ti < ck->files[fi].n_tensors; ti++) {
            const char *name = ck->files[fi].tensors[ti].name;
            int known = 0;
            for (int i = 0; i < expected && !known; i++) known = used[i] == &ck->files[fi].tensors[ti];
            if (known || is_ignorable(name) || (text_only && is_other_modality(name))) continue;
            if (m->cfg.tie_word_embeddings && strstr(name, "lm_head.weight") &&
                (!strcmp(name, "lm_head.weight") || text_only))
                continue;
            return wmss_fail(e, "%s: unexpected tensor '%s' (does config.json describe this checkpoint?)",
                             ck->files[fi].path, name);
        }
    return 0;
}

int wmss_model_load(const char *dir, wmss_model *m, wmss_error *e) {
    memset(m, 0, sizeof *m);
    char path[4096];
    wmss_config cfg;
    if (!wmss_is_dir(dir)) return wmss_fail(e, "%s: not a directory (expected a Hugging Face model directory)", dir);
    if (wmss_path_join(path, sizeof path, dir, "config.json", e) || wmss_config_load(path, &cfg, e)) return -1;
    int rc = wmss_model_create(&cfg, m, e);
    wmss_config_free(&cfg);
    if (rc) return -1;
    wmss_checkpoint ck;
    if (wmss_checkpoint_open(dir, &ck, e)) { wmss_model_free(m); return -1; }
    const wmss_st_tensor **used = wmss_calloc(m->layout.n_specs, sizeof *used, e);
    rc = used ? load_tensors(m, &ck, dir, used, e) : -1;
    free(used);
    wmss_checkpoint_close(&ck);
    if (!rc) wmss_model_upload(m);
    if (!rc && m->cfg.text_only)
        fprintf(stderr, "note: %s holds a multimodal %s; loaded its text model only (the vision tower and projector "
                        "are ignored; saving writes a text-only %s)\n", dir, m->cfg.arch->text_of, m->cfg.arch->hf_class);
    if (rc) wmss_model_free(m);
    return rc;
}

// Files besides config.json and weights that make a model directory usable as is.
static const char *const PASSTHROUGH[] = {
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
    "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json", "chat_template.jinja",
    "chat_template.json",
};

int wmss_model_save(const wmss_model *m, const char *dir, const wmss_save_opts *o, wmss_error *e) {
    if (!wmss_dtype_is_float(o->dtype)) return wmss_fail(e, "%s: can only save float32, bfloat16 or float16", dir);
    if (wmss_mkdir_p(dir, e)) return -1;
    const wmss_layout *lo = &m->layout;
    wmss_model_download(m);
    wmss_st_out *outs = wmss_layout_describe(lo, m->host, o->dtype, "", e);
    if (!outs) return -1;
    char path[4096];
    int rc = wmss_checkpoint_write(dir, outs, lo->n_specs, o->max_shard_bytes, e);
    free(outs);
    if (!rc) rc = wmss_path_join(path, sizeof path, dir, "config.json", e) || wmss_config_save(&m->cfg, o->dtype, path, e);
    if (rc) return wmss_error_prefix(e, "saving model to %s", dir);
    if (o->copy_from && strcmp(o->copy_from, dir)) {
        for (size_t i = 0; i < sizeof PASSTHROUGH / sizeof PASSTHROUGH[0]; i++) {
            char src[4096];
            if (wmss_path_join(src, sizeof src, o->copy_from, PASSTHROUGH[i], e) ||
                wmss_path_join(path, sizeof path, dir, PASSTHROUGH[i], e))
                return -1;
            if (wmss_file_exists(src) && wmss_copy_file(src, path, e)) return -1;
        }
    }
    return 0;
}
