// Errors: every fallible function takes a wmss_error* and returns 0 on success or -1 on
// failure, with a message that names the file / field / line at fault. There is no
// global error state; the caller decides whether to print, prefix or recover.
#ifndef WMSS_ERROR_H
#define WMSS_ERROR_H

#include <stddef.h>

typedef struct {
    char msg[1024];
} wmss_error;

// Formats the message into e (if e is not NULL) and returns -1, so that
// `return wmss_fail(e, "%s: bad thing", path);` reads naturally.
int wmss_fail(wmss_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Puts "prefix: " in front of an existing message (adds context on the way up).
// Returns -1.
int wmss_error_prefix(wmss_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Allocation that reports failure through e (size in bytes; 0 is allowed).
void *wmss_malloc(size_t bytes, wmss_error *e);
void *wmss_calloc(size_t n, size_t size, wmss_error *e);

#endif
