// WD-DS selection weights and draws: see select.h.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "select.h"

static double pos(double x) { return x > 0 ? x : 0; }

int wmss_select_weights(const double *h_weak, const double *h_strong, int n, const wmss_select_params *sp, double *p,
                        double share[3], wmss_error *e) {
    if (n <= 0) return wmss_fail(e, "select: no examples");
    const double w[3] = {sp->alpha, sp->beta, sp->gamma};
    double *term[3];
    for (int t = 0; t < 3; t++) {
        term[t] = malloc(n * sizeof(double));
        if (!term[t]) {
            for (int u = 0; u < t; u++) free(term[u]);
            return wmss_fail(e, "out of memory");
        }
    }
    double sum[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        const double dh = h_strong[i] - h_weak[i];
        if (sp->preset == WMSS_PRESET_PAPER) {
            term[0][i] = pos(-dh);         // consolidation: the strong model became surer
            term[1][i] = h_strong[i];      // current difficulty
            term[2][i] = pos(dh);          // repair: the strong model regressed
        } else {
            term[0][i] = h_weak[i];
            term[1][i] = pos(-dh);
            term[2][i] = pos(dh);
        }
        for (int t = 0; t < 3; t++) sum[t] += term[t][i];
    }
    double total = 0, mass[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        p[i] = 0;
        for (int t = 0; t < 3; t++) {
            double v = term[t][i];
            if (sp->normalize == WMSS_NORM_PER_TERM) v = sum[t] > 0 ? v / sum[t] : 0;
            mass[t] += w[t] * v;
            p[i] += w[t] * v;
        }
        total += p[i];
    }
    for (int t = 0; t < 3; t++) free(term[t]);
    if (!(total > 0) || !isfinite(total))
        return wmss_fail(e, "select: every example has weight zero (check alpha/beta/gamma and the entropies)");
    for (int i = 0; i < n; i++) p[i] /= total;
    if (share)
        for (int t = 0; t < 3; t++) share[t] = mass[t] / total;
    return 0;
}

// Both draws: `draws` indices from p with replacement; keep_duplicates writes every draw
// in draw order, otherwise the distinct ones in index order; then a seeded shuffle (the
// rng continues after the draws, so the deduplicated result is what it always was).
static void draw_impl(const double *p, int n, int draws, uint64_t seed, int keep_duplicates, int *out, int *n_out,
                      wmss_draw_stats *st) {
    double *cdf = malloc(n * sizeof *cdf);
    int *count = calloc(n, sizeof *count);
    memset(st, 0, sizeof *st);
    *n_out = 0;
    if (!cdf || !count) {
        free(cdf);
        free(count);
        return;
    }
    double acc = 0;
    for (int i = 0; i < n; i++) cdf[i] = (acc += p[i]);
    wmss_rng r;
    wmss_rng_seed(&r, seed);
    for (int d = 0; d < draws; d++) {
        double u = wmss_rng_uniform(&r) * acc;
        int lo = 0, hi = n - 1;  // first index with cdf > u (never a zero-weight one)
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cdf[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        count[lo]++;
        if (keep_duplicates) out[(*n_out)++] = lo;
    }
    int unique = 0;
    // Distinct indices in index order (deduplicated), then a seeded shuffle.
    for (int i = 0; i < n; i++)
        if (count[i]) {
            unique++;
            if (!keep_duplicates) out[(*n_out)++] = i;
            if (count[i] > st->max_multiplicity) st->max_multiplicity = count[i];
        }
    for (int i = *n_out - 1; i > 0; i--) {
        int j = (int)(wmss_rng_next(&r) % (uint64_t)(i + 1));
        int t = out[i]; out[i] = out[j]; out[j] = t;
    }
    st->draws = draws;
    st->unique = unique;
    st->duplicated_draws = draws - unique;
    free(cdf);
    free(count);
}

void wmss_select_draw(const double *p, int n, int draws, uint64_t seed, int *out, int *n_out, wmss_draw_stats *st) {
    draw_impl(p, n, draws, seed, 0, out, n_out, st);
}

int wmss_select_draw_all(const double *p, int n, int draws, uint64_t seed, int *out, wmss_draw_stats *st) {
    int n_out;
    draw_impl(p, n, draws, seed, 1, out, &n_out, st);
    return n_out;
}
