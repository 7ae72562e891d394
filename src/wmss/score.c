// Dataset scoring: see score.h.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "microbatch.h"
#include "score.h"

int wmss_score(wmss_model *m, const wmss_dataset *ds, int batch_tokens, int loss_chunk, double *ex_entropy,
               wmss_logit_stats *ls, wmss_error *e) {
    return wmss_score_dist(m, ds, batch_tokens, loss_chunk, ex_entropy, ls, NULL, e);
}

int wmss_score_dist(wmss_model *m, const wmss_dataset *ds, int batch_tokens, int loss_chunk, double *ex_entropy,
                    wmss_logit_stats *ls, const wmss_dist *dist, wmss_error *e) {
    const int rank = wmss_dist_rank(dist), ranks = wmss_dist_size(dist), root = rank == 0;
    double *ent = malloc(ds->n * sizeof *ent), *all = root ? malloc(ds->n * sizeof *all) : NULL;
    wmss_engine en = {0};
    wmss_logit_stats acc = {0};
    wmss_mb_plan plan = {0};
    int rc = 0, mine = 0;
    if (!ent || (root && !all)) rc = wmss_fail(e, "out of memory");
    // Micro-batches of the length order: consecutive examples (longest first) up to
    // batch_tokens tokens (raised to the longest). Rank r scores micro-batches r, r + ranks, ...
    if (!rc && !(rc = wmss_mb_plan_make(&plan, ds, NULL, ds->n, 0, batch_tokens, e))) {
        const int longest = wmss_example_len(ds, plan.order[0]);
        const int cap = batch_tokens > longest ? batch_tokens : longest;
        wmss_branch_spec spec = {m, 1.0f, 0};
        rc = wmss_engine_create(&en, &spec, 1, cap, plan.max_seqs, loss_chunk, e);
    }
    for (int b = rank; b < plan.n_mb && !rc; b += ranks) {
        const int i = plan.start[b], n = wmss_mb_size(&plan, b);
        wmss_loss_stats st = {0};
        rc = wmss_engine_accumulate(&en, ds, plan.order + i, n, 0.0f, &st, NULL, ent + mine, e);
        if (!rc && ls)
            rc = wmss_logit_stats_accumulate(&en.ws, en.br[0].acts.final_norm, m->w.lm_head, m->cfg.final_softcap, en.targets, en.start[n],
                                             &acc, e);
        mine += n;
    }
    rc = wmss_dist_agree(dist, rc != 0, e);
    if (!rc) rc = wmss_dist_gather_f64(dist, ent, mine, all, 0, e);
    if (!rc && ls) {
        int64_t n = acc.n;
        if (!(rc = wmss_dist_allreduce_sum_f64(dist, acc.sum, WMSS_LS_COUNT, e)) &&
            !(rc = wmss_dist_allreduce_sum_i64(dist, &n, 1, e))) {
            for (int k = 0; k < WMSS_LS_COUNT; k++) ls->sum[k] += acc.sum[k];
            ls->n += (long)n;
        }
    }
    // all: rank 0's micro-batches, then rank 1's, ...: back to example order.
    if (!rc && ex_entropy && root)
        for (int r = 0, pos = 0; r < ranks; r++)
            for (int b = r; b < plan.n_mb; b += ranks)
                for (int i = plan.start[b]; i < plan.start[b + 1]; i++) ex_entropy[plan.order[i]] = all[pos++];
    wmss_engine_free(&en);
    wmss_mb_plan_free(&plan);
    free(ent);
    free(all);
    return rc;
}

double wmss_quantile(const double *sorted, int n, double q) {
    if (n <= 0) return NAN;
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    if (lo >= n - 1) return sorted[n - 1];
    return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}
