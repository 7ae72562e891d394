// Dataset scoring: see score.h.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "score.h"

static int by_len_desc(const void *a, const void *b, void *ctx) {
    const wmss_dataset *ds = ctx;
    int x = *(const int *)a, y = *(const int *)b, lx = wmss_example_len(ds, x), ly = wmss_example_len(ds, y);
    return lx != ly ? ly - lx : x - y;
}

int wmss_score(wmss_model *m, const wmss_dataset *ds, int batch_tokens, int loss_chunk, double *ex_entropy,
               wmss_logit_stats *ls, wmss_error *e) {
    int *order = malloc(ds->n * sizeof *order);
    double *ent = malloc(ds->n * sizeof *ent);
    if (!order || !ent) {
        free(order);
        free(ent);
        return wmss_fail(e, "out of memory");
    }
    for (int i = 0; i < ds->n; i++) order[i] = i;
    qsort_r(order, ds->n, sizeof *order, by_len_desc, (void *)ds);
    // Micro-batches: consecutive examples (longest first) up to batch_tokens tokens.
    const int longest = wmss_example_len(ds, order[0]);
    const int cap = batch_tokens > longest ? batch_tokens : longest;
    int max_seqs = 0;
    for (int i = 0, tok = 0, seqs = 0; i < ds->n; i++) {
        int len = wmss_example_len(ds, order[i]);
        if (seqs && tok + len > cap) { tok = 0; seqs = 0; }
        tok += len;
        if (++seqs > max_seqs) max_seqs = seqs;
    }
    wmss_engine en;
    wmss_branch_spec spec = {m, 1.0f, 0};
    int rc = wmss_engine_create(&en, &spec, 1, cap, max_seqs, loss_chunk, e);
    for (int i = 0; i < ds->n && !rc;) {
        int j = i, tok = 0;
        while (j < ds->n && (j == i || tok + wmss_example_len(ds, order[j]) <= cap)) tok += wmss_example_len(ds, order[j++]);
        wmss_loss_stats st = {0};
        rc = wmss_engine_accumulate(&en, ds, order + i, j - i, 0.0f, &st, NULL, ent + i, e);
        if (!rc && ls)
            rc = wmss_logit_stats_accumulate(&en.ws, en.br[0].acts.final_norm, m->w.lm_head, en.targets,
                                             en.start[j - i], ls, e);
        i = j;
    }
    if (!rc && ex_entropy)
        for (int i = 0; i < ds->n; i++) ex_entropy[order[i]] = ent[i];
    wmss_engine_free(&en);
    free(order);
    free(ent);
    return rc;
}

double wmss_quantile(const double *sorted, int n, double q) {
    if (n <= 0) return NAN;
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    if (lo >= n - 1) return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}
