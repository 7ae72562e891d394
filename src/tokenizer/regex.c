// Patterns of Split / Replace components: literal strings or regexes. Hugging Face's Rust
// crate runs regexes on Oniguruma; we run them on PCRE2 (UTF + UCP, JIT when available),
// whose backtracking semantics (alternation order, lookahead) are the same. The shorthand
// classes differ between the two engines, so they are rewritten to Oniguruma's Unicode
// definitions before compiling:
//   \s  U+0009..U+000D, U+0085, Zs, Zl (U+2028), Zp (U+2029)  (PCRE2 adds U+180E)
//   \w  Letter | Mark | Number | Connector_Punctuation        (PCRE2 10.42: L, N, '_')
//   \d  Decimal_Number
// (\S and \W inside a bracket class cannot be rewritten without class set operations and
// are left to PCRE2.) Iteration over matches follows the onig crate's find_iter: an empty
// match right where the previous match ended is skipped by one character.
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

#define ONIG_SPACE "\\t-\\r\\x{85}\\p{Zs}\\x{2028}\\x{2029}"
#define ONIG_WORD "\\p{L}\\p{M}\\p{N}\\p{Pc}"

// Rewrites an Oniguruma-syntax regex for PCRE2 (see the top of the file).
static int translate(const char *src, tok_buf *out, wmss_error *e) {
    int in_class = 0;
    size_t n = strlen(src);
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '\\' && i + 1 < n) {
            char d = src[i + 1];
            const char *rep = NULL;
            switch (d) {
            case 's': rep = in_class ? ONIG_SPACE : "[" ONIG_SPACE "]"; break;
            case 'S': rep = in_class ? NULL : "[^" ONIG_SPACE "]"; break;
            case 'w': rep = in_class ? ONIG_WORD : "[" ONIG_WORD "]"; break;
            case 'W': rep = in_class ? NULL : "[^" ONIG_WORD "]"; break;
            case 'd': rep = "\\p{Nd}"; break;
            case 'D': rep = "\\P{Nd}"; break;
            default: break;
            }
            if (rep) {
                if (tok_buf_append(out, rep, strlen(rep), e)) return -1;
            } else {
                size_t k = tok_utf8_char_len((unsigned char)d);
                if (i + 1 + k > n) k = n - i - 1;
                if (tok_buf_append(out, src + i, 1 + k, e)) return -1;
                i += k;
                continue;
            }
            i++;
            continue;
        }
        if (!in_class && c == '[') {
            in_class = 1;
            if (tok_buf_append(out, "[", 1, e)) return -1;
            if (i + 1 < n && src[i + 1] == '^') {
                if (tok_buf_append(out, "^", 1, e)) return -1;
                i++;
            }
            if (i + 1 < n && src[i + 1] == ']') {  // a leading ']' is literal
                if (tok_buf_append(out, "\\]", 2, e)) return -1;
                i++;
            }
            continue;
        }
        if (in_class && c == '[' && i + 1 < n && src[i + 1] == ':') {  // POSIX class [:alpha:]
            const char *end = strstr(src + i + 2, ":]");
            if (end) {
                size_t k = (size_t)(end + 2 - (src + i));
                if (tok_buf_append(out, src + i, k, e)) return -1;
                i += k - 1;
                continue;
            }
        }
        if (in_class && c == ']') in_class = 0;
        if (tok_buf_append(out, &c, 1, e)) return -1;
    }
    return 0;
}

int tok_pattern_compile_regex(tok_pattern *p, const char *regex, const char *where, wmss_error *e) {
    tok_buf b = {0};
    if (tok_buf_append(&b, "", 0, e) || translate(regex, &b, e)) {
        tok_buf_free(&b);
        return -1;
    }
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) {
        tok_buf_free(&b);
        return wmss_fail(e, "%s: out of memory compiling regex", where);
    }
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    int err;
    PCRE2_SIZE off;
    p->re = pcre2_compile((PCRE2_SPTR)b.p, b.len, PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &err, &off, cc);
    pcre2_compile_context_free(cc);
    tok_buf_free(&b);
    if (!p->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return wmss_fail(e, "%s: cannot compile regex '%s': %s (at offset %zu of the rewritten pattern)", where, regex,
                         (char *)msg, (size_t)off);
    }
    p->is_regex = 1;
    p->jit = pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE) == 0;
    return 0;
}

int tok_pattern_parse(const cJSON *j, tok_pattern *p, const char *where, wmss_error *e) {
    memset(p, 0, sizeof *p);
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: expected an object {\"String\": ...} or {\"Regex\": ...}", where);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "String");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "Regex");
    if (cJSON_IsString(s)) {
        size_t n = strlen(s->valuestring);
        p->lit = malloc(n + 1);
        if (!p->lit) return wmss_fail(e, "%s: out of memory", where);
        memcpy(p->lit, s->valuestring, n + 1);
        p->lit_len = n;
        return 0;
    }
    if (cJSON_IsString(r)) return tok_pattern_compile_regex(p, r->valuestring, where, e);
    return wmss_fail(e, "%s: expected an object {\"String\": ...} or {\"Regex\": ...}", where);
}

void tok_pattern_free(tok_pattern *p) {
    free(p->lit);
    if (p->re) pcre2_code_free(p->re);
    memset(p, 0, sizeof *p);
}

int tok_ranges_push(tok_ranges *r, size_t start, size_t end, wmss_error *e) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        tok_range *v = realloc(r->r, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory allocating %zu ranges", cap);
        r->r = v;
        r->cap = cap;
    }
    r->r[r->n].start = start;
    r->r[r->n].end = end;
    r->n++;
    return 0;
}

int tok_matcher_init(tok_matcher *m, wmss_error *e) {
    memset(m, 0, sizeof *m);
    m->md = pcre2_match_data_create(8, NULL);
    m->mctx = pcre2_match_context_create(NULL);
    if (!m->md || !m->mctx) {
        tok_matcher_free(m);
        return wmss_fail(e, "out of memory creating regex match state");
    }
    return 0;
}

void tok_matcher_free(tok_matcher *m) {
    if (m->md) pcre2_match_data_free(m->md);
    if (m->mctx) pcre2_match_context_free(m->mctx);
    if (m->jit_stack) pcre2_jit_stack_free(m->jit_stack);
    memset(m, 0, sizeof *m);
}

// JIT matching starts on PCRE2's small default stack; a subject that needs more (long
// backtracking runs) gets a large one, created on first need and kept.
static int match(const tok_pattern *p, tok_matcher *m, const char *s, size_t n, size_t pos) {
    int rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, pos, PCRE2_NO_UTF_CHECK, m->md, m->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !m->jit_stack) {
        m->jit_stack = pcre2_jit_stack_create(256 * 1024, 256 * 1024 * 1024, NULL);
        if (!m->jit_stack) return rc;
        pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
        rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, pos, PCRE2_NO_UTF_CHECK, m->md, m->mctx);
    }
    return rc;
}

int tok_pattern_find(const tok_pattern *p, tok_matcher *m, const char *s, size_t n, tok_ranges *out,
                     wmss_error *e) {
    out->n = 0;
    if (!p->is_regex) {
        if (!p->lit_len) return 0;
        size_t i = 0;
        while (i + p->lit_len <= n) {
            const char *hit = memmem(s + i, n - i, p->lit, p->lit_len);
            if (!hit) break;
            size_t st = (size_t)(hit - s);
            if (tok_ranges_push(out, st, st + p->lit_len, e)) return -1;
            i = st + p->lit_len;
        }
        return 0;
    }
    // PCRE2's default match limit (10 million) is reached by linear backtracking over long
    // runs, e.g. \s*[\r\n]+ against 10 MB of spaces; let it grow with the subject instead.
    size_t limit = 10000000 + 16 * n;
    pcre2_set_match_limit(m->mctx, limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit);
    size_t pos = 0;
    int have_last = 0;
    size_t last_end = 0;
    while (pos <= n) {
        int rc = match(p, m, s, n, pos);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return wmss_fail(e, "regex match failed: %s", (char *)msg);
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
        size_t st = ov[0], en = ov[1];
        if (st == en && have_last && last_end == en) {  // empty match right after the last one
            if (pos >= n) break;
            pos += tok_utf8_char_len((unsigned char)s[pos]);
            if (pos > n) pos = n;
            continue;
        }
        if (tok_ranges_push(out, st, en, e)) return -1;
        have_last = 1;
        last_end = en;
        pos = en;
    }
    return 0;
}
