// The micro-batch planner shared by training and scoring: a set of examples sorted
// longest first (ties by index, so the plan is deterministic), cut into consecutive
// micro-batches of at most max_seqs sequences and at most max_tokens tokens (a budget
// below the longest example is raised to its length, so every example fits). Training plans each optimizer
// step's examples with max_seqs = the micro-batch size; scoring plans the whole dataset
// with max_tokens = the token budget. Rank r of a data-parallel job takes micro-batches
// r, r + ranks, ... (longest first spreads the work evenly).
#ifndef WMSS_MICROBATCH_H
#define WMSS_MICROBATCH_H

#include "dataset.h"

typedef struct {
    int n;            // examples planned
    int *order;       // (n) example indices, longest first
    int n_mb;         // micro-batches
    int *start;       // (n_mb + 1) micro-batch b is order[start[b] .. start[b+1])
    int max_seqs;     // the most sequences in one micro-batch
    long max_tokens;  // the most tokens in one micro-batch
} wmss_mb_plan;

// Plans examples idx[0..n) of ds (idx NULL: 0..n-1). max_seqs, max_tokens: 0 = no limit.
int wmss_mb_plan_make(wmss_mb_plan *p, const wmss_dataset *ds, const int *idx, int n, int max_seqs, long max_tokens,
                      wmss_error *e);
void wmss_mb_plan_free(wmss_mb_plan *p);

static inline int wmss_mb_size(const wmss_mb_plan *p, int b) { return p->start[b + 1] - p->start[b]; }

#endif
