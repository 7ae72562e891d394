#include "views.h"

#include "device.h"

float *wmss_alloc_views(const wmss_view *views, int n, size_t *total, const char *what, wmss_error *e) {
    size_t sum = 0;
    for (int i = 0; i < n; i++) sum += (views[i].n + 15) / 16 * 16;
    float *buf = wmss_dev_alloc((sum ? sum : 16) * sizeof(float), what, e);
    if (!buf) return NULL;
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        *views[i].p = buf + off;
        off += (views[i].n + 15) / 16 * 16;
    }
    if (total) *total = sum;
    return buf;
}
