// Training checkpoints: OUT/checkpoint-STEP/ holds branch 0's model directory (loadable
// as is), the other saved branches in subdirectories, each branch's float32 master
// weights and AdamW moments (optimizer-K.safetensors), and trainer_state.json (step,
// schedule, data order). Written to a hidden temporary directory and renamed into
// place, so a crash mid-write leaves the previous checkpoint intact.
#ifndef WMSS_TRAIN_STATE_H
#define WMSS_TRAIN_STATE_H

#include <cjson/cJSON.h>

#include "engine.h"
#include "optim.h"
#include "trainer.h"

typedef struct {
    long step, total_steps, steps_per_epoch, warmup;
    int epochs, batch, n_examples, branches, shuffle;
    unsigned long long seed;
    const char *command;
    double lr;
    const char *schedule;
    float weights[WMSS_LOSS_MAX_BRANCHES];  // the branches' weights in the mixed logits
} wmss_train_state;

int wmss_train_checkpoint_save(const wmss_engine *en, const wmss_adamw *opt, const wmss_train_state *st,
                         const wmss_train_opts *o, wmss_error *e);
// Finds the newest complete checkpoint in out_dir; *step = -1 when there is none.
int wmss_train_checkpoint_latest(const char *out_dir, long *step, char *path, size_t cap, wmss_error *e);
// Restores branches' weights and optimizer state; checks that the run's settings match.
int wmss_train_checkpoint_restore(const char *path, wmss_engine *en, wmss_adamw *opt, const wmss_train_state *expect,
                            long *step, wmss_error *e);
// Loads one branch's float32 master weights and AdamW moments from a checkpoint's
// optimizer-K.safetensors (path) and sets its AdamW step count: a phase that continues
// an earlier run's optimizer state (trainer.h, init_optimizer).
int wmss_train_optimizer_load(const char *path, wmss_branch *b, wmss_adamw *opt, long step, wmss_error *e);
// Renames OUT/checkpoint-STEP (weights that gave a non-finite loss or gradient) to
// OUT/diverged-checkpoint-STEP, so that --resume picks the last good one. Returns 1 when
// moved (moved gets the new path), 0 when there was none, -1 on failure.
int wmss_train_checkpoint_set_aside(const char *out_dir, long step, char *moved, size_t cap);
// Removes all but the newest `keep` checkpoints (and this process's temporary directories).
void wmss_train_checkpoint_prune(const char *out_dir, int keep);

#endif
