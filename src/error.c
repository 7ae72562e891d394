#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wmss_fail(wmss_error *e, const char *fmt, ...) {
    if (!e) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int wmss_error_prefix(wmss_error *e, const char *fmt, ...) {
    if (!e) return -1;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    // Shift the old message right (truncating its tail if needed) and put the prefix in front.
    size_t cap = sizeof e->msg - 1, pl = strlen(prefix) + 2;
    if (pl > cap) pl = cap;
    size_t ol = strnlen(e->msg, cap);
    if (ol > cap - pl) ol = cap - pl;
    memmove(e->msg + pl, e->msg, ol);
    memcpy(e->msg, prefix, pl - 2 < sizeof prefix ? pl - 2 : 0);
    if (pl >= 2) { e->msg[pl - 2] = ':'; e->msg[pl - 1] = ' '; }
    e->msg[pl + ol] = '\0';
    return -1;
}

void *wmss_malloc(size_t bytes, wmss_error *e) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) wmss_fail(e, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *wmss_calloc(size_t n, size_t size, wmss_error *e) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) wmss_fail(e, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}
