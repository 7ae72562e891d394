// pass@k: see evaluate.h.
#include "evaluate.h"

#include <stdlib.h>

double wmss_pass_at_k(int n, int c, int k) {
    if (n - c < k) return 1.0;
    double q = 1.0;
    for (int i = n - c + 1; i <= n; i++) q *= 1.0 - (double)k / i;
    return 1.0 - q;
}

int wmss_score_samples(int n_items, const int *n_samples, const int *n_correct, wmss_sample_scores *s, wmss_error *e) {
    *s = (wmss_sample_scores){.n_items = n_items};
    if (n_items < 1) return wmss_fail(e, "scores: no items");
    int kmax = n_samples[0];
    for (int i = 0; i < n_items; i++) {
        if (n_samples[i] < 1 || n_correct[i] < 0 || n_correct[i] > n_samples[i])
            return wmss_fail(e, "scores: item %d has %d correct of %d samples", i, n_correct[i], n_samples[i]);
        if (n_samples[i] < kmax) kmax = n_samples[i];
        s->accuracy += (double)n_correct[i] / n_samples[i] / n_items;
    }
    if (!(s->pass_at_k = calloc((size_t)kmax, sizeof *s->pass_at_k))) return wmss_fail(e, "out of memory");
    s->kmax = kmax;
    for (int k = 1; k <= kmax; k++)
        for (int i = 0; i < n_items; i++) s->pass_at_k[k - 1] += wmss_pass_at_k(n_samples[i], n_correct[i], k) / n_items;
    return 0;
}

void wmss_sample_scores_free(wmss_sample_scores *s) {
    free(s->pass_at_k);
    s->pass_at_k = NULL;
}
