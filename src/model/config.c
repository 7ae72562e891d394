// config.json -> wmss_config. Missing fields take the Hugging Face defaults of the
// architecture's config class (so a file means what transformers thinks it means);
// options this implementation does not compute are refused, never ignored.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fsutil.h"

// Reads an integer field in [lo, hi]; absent -> def (def < lo means "required").
static int get_int(const cJSON *root, const char *key, long def, long lo, long hi, int *out, const char *path,
                   wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) {
        if (def < lo) return wmss_fail(e, "%s: missing required field \"%s\"", path, key);
        *out = (int)def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || floor(v->valuedouble) != v->valuedouble)
        return wmss_fail(e, "%s: \"%s\" must be an integer", path, key);
    if (v->valuedouble < lo || v->valuedouble > hi)
        return wmss_fail(e, "%s: \"%s\" = %g is outside the supported range [%ld, %ld]", path, key, v->valuedouble, lo, hi);
    *out = (int)v->valuedouble;
    return 0;
}

static int get_float(const cJSON *root, const char *key, double def, float *out, const char *path, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) { *out = (float)def; return 0; }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble <= 0)
        return wmss_fail(e, "%s: \"%s\" must be a positive number", path, key);
    *out = (float)v->valuedouble;
    return 0;
}

static int get_bool(const cJSON *root, const char *key, int def, int *out, const char *path, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v)) { *out = def; return 0; }
    if (!cJSON_IsBool(v)) return wmss_fail(e, "%s: \"%s\" must be true or false", path, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

// Token ids: an integer, an array of integers, or null/absent (-> none).
static int get_token_ids(const cJSON *root, const char *key, int *ids, int max, int *n, const char *path,
                         wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    *n = 0;
    if (!v || cJSON_IsNull(v)) return 0;
    const cJSON *one = v;
    int count = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 1;
    if (count > max) return wmss_fail(e, "%s: \"%s\" lists %d ids (at most %d supported)", path, key, count, max);
    for (int i = 0; i < count; i++) {
        if (cJSON_IsArray(v)) one = cJSON_GetArrayItem(v, i);
        if (!cJSON_IsNumber(one) || one->valuedouble < 0 || floor(one->valuedouble) != one->valuedouble)
            return wmss_fail(e, "%s: \"%s\" must be a token id or a list of token ids", path, key);
        ids[(*n)++] = (int)one->valuedouble;
    }
    return 0;
}

static const char *json_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int is_set(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return v && !cJSON_IsNull(v);
}

// One RoPE parameter set: theta from `theta_src`[theta_key], scaling from `sc` (a
// rope_scaling / rope_parameters object, or NULL). Types of modeling_rope_utils that
// are not implemented are refused.
static int parse_rope(const cJSON *theta_src, const char *theta_key, double theta_def, const cJSON *sc,
                      const char *what, wmss_rope *r, const char *path, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (get_float(theta_src, theta_key, theta_def, &r->theta, path, e)) return -1;
    if (!sc || cJSON_IsNull(sc)) return 0;
    if (!cJSON_IsObject(sc)) return wmss_fail(e, "%s: \"%s\" must be an object or null", path, what);
    const char *type = json_str(sc, "rope_type");
    if (!type) type = json_str(sc, "type");
    if (!type || !strcmp(type, "default")) return 0;
    if (!strcmp(type, "linear")) {
        r->type = WMSS_ROPE_LINEAR;
        if (!is_set(sc, "factor")) return wmss_fail(e, "%s: \"%s\" of type linear needs \"factor\"", path, what);
        return get_float(sc, "factor", 1.0, &r->factor, path, e);
    }
    if (!strcmp(type, "llama3")) {
        r->type = WMSS_ROPE_LLAMA3;
        static const char *const KEYS[] = {"factor", "low_freq_factor", "high_freq_factor",
                                           "original_max_position_embeddings"};
        for (int i = 0; i < 4; i++)
            if (!is_set(sc, KEYS[i])) return wmss_fail(e, "%s: \"%s\" of type llama3 needs \"%s\"", path, what, KEYS[i]);
        if (get_float(sc, "factor", 0, &r->factor, path, e) ||
            get_float(sc, "low_freq_factor", 0, &r->low_freq_factor, path, e) ||
            get_float(sc, "high_freq_factor", 0, &r->high_freq_factor, path, e) ||
            get_int(sc, "original_max_position_embeddings", 0, 1, 1 << 24, &r->original_max_position, path, e))
            return -1;
        if (r->high_freq_factor <= r->low_freq_factor)
            return wmss_fail(e, "%s: \"%s\": high_freq_factor (%g) must exceed low_freq_factor (%g)", path, what,
                             r->high_freq_factor, r->low_freq_factor);
        return 0;
    }
    return wmss_fail(e, "%s: \"%s\" asks for RoPE type \"%s\"; implemented: default, linear, llama3", path, what, type);
}

// Both RoPE sets. Old configs: rope_theta + rope_scaling (+ Gemma 3's
// rope_local_base_freq); newer ones: rope_parameters, per layer type for Gemma 3.
static int parse_ropes(const cJSON *root, wmss_config *c, const char *path, wmss_error *e) {
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(root, "rope_parameters");
    const double theta_def = c->arch->def.rope_theta;
    if (cJSON_IsObject(rp)) {
        const cJSON *full = cJSON_GetObjectItemCaseSensitive(rp, "full_attention");
        const cJSON *local = cJSON_GetObjectItemCaseSensitive(rp, "sliding_attention");
        if (full || local) {
            if (!cJSON_IsObject(full) || (c->arch->sliding_layers && !cJSON_IsObject(local)))
                return wmss_fail(e, "%s: \"rope_parameters\" per layer type must hold objects for full_attention%s", path,
                                 c->arch->sliding_layers ? " and sliding_attention" : "");
            if (parse_rope(full, "rope_theta", theta_def, full, "rope_parameters.full_attention", &c->rope, path, e))
                return -1;
            return local ? parse_rope(local, "rope_theta", 10000.0, local, "rope_parameters.sliding_attention",
                                      &c->rope_local, path, e)
                         : 0;
        }
        if (parse_rope(is_set(root, "rope_theta") ? root : rp, "rope_theta", theta_def, rp, "rope_parameters",
                       &c->rope, path, e))
            return -1;
    } else if (rp && !cJSON_IsNull(rp)) {
        return wmss_fail(e, "%s: \"rope_parameters\" must be an object", path);
    } else if (parse_rope(root, "rope_theta", theta_def, cJSON_GetObjectItemCaseSensitive(root, "rope_scaling"),
                          "rope_scaling", &c->rope, path, e)) {
        return -1;
    }
    if (c->arch->sliding_layers) return parse_rope(root, "rope_local_base_freq", 10000.0, NULL, "", &c->rope_local, path, e);
    c->rope_local = c->rope;
    return 0;
}

// Which layers attend over a sliding window: Gemma 3's layer_types, or its older
// sliding_window_pattern; other architectures must not ask for any.
static int parse_layer_types(const cJSON *root, wmss_config *c, const char *path, wmss_error *e) {
    const cJSON *lt = cJSON_GetObjectItemCaseSensitive(root, "layer_types");
    const int gemma = c->arch->sliding_layers;
    if (lt && !cJSON_IsNull(lt)) {
        if (!cJSON_IsArray(lt) || cJSON_GetArraySize(lt) != c->num_layers)
            return wmss_fail(e, "%s: \"layer_types\" must be a list of %d layer types", path, c->num_layers);
        int l = 0;
        for (const cJSON *it = lt->child; it; it = it->next, l++) {
            const char *t = cJSON_IsString(it) ? it->valuestring : "?";
            if (!strcmp(t, "full_attention")) c->layer_sliding[l] = 0;
            else if (gemma && !strcmp(t, "sliding_attention")) c->layer_sliding[l] = 1;
            else
                return wmss_fail(e, "%s: \"layer_types\" contains \"%s\"; implemented for %s: full_attention%s", path, t,
                                 c->arch->hf_class, gemma ? ", sliding_attention" : "");
        }
    } else if (gemma) {
        int pattern;
        if (get_int(root, "sliding_window_pattern", 6, 1, 1 << 20, &pattern, path, e)) return -1;
        for (int l = 0; l < c->num_layers; l++) c->layer_sliding[l] = (l + 1) % pattern != 0;
    }
    if (!gemma) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "use_sliding_window")))
            return wmss_fail(e, "%s: \"use_sliding_window\" is true; sliding-window attention is not implemented for %s",
                             path, c->arch->hf_class);
        return 0;
    }
    int any = 0;
    for (int l = 0; l < c->num_layers; l++) any |= c->layer_sliding[l];
    if (!any) return 0;
    if (!is_set(root, "sliding_window") && cJSON_HasObjectItem(root, "sliding_window"))
        return wmss_fail(e, "%s: \"sliding_window\" is null but layers use sliding attention", path);
    return get_int(root, "sliding_window", 4096, 1, 1 << 24, &c->sliding_window, path, e);
}

// Options whose presence would change the math in ways not implemented here.
static int refuse_unimplemented(const cJSON *root, const wmss_arch *arch, const char *path, wmss_error *e) {
    static const char *const NULL_ONLY[] = {"quantization_config", "attn_logit_softcapping", "final_logit_softcapping"};
    for (size_t i = 0; i < sizeof NULL_ONLY / sizeof NULL_ONLY[0]; i++)
        if (is_set(root, NULL_ONLY[i]) && !(i == 2 && arch->logit_softcap))
            return wmss_fail(e, "%s: \"%s\" is set; it is not implemented (only null is accepted)", path, NULL_ONLY[i]);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "use_bidirectional_attention")))
        return wmss_fail(e, "%s: \"use_bidirectional_attention\" is true; only causal attention is implemented", path);
    if (!arch->mlp_bias_allowed && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "mlp_bias")))
        return wmss_fail(e, "%s: \"mlp_bias\" is true, which %s does not have", path, arch->hf_class);
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(root, "attention_dropout");
    if (drop && !(cJSON_IsNumber(drop) && drop->valuedouble == 0))
        return wmss_fail(e, "%s: \"attention_dropout\" must be 0 (dropout is not implemented)", path);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, arch->act_key);
    if (act && !(cJSON_IsString(act) && !strcmp(act->valuestring, arch->act_name)))
        return wmss_fail(e, "%s: \"%s\" must be \"%s\" for %s", path, arch->act_key, arch->act_name, arch->hf_class);
    return 0;
}

// Writes the values we interpret back into the JSON, so saved configs are explicit.
static void normalize_json(wmss_config *c) {
    cJSON *j = c->json;
    struct { const char *k; double v; } nums[] = {
        {"hidden_size", c->hidden_size}, {"intermediate_size", c->intermediate_size},
        {"num_hidden_layers", c->num_layers}, {"num_attention_heads", c->num_heads},
        {"num_key_value_heads", c->num_kv_heads}, {"head_dim", c->head_dim},
        {"vocab_size", c->vocab_size}, {"max_position_embeddings", c->max_position_embeddings},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, nums[i].k);
        cJSON_AddNumberToObject(j, nums[i].k, nums[i].v);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(j, "architectures");
    cJSON *archs = cJSON_AddArrayToObject(j, "architectures");
    if (archs) cJSON_AddItemToArray(archs, cJSON_CreateString(c->arch->hf_class));
    if (!cJSON_HasObjectItem(j, "model_type")) cJSON_AddStringToObject(j, "model_type", c->arch->model_type);
    if (!cJSON_HasObjectItem(j, "tie_word_embeddings")) cJSON_AddBoolToObject(j, "tie_word_embeddings", c->tie_word_embeddings);
}

// A multimodal checkpoint's text model: its text_config, with the outer file's
// dtype and special tokens where the text config lacks them (or has null).
static cJSON *text_config_of(const cJSON *root, const wmss_arch *arch, const char *path, wmss_error *e) {
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(root, "text_config");
    if (!cJSON_IsObject(tc)) {
        wmss_fail(e, "%s: %s without a \"text_config\" object", path, arch->text_of);
        return NULL;
    }
    cJSON *t = cJSON_Duplicate(tc, 1);
    if (!t) {
        wmss_fail(e, "out of memory");
        return NULL;
    }
    static const char *const INHERIT[] = {"torch_dtype", "dtype", "bos_token_id", "eos_token_id", "pad_token_id",
                                          "initializer_range"};
    for (size_t i = 0; i < sizeof INHERIT / sizeof INHERIT[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, INHERIT[i]);
        if (!v || cJSON_IsNull(v) || is_set(t, INHERIT[i])) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(t, INHERIT[i]);
        cJSON_AddItemToObject(t, INHERIT[i], cJSON_Duplicate(v, 1));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(t, "model_type");
    cJSON_AddStringToObject(t, "model_type", arch->model_type);
    return t;
}

static int config_from_text_json(const cJSON *root, const char *path, wmss_config *c, wmss_error *e) {
    const wmss_arch *A = c->arch;
    const wmss_arch_defaults *d = &A->def;
    if (refuse_unimplemented(root, A, path, e)) return -1;
    int head_dim_def = d->head_dim;
    if (get_int(root, "hidden_size", d->hidden_size, 1, 65536, &c->hidden_size, path, e) ||
        get_int(root, "intermediate_size", d->intermediate_size, 1, 1 << 20, &c->intermediate_size, path, e) ||
        get_int(root, "num_hidden_layers", d->num_layers, 1, WMSS_MAX_LAYERS, &c->num_layers, path, e) ||
        get_int(root, "num_attention_heads", d->num_heads, 1, 1024, &c->num_heads, path, e))
        return -1;
    // num_key_value_heads: absent -> the class default (Llama: num_attention_heads);
    // explicit null -> num_attention_heads.
    const int kv_def = d->kv_heads_follow || cJSON_HasObjectItem(root, "num_key_value_heads") ? c->num_heads : d->num_kv_heads;
    if (!head_dim_def) head_dim_def = c->hidden_size / c->num_heads;
    if (get_int(root, "num_key_value_heads", kv_def, 1, 1024, &c->num_kv_heads, path, e) ||
        get_int(root, "head_dim", head_dim_def, 2, 1024, &c->head_dim, path, e) ||
        get_int(root, "vocab_size", d->vocab_size, 1, 1 << 23, &c->vocab_size, path, e) ||
        get_int(root, "max_position_embeddings", d->max_position_embeddings, 1, 1 << 24, &c->max_position_embeddings,
                path, e) ||
        get_float(root, "rms_norm_eps", d->rms_norm_eps, &c->rms_norm_eps, path, e) ||
        get_float(root, "initializer_range", 0.02, &c->initializer_range, path, e) ||
        get_bool(root, "tie_word_embeddings", d->tie_word_embeddings, &c->tie_word_embeddings, path, e) ||
        get_bool(root, "attention_bias", 0, &c->attention_bias, path, e) ||
        get_bool(root, "mlp_bias", 0, &c->mlp_bias, path, e))
        return -1;
    if (c->head_dim % 2) return wmss_fail(e, "%s: \"head_dim\" = %d must be even for RoPE", path, c->head_dim);
    if (c->num_heads % c->num_kv_heads)
        return wmss_fail(e, "%s: num_attention_heads (%d) is not a multiple of num_key_value_heads (%d)", path,
                         c->num_heads, c->num_kv_heads);
    if (parse_ropes(root, c, path, e) || parse_layer_types(root, c, path, e)) return -1;
    float qpas = (float)c->head_dim;
    if (A->sliding_layers && get_float(root, "query_pre_attn_scalar", 256.0, &qpas, path, e)) return -1;
    c->attn_scale = (float)pow((double)qpas, -0.5);
    c->embed_scale = A->embed_scale ? (float)sqrt((double)c->hidden_size) : 1.0f;
    if (A->logit_softcap && get_float(root, "final_logit_softcapping", 0.0, &c->final_softcap, path, e)) return -1;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(root, "torch_dtype");
    if (!dt) dt = cJSON_GetObjectItemCaseSensitive(root, "dtype");
    c->torch_dtype = WMSS_F32;
    if (dt && !cJSON_IsNull(dt)) {
        int t = cJSON_IsString(dt) ? wmss_dtype_from_torch_name(dt->valuestring) : -1;
        if (t < 0) return wmss_fail(e, "%s: torch_dtype must be \"float32\", \"bfloat16\" or \"float16\"", path);
        c->torch_dtype = (wmss_dtype)t;
    }
    int n;
    if (get_token_ids(root, "bos_token_id", &c->bos_token_id, 1, &n, path, e)) return -1;
    if (!n) c->bos_token_id = cJSON_HasObjectItem(root, "bos_token_id") ? -1 : d->bos;
    if (get_token_ids(root, "pad_token_id", &c->pad_token_id, 1, &n, path, e)) return -1;
    if (!n) c->pad_token_id = cJSON_HasObjectItem(root, "pad_token_id") ? -1 : d->pad;
    if (get_token_ids(root, "eos_token_id", c->eos_token_ids, WMSS_MAX_EOS, &c->n_eos, path, e)) return -1;
    if (!c->n_eos && !cJSON_HasObjectItem(root, "eos_token_id") && d->eos >= 0) c->eos_token_ids[c->n_eos++] = d->eos;
    return 0;
}

int wmss_config_from_json(const cJSON *root, const char *path, wmss_config *c, wmss_error *e) {
    memset(c, 0, sizeof *c);
    if (!cJSON_IsObject(root)) return wmss_fail(e, "%s: not a JSON object", path);
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    if (!cJSON_IsString(a0)) return wmss_fail(e, "%s: missing \"architectures\" (e.g. [\"Qwen3ForCausalLM\"])", path);
    c->arch = wmss_arch_find(a0->valuestring);
    if (!c->arch)
        return wmss_fail(e, "%s: architecture \"%s\" is not supported (supported: %s)", path, a0->valuestring,
                         wmss_arch_list());
    cJSON *text = NULL;
    if (c->arch->text_of && !strcmp(a0->valuestring, c->arch->text_of)) {
        if (!(text = text_config_of(root, c->arch, path, e))) return -1;
        c->text_only = 1;
    }
    int rc = config_from_text_json(text ? text : root, path, c, e);
    if (!rc && !(c->json = text ? text : cJSON_Duplicate(root, 1))) rc = wmss_fail(e, "out of memory");
    if (rc) {
        cJSON_Delete(text);
        c->json = NULL;
        return -1;
    }
    normalize_json(c);
    return 0;
}

int wmss_config_load(const char *path, wmss_config *c, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) return wmss_fail(e, "%s: not valid JSON", path);
    int rc = wmss_config_from_json(root, path, c, e);
    cJSON_Delete(root);
    return rc;
}

int wmss_config_save(const wmss_config *c, wmss_dtype stored, const char *path, wmss_error *e) {
    cJSON *j = cJSON_Duplicate(c->json, 1);
    if (!j) return wmss_fail(e, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "torch_dtype");
    cJSON_AddStringToObject(j, "torch_dtype", wmss_dtype_torch_name(stored));
    if (cJSON_HasObjectItem(j, "dtype")) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "dtype");
        cJSON_AddStringToObject(j, "dtype", wmss_dtype_torch_name(stored));
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text) return wmss_fail(e, "out of memory");
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (!withnl) { free(text); return wmss_fail(e, "out of memory"); }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = wmss_write_file_atomic(path, withnl, len + 1, e);
    free(withnl);
    return rc;
}

void wmss_config_free(wmss_config *c) {
    cJSON_Delete(c->json);
    c->json = NULL;
}

int wmss_config_copy(wmss_config *dst, const wmss_config *src, wmss_error *e) {
    *dst = *src;
    dst->json = cJSON_Duplicate(src->json, 1);
    return dst->json ? 0 : wmss_fail(e, "out of memory");
}
