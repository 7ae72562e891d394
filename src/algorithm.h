// Algorithm 1 of the paper as one call: M1 = SFT(M0) for sft_epochs; then for each
// round t = 1..K: weak = M_{t-1}, strong = M_t; the entropy of both over D; selection;
// joint training on the active set gives M_{t+1}. Every phase's outputs stay under OUT:
//   OUT/m1/                      SFT model (phase 1)
//   OUT/round-t/entropy-weak.jsonl, entropy-strong.jsonl, active.jsonl, select-stats.json
//   OUT/round-t/joint/           the joint-trained strong model, M_{t+1}
//   OUT/final/                   the last round's model
// A phase that finished is marked with a .done file (or its output file); calling again
// with the same options continues from the first unfinished phase, and an interrupted
// training phase resumes from its newest checkpoint.
// Under several ranks (dist) every rank calls this: training and scoring are data
// parallel, the rest (selection, markers, the final copy, log lines) is rank 0's, and
// rank 0 decides which phases are done so that all ranks take the same path.
#ifndef WMSS_ALGORITHM_H
#define WMSS_ALGORITHM_H

#include <stdint.h>
#include <stdio.h>

#include "dist.h"
#include "select.h"
#include "train_setup.h"

typedef struct {
    const char *model;          // M0 (required)
    const char *data;           // D (required)
    const char *out;            // the run directory (required)
    int rounds;                 // K (1, the paper's main setting)
    int sft_epochs, joint_epochs;
    double joint_lr;            // <= 0: train.train.lr
    double lambda;              // the strong model's weight in the mixed logits (0.5)
    int freeze_weak;            // joint training leaves the weak model as it is
    wmss_trainer_args train;    // the options of every training phase; data_path, out_dir, epochs,
                                // resume and the per-branch fields are set per phase; train.stop
                                // (optional) interrupts the run
    wmss_select_params select;  // alpha, beta, gamma (0.1, 0.8, 0.1), preset, normalization
    uint64_t select_seed;       // 42
    int draws;                  // <= 0: one per scored example
    int batch_tokens;           // tokens per entropy-scoring micro-batch (8192)
    int score_loss_chunk;       // token rows per LM-head chunk when scoring (256)
    FILE *log;                  // the phases' log lines (rank 0); NULL: quiet
    FILE *report;               // the final copy's "wrote DIR (dtype)" line; NULL: none
} wmss_algorithm_opts;

void wmss_algorithm_opts_default(wmss_algorithm_opts *o);

typedef struct {
    int interrupted;            // a stop request ended the run (rerun to continue)
    char final_model[4200];     // OUT/final
} wmss_algorithm_result;

int wmss_algorithm_run(const wmss_algorithm_opts *o, const wmss_dist *dist, wmss_algorithm_result *r, wmss_error *e);

#endif
