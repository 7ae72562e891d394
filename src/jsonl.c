// The strict JSON-lines reader: see jsonl.h.
#include "jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int wmss_utf8_valid(const char *str, size_t n, size_t *bad) {
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned cp;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; }
        else { *bad = i; return 0; }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) { *bad = i; return 0; }
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return 0;
        }
        i += k + 1;
    }
    return 1;
}

cJSON *wmss_jsonl_parse(const char *line, size_t len, const char *where, long long file_offset, wmss_error *e) {
    char at[64] = "";
    const void *nul = memchr(line, '\0', len);
    if (nul) {
        size_t off = (size_t)((const char *)nul - line);
        if (file_offset >= 0) snprintf(at, sizeof at, ", byte %lld of the file", file_offset + (long long)off);
        wmss_fail(e, "%s: a NUL byte at byte %zu of the line%s (not allowed in JSON lines)", where, off + 1, at);
        return NULL;
    }
    size_t bad;
    if (!wmss_utf8_valid(line, len, &bad)) {
        if (file_offset >= 0) snprintf(at, sizeof at, ", byte %lld of the file", file_offset + (long long)bad);
        wmss_fail(e, "%s: invalid UTF-8 at byte %zu of the line%s", where, bad + 1, at);
        return NULL;
    }
    // "\u0000" would become a NUL that ends the decoded string early: refused, not cut.
    for (size_t i = 0; i + 1 < len; i++) {
        if (line[i] != '\\') continue;
        if (line[i + 1] == 'u' && i + 5 < len && !memcmp(line + i + 2, "0000", 4)) {
            wmss_fail(e, "%s: a string holds \\u0000 (NUL) at byte %zu of the line, which is not supported", where, i + 1);
            return NULL;
        }
        i++;  // skip the escaped character (so "\\u0000" is a backslash and text)
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!j) {
        size_t off = end && end >= line && end <= line + len ? (size_t)(end - line) : 0;
        wmss_fail(e, "%s: not valid JSON (at byte %zu of the line)", where, off + 1);
        return NULL;
    }
    size_t rest = (size_t)(end - line);
    while (rest < len && (line[rest] == ' ' || line[rest] == '\t' || line[rest] == '\r' || line[rest] == '\n')) rest++;
    if (rest < len) {
        cJSON_Delete(j);
        wmss_fail(e, "%s: more than one JSON value on the line (content after the first value at byte %zu); one record "
                     "per line", where, rest + 1);
        return NULL;
    }
    return j;
}

int wmss_jsonl_open(wmss_jsonl *r, const char *path, wmss_error *e) {
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    r->f = fopen(path, "rb");
    if (!r->f) return wmss_fail(e, "%s: cannot open: %s", path, strerror(errno));
    return 0;
}

int wmss_jsonl_next_line(wmss_jsonl *r, const char **line, size_t *len, wmss_error *e) {
    size_t n = 0;
    int c = EOF;
    r->offset = r->next_offset;
    for (;;) {
        c = getc_unlocked(r->f);
        if (c == EOF || c == '\n') break;
        if (n >= WMSS_JSONL_MAX_LINE)
            return wmss_fail(e, "%s:%d: the line is longer than %u MiB, the limit of a JSON line", r->path,
                             r->line_no + 1, WMSS_JSONL_MAX_LINE >> 20);
        if (n + 1 >= r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 4096;
            char *b = realloc(r->buf, cap);
            if (!b) return wmss_fail(e, "%s:%d: out of memory reading the line (%zu bytes so far)", r->path, r->line_no + 1, n);
            r->buf = b;
            r->cap = cap;
        }
        r->buf[n++] = (char)c;
    }
    if (c == EOF && ferror(r->f))
        return wmss_fail(e, "%s:%d: read error: %s", r->path, r->line_no + 1, strerror(errno));
    if (c == EOF && n == 0) return 0;
    r->next_offset = r->offset + (long long)n + (c == '\n');
    r->line_no++;
    while (n && r->buf[n - 1] == '\r') n--;
    if (!r->buf) {  // an empty first line
        if (!(r->buf = malloc(1))) return wmss_fail(e, "out of memory");
        r->cap = 1;
    }
    r->buf[n] = '\0';
    *line = r->buf;
    *len = n;
    return 1;
}

void wmss_jsonl_close(wmss_jsonl *r) {
    if (r->f) fclose(r->f);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int wmss_text_check(const char *path, const char *text, size_t len, wmss_error *e) {
    size_t bad_at;
    const int utf8_bad = !wmss_utf8_valid(text, len, &bad_at);
    const char *nul = memchr(text, '\0', len);
    if (!utf8_bad && !nul) return 0;
    const size_t at = utf8_bad ? bad_at : (size_t)(nul - text);
    int line = 1;
    for (size_t i = 0; i < at; i++) line += text[i] == '\n';
    return wmss_fail(e, "%s:%d: %s at byte %zu of the file", path, line, utf8_bad ? "invalid UTF-8" : "a NUL byte", at);
}
