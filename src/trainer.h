// The training loop over a step engine: epochs of shuffled global batches split into
// micro-batches, gradient accumulation, clipping over all trainable branches, AdamW,
// the learning-rate schedule, metrics, progress, checkpoints and resume.
//
// Data parallel (opts.dist with several ranks): every rank holds the whole model and
// optimizer state and reads the whole dataset, so every rank knows each step's global
// batch (the same examples, in the same micro-batches, as one process would use).
// Rank r runs forward/backward on micro-batches r, r + N, r + 2N, ... of the step; the
// gradients of every trainable branch and the loss statistics are summed with an
// all-reduce (the loss is normalized by the global batch's target tokens, which every
// rank counts itself); then every rank applies the same clipping and AdamW update.
// Only rank 0 writes files and prints progress. A failure on one rank stops every
// rank at the same point (wmss_dist_agree); a stop request (*stop) on any rank stops
// all of them after the same step, with one checkpoint written by rank 0.
#ifndef WMSS_TRAINER_H
#define WMSS_TRAINER_H

#include <signal.h>
#include <stdint.h>

#include "dist.h"
#include "engine.h"
#include "optim.h"

typedef struct {
    int epochs;
    double lr;
    double warmup_ratio;        // used when warmup_steps < 0
    long warmup_steps;
    wmss_schedule schedule;
    int batch;                  // sequences per optimizer step (global batch)
    int micro_batch;            // sequences per forward/backward
    double max_grad_norm;       // 0 = no clipping
    wmss_adamw_hparams adam;
    uint64_t seed;
    int shuffle;
    int save_every;             // optimizer steps between checkpoints (0 = only at the end)
    int keep_checkpoints;       // newest checkpoints kept
    int log_every;              // optimizer steps between plain log lines (0 = auto)
    const char *out_dir;
    int resume;
    wmss_dtype save_dtype[WMSS_LOSS_MAX_BRANCHES];  // per branch
    const char *copy_from[WMSS_LOSS_MAX_BRANCHES];  // tokenizer files to copy with each branch
    int save_branch[WMSS_LOSS_MAX_BRANCHES];        // write the branch's model at the end
    const char *branch_dir[WMSS_LOSS_MAX_BRANCHES]; // where: NULL = out_dir itself, else out_dir/NAME
    const char *command;        // "sft" / "joint": recorded in the state
    volatile sig_atomic_t *stop;  // set by a signal handler: checkpoint and stop
    const wmss_dist *dist;      // the ranks sharing each step; NULL: this process alone
    double neftune_alpha;       // NEFTune: > 0 adds uniform noise of scale alpha / sqrt(L * d) to
                                // the input embeddings of every trainable branch in training
                                // (L the sequence's length, d the hidden size), seeded per
                                // optimizer step, micro-batch and branch (engine.h); never in
                                // scoring or evaluation. 0: off (bit-identical to no NEFTune)
    // ---- continuing an earlier run (the compare harness's wmss-continued and
    // wmss-weak-early arms, compare.h); all zero / NULL: an ordinary phase ----
    long sched_start, sched_total;  // sched_total > 0: this phase is the part of a longer schedule
                                    // (warmup_steps, sched_total steps) from step sched_start on: its
                                    // step j of T uses the schedule at sched_start + j * (sched_total -
                                    // sched_start) / T, so the rate goes on from where that run was
    const char *init_optimizer[WMSS_LOSS_MAX_BRANCHES];  // a checkpoint's optimizer-K.safetensors: the
                                    // branch starts from its float32 master weights and AdamW moments
    long init_optimizer_step[WMSS_LOSS_MAX_BRANCHES];    // the AdamW steps taken there (bias correction)
    long export_step;               // > 0: after this optimizer step rank 0 writes branch 0's model
    const char *export_dir;         // there (an ordinary model directory)
    // ---- end continuing ----
} wmss_train_opts;

typedef struct {
    long steps_done;
    long start_step;            // the step it started (or resumed) at: steps_done - start_step were run
    int interrupted;            // stopped by *stop after writing a checkpoint
    double last_loss;
} wmss_train_result;

int wmss_train(wmss_engine *en, const wmss_dataset *ds, const wmss_train_opts *o, wmss_train_result *res,
               wmss_error *e);

#endif
