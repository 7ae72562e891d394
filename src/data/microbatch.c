// The micro-batch planner: see microbatch.h.
#include "microbatch.h"

#include <stdlib.h>
#include <string.h>

static int by_length_desc(const void *a, const void *b, void *ctx) {
    const wmss_dataset *ds = ctx;
    int x = *(const int *)a, y = *(const int *)b, lx = wmss_example_len(ds, x), ly = wmss_example_len(ds, y);
    return lx != ly ? ly - lx : x - y;
}

int wmss_mb_plan_make(wmss_mb_plan *p, const wmss_dataset *ds, const int *idx, int n, int max_seqs, long max_tokens,
                      wmss_error *e) {
    memset(p, 0, sizeof *p);
    p->order = malloc((n > 0 ? n : 1) * sizeof *p->order);
    p->start = malloc((n + 1) * sizeof *p->start);
    if (!p->order || !p->start) {
        wmss_mb_plan_free(p);
        return wmss_fail(e, "out of memory");
    }
    p->n = n;
    for (int i = 0; i < n; i++) p->order[i] = idx ? idx[i] : i;
    qsort_r(p->order, n, sizeof *p->order, by_length_desc, (void *)ds);
    // A token budget below the longest example is raised to it (every example fits).
    if (max_tokens && n && wmss_example_len(ds, p->order[0]) > max_tokens) max_tokens = wmss_example_len(ds, p->order[0]);
    p->start[0] = 0;
    for (int i = 0; i < n; p->n_mb++) {
        int j = i;
        long tok = 0;
        while (j < n && (j == i || ((!max_seqs || j - i < max_seqs) &&
                                    (!max_tokens || tok + wmss_example_len(ds, p->order[j]) <= max_tokens))))
            tok += wmss_example_len(ds, p->order[j++]);
        if (j - i > p->max_seqs) p->max_seqs = j - i;
        if (tok > p->max_tokens) p->max_tokens = tok;
        p->start[p->n_mb + 1] = i = j;
    }
    return 0;
}

void wmss_mb_plan_free(wmss_mb_plan *p) {
    free(p->order);
    free(p->start);
    memset(p, 0, sizeof *p);
}
