// Teacher-forced scoring of a dataset by one model, forward only: per-example mean
// entropy over the positions whose next token is a completion token (WD-DS's H), and
// optionally the logit statistics of those positions. Examples are packed into
// micro-batches of about batch_tokens tokens, longest first.
#ifndef WMSS_SCORE_H
#define WMSS_SCORE_H

#include "dataset.h"
#include "dist.h"
#include "loss.h"
#include "model.h"

// ex_entropy (ds->n, optional); ls (optional).
int wmss_score(wmss_model *m, const wmss_dataset *ds, int batch_tokens, int loss_chunk, double *ex_entropy,
               wmss_logit_stats *ls, wmss_error *e);

// The same over the ranks of dist (every rank calls it with the same arguments): the
// micro-batches are dealt out to the ranks in turn, each rank scores its own, and the
// per-example entropies are gathered on rank 0 (ex_entropy is written there only); ls
// gets the statistics summed over all ranks, on every rank. dist NULL: one process.
int wmss_score_dist(wmss_model *m, const wmss_dataset *ds, int batch_tokens, int loss_chunk, double *ex_entropy,
                    wmss_logit_stats *ls, const wmss_dist *dist, wmss_error *e);

// Quantile of sorted x (n) at q in [0, 1], linear interpolation between order
// statistics (numpy's default).
double wmss_quantile(const double *sorted, int n, double q);

#endif
