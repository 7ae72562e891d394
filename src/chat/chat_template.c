// Chat template loading: finds a tokenizer's tokenizer_config.json (and a
// chat_template.jinja beside it, which transformers prefers), reads the template and
// the special tokens it uses, and resolves the family (detected, or named by the user).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_canon.h"
#include "fsutil.h"

#define QWEN25_DEFAULT_SYSTEM "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

static char *dup_str(const char *s, wmss_error *e) {
    if (!s) return NULL;
    size_t n = strlen(s);
    char *p = wmss_malloc(n + 1, e);
    if (p) memcpy(p, s, n + 1);
    return p;
}

int wmss_chat_template_init(wmss_chat_template *t, const char *template_text,
                            const char *bos_token, const char *eos_token,
                            const char *name, const char *where, wmss_error *e) {
    memset(t, 0, sizeof *t);
    snprintf(t->source, sizeof t->source, "%s", where ? where : "chat template");
    if ((bos_token && !(t->bos_token = dup_str(bos_token, e))) ||
        (eos_token && !(t->eos_token = dup_str(eos_token, e))))
        goto fail;
    if (name && strcmp(name, "auto") != 0) {
        if (wmss_chat_family_parse(name, &t->family, e)) goto fail;
        if (t->family != WMSS_CHAT_NONE && template_text && chat_template_params(template_text, t, e))
            goto fail;
    } else if (!template_text) {
        wmss_fail(e, "%s: has no chat template; pass --chat-template NAME (qwen3, qwen2.5, llama3, "
                     "llama3.1, llama3.2, gemma3), or --chat-template none for a base model",
                  t->source);
        goto fail;
    } else if (wmss_chat_detect(template_text, t->source, t, e)) {
        goto fail;
    }
    if (t->family == WMSS_CHAT_QWEN2_5 && !t->default_system &&
        !(t->default_system = dup_str(QWEN25_DEFAULT_SYSTEM, e)))
        goto fail;
    return 0;
fail:
    wmss_chat_template_free(t);
    return -1;
}

void wmss_chat_template_free(wmss_chat_template *t) {
    if (!t) return;
    free(t->bos_token);
    free(t->eos_token);
    free(t->default_system);
    t->bos_token = t->eos_token = t->default_system = NULL;
}

// A special token in tokenizer_config.json: a string, an AddedToken object
// ({"content": ...}) or absent / null (*out = NULL).
static int config_token(const cJSON *cfg, const char *key, const char *where, const char **out,
                        wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (cJSON_IsObject(v)) v = cJSON_GetObjectItemCaseSensitive(v, "content");
    if (!cJSON_IsString(v))
        return wmss_fail(e, "%s: %s: expected a string or an object with a \"content\" string",
                         where, key);
    *out = v->valuestring;
    return 0;
}

// The "chat_template" field: a string, or a list of {"name", "template"} of which the
// one named "default" is used; *out = NULL when there is none.
static int config_template(const cJSON *cfg, const char *where, const char **out, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "chat_template");
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (cJSON_IsString(v)) {
        *out = v->valuestring;
        return 0;
    }
    if (!cJSON_IsArray(v))
        return wmss_fail(e, "%s: chat_template: expected a string or a list of {name, template}", where);
    for (const cJSON *it = v->child; it; it = it->next) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(it, "template");
        if (cJSON_IsString(nm) && cJSON_IsString(tp) && !strcmp(nm->valuestring, "default")) {
            *out = tp->valuestring;
            return 0;
        }
    }
    return wmss_fail(e, "%s: chat_template: the list has no template named \"default\"", where);
}

// tokenizer_config.json for a model directory, a tokenizer_config.json or a file beside
// it (tokenizer.json); dir receives the directory it is in.
static int config_path(const char *path, char *cfg, size_t cap, char *dir, size_t dcap,
                       wmss_error *e) {
    if (wmss_is_dir(path)) {
        if (snprintf(dir, dcap, "%s", path) >= (int)dcap) return wmss_fail(e, "%s: path too long", path);
        return wmss_path_join(cfg, cap, dir, "tokenizer_config.json", e);
    }
    if (!wmss_file_exists(path)) return wmss_fail(e, "%s: no such file or directory", path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int k = !slash ? snprintf(dir, dcap, ".")
          : slash == path ? snprintf(dir, dcap, "/")
          : snprintf(dir, dcap, "%.*s", (int)(slash - path), path);
    if (k < 0 || k >= (int)dcap) return wmss_fail(e, "%s: path too long", path);
    if (!strcmp(base, "tokenizer_config.json")) {
        if (snprintf(cfg, cap, "%s", path) >= (int)cap) return wmss_fail(e, "%s: path too long", path);
        return 0;
    }
    return wmss_path_join(cfg, cap, dir, "tokenizer_config.json", e);
}

int wmss_chat_template_load(wmss_chat_template *t, const char *path, const char *name,
                            wmss_error *e) {
    memset(t, 0, sizeof *t);
    char cfg_path[4096], dir[4096], jinja_path[4200];
    if (config_path(path, cfg_path, sizeof cfg_path, dir, sizeof dir, e)) return -1;
    int forced_none = name && !strcmp(name, "none");
    if (!wmss_file_exists(cfg_path)) {
        if (forced_none) return wmss_chat_template_init(t, NULL, NULL, NULL, "none", path, e);
        return wmss_fail(e, "%s: not found (needed for the chat template of %s)", cfg_path, path);
    }
    char *text = NULL, *jinja = NULL;
    size_t len;
    cJSON *cfg = NULL;
    int rc = -1;
    if (wmss_read_file(cfg_path, &text, &len, e)) goto done;
    const char *end = NULL;
    cfg = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!cfg) {
        wmss_fail(e, "%s: invalid JSON near byte %zu", cfg_path, end ? (size_t)(end - text) : 0);
        goto done;
    }
    if (!cJSON_IsObject(cfg)) {
        wmss_fail(e, "%s: expected a JSON object", cfg_path);
        goto done;
    }
    const char *bos, *eos, *tmpl;
    if (config_token(cfg, "bos_token", cfg_path, &bos, e) ||
        config_token(cfg, "eos_token", cfg_path, &eos, e) ||
        config_template(cfg, cfg_path, &tmpl, e))
        goto done;
    const char *where = cfg_path;
    if (wmss_path_join(jinja_path, sizeof jinja_path, dir, "chat_template.jinja", e)) goto done;
    if (wmss_file_exists(jinja_path)) {
        if (wmss_read_file(jinja_path, &jinja, &len, e)) goto done;
        tmpl = jinja;
        where = jinja_path;
    }
    rc = wmss_chat_template_init(t, tmpl, bos, eos, name, where, e);
done:
    cJSON_Delete(cfg);
    free(text);
    free(jinja);
    return rc;
}
