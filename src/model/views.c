#include "views.h"

#include <stdlib.h>

float *wmss_alloc_views(const wmss_view *views, int n, size_t *total, const char *what, wmss_error *e) {
    size_t sum = 0;
    for (int i = 0; i < n; i++) sum += (views[i].n + 15) / 16 * 16;
    float *buf = aligned_alloc(64, (sum ? sum : 16) * sizeof(float));
    if (!buf) {
        wmss_fail(e, "out of memory: %s need %zu MB", what, sum * sizeof(float) >> 20);
        return NULL;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        *views[i].p = buf + off;
        off += (views[i].n + 15) / 16 * 16;
    }
    if (total) *total = sum;
    return buf;
}
