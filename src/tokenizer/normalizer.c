// Normalizers: NFC / NFD / NFKC / NFKD (utf8proc), Replace, Prepend, Lowercase, Sequence.
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenizer/internal.h"

static int add_norm(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: expected an object", where);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(ty)) return wmss_fail(e, "%s: missing \"type\"", where);
    const char *type = ty->valuestring;
    if (!strcmp(type, "Sequence")) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "normalizers");
        if (!cJSON_IsArray(list)) return wmss_fail(e, "%s: Sequence without a \"normalizers\" list", where);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, list) {
            char w[512];
            snprintf(w, sizeof w, "%s.normalizers[%d]", where, i++);
            if (add_norm(t, it, w, e)) return -1;
        }
        return 0;
    }
    tok_normalizer nm;
    memset(&nm, 0, sizeof nm);
    if (!strcmp(type, "NFC")) nm.type = TOK_NORM_NFC;
    else if (!strcmp(type, "NFD")) nm.type = TOK_NORM_NFD;
    else if (!strcmp(type, "NFKC")) nm.type = TOK_NORM_NFKC;
    else if (!strcmp(type, "NFKD")) nm.type = TOK_NORM_NFKD;
    else if (!strcmp(type, "Lowercase")) nm.type = TOK_NORM_LOWERCASE;
    else if (!strcmp(type, "Replace") || !strcmp(type, "Prepend")) {
        int is_replace = !strcmp(type, "Replace");
        nm.type = is_replace ? TOK_NORM_REPLACE : TOK_NORM_PREPEND;
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, is_replace ? "content" : "prepend");
        if (!cJSON_IsString(c))
            return wmss_fail(e, "%s: %s without a \"%s\" string", where, type, is_replace ? "content" : "prepend");
        nm.content_len = strlen(c->valuestring);
        nm.content = tok_arena_strdup(&t->strings, c->valuestring, nm.content_len, e);
        if (!nm.content) return -1;
        if (is_replace) {
            char w[512];
            snprintf(w, sizeof w, "%s.pattern", where);
            if (tok_pattern_parse(cJSON_GetObjectItemCaseSensitive(j, "pattern"), &nm.pattern, w, e)) return -1;
        }
    } else {
        return wmss_fail(e,
                         "%s: unsupported normalizer type '%s' (supported: NFC, NFD, NFKC, NFKD, Replace, Prepend, "
                         "Lowercase, Sequence)",
                         where, type);
    }
    tok_normalizer *v = realloc(t->norms, (t->n_norms + 1) * sizeof *v);
    if (!v) {
        tok_pattern_free(&nm.pattern);
        return wmss_fail(e, "out of memory");
    }
    t->norms = v;
    t->norms[t->n_norms++] = nm;
    return 0;
}

int tok_normalizers_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!j || cJSON_IsNull(j)) return 0;
    return add_norm(t, j, where, e);
}

static int is_ascii(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return 0;
    return 1;
}

// True when every character is below U+0300: such text is already in NFC (no character
// there is NFC_Quick_Check=No or composes with a preceding one), so NFC can be skipped.
static int below_u0300(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0xcc) return 0;
    return 1;
}

static int unicode_form(const tok_normalizer *nm, const char *in, size_t n, tok_buf *out, wmss_error *e) {
    if (is_ascii(in, n)) return tok_buf_append(out, in, n, e);  // ASCII is invariant under all four forms
    if (nm->type == TOK_NORM_NFC && below_u0300(in, n)) return tok_buf_append(out, in, n, e);
    utf8proc_option_t opt = UTF8PROC_STABLE;
    switch (nm->type) {
    case TOK_NORM_NFC: opt |= UTF8PROC_COMPOSE; break;
    case TOK_NORM_NFD: opt |= UTF8PROC_DECOMPOSE; break;
    case TOK_NORM_NFKC: opt |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    default: opt |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)n, &dst, opt);
    if (k < 0) {
        free(dst);
        return wmss_fail(e, "Unicode normalization failed: %s", utf8proc_errmsg(k));
    }
    int rc = tok_buf_append(out, dst, (size_t)k, e);
    free(dst);
    return rc;
}

static int lowercase(const char *in, size_t n, tok_buf *out, wmss_error *e) {
    const unsigned char *u = (const unsigned char *)in;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t bad, k = tok_utf8_next(u + i, n - i, &cp, &bad);
        if (!k) return wmss_fail(e, "invalid UTF-8 at byte %zu", i);
        char buf[8];
        size_t m;
        if (cp == 0x130) {  // the one unconditional multi-character lowercase mapping
            memcpy(buf, "i\xcc\x87", 3);
            m = 3;
        } else {
            m = tok_utf8_encode((uint32_t)utf8proc_tolower((utf8proc_int32_t)cp), buf);
        }
        if (tok_buf_append(out, buf, m, e)) return -1;
        i += k;
    }
    return 0;
}

static int apply_one(const tok_normalizer *nm, tok_matcher *m, tok_ranges *ranges, const char *in, size_t n,
                     tok_buf *out, wmss_error *e) {
    out->len = 0;
    if (tok_buf_reserve(out, n, e)) return -1;
    out->p[0] = 0;
    switch (nm->type) {
    case TOK_NORM_NFC: case TOK_NORM_NFD: case TOK_NORM_NFKC: case TOK_NORM_NFKD:
        return unicode_form(nm, in, n, out, e);
    case TOK_NORM_LOWERCASE:
        return lowercase(in, n, out, e);
    case TOK_NORM_PREPEND:
        if (n && tok_buf_append(out, nm->content, nm->content_len, e)) return -1;
        return tok_buf_append(out, in, n, e);
    case TOK_NORM_REPLACE: {
        if (tok_pattern_find(&nm->pattern, m, in, n, ranges, e)) return -1;
        size_t at = 0;
        for (size_t i = 0; i < ranges->n; i++) {
            if (tok_buf_append(out, in + at, ranges->r[i].start - at, e) ||
                tok_buf_append(out, nm->content, nm->content_len, e))
                return -1;
            at = ranges->r[i].end;
        }
        return tok_buf_append(out, in + at, n - at, e);
    }
    }
    return 0;
}

int tok_normalize(const wmss_tokenizer *t, tok_scratch *s, const char *in, size_t n, const char **out,
                  size_t *out_len, wmss_error *e) {
    const char *cur = in;
    size_t len = n;
    for (size_t i = 0; i < t->n_norms; i++) {
        tok_buf *dst = &s->norm[i & 1];
        if (apply_one(&t->norms[i], &s->matcher, &s->ranges, cur, len, dst, e)) return -1;
        cur = dst->p;
        len = dst->len;
    }
    *out = cur;
    *out_len = len;
    return 0;
}

int tok_normalize_string(const wmss_tokenizer *t, const char *in, size_t n, tok_buf *out, wmss_error *e) {
    tok_scratch s;
    if (tok_scratch_init(&s, e)) return -1;
    const char *p;
    size_t len;
    int rc = tok_normalize(t, &s, in, n, &p, &len, e);
    out->len = 0;
    if (!rc) rc = tok_buf_append(out, p, len, e);
    tok_scratch_free(&s);
    return rc;
}
