// Shared by the comparison's files (compare_run.c, compare_report.c, compare_svg.c):
// path conventions and the report's extra chart writers.
#ifndef WMSS_COMPARE_INTERNAL_H
#define WMSS_COMPARE_INTERNAL_H

#include "compare.h"

#define CMP_PATH 4400

// OUT/seed-S, OUT/seed-S/shared, OUT/seed-S/arms/DIR
void cmp_seed_dir(char *p, const char *out, int seed);
void cmp_shared_dir(char *p, const char *out, int seed);
void cmp_arm_dir(char *p, const char *out, int seed, const wmss_arm *a);
// The selection directories under seed-S/shared ("select-paper", ...).
const char *cmp_sel_name(wmss_sel_ref s);

// Points with a confidence interval each, one row per label (NAN: no interval), a
// vertical reference line at ref (NAN: none).
int cmp_svg_intervals(const char *path, const char *title, const char *xlabel, const char *const *labels,
                      const double *mid, const double *lo, const double *hi, int n, double ref, wmss_error *e);
// Overlaid histograms of two samples over the same bins.
int cmp_svg_histogram(const char *path, const char *title, const char *xlabel, const double *a, int na,
                      const char *la, const double *b, int nb, const char *lb, int bins, wmss_error *e);

#endif
