// WD-DS scoring, files to files: see wdds.h.
#include <stdlib.h>

#include "entropy_file.h"
#include "model.h"
#include "score.h"
#include "wdds.h"

int wmss_entropy_run(const wmss_entropy_job *j, const wmss_dist *dist, wmss_error *e) {
    wmss_model m = {0};
    wmss_data_setup d = {0};
    double *h = NULL, mean = 0;
    const int root = wmss_dist_is_root(dist);
    int rc = -1;
    int failed = wmss_model_load(j->model_dir, &m, e) ||
                 wmss_data_setup_load(&d, j->model_dir, NULL, j->data_path, &j->data, m.cfg.vocab_size,
                                      root ? j->log : NULL, e);
    if (!failed && !(h = malloc(d.ds.n * sizeof *h))) failed = wmss_fail(e, "out of memory") != 0;
    if (wmss_dist_agree(dist, failed, e)) goto end;
    if (wmss_score_dist(&m, &d.ds, j->batch_tokens, j->loss_chunk, h, NULL, dist, e)) goto end;
    // Rank 0 writes the file; the others wait until it is there (Algorithm 1 reads it next).
    failed = root && wmss_entropy_file_write(j->out, &d.ds, h, &mean, e);
    if (wmss_dist_agree(dist, failed, e)) goto end;
    if (root && j->log) fprintf(j->log, "wrote %s: %d examples, mean entropy %.4f nats\n", j->out, d.ds.n, mean);
    rc = 0;
end:
    free(h);
    wmss_data_setup_free(&d);
    wmss_model_free(&m);
    return rc;
}
