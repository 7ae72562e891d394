// One device allocation carved into named float views (llm.c's pattern), each view
// 64-byte aligned. Used for activations and their gradients.
#ifndef WMSS_VIEWS_H
#define WMSS_VIEWS_H

#include <stddef.h>

#include "error.h"

typedef struct {
    float **p;  // receives the view's address
    size_t n;   // floats
} wmss_view;

// Returns the buffer (wmss_dev_free it) or NULL with e set; *total receives its size in floats.
float *wmss_alloc_views(const wmss_view *views, int n, size_t *total, const char *what, wmss_error *e);

#endif
