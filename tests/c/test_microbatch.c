// The micro-batch planner (src/data/microbatch.c) against the two loops it replaces:
// training (each step's examples longest first, cut every M sequences, trainer.c) and
// scoring (the whole set longest first, packed greedily up to a token budget raised to
// the longest example, score.c); plus its invariants on random lengths.
#include <stdlib.h>

#include "check.h"
#include "microbatch.h"
#include "rng.h"

static int by_len(const void *a, const void *b, void *ctx) {
    const wmss_dataset *ds = ctx;
    int x = *(const int *)a, y = *(const int *)b, lx = wmss_example_len(ds, x), ly = wmss_example_len(ds, y);
    return lx != ly ? ly - lx : x - y;
}

int main(void) {
    check_state st = {0};
    wmss_rng r;
    wmss_rng_seed(&r, 7);
    for (int trial = 0; trial < 200; trial++) {
        const int n = 1 + (int)(wmss_rng_next(&r) % 60);
        int64_t off[61];
        wmss_dataset ds = {.n = n, .offset = off};
        off[0] = 0;
        for (int i = 0; i < n; i++) off[i + 1] = off[i] + 1 + (int64_t)(wmss_rng_next(&r) % (trial % 3 ? 40 : 3));
        int idx[60], ref[60];
        for (int i = 0; i < n; i++) idx[i] = (i * 7 + trial) % n;  // a shuffled step (with repeats when 7 divides n)
        const int m = 1 + (int)(wmss_rng_next(&r) % (n + 2));
        wmss_error e;
        wmss_mb_plan p;
        // Training: chunks of m sequences of the sorted step.
        CHECK(&st, wmss_mb_plan_make(&p, &ds, idx, n, m, 0, &e) == 0, "plan: %s", e.msg);
        for (int i = 0; i < n; i++) ref[i] = idx[i];
        qsort_r(ref, n, sizeof *ref, by_len, &ds);
        int same = p.n == n && p.n_mb == (n + m - 1) / m;
        for (int i = 0; same && i < n; i++) same = p.order[i] == ref[i];
        for (int b = 0; same && b < p.n_mb; b++) same = p.start[b] == b * m && wmss_mb_size(&p, b) == (n - b * m < m ? n - b * m : m);
        CHECK(&st, same, "trial %d: training plan differs from trainer.c's (n %d, m %d)", trial, n, m);
        wmss_mb_plan_free(&p);
        // Scoring: greedy packing up to cap = max(budget, longest).
        const long budget = 1 + (long)(wmss_rng_next(&r) % 120);
        CHECK(&st, wmss_mb_plan_make(&p, &ds, NULL, n, 0, budget, &e) == 0, "plan: %s", e.msg);
        for (int i = 0; i < n; i++) ref[i] = i;
        qsort_r(ref, n, sizeof *ref, by_len, &ds);
        const long longest = wmss_example_len(&ds, ref[0]), cap = budget > longest ? budget : longest;
        int mb[61], n_mb = 0;
        mb[0] = 0;
        for (int i = 0; i < n; n_mb++) {
            int j = i, tok = 0;
            while (j < n && (j == i || tok + wmss_example_len(&ds, ref[j]) <= cap)) tok += wmss_example_len(&ds, ref[j++]);
            mb[n_mb + 1] = i = j;
        }
        same = p.n_mb == n_mb;
        for (int b = 0; same && b <= n_mb; b++) same = p.start[b] == mb[b];
        for (int i = 0; same && i < n; i++) same = p.order[i] == ref[i];
        CHECK(&st, same, "trial %d: scoring plan differs from score.c's (n %d, budget %ld)", trial, n, budget);
        for (int b = 0; b < p.n_mb; b++) {
            long tok = 0;
            for (int i = p.start[b]; i < p.start[b + 1]; i++) tok += wmss_example_len(&ds, p.order[i]);
            CHECK(&st, tok <= cap && tok <= p.max_tokens, "trial %d: micro-batch %d has %ld tokens", trial, b, tok);
        }
        wmss_mb_plan_free(&p);
    }
    return check_finish(&st, "test_microbatch");
}
