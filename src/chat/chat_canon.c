// Canonical form of a Jinja template, for recognizing a template family whatever its
// formatting. The template is lexed the way Jinja lexes it with transformers' settings
// (trim_blocks, lstrip_blocks, the - and + whitespace-control markers) and written back:
//   - comments are dropped; inside tags, whitespace is dropped except one space between
//     two words (`{%- if x  %}` -> `{%if x%}`); whitespace-control markers are dropped;
//   - string literals are decoded and re-quoted with single quotes and \n \t \r \\ \'
//     escapes (so "a\nb", 'a\nb' and 'a<newline>b' are one form);
//   - x['name'] becomes x.name when name is an identifier;
//   - the text between tags, after whitespace control, becomes {{'text'}} (dropped when
//     nothing is left of it, as Jinja would output nothing).
#include <ctype.h>
#include <string.h>

#include "chat_canon.h"

static int is_word(int c) { return isalnum(c) || c == '_'; }

// Appends the canonical single-quoted form of the decoded string s[0..n).
static int add_quoted(chat_buf *out, const char *s, size_t n, wmss_error *e) {
    if (chat_buf_add(out, "'", 1, e)) return -1;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '\\': esc = "\\\\"; break;
        case '\'': esc = "\\'"; break;
        }
        if (esc ? chat_buf_adds(out, esc, e) : chat_buf_add(out, s + i, 1, e)) return -1;
    }
    return chat_buf_add(out, "'", 1, e);
}

// Decodes the string literal starting at s[*i] (a quote) into tmp, advancing *i past it.
// Escapes as Python's unicode-escape has the common ones; others stay as written.
static int read_literal(const char *s, size_t n, size_t *i, chat_buf *tmp, wmss_error *e) {
    char q = s[*i];
    tmp->len = 0;
    if (chat_buf_add(tmp, "", 0, e)) return -1;
    size_t j = *i + 1;
    for (; j < n && s[j] != q; j++) {
        char c = s[j];
        if (c == '\\' && j + 1 < n) {
            char d = s[++j];
            const char *dec = d == 'n' ? "\n" : d == 't' ? "\t" : d == 'r' ? "\r"
                            : d == '\\' ? "\\" : d == '\'' ? "'" : d == '"' ? "\"" : NULL;
            if (dec ? chat_buf_adds(tmp, dec, e) : chat_buf_add(tmp, s + j - 1, 2, e)) return -1;
        } else if (chat_buf_add(tmp, &c, 1, e)) {
            return -1;
        }
    }
    *i = j < n ? j + 1 : n;
    return 0;
}

static int literal_is_identifier(const chat_buf *tmp) {
    if (!tmp->len || !(isalpha((unsigned char)tmp->data[0]) || tmp->data[0] == '_')) return 0;
    for (size_t i = 0; i < tmp->len; i++)
        if (!is_word((unsigned char)tmp->data[i])) return 0;
    return 1;
}

// Canonical tokens of the inside of a tag s[0..n).
static int canon_tag_body(const char *s, size_t n, chat_buf *out, chat_buf *tmp, wmss_error *e) {
    int prev_word = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c)) {
            i++;
        } else if (c == '\'' || c == '"') {
            if (read_literal(s, n, &i, tmp, e) || add_quoted(out, tmp->data, tmp->len, e)) return -1;
            prev_word = 0;
        } else if (is_word(c)) {
            size_t j = i;
            while (j < n && is_word((unsigned char)s[j])) j++;
            if (prev_word && chat_buf_add(out, " ", 1, e)) return -1;
            if (chat_buf_add(out, s + i, j - i, e)) return -1;
            i = j;
            prev_word = 1;
        } else if (c == '[') {
            // x['name'] -> x.name
            size_t j = i + 1;
            while (j < n && isspace((unsigned char)s[j])) j++;
            if (j < n && (s[j] == '\'' || s[j] == '"')) {
                size_t k = j;
                if (read_literal(s, n, &k, tmp, e)) return -1;
                while (k < n && isspace((unsigned char)s[k])) k++;
                if (k < n && s[k] == ']' && literal_is_identifier(tmp)) {
                    if (chat_buf_add(out, ".", 1, e) || chat_buf_add(out, tmp->data, tmp->len, e))
                        return -1;
                    i = k + 1;
                    prev_word = 1;
                    continue;
                }
            }
            if (chat_buf_add(out, "[", 1, e)) return -1;
            i++;
            prev_word = 0;
        } else {
            if (chat_buf_add(out, (const char *)&s[i], 1, e)) return -1;
            i++;
            prev_word = 0;
        }
    }
    return 0;
}

// Finds the end delimiter `close` (2 chars) of a tag whose body starts at i, skipping
// string literals; returns its position or n.
static size_t find_close(const char *s, size_t n, size_t i, const char *close, int strings) {
    while (i + 1 < n) {
        if (strings && (s[i] == '\'' || s[i] == '"')) {
            char q = s[i++];
            while (i < n && s[i] != q) i += (s[i] == '\\') ? 2 : 1;
            i++;
            continue;
        }
        if (s[i] == close[0] && s[i + 1] == close[1]) return i;
        i++;
    }
    return n;
}

typedef struct {
    const char *s;
    size_t begin, end;   // pending text between tags
} pending_data;

static int flush_data(pending_data *d, chat_buf *out, wmss_error *e) {
    if (d->end > d->begin &&
        (chat_buf_add(out, "{{", 2, e) || add_quoted(out, d->s + d->begin, d->end - d->begin, e) ||
         chat_buf_add(out, "}}", 2, e)))
        return -1;
    d->begin = d->end;
    return 0;
}

int chat_canonicalize(const char *tmpl, chat_buf *out, wmss_error *e) {
    const char *s = tmpl;
    size_t n = strlen(s), i = 0;
    chat_buf tmp = {0};
    pending_data d = {s, 0, 0};
    int rc = -1;
    out->len = 0;
    if (chat_buf_add(out, "", 0, e)) goto done;
    while (i < n) {
        if (!(s[i] == '{' && i + 1 < n && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))) {
            i++;
            d.end = i;
            continue;
        }
        char kind = s[i + 1];  // '{' expression, '%' statement, '#' comment
        size_t body = i + 2;
        char lmark = body < n && (s[body] == '-' || s[body] == '+') ? s[body] : 0;
        if (lmark) body++;
        // Whitespace control on the text before the tag.
        if (lmark == '-') {
            while (d.end > d.begin && isspace((unsigned char)s[d.end - 1])) d.end--;
        } else if (kind != '{' && lmark != '+') {  // lstrip_blocks
            size_t k = d.end;
            while (k > d.begin && strchr(" \t\r\f\v", s[k - 1])) k--;
            if (k == 0 || s[k - 1] == '\n') d.end = k;  // only whitespace since a line start
        }
        if (flush_data(&d, out, e)) goto done;
        const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
        size_t c = find_close(s, n, body, close, kind != '#');
        if (c >= n) {
            rc = wmss_fail(e, "unterminated {%c tag at byte %zu", kind, i);
            goto done;
        }
        size_t body_end = c;
        char rmark = body_end > body && (s[body_end - 1] == '-' || s[body_end - 1] == '+')
                         ? s[body_end - 1] : 0;
        if (rmark) body_end--;
        if (kind != '#') {
            if (chat_buf_add(out, s + i, 2, e) || canon_tag_body(s + body, body_end - body, out, &tmp, e) ||
                chat_buf_add(out, close, 2, e))
                goto done;
        }
        i = c + 2;
        // Whitespace control on the text after the tag.
        if (rmark == '-') {
            while (i < n && isspace((unsigned char)s[i])) i++;
        } else if (kind != '{' && rmark != '+') {  // trim_blocks: one newline
            if (i < n && s[i] == '\n') i++;
            else if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n') i += 2;
        }
        d.begin = d.end = i;
    }
    if (flush_data(&d, out, e)) goto done;
    rc = 0;
done:
    chat_buf_free(&tmp);
    return rc;
}

int chat_unquote(const char *s, size_t n, chat_buf *out, wmss_error *e) {
    size_t i = 0;
    out->len = 0;
    if (n == 0 || s[0] != '\'') return chat_buf_add(out, "", 0, e);
    return read_literal(s, n, &i, out, e);
}
