// Trainer construction, the way a TRL user builds a trainer from arguments, models and
// a dataset: read the data with branch 0's tokenizer and chat template, size the step
// engine for the longest micro-batch, join the ranks of a data-parallel job, and run
// wmss_train (trainer.h) with interruption by a stop flag.
#ifndef WMSS_TRAIN_SETUP_H
#define WMSS_TRAIN_SETUP_H

#include <signal.h>
#include <stdio.h>

#include "data_setup.h"
#include "dist.h"
#include "engine.h"
#include "trainer.h"

typedef struct {
    wmss_train_opts train;      // the loop: out_dir, epochs, lr, batch, ... (trainer.h); per-branch
                                // fields (copy_from, save_branch, branch_dir) are the caller's
    const char *data_path;      // training data, JSONL (dataset.h)
    wmss_data_spec data;        // the data options
    const char *tokenizer_dir;  // where the tokenizer and chat template are (branch 0's model directory)
    int loss_chunk;             // token rows per LM-head loss chunk
    const char *save_dtype;     // "float32", "bfloat16", "float16"; NULL: each model's stored dtype
    FILE *log;                  // data summary and the closing line (rank 0 only); NULL: quiet
} wmss_trainer_args;

// The defaults of `wmss sft`: 1 epoch, lr 1e-5, 10% linear warmup then linear decay,
// batch 16 in micro-batches of 4, max length 4096, clipping at 1.0, AdamW (0.9, 0.999,
// 1e-8, no weight decay), seed 42, shuffled, 2 checkpoints kept, loss chunk 256, log stderr.
void wmss_trainer_args_default(wmss_trainer_args *a);

// Refuses to train into a directory that already holds a model or checkpoints (pass
// resume or overwrite to allow it). Returns 0 or -1 with the reason.
int wmss_train_out_check(const char *out_dir, int resume, int overwrite, wmss_error *e);

// Installs SIGINT/SIGTERM/SIGUSR1 handlers that set *flag (a second signal ends the
// process); pass the same flag as train.stop. Under Open MPI's mpirun, Ctrl-C makes
// mpirun send SIGTERM and SIGKILL a second later, too soon for a checkpoint; SIGUSR1 to
// mpirun is forwarded to every rank. The flag's address is the process's one piece of
// signal state (a handler can reach nothing else).
void wmss_stop_on_signals(volatile sig_atomic_t *flag);

// Trains the K branches of spec on the data (K = 1: SFT; K = 2: WD-JT, branch 0 the
// saved strong model). dist: the ranks of a data-parallel job (every rank calls this
// with the same arguments), NULL for one process. res->interrupted: stopped by
// train.stop after writing a checkpoint. On failure e may be empty on the ranks that
// leave the report to another (see wmss_dist_agree).
int wmss_trainer_run(const wmss_branch_spec *spec, int K, const wmss_trainer_args *a, const wmss_dist *dist,
                     wmss_train_result *res, wmss_error *e);

#endif
