// tokenizer_config.json: special-token names, clean_up_tokenization_spaces, the chat
// template, and for the Llama / Gemma tokenizer classes add_bos_token / add_eos_token,
// which transformers' LlamaTokenizerFast and GemmaTokenizerFast turn into the
// post-processor (update_post_processor): [bos if add_bos_token] A [eos if add_eos_token].
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "fsutil.h"
#include "tokenizer/internal.h"

const char *tok_json_token_string(const cJSON *j) {
    if (cJSON_IsString(j)) return j->valuestring;
    if (cJSON_IsObject(j)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "content");
        if (cJSON_IsString(c)) return c->valuestring;
    }
    return NULL;
}

static int take_token(wmss_tokenizer *t, const cJSON *root, const char *key, char **name, int32_t *id, wmss_error *e) {
    const char *s = tok_json_token_string(cJSON_GetObjectItemCaseSensitive(root, key));
    if (!s) return 0;
    size_t n = strlen(s);
    if (!(*name = tok_arena_strdup(&t->strings, s, n, e))) return -1;
    *id = tok_strmap_get(&t->token_ids, s, n);
    return 0;
}

static int flag(const cJSON *root, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

int tok_config_load(wmss_tokenizer *t, const char *path, wmss_error *e) {
    if (!wmss_file_exists(path)) return 0;
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    if (wmss_text_check(path, text, len, e)) {
        free(text);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return wmss_fail(e, "%s: not a JSON object", path);
    }
    int rc = -1;
    if (take_token(t, root, "bos_token", &t->bos_token, &t->bos_id, e) ||
        take_token(t, root, "eos_token", &t->eos_token, &t->eos_id, e) ||
        take_token(t, root, "pad_token", &t->pad_token, &t->pad_id, e) ||
        take_token(t, root, "unk_token", &t->unk_token, &t->unk_id, e))
        goto done;
    t->clean_up_spaces = flag(root, "clean_up_tokenization_spaces", 0);

    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(root, "chat_template");
    const char *tmpl = NULL;
    if (cJSON_IsString(ct)) tmpl = ct->valuestring;
    else if (cJSON_IsArray(ct)) {  // [{"name": ..., "template": ...}]: the default one
        const cJSON *it;
        cJSON_ArrayForEach(it, ct) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "template");
            if (cJSON_IsString(nm) && cJSON_IsString(tp) && !strcmp(nm->valuestring, "default")) tmpl = tp->valuestring;
        }
    }
    if (tmpl && !(t->chat_template = tok_arena_strdup(&t->strings, tmpl, strlen(tmpl), e))) goto done;

    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(root, "tokenizer_class");
    if (cJSON_IsString(cls)) {
        char name[128];
        snprintf(name, sizeof name, "%s", cls->valuestring);
        size_t n = strlen(name);
        if (n > 4 && !strcmp(name + n - 4, "Fast")) name[n - 4] = 0;
        if (!strcmp(name, "LlamaTokenizer") || !strcmp(name, "GemmaTokenizer") || !strcmp(name, "CodeLlamaTokenizer")) {
            int add_bos = flag(root, "add_bos_token", 1), add_eos = flag(root, "add_eos_token", 0);
            if (add_bos && t->bos_id < 0) {
                wmss_fail(e, "add_bos_token is true but bos_token is %s",
                          t->bos_token ? "not in the vocabulary" : "not set");
                goto done;
            }
            if (add_eos && t->eos_id < 0) {
                wmss_fail(e, "add_eos_token is true but eos_token is %s",
                          t->eos_token ? "not in the vocabulary" : "not set");
                goto done;
            }
            if (tok_post_set_bos_eos(t, add_bos ? t->bos_id : -1, add_eos ? t->eos_id : -1, e)) goto done;
        }
    }
    rc = 0;
done:
    if (rc) wmss_error_prefix(e, "%s", path);
    cJSON_Delete(root);
    return rc;
}
