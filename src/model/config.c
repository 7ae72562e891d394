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

// Options whose presence would change the math in ways not implemented here.
static int refuse_unimplemented(const cJSON *root, const char *path, wmss_error *e) {
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, "rope_scaling");
    if (rs && !cJSON_IsNull(rs))
        return wmss_fail(e, "%s: \"rope_scaling\" is set; RoPE scaling is not implemented for this architecture", path);
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(root, "rope_parameters");
    if (rp && !cJSON_IsNull(rp)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(rp, "rope_type");
        if (!cJSON_IsObject(rp) || (type && !(cJSON_IsString(type) && !strcmp(type->valuestring, "default"))))
            return wmss_fail(e, "%s: \"rope_parameters\" asks for a RoPE type other than \"default\" (not implemented)", path);
    }
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(root, "use_sliding_window");
    if (cJSON_IsTrue(sw))
        return wmss_fail(e, "%s: \"use_sliding_window\" is true; sliding-window attention is not implemented for this architecture", path);
    const cJSON *lt = cJSON_GetObjectItemCaseSensitive(root, "layer_types");
    if (cJSON_IsArray(lt))
        for (const cJSON *it = lt->child; it; it = it->next)
            if (!cJSON_IsString(it) || strcmp(it->valuestring, "full_attention"))
                return wmss_fail(e, "%s: \"layer_types\" contains \"%s\"; only full_attention is implemented", path,
                                 cJSON_IsString(it) ? it->valuestring : "?");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(root, "quantization_config");
    if (q && !cJSON_IsNull(q)) return wmss_fail(e, "%s: quantized checkpoints (\"quantization_config\") are not supported", path);
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
    if (!cJSON_HasObjectItem(j, "model_type")) cJSON_AddStringToObject(j, "model_type", c->arch->model_type);
    if (!cJSON_HasObjectItem(j, "tie_word_embeddings")) cJSON_AddBoolToObject(j, "tie_word_embeddings", c->tie_word_embeddings);
}

int wmss_config_from_json(const cJSON *root, const char *path, wmss_config *c, wmss_error *e) {
    memset(c, 0, sizeof *c);
    if (!cJSON_IsObject(root)) return wmss_fail(e, "%s: not a JSON object", path);
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    if (!cJSON_IsString(a0)) return wmss_fail(e, "%s: missing \"architectures\" (e.g. [\"Qwen3ForCausalLM\"])", path);
    c->arch = wmss_arch_find(a0->valuestring);
    if (!c->arch) return wmss_fail(e, "%s: architecture \"%s\" is not supported (supported: Qwen3ForCausalLM)", path, a0->valuestring);
    if (refuse_unimplemented(root, path, e)) return -1;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
    if (act && !(cJSON_IsString(act) && !strcmp(act->valuestring, c->arch->hidden_act)))
        return wmss_fail(e, "%s: \"hidden_act\" must be \"%s\" for %s", path, c->arch->hidden_act, c->arch->hf_class);
    // Defaults are those of transformers' Qwen3Config.
    if (get_int(root, "hidden_size", 4096, 1, 65536, &c->hidden_size, path, e) ||
        get_int(root, "intermediate_size", 22016, 1, 1 << 20, &c->intermediate_size, path, e) ||
        get_int(root, "num_hidden_layers", 32, 1, 1024, &c->num_layers, path, e) ||
        get_int(root, "num_attention_heads", 32, 1, 1024, &c->num_heads, path, e) ||
        // Qwen3Config: absent -> 32 (the argument default); explicit null -> num_attention_heads.
        get_int(root, "num_key_value_heads", cJSON_HasObjectItem(root, "num_key_value_heads") ? c->num_heads : 32, 1,
                1024, &c->num_kv_heads, path, e) ||
        get_int(root, "head_dim", 128, 2, 1024, &c->head_dim, path, e) ||
        get_int(root, "vocab_size", 151936, 1, 1 << 23, &c->vocab_size, path, e) ||
        get_int(root, "max_position_embeddings", 32768, 1, 1 << 24, &c->max_position_embeddings, path, e) ||
        get_float(root, "rms_norm_eps", 1e-6, &c->rms_norm_eps, path, e) ||
        get_float(root, "initializer_range", 0.02, &c->initializer_range, path, e) ||
        get_bool(root, "tie_word_embeddings", 0, &c->tie_word_embeddings, path, e) ||
        get_bool(root, "attention_bias", 0, &c->attention_bias, path, e))
        return -1;
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(root, "rope_parameters");
    if (get_float(cJSON_HasObjectItem(root, "rope_theta") || !cJSON_IsObject(rp) ? root : rp, "rope_theta", 10000.0,
                  &c->rope_theta, path, e))
        return -1;
    if (c->head_dim % 2) return wmss_fail(e, "%s: \"head_dim\" = %d must be even for RoPE", path, c->head_dim);
    if (c->num_heads % c->num_kv_heads)
        return wmss_fail(e, "%s: num_attention_heads (%d) is not a multiple of num_key_value_heads (%d)", path,
                         c->num_heads, c->num_kv_heads);
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
    if (!n) c->bos_token_id = -1;
    if (get_token_ids(root, "pad_token_id", &c->pad_token_id, 1, &n, path, e)) return -1;
    if (!n) c->pad_token_id = -1;
    if (get_token_ids(root, "eos_token_id", c->eos_token_ids, WMSS_MAX_EOS, &c->n_eos, path, e)) return -1;
    c->json = cJSON_Duplicate(root, 1);
    if (!c->json) return wmss_fail(e, "out of memory");
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
