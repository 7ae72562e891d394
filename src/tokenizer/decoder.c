// Decoders: turn the token strings of a sequence of ids back into text, as the Rust
// crate's decode_chain does. ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace and
// Sequence (applied in order, each on the list of strings the previous one produced).
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

static int add_dec(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: expected an object", where);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(ty)) return wmss_fail(e, "%s: missing \"type\"", where);
    const char *type = ty->valuestring;
    if (!strcmp(type, "Sequence")) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "decoders");
        if (!cJSON_IsArray(list)) return wmss_fail(e, "%s: Sequence without a \"decoders\" list", where);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, list) {
            char w[512];
            snprintf(w, sizeof w, "%s.decoders[%d]", where, i++);
            if (add_dec(t, it, w, e)) return -1;
        }
        return 0;
    }
    tok_decoder d;
    memset(&d, 0, sizeof d);
    if (!strcmp(type, "ByteLevel")) d.type = TOK_DEC_BYTELEVEL;
    else if (!strcmp(type, "ByteFallback")) d.type = TOK_DEC_BYTEFALLBACK;
    else if (!strcmp(type, "Fuse")) d.type = TOK_DEC_FUSE;
    else if (!strcmp(type, "Replace")) {
        d.type = TOK_DEC_REPLACE;
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "content");
        if (!cJSON_IsString(c)) return wmss_fail(e, "%s: Replace without a \"content\" string", where);
        d.content_len = strlen(c->valuestring);
        if (!(d.content = tok_arena_strdup(&t->strings, c->valuestring, d.content_len, e))) return -1;
        char w[512];
        snprintf(w, sizeof w, "%s.pattern", where);
        if (tok_pattern_parse(cJSON_GetObjectItemCaseSensitive(j, "pattern"), &d.pattern, w, e)) return -1;
    } else if (!strcmp(type, "Strip")) {
        d.type = TOK_DEC_STRIP;
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "content");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "start");
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(j, "stop");
        if (!cJSON_IsString(c) || !*c->valuestring ||
            tok_utf8_char_len((unsigned char)c->valuestring[0]) != strlen(c->valuestring) || !cJSON_IsNumber(st) ||
            !cJSON_IsNumber(sp) || st->valuedouble < 0 || sp->valuedouble < 0)
            return wmss_fail(e, "%s: Strip needs \"content\" (one character), \"start\" and \"stop\"", where);
        d.content_len = strlen(c->valuestring);
        if (!(d.content = tok_arena_strdup(&t->strings, c->valuestring, d.content_len, e))) return -1;
        d.start = st->valuedouble > 1e6 ? 1000000 : (int)st->valuedouble;
        d.stop = sp->valuedouble > 1e6 ? 1000000 : (int)sp->valuedouble;
    } else if (!strcmp(type, "Metaspace")) {
        d.type = TOK_DEC_METASPACE;
        char r[8];
        if (tok_parse_replacement(j, r, &d.content_len, where, e)) return -1;
        if (!(d.content = tok_arena_strdup(&t->strings, r, d.content_len, e))) return -1;
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "prepend_scheme");
        if (cJSON_IsString(ps)) d.prepend = !strcmp(ps->valuestring, "never") ? TOK_PREPEND_NEVER : TOK_PREPEND_ALWAYS;
        else d.prepend = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "add_prefix_space")) ? TOK_PREPEND_NEVER
                                                                                              : TOK_PREPEND_ALWAYS;
    } else {
        return wmss_fail(e,
                         "%s: unsupported decoder type '%s' (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, "
                         "Metaspace, Sequence)",
                         where, type);
    }
    tok_decoder *v = realloc(t->decs, (t->n_decs + 1) * sizeof *v);
    if (!v) {
        tok_pattern_free(&d.pattern);
        return wmss_fail(e, "out of memory");
    }
    t->decs = v;
    t->decs[t->n_decs++] = d;
    return 0;
}

int tok_decoders_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!j || cJSON_IsNull(j)) return 0;
    t->has_decoder = 1;
    return add_dec(t, j, where, e);
}

// ---------------------------------------------------------------------------------------

typedef struct {
    const char **s;
    size_t *len;
    size_t n, cap;
} str_list;

static int list_push(str_list *l, const char *s, size_t len, wmss_error *e) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        const char **a = realloc(l->s, cap * sizeof *a);
        if (!a) return wmss_fail(e, "out of memory");
        l->s = a;
        size_t *b = realloc(l->len, cap * sizeof *b);
        if (!b) return wmss_fail(e, "out of memory");
        l->len = b;
        l->cap = cap;
    }
    l->s[l->n] = s;
    l->len[l->n] = len;
    l->n++;
    return 0;
}

// Copies buf into the arena and pushes it.
static int push_copy(str_list *l, tok_arena *a, const char *p, size_t n, wmss_error *e) {
    char *q = tok_arena_strdup(a, p, n, e);
    return q ? list_push(l, q, n, e) : -1;
}

static int dec_bytelevel(const str_list *in, str_list *out, tok_arena *a, wmss_error *e) {
    tok_buf bytes = {0}, text = {0};
    int rc = 0;
    for (size_t i = 0; i < in->n && !rc; i++) {
        const unsigned char *u = (const unsigned char *)in->s[i];
        size_t n = in->len[i], start = bytes.len, j = 0;
        int ok = 1;
        while (j < n) {
            uint32_t cp;
            size_t bad, k = tok_utf8_next(u + j, n - j, &cp, &bad);
            int b = k ? tok_bytelevel_byte(cp) : -1;
            if (b < 0) {
                ok = 0;
                break;
            }
            char c = (char)b;
            if (tok_buf_append(&bytes, &c, 1, e)) {
                rc = -1;
                break;
            }
            j += k;
        }
        if (!rc && !ok) {  // a character outside the alphabet: the token's own bytes
            bytes.len = start;
            rc = tok_buf_append(&bytes, in->s[i], n, e);
        }
    }
    if (!rc) rc = tok_buf_append(&text, "", 0, e);
    if (!rc) rc = tok_utf8_lossy_append(&text, bytes.p ? bytes.p : "", bytes.len, e);
    if (!rc) rc = push_copy(out, a, text.p, text.len, e);
    tok_buf_free(&bytes);
    tok_buf_free(&text);
    return rc;
}

static int is_byte_token(const char *s, size_t n, unsigned char *b) {
    if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>') return 0;
    unsigned v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else return 0;
        v = v * 16 + d;
    }
    *b = (unsigned char)v;
    return 1;
}

static int flush_bytes(tok_buf *pend, str_list *out, tok_arena *a, wmss_error *e) {
    if (!pend->len) return 0;
    int rc = 0;
    if (tok_utf8_validate(pend->p, pend->len) == pend->len) {
        rc = push_copy(out, a, pend->p, pend->len, e);
    } else {  // the crate emits one U+FFFD per byte when the bytes are not valid UTF-8
        for (size_t i = 0; i < pend->len && !rc; i++) rc = list_push(out, "\xef\xbf\xbd", 3, e);
    }
    pend->len = 0;
    return rc;
}

static int dec_bytefallback(const str_list *in, str_list *out, tok_arena *a, wmss_error *e) {
    tok_buf pend = {0};
    int rc = 0;
    for (size_t i = 0; i < in->n && !rc; i++) {
        unsigned char b;
        if (is_byte_token(in->s[i], in->len[i], &b)) {
            rc = tok_buf_append(&pend, &b, 1, e);
            continue;
        }
        rc = flush_bytes(&pend, out, a, e);
        if (!rc) rc = list_push(out, in->s[i], in->len[i], e);
    }
    if (!rc) rc = flush_bytes(&pend, out, a, e);
    tok_buf_free(&pend);
    return rc;
}

static int dec_fuse(const str_list *in, str_list *out, tok_arena *a, wmss_error *e) {
    size_t total = 0;
    for (size_t i = 0; i < in->n; i++) total += in->len[i];
    char *q = tok_arena_alloc(a, total + 1, e);
    if (!q) return -1;
    size_t k = 0;
    for (size_t i = 0; i < in->n; i++) {
        memcpy(q + k, in->s[i], in->len[i]);
        k += in->len[i];
    }
    q[k] = 0;
    return list_push(out, q, k, e);
}

static int dec_replace(const tok_decoder *d, tok_matcher *m, tok_ranges *r, const str_list *in, str_list *out,
                       tok_arena *a, wmss_error *e) {
    tok_buf b = {0};
    int rc = 0;
    for (size_t i = 0; i < in->n && !rc; i++) {
        rc = tok_pattern_find(&d->pattern, m, in->s[i], in->len[i], r, e);
        if (rc) break;
        if (!r->n) {
            rc = list_push(out, in->s[i], in->len[i], e);
            continue;
        }
        b.len = 0;
        size_t at = 0;
        for (size_t k = 0; k < r->n && !rc; k++) {
            rc = tok_buf_append(&b, in->s[i] + at, r->r[k].start - at, e) ||
                 tok_buf_append(&b, d->content, d->content_len, e);
            at = r->r[k].end;
        }
        if (!rc) rc = tok_buf_append(&b, in->s[i] + at, in->len[i] - at, e);
        if (!rc) rc = push_copy(out, a, b.p, b.len, e);
    }
    tok_buf_free(&b);
    return rc;
}

static int dec_strip(const tok_decoder *d, const str_list *in, str_list *out, wmss_error *e) {
    for (size_t i = 0; i < in->n; i++) {
        const char *s = in->s[i];
        size_t n = in->len[i], st = 0, en = n;
        for (int k = 0; k < d->start && st + d->content_len <= n && !memcmp(s + st, d->content, d->content_len); k++)
            st += d->content_len;
        for (int k = 0; k < d->stop && en >= st + d->content_len && !memcmp(s + en - d->content_len, d->content,
                                                                            d->content_len);
             k++)
            en -= d->content_len;
        if (list_push(out, s + st, en - st, e)) return -1;
    }
    return 0;
}

static int dec_metaspace(const tok_decoder *d, const str_list *in, str_list *out, tok_arena *a, wmss_error *e) {
    for (size_t i = 0; i < in->n; i++) {
        const char *s = in->s[i];
        size_t n = in->len[i], k = 0;
        char *q = tok_arena_alloc(a, n + 1, e);
        if (!q) return -1;
        for (size_t j = 0; j < n;) {
            if (j + d->content_len <= n && !memcmp(s + j, d->content, d->content_len)) {
                if (!(i == 0 && d->prepend != TOK_PREPEND_NEVER)) q[k++] = ' ';
                j += d->content_len;
            } else {
                q[k++] = s[j++];
            }
        }
        q[k] = 0;
        if (list_push(out, q, k, e)) return -1;
    }
    return 0;
}

int tok_decode_chain(const wmss_tokenizer *t, const char **toks, const size_t *lens, size_t n, tok_buf *out,
                     wmss_error *e) {
    out->len = 0;
    if (tok_buf_append(out, "", 0, e)) return -1;
    if (!t->has_decoder) {
        for (size_t i = 0; i < n; i++)
            if ((i && tok_buf_append(out, " ", 1, e)) || tok_buf_append(out, toks[i], lens[i], e)) return -1;
        return 0;
    }
    tok_arena arena = {0};
    tok_matcher m;
    tok_ranges r = {0};
    str_list l[2] = {{0}, {0}};
    int rc = tok_matcher_init(&m, e);
    if (rc) return -1;
    int cur = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = list_push(&l[0], toks[i], lens[i], e);
    for (size_t k = 0; k < t->n_decs && !rc; k++) {
        str_list *src = &l[cur], *dst = &l[cur ^ 1];
        dst->n = 0;
        const tok_decoder *d = &t->decs[k];
        switch (d->type) {
        case TOK_DEC_BYTELEVEL: rc = dec_bytelevel(src, dst, &arena, e); break;
        case TOK_DEC_BYTEFALLBACK: rc = dec_bytefallback(src, dst, &arena, e); break;
        case TOK_DEC_FUSE: rc = dec_fuse(src, dst, &arena, e); break;
        case TOK_DEC_REPLACE: rc = dec_replace(d, &m, &r, src, dst, &arena, e); break;
        case TOK_DEC_STRIP: rc = dec_strip(d, src, dst, e); break;
        case TOK_DEC_METASPACE: rc = dec_metaspace(d, src, dst, &arena, e); break;
        }
        cur ^= 1;
    }
    for (size_t i = 0; i < l[cur].n && !rc; i++) rc = tok_buf_append(out, l[cur].s[i], l[cur].len[i], e);
    for (int i = 0; i < 2; i++) {
        free(l[i].s);
        free(l[i].len);
    }
    free(r.r);
    tok_matcher_free(&m);
    tok_arena_free(&arena);
    return rc;
}
