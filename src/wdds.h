// WD-DS, files to files: the entropy phase (a model's per-example entropies over a data
// file -> an entropy file, entropy_file.h) and the selection phase (the data file and
// two entropy files -> the active set and its statistics). `wmss entropy`, `wmss select`
// and Algorithm 1 (algorithm.h) are these calls.
#ifndef WMSS_WDDS_H
#define WMSS_WDDS_H

#include <stdint.h>
#include <stdio.h>

#include "data_setup.h"
#include "dist.h"
#include "select.h"

typedef struct {
    const char *model_dir;   // the model (its tokenizer and chat template read the data)
    const char *data_path;
    const char *out;         // the entropy file
    wmss_data_spec data;
    int batch_tokens;        // tokens per forward micro-batch (8192)
    int loss_chunk;          // token rows per LM-head chunk (256)
    FILE *log;               // data summary and the closing line (rank 0); NULL: quiet
} wmss_entropy_job;

// Under several ranks (dist) the micro-batches are shared out and rank 0 writes the
// file; every rank returns once it is there.
int wmss_entropy_run(const wmss_entropy_job *j, const wmss_dist *dist, wmss_error *e);

typedef struct {
    const char *data_path;             // D: the active set holds its lines
    const char *weak, *strong;         // the two entropy files of D
    const char *out;                   // the active set: D's selected lines with "wmss_index" added
    const char *stats;                 // the statistics as JSON (optional)
    wmss_select_params params;
    uint64_t seed;
    int draws;                         // draws with replacement; <= 0: one per scored example
    FILE *log;                         // the statistics in a few lines; NULL: quiet
    int keep_duplicates;               // write every draw (shuffled), duplicates included: exactly
                                       // `draws` lines, as the released code trains on (0: deduplicate)
} wmss_select_job;

int wmss_select_run(const wmss_select_job *j, wmss_error *e);

#endif
