// Algorithm 1 of the paper as one call: M1 = SFT(M0) for sft_epochs; then for each
// round t = 1..K: weak = M_{t-1}, strong = M_t; the entropy of both over D; selection;
// joint training on the active set gives M_{t+1}. Every phase's outputs stay under OUT:
//   OUT/m1/                      SFT model (phase 1)
//   OUT/round-t/entropy-weak.jsonl, entropy-strong.jsonl, active.jsonl, select-stats.json
//   OUT/round-t/joint/           the joint-trained strong model, M_{t+1}
//   OUT/final/                   the last round's model
//   OUT/settings.json            the effective settings of the run (also printed)
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

// What the paper describes, or what the authors' released code does (DESIGN §2): a
// preset sets, consistently, the selection weights' preset, whether the active set keeps
// duplicate draws, the joint phase's loss mask and the warmup:
//                     paper                         released-code
//   select.preset     paper (Eq. 9)                 released-code
//   keep_duplicates   0 (deduplicated)              1 (all |D| draws)
//   joint loss        completion tokens             every position (prompt included)
//   warmup            10% of steps (ratio 0.1)      none
// The SFT phase is completion-only under both, and entropy scoring always covers the
// completion positions. The rule for explicit choices: apply the preset first, then set
// the fields the user chose (wmss run does so for --select-preset, --keep-duplicates /
// --remove-duplicates, --loss-on, --warmup-ratio / --warmup-steps).
typedef enum { WMSS_RUN_PRESET_PAPER = 0, WMSS_RUN_PRESET_RELEASED } wmss_run_preset;

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
    int keep_duplicates;        // the active set holds every draw, duplicates included (0: deduplicated)
    int joint_loss_on_all;      // joint phases: the loss over every next-token position (0: completion);
                                // train.data.loss_on_all is the SFT phase's (0 by default)
    wmss_run_preset preset;     // the preset last applied (recorded in settings.json)
    int batch_tokens;           // tokens per entropy-scoring micro-batch (8192)
    int score_loss_chunk;       // token rows per LM-head chunk when scoring (256)
    FILE *log;                  // the phases' log lines (rank 0); NULL: quiet
    FILE *report;               // the final copy's "wrote DIR (dtype)" line; NULL: none
} wmss_algorithm_opts;

// The defaults are the paper preset's.
void wmss_algorithm_opts_default(wmss_algorithm_opts *o);
// Sets select.preset, keep_duplicates, joint_loss_on_all, train.train.warmup_ratio and
// warmup_steps (and preset) as the table above says; nothing else.
void wmss_algorithm_apply_preset(wmss_algorithm_opts *o, wmss_run_preset p);
// "paper", "released-code"; the parser returns 0, or -1 for an unknown name.
const char *wmss_run_preset_name(wmss_run_preset p);
int wmss_run_preset_parse(const char *s, wmss_run_preset *p);
// The effective settings as JSON text (malloc'd; NULL when out of memory): preset,
// select_preset, normalize, weights, keep_duplicates, sft_loss_on, joint_loss_on,
// warmup_ratio, warmup_steps (null: from the ratio), lr, joint_lr, lambda, freeze_weak,
// neftune_alpha, rounds, epochs, batch, seeds.
char *wmss_algorithm_settings_json(const wmss_algorithm_opts *o);

typedef struct {
    int interrupted;            // a stop request ended the run (rerun to continue)
    char final_model[4200];     // OUT/final
} wmss_algorithm_result;

int wmss_algorithm_run(const wmss_algorithm_opts *o, const wmss_dist *dist, wmss_algorithm_result *r, wmss_error *e);

#endif
