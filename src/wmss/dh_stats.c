// The dH distribution and the selection settings' names: see select.h.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"  // wmss_quantile
#include "select.h"

const double WMSS_DH_QUANTILE[WMSS_DH_QUANTILES] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
const char *const WMSS_DH_QUANTILE_NAME[WMSS_DH_QUANTILES] = {"min", "q05", "q25", "q50", "q75", "q95", "max"};

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int wmss_dh_stats_compute(const double *h_weak, const double *h_strong, int n, wmss_dh_stats *s, wmss_error *e) {
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n <= 0) return wmss_fail(e, "dH statistics of no examples");
    double *dh = malloc(n * sizeof *dh), neg = 0, var = 0;
    if (!dh) return wmss_fail(e, "out of memory");
    for (int i = 0; i < n; i++) {
        dh[i] = h_strong[i] - h_weak[i];
        s->mean += dh[i] / n;
        s->mean_abs += fabs(dh[i]) / n;
        s->strong_mean += h_strong[i] / n;
        neg += dh[i] < 0;
    }
    for (int i = 0; i < n; i++) var += (dh[i] - s->mean) * (dh[i] - s->mean) / n;
    s->std = sqrt(var);
    s->share_negative = neg / n;
    qsort(dh, n, sizeof *dh, cmp_double);
    for (int q = 0; q < WMSS_DH_QUANTILES; q++) s->q[q] = wmss_quantile(dh, n, WMSS_DH_QUANTILE[q]);
    free(dh);
    return 0;
}

const char *wmss_select_preset_name(wmss_select_preset p) { return p == WMSS_PRESET_PAPER ? "paper" : "released-code"; }
const char *wmss_select_norm_name(wmss_select_norm n) { return n == WMSS_NORM_PER_TERM ? "per-term" : "none"; }

int wmss_select_preset_parse(const char *s, wmss_select_preset *p) {
    if (!strcmp(s, "paper")) *p = WMSS_PRESET_PAPER;
    else if (!strcmp(s, "released-code")) *p = WMSS_PRESET_RELEASED;
    else return -1;
    return 0;
}

int wmss_select_norm_parse(const char *s, wmss_select_norm *n) {
    if (!strcmp(s, "per-term")) *n = WMSS_NORM_PER_TERM;
    else if (!strcmp(s, "none")) *n = WMSS_NORM_NONE;
    else return -1;
    return 0;
}
