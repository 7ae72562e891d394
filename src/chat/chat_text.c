// String helpers for the chat renderers: a growable buffer and the Python str methods
// that chat templates call (strip, lstrip, rstrip, split, startswith, in), with Python's
// notion of whitespace, plus json.dumps(ensure_ascii=False) for strings.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_internal.h"

int chat_buf_add(chat_buf *b, const char *s, size_t n, wmss_error *e) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) return wmss_fail(e, "chat render: output too large");
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (!p) return wmss_fail(e, "out of memory rendering a chat (%zu bytes)", cap);
        b->data = p;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

int chat_buf_adds(chat_buf *b, const char *s, wmss_error *e) {
    return chat_buf_add(b, s, strlen(s), e);
}

int chat_buf_add_str(chat_buf *b, chat_str s, wmss_error *e) {
    return chat_buf_add(b, s.p, s.n, e);
}

void chat_buf_free(chat_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

chat_str chat_str_of(const char *s) {
    return (chat_str){s ? s : "", s ? strlen(s) : 0};
}

// Python's str.isspace() for one code point.
static int py_isspace(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

// Decodes the code point starting at p (at most n bytes); returns its length in bytes,
// or 0 for an invalid sequence (which is then never whitespace).
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
    if (n == 0) return 0;
    unsigned c = p[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if ((c & 0xE0) == 0xC0) { len = 2; v = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; v = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; v = c & 0x07; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

chat_str chat_py_strip(chat_str s) {
    const unsigned char *p = (const unsigned char *)s.p;
    size_t b = 0, e = s.n;
    while (b < e) {
        uint32_t cp;
        size_t k = utf8_decode(p + b, e - b, &cp);
        if (!k || !py_isspace(cp)) break;
        b += k;
    }
    while (e > b) {
        size_t start = e - 1;  // back up to the lead byte (at most 3 continuation bytes)
        while (start > b && e - start < 4 && (p[start] & 0xC0) == 0x80) start--;
        uint32_t cp;
        size_t k = utf8_decode(p + start, e - start, &cp);
        if (k != e - start || !py_isspace(cp)) break;
        e = start;
    }
    return (chat_str){s.p + b, e - b};
}

chat_str chat_lstrip_char(chat_str s, char c) {
    while (s.n && s.p[0] == c) { s.p++; s.n--; }
    return s;
}

chat_str chat_rstrip_char(chat_str s, char c) {
    while (s.n && s.p[s.n - 1] == c) s.n--;
    return s;
}

chat_str chat_strip_char(chat_str s, char c) {
    return chat_rstrip_char(chat_lstrip_char(s, c), c);
}

const char *chat_find(chat_str s, const char *needle) {
    size_t k = strlen(needle);
    if (k > s.n) return NULL;
    for (size_t i = 0; i + k <= s.n; i++)
        if (!memcmp(s.p + i, needle, k)) return s.p + i;
    return NULL;
}

const char *chat_find_last(chat_str s, const char *needle) {
    size_t k = strlen(needle);
    if (k > s.n) return NULL;
    for (size_t i = s.n - k + 1; i-- > 0;)
        if (!memcmp(s.p + i, needle, k)) return s.p + i;
    return NULL;
}

int chat_starts_with(chat_str s, const char *prefix) {
    size_t k = strlen(prefix);
    return k <= s.n && !memcmp(s.p, prefix, k);
}

int chat_ends_with(chat_str s, const char *suffix) {
    size_t k = strlen(suffix);
    return k <= s.n && !memcmp(s.p + s.n - k, suffix, k);
}

int chat_buf_add_json_string(chat_buf *b, chat_str s, wmss_error *e) {
    if (chat_buf_add(b, "\"", 1, e)) return -1;
    size_t run = 0;  // start of the pending run of bytes that need no escape
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        const char *esc = NULL;
        char u[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", c);
                esc = u;
            }
        }
        if (!esc) continue;
        if (chat_buf_add(b, s.p + run, i - run, e) || chat_buf_adds(b, esc, e)) return -1;
        run = i + 1;
    }
    if (chat_buf_add(b, s.p + run, s.n - run, e)) return -1;
    return chat_buf_add(b, "\"", 1, e);
}

int chat_span_add(chat_render_state *st, size_t message, size_t begin, size_t end,
                  wmss_error *e) {
    if (st->n_spans == st->cap_spans) {
        size_t cap = st->cap_spans ? 2 * st->cap_spans : 8;
        wmss_chat_span *p = realloc(st->spans, cap * sizeof *p);
        if (!p) return wmss_fail(e, "out of memory rendering a chat");
        st->spans = p;
        st->cap_spans = cap;
    }
    st->spans[st->n_spans++] = (wmss_chat_span){message, begin, end};
    return 0;
}
