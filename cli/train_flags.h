// The training flags shared by `wmss sft`, `wmss joint` and `wmss run`: declared once,
// parsed once into the library's trainer arguments (train_setup.h).
#ifndef WMSS_TRAIN_FLAGS_H
#define WMSS_TRAIN_FLAGS_H

#include "args.h"
#include "data_flags.h"
#include "train_setup.h"

typedef struct {
    const char *data, *out, *epochs, *lr, *warmup_ratio, *warmup_steps, *schedule, *batch, *micro_batch;
    const char *max_grad_norm, *weight_decay, *seed, *save_every, *keep, *log_every, *dtype, *loss_chunk;
    const char *beta1, *beta2, *eps, *neftune_alpha;
    int resume, no_shuffle, overwrite;
    data_flags df;
} train_flags;

// --data, --out, --epochs, --resume, --overwrite: the options of one training run
// (wmss run has its own).
#define TRAIN_IO_FLAG_COUNT 5
#define TRAIN_FLAG_COUNT (20 + DATA_FLAG_COUNT + TRAIN_IO_FLAG_COUNT)

// Options whose absence matters (wmss run's --preset fills what is not given) stay
// NULL until given: warmup_ratio, warmup_steps, df.loss_on. Fills defaults and writes the option table into opts (TRAIN_FLAG_COUNT entries with
// io, TRAIN_FLAG_COUNT - TRAIN_IO_FLAG_COUNT without); returns the number written.
int train_flags_opts(train_flags *tf, cli_opt *opts, int io);
// Checks and converts the values into a (per-branch fields left to the caller).
// Returns 0, or 2 after printing a usage error.
int train_flags_finish(const char *cmd, train_flags *tf, wmss_trainer_args *a);

// Refuses an --out that holds a model or checkpoints unless --resume or --overwrite
// says so. Returns 0 or 1 after printing why.
int train_flags_check_out(const char *cmd, const train_flags *tf);

// What `wmss sft` and `wmss joint` share once the models are loaded: join the job's ranks, train with Ctrl-C handling, report. Returns the exit
// status (130: stopped on request after a checkpoint).
int train_flags_run(const char *cmd, const train_flags *tf, wmss_trainer_args *a, const wmss_branch_spec *spec, int K);

#endif
