// Minimal assertion helpers for the C tests: each CHECK prints what failed and where;
// a test binary exits non-zero if any check failed.
#ifndef WMSS_CHECK_H
#define WMSS_CHECK_H

#include <stdio.h>
#include <string.h>

typedef struct {
    int failed;
    int passed;
} check_state;

#define CHECK(st, cond, ...)                                                   \
    do {                                                                       \
        if (cond) { (st)->passed++; }                                          \
        else {                                                                 \
            (st)->failed++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)

static inline int check_finish(const check_state *st, const char *name) {
    printf("%s: %d checks passed, %d failed\n", name, st->passed, st->failed);
    return st->failed ? 1 : 0;
}

#endif
