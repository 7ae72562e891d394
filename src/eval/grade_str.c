// Growable strings and ASCII character classes for the grader (locale-independent:
// bytes >= 0x80 are never letters, digits or spaces).
#include <stdlib.h>
#include <string.h>

#include "grade_internal.h"

void gs_init(gstr *s) { memset(s, 0, sizeof *s); }

void gs_free(gstr *s) {
    free(s->p);
    gs_init(s);
}

void gs_clear(gstr *s) {
    s->n = 0;
    if (s->p) s->p[0] = '\0';
}

static int gs_reserve(gstr *s, size_t extra) {
    if (s->oom) return -1;
    if (s->n + extra + 1 <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < s->n + extra + 1) {
        if (cap > ((size_t)-1) / 2) { s->oom = 1; return -1; }
        cap *= 2;
    }
    char *p = realloc(s->p, cap);
    if (!p) { s->oom = 1; return -1; }
    s->p = p;
    s->cap = cap;
    return 0;
}

void gs_put(gstr *s, const char *p, size_t n) {
    if (gs_reserve(s, n)) return;
    if (n) memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
}

void gs_putc(gstr *s, char c) { gs_put(s, &c, 1); }

void gs_puts(gstr *s, const char *p) { gs_put(s, p, strlen(p)); }

void gs_move(gstr *dst, gstr *src) {
    int oom = dst->oom || src->oom;
    free(dst->p);
    *dst = *src;
    dst->oom = oom;
    gs_init(src);
}

int g_isdigit(int c) { return c >= '0' && c <= '9'; }
int g_isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int g_isspace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
int g_isalnum(int c) { return g_isdigit(c) || g_isalpha(c); }
int g_tolower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

int g_prefix_ci(const char *s, size_t n, const char *word) {
    size_t k = 0;
    for (; word[k]; k++)
        if (k >= n || g_tolower((unsigned char)s[k]) != g_tolower((unsigned char)word[k])) return 0;
    return 1;
}

size_t g_control_len(const char *s, size_t n) {
    if (n == 0 || s[0] != '\\') return 0;
    if (n == 1) return 1;
    if (!g_isalpha((unsigned char)s[1])) return 2;
    size_t k = 1;
    while (k < n && g_isalpha((unsigned char)s[k])) k++;
    return k;
}

void g_copy_cut(char *out, size_t cap, const char *s, size_t n) {
    if (cap == 0) return;
    if (n < cap) {
        memcpy(out, s, n);
        out[n] = '\0';
        return;
    }
    size_t keep = cap > 4 ? cap - 4 : 0;
    // Do not cut inside a UTF-8 sequence.
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80) keep--;
    memcpy(out, s, keep);
    memcpy(out + keep, "...", cap > 4 ? 3 : 0);
    out[keep + (cap > 4 ? 3 : 0)] = '\0';
}
