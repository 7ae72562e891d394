// The training flags shared by `wmss sft` and `wmss joint`: declared once, parsed once.
#ifndef WMSS_TRAIN_FLAGS_H
#define WMSS_TRAIN_FLAGS_H

#include "args.h"
#include "data_setup.h"
#include "trainer.h"

typedef struct {
    const char *data, *out, *epochs, *lr, *warmup_ratio, *warmup_steps, *schedule, *batch, *micro_batch, *max_len;
    const char *max_grad_norm, *weight_decay, *seed, *save_every, *keep, *log_every, *dtype, *loss_chunk;
    const char *beta1, *beta2, *eps;
    int resume, no_shuffle, overwrite;
    data_flags df;
} train_flags;

#define TRAIN_FLAG_COUNT 28

// Fills defaults and writes the option table (TRAIN_FLAG_COUNT entries) into opts;
// returns the number written.
int train_flags_opts(train_flags *tf, cli_opt *opts);
// Checks and converts the values into o (save_dtype and copy_from left to the caller).
// Returns 0, or 2 after printing a usage error.
int train_flags_finish(const char *cmd, train_flags *tf, wmss_train_opts *o, int *loss_chunk);
// Refuses to train into a directory that already holds a model or checkpoints unless
// --resume or --overwrite says so. Returns 0 or 1 after printing why.
int train_flags_check_out(const char *cmd, const train_flags *tf);

// Installs SIGINT/SIGTERM/SIGUSR1 handlers that set *flag (a second signal ends the
// process). Under Open MPI's mpirun, Ctrl-C makes mpirun send SIGTERM and SIGKILL a
// second later, too soon for a checkpoint; SIGUSR1 to mpirun is forwarded to every rank.
void train_install_stop_handler(volatile sig_atomic_t *flag);

// The part `wmss sft` and `wmss joint` share: read the data with branch 0's tokenizer
// (from data_dir), size the engine, train with Ctrl-C handling, report. Started by an
// MPI launcher, it trains data parallel over the job's ranks (see trainer.h). o's per-branch
// fields (copy_from, save_branch, branch_dir) are the caller's; save dtypes come from
// --dtype or each model's stored dtype. Returns the process exit status.
int train_run(const char *cmd, train_flags *tf, wmss_train_opts *o, int loss_chunk, const wmss_branch_spec *spec, int K,
              const char *data_dir);

#endif
