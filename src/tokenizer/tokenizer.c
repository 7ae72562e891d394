// Loading a tokenizer (tokenizer.json + tokenizer_config.json), freeing it, and the
// vocabulary lookups of the public API.
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "fsutil.h"
#include "tokenizer/internal.h"

int tok_set_piece(wmss_tokenizer *t, int32_t id, const char *s, size_t len, wmss_error *e) {
    if (id < 0) return wmss_fail(e, "negative token id %d", id);
    if ((size_t)id >= t->id_cap) {
        size_t cap = t->id_cap ? t->id_cap : 1024;
        while (cap <= (size_t)id) cap *= 2;
        const char **p = realloc(t->pieces, cap * sizeof *p);
        if (!p) return wmss_fail(e, "out of memory");
        t->pieces = p;
        uint32_t *l = realloc(t->piece_len, cap * sizeof *l);
        if (!l) return wmss_fail(e, "out of memory");
        t->piece_len = l;
        uint8_t *f = realloc(t->id_flags, cap);
        if (!f) return wmss_fail(e, "out of memory");
        t->id_flags = f;
        for (size_t i = t->id_cap; i < cap; i++) {
            t->pieces[i] = NULL;
            t->piece_len[i] = 0;
            t->id_flags[i] = 0;
        }
        t->id_cap = cap;
    }
    if ((size_t)id >= t->n_ids) t->n_ids = (size_t)id + 1;
    t->pieces[id] = s;
    t->piece_len[id] = (uint32_t)len;
    return tok_strmap_put(&t->token_ids, s, len, id, e);
}

void tok_components_free(wmss_tokenizer *t) {
    for (size_t i = 0; i < t->n_norms; i++) tok_pattern_free(&t->norms[i].pattern);
    for (size_t i = 0; i < t->n_pretoks; i++) tok_pattern_free(&t->pretoks[i].pattern);
    for (size_t i = 0; i < t->n_decs; i++) tok_pattern_free(&t->decs[i].pattern);
    free(t->norms);
    free(t->pretoks);
    free(t->decs);
    tok_post_free(t);
}

void wmss_tokenizer_free(wmss_tokenizer *t) {
    if (!t) return;
    tok_components_free(t);
    tok_strmap_free(&t->bpe.vocab);
    tok_u64map_free(&t->bpe.merges);
    tok_added_free(&t->added);
    tok_strmap_free(&t->token_ids);
    free(t->pieces);
    free(t->piece_len);
    free(t->id_flags);
    tok_arena_free(&t->strings);
    free(t);
}

static int load_json(wmss_tokenizer *t, const char *path, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, e)) return -1;
    if (wmss_text_check(path, text, len, e)) {
        free(text);
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
        free(text);
        return wmss_fail(e, "%s: invalid JSON (near byte %zu)", path, off);
    }
    free(text);
    int rc = -1;
    char w[4200];
    if (!cJSON_IsObject(root)) {
        wmss_fail(e, "%s: not a JSON object", path);
        goto done;
    }
#define FIELD(name) (snprintf(w, sizeof w, "%s: %s", path, name), w)
    // "truncation" and "padding" only shape batches of tensors, not the ids of a text: ignored.
    if (tok_bpe_parse(t, cJSON_GetObjectItemCaseSensitive(root, "model"), FIELD("model"), e)) goto done;
    if (tok_added_parse(t, cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), FIELD("added_tokens"), e))
        goto done;
    if (tok_normalizers_parse(t, cJSON_GetObjectItemCaseSensitive(root, "normalizer"), FIELD("normalizer"), e))
        goto done;
    if (tok_pretokenizers_parse(t, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), FIELD("pre_tokenizer"), e))
        goto done;
    if (tok_post_parse(t, cJSON_GetObjectItemCaseSensitive(root, "post_processor"), FIELD("post_processor"), e))
        goto done;
    if (tok_decoders_parse(t, cJSON_GetObjectItemCaseSensitive(root, "decoder"), FIELD("decoder"), e)) goto done;
#undef FIELD
    if (tok_added_build(t, e)) {
        wmss_error_prefix(e, "%s: added_tokens", path);
        goto done;
    }
    rc = 0;
done:
    cJSON_Delete(root);
    return rc;
}

int wmss_tokenizer_load(const char *path, wmss_tokenizer **out, wmss_error *e) {
    *out = NULL;
    wmss_tokenizer *t = wmss_calloc(1, sizeof *t, e);
    if (!t) return -1;
    t->bos_id = t->eos_id = t->pad_id = t->unk_id = -1;
    t->bpe.unk_id = -1;
    char dir[4096];
    if (wmss_is_dir(path)) {
        if (wmss_path_join(t->path, sizeof t->path, path, "tokenizer.json", e)) goto fail;
        snprintf(dir, sizeof dir, "%s", path);
        if (!wmss_file_exists(t->path)) {
            wmss_fail(e, "%s: no tokenizer.json in this directory", path);
            goto fail;
        }
    } else {
        if (strlen(path) >= sizeof t->path) {
            wmss_fail(e, "%s: path too long", path);
            goto fail;
        }
        snprintf(t->path, sizeof t->path, "%s", path);
        const char *slash = strrchr(path, '/');
        if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        else snprintf(dir, sizeof dir, ".");
        if (!dir[0]) snprintf(dir, sizeof dir, "/");
    }
    if (tok_strmap_init(&t->token_ids, 1024, e)) goto fail;
    if (load_json(t, t->path, e)) goto fail;
    char cfg[4200];
    if (wmss_path_join(cfg, sizeof cfg, dir, "tokenizer_config.json", e)) goto fail;
    if (tok_config_load(t, cfg, e)) goto fail;
    *out = t;
    return 0;
fail:
    wmss_tokenizer_free(t);
    return -1;
}

size_t wmss_tokenizer_vocab_size(const wmss_tokenizer *t) { return t->n_ids; }

int32_t wmss_tokenizer_token_to_id(const wmss_tokenizer *t, const char *token, size_t len) {
    return tok_strmap_get(&t->token_ids, token, len);
}

const char *wmss_tokenizer_id_to_token(const wmss_tokenizer *t, int32_t id, size_t *len) {
    if (id < 0 || (size_t)id >= t->n_ids || !t->pieces[id]) return NULL;
    if (len) *len = t->piece_len[id];
    return t->pieces[id];
}

int wmss_tokenizer_is_special(const wmss_tokenizer *t, int32_t id) {
    return id >= 0 && (size_t)id < t->n_ids && (t->id_flags[id] & TOK_ID_SPECIAL);
}

int32_t wmss_tokenizer_bos_id(const wmss_tokenizer *t) { return t->bos_id; }
int32_t wmss_tokenizer_eos_id(const wmss_tokenizer *t) { return t->eos_id; }
int32_t wmss_tokenizer_pad_id(const wmss_tokenizer *t) { return t->pad_id; }
const char *wmss_tokenizer_chat_template(const wmss_tokenizer *t) { return t->chat_template; }
int wmss_tokenizer_clean_up_spaces(const wmss_tokenizer *t) { return t->clean_up_spaces; }
const char *wmss_tokenizer_path(const wmss_tokenizer *t) { return t->path; }
