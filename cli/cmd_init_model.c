// wmss init-model: write a random-initialized Hugging Face model directory.
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "model.h"

// The built-in tiny configuration: small enough to train on a laptop CPU in seconds.
static const char DEFAULT_CONFIG[] =
    "{\"architectures\": [\"Qwen3ForCausalLM\"], \"model_type\": \"qwen3\", \"hidden_act\": \"silu\","
    " \"hidden_size\": 64, \"intermediate_size\": 192, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
    " \"num_key_value_heads\": 2, \"head_dim\": 16, \"vocab_size\": 512, \"max_position_embeddings\": 4096,"
    " \"rms_norm_eps\": 1e-6, \"rope_theta\": 1000000.0, \"initializer_range\": 0.02,"
    " \"tie_word_embeddings\": true, \"attention_bias\": false, \"use_sliding_window\": false,"
    " \"torch_dtype\": \"float32\", \"bos_token_id\": null, \"eos_token_id\": null}";

static void set_number(cJSON *j, const char *key, double v) {
    cJSON_DeleteItemFromObjectCaseSensitive(j, key);
    cJSON_AddNumberToObject(j, key, v);
}

// Copies the tokenizer files found at PATH (a tokenizer.json or a directory holding it).
static int copy_tokenizer(const char *path, const char *out, wmss_error *e) {
    static const char *const FILES[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "chat_template.jinja"};
    char dir[4096], src[4096], dst[4096];
    if (wmss_is_dir(path)) snprintf(dir, sizeof dir, "%s", path);
    else {
        if (!wmss_file_exists(path)) return wmss_fail(e, "%s: no such tokenizer file", path);
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        else snprintf(dir, sizeof dir, ".");
        if (wmss_path_join(dst, sizeof dst, out, "tokenizer.json", e) || wmss_copy_file(path, dst, e)) return -1;
    }
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++) {
        if (wmss_path_join(src, sizeof src, dir, FILES[i], e) || wmss_path_join(dst, sizeof dst, out, FILES[i], e)) return -1;
        if (!wmss_is_dir(path) && !strcmp(FILES[i], "tokenizer.json")) continue;
        if (wmss_file_exists(src) && wmss_copy_file(src, dst, e)) return -1;
    }
    return 0;
}

// --arch: the class to build (short names for the supported families).
static int set_arch(cJSON *j, const char *name, wmss_error *e) {
    static const char *const SHORT[][2] = {{"qwen3", "Qwen3ForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"},
                                           {"qwen2.5", "Qwen2ForCausalLM"}, {"llama", "LlamaForCausalLM"},
                                           {"gemma3", "Gemma3ForCausalLM"}};
    const char *cls = name;
    for (size_t i = 0; i < sizeof SHORT / sizeof SHORT[0]; i++)
        if (!strcmp(SHORT[i][0], name)) cls = SHORT[i][1];
    const wmss_arch *a = wmss_arch_find(cls);
    if (!a || strcmp(a->hf_class, cls))
        return wmss_fail(e, "--arch: unknown architecture '%s' (qwen3, qwen2, llama, gemma3 or one of %s)", name,
                         wmss_arch_list());
    cJSON_DeleteItemFromObjectCaseSensitive(j, "architectures");
    cJSON *arr = cJSON_AddArrayToObject(j, "architectures");
    cJSON_AddItemToArray(arr, cJSON_CreateString(cls));
    cJSON_DeleteItemFromObjectCaseSensitive(j, "model_type");
    cJSON_AddStringToObject(j, "model_type", a->model_type);
    return 0;
}

// The built-in defaults carry Qwen3-only keys; another architecture's config does not
// want them (unless its file sets them itself, which the merge already applied).
static void drop_foreign_defaults(cJSON *j) {
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(j, "architectures");
    const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    if (!cJSON_IsString(a0) || !strcmp(a0->valuestring, "Qwen3ForCausalLM")) return;
    const wmss_arch *a = wmss_arch_find(a0->valuestring);
    cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "model_type");
    if (a && cJSON_IsString(mt) && !strcmp(mt->valuestring, "qwen3")) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "model_type");
        cJSON_AddStringToObject(j, "model_type", a->model_type);
    }
    cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "hidden_act");
    if (a && strcmp(a->act_key, "hidden_act") && cJSON_IsString(act) && !strcmp(act->valuestring, "silu"))
        cJSON_DeleteItemFromObjectCaseSensitive(j, "hidden_act");
    cJSON *sw = cJSON_GetObjectItemCaseSensitive(j, "use_sliding_window");
    if (a && strcmp(a->hf_class, "Qwen2ForCausalLM") && cJSON_IsFalse(sw))  // only Qwen2 reads it
        cJSON_DeleteItemFromObjectCaseSensitive(j, "use_sliding_window");
}

int cmd_init_model(int argc, char **argv) {
    const char *out = NULL, *config = NULL, *seed_s = "0", *dtype_s = NULL, *tok = NULL, *shard_s = NULL, *arch = NULL;
    const char *sizes[9] = {0};
    int force = 0, done;
    static const char *const SIZE_KEYS[9] = {"hidden_size", "intermediate_size", "num_hidden_layers",
                                             "num_attention_heads", "num_key_value_heads", "head_dim",
                                             "vocab_size", "max_position_embeddings", "tie_word_embeddings"};
    const cli_opt opts[] = {
        {"--out", "DIR", "output model directory (required)", &out, NULL},
        {"--config", "FILE", "a Hugging Face config.json (fields it lacks take the built-in tiny defaults)", &config, NULL},
        {"--arch", "NAME", "qwen3 (default), qwen2, llama or gemma3, or a Hugging Face class name", &arch, NULL},
        {"--seed", "N", "random seed (default 0)", &seed_s, NULL},
        {"--dtype", "T", "stored dtype: float32, bfloat16 or float16 (default: the config's torch_dtype)", &dtype_s, NULL},
        {"--tokenizer", "PATH", "tokenizer.json or a directory with tokenizer files to copy in", &tok, NULL},
        {"--max-shard-size", "SIZE", "shard the weights above this size (e.g. 5GB; default: one file)", &shard_s, NULL},
        {"--hidden-size", "N", "hidden_size", &sizes[0], NULL},
        {"--intermediate-size", "N", "intermediate_size", &sizes[1], NULL},
        {"--layers", "N", "num_hidden_layers", &sizes[2], NULL},
        {"--heads", "N", "num_attention_heads", &sizes[3], NULL},
        {"--kv-heads", "N", "num_key_value_heads", &sizes[4], NULL},
        {"--head-dim", "N", "head_dim", &sizes[5], NULL},
        {"--vocab-size", "N", "vocab_size", &sizes[6], NULL},
        {"--max-position", "N", "max_position_embeddings", &sizes[7], NULL},
        {"--tie", "0|1", "tie_word_embeddings", &sizes[8], NULL},
        {"--force", NULL, "overwrite an existing model in --out", NULL, &force},
    };
    int rc = cli_parse("init-model", "--out DIR [--config FILE] [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!out) {
        fprintf(stderr, "wmss init-model: --out DIR is required\n");
        return 2;
    }
    long seed, v;
    unsigned long long shard = 0;
    if (cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) || (shard_s && cli_size("--max-shard-size", shard_s, &shard)))
        return 2;
    cJSON *j = cJSON_Parse(DEFAULT_CONFIG);
    wmss_error e = {{0}};
    wmss_config cfg;
    wmss_model m;
    if (config) {
        char *text;
        size_t len;
        if (wmss_read_file(config, &text, &len, &e)) goto fail;
        cJSON *user = cJSON_ParseWithLength(text, len);
        free(text);
        if (!cJSON_IsObject(user)) {
            cJSON_Delete(user);
            wmss_fail(&e, "%s: not a valid JSON object", config);
            goto fail;
        }
        for (cJSON *it = user->child; it; it = it->next) {
            cJSON_DeleteItemFromObjectCaseSensitive(j, it->string);
            cJSON_AddItemToObject(j, it->string, cJSON_Duplicate(it, 1));
        }
        cJSON_Delete(user);
    }
    if (arch && set_arch(j, arch, &e)) goto fail;
    drop_foreign_defaults(j);
    for (int i = 0; i < 9; i++) {
        if (!sizes[i]) continue;
        if (cli_int(opts[7 + i].name, sizes[i], i == 8 ? 0 : 1, i == 8 ? 1 : 1L << 30, &v)) { cJSON_Delete(j); return 2; }
        if (i == 8) {
            cJSON_DeleteItemFromObjectCaseSensitive(j, SIZE_KEYS[i]);
            cJSON_AddBoolToObject(j, SIZE_KEYS[i], v);
        } else set_number(j, SIZE_KEYS[i], (double)v);
    }
    if (wmss_config_from_json(j, config ? config : "built-in config", &cfg, &e)) goto fail;
    wmss_dtype dtype = cfg.torch_dtype;
    if (dtype_s) {
        int t = wmss_dtype_from_torch_name(dtype_s);
        if (t < 0) {
            wmss_config_free(&cfg);
            wmss_fail(&e, "--dtype must be float32, bfloat16 or float16, got '%s'", dtype_s);
            goto fail;
        }
        dtype = (wmss_dtype)t;
    }
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/config.json", out);
    if (!force && wmss_file_exists(probe)) {
        wmss_config_free(&cfg);
        wmss_fail(&e, "%s already holds a model (config.json); pass --force to overwrite it", out);
        goto fail;
    }
    rc = wmss_model_create(&cfg, &m, &e);
    wmss_config_free(&cfg);
    if (rc) goto fail;
    wmss_model_init_random(&m, (uint64_t)seed);
    wmss_save_opts so = {.dtype = dtype, .max_shard_bytes = shard, .copy_from = NULL};
    rc = wmss_model_save(&m, out, &so, &e);
    if (!rc && tok) rc = copy_tokenizer(tok, out, &e);
    size_t n_params = 0;
    for (int i = 0; i < m.layout.n_specs; i++) n_params += m.layout.specs[i].numel;
    wmss_model_free(&m);
    if (rc) goto fail;
    cJSON_Delete(j);
    printf("wrote %s: %zu parameters, %s, seed %ld\n", out, n_params, wmss_dtype_torch_name(dtype), seed);
    return 0;
fail:
    cJSON_Delete(j);
    fprintf(stderr, "wmss init-model: %s\n", e.msg);
    return 1;
}
