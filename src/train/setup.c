// Trainer construction: see train_setup.h.
#include "train_setup.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"

void wmss_trainer_args_default(wmss_trainer_args *a) {
    memset(a, 0, sizeof *a);
    a->train = (wmss_train_opts){.epochs = 1, .lr = 1e-5, .warmup_ratio = 0.1, .warmup_steps = -1,
                                 .schedule = WMSS_SCHED_LINEAR, .batch = 16, .micro_batch = 4,
                                 .max_grad_norm = 1.0, .adam = {0.9f, 0.999f, 1e-8f, 0.0f}, .seed = 42, .shuffle = 1,
                                 .keep_checkpoints = 2};
    a->data = WMSS_DATA_SPEC_DEFAULT;
    a->loss_chunk = 256;
    a->log = stderr;
}

int wmss_train_out_check(const char *out_dir, int resume, int overwrite, wmss_error *e) {
    if (wmss_dir_lock_check(out_dir, e)) return -1;  // another run writes there now
    if (resume || overwrite) return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", out_dir);
    int occupied = wmss_file_exists(path);
    DIR *d = opendir(out_dir);
    if (d) {
        for (struct dirent *ent; (ent = readdir(d)) && !occupied;)
            occupied = !strncmp(ent->d_name, "checkpoint-", 11);
        closedir(d);
    }
    if (occupied)
        return wmss_fail(e, "%s already holds a model or checkpoints; pass --resume to continue that run or "
                            "--overwrite to replace it", out_dir);
    return 0;
}

static volatile sig_atomic_t *stop_flag_target;  // the one piece of signal state a handler can reach

static void on_stop(int sig) {
    if (stop_flag_target) *stop_flag_target = 1;
    signal(sig, SIG_DFL);  // a second signal ends the process at once
}

void wmss_stop_on_signals(volatile sig_atomic_t *flag) {
    stop_flag_target = flag;
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    signal(SIGUSR1, on_stop);  // Open MPI's mpirun forwards SIGUSR1 to every rank
}

int wmss_trainer_run(const wmss_branch_spec *spec, int K, const wmss_trainer_args *a, const wmss_dist *dist,
                     wmss_train_result *res, wmss_error *e) {
    wmss_data_setup d = {0};
    wmss_engine en = {0};
    wmss_train_opts o = a->train;
    o.dist = dist;
    const int root = wmss_dist_is_root(dist);
    FILE *log = root ? a->log : NULL;  // every rank reads the data; rank 0 reports on it
    int rc = -1;
    memset(res, 0, sizeof *res);
    int lock = -1;  // one writer per output directory (rank 0 writes), taken once the inputs are read
    int failed = wmss_data_setup_load(&d, a->tokenizer_dir, NULL, a->data_path, &a->data,
                                      spec[0].model->cfg.vocab_size, log, e) != 0;
    for (int k = 0; k < K && !failed; k++) {
        o.save_dtype[k] = spec[k].model->cfg.torch_dtype;
        if (a->save_dtype) {
            int t = wmss_dtype_from_torch_name(a->save_dtype);
            if (t < 0) failed = wmss_fail(e, "--dtype must be float32, bfloat16 or float16") != 0;
            else o.save_dtype[k] = (wmss_dtype)t;
        }
    }
    // The engine holds the longest micro-batch: micro_batch copies of the longest example.
    int max_len = 0;
    for (int i = 0; i < d.ds.n && !failed; i++)
        if (wmss_example_len(&d.ds, i) > max_len) max_len = wmss_example_len(&d.ds, i);
    if (!failed) failed = wmss_engine_create(&en, spec, K, max_len * o.micro_batch, o.micro_batch, a->loss_chunk, e) != 0;
    if (!failed && root) failed = (lock = wmss_dir_lock(o.out_dir, e)) < 0;
    if (wmss_dist_agree(dist, failed, e)) goto end;
    if (wmss_train(&en, &d.ds, &o, res, e)) goto end;
    if (!res->interrupted && log && res->steps_done == res->start_step)
        fprintf(log, "wrote %s (the run was already finished at step %ld: no step to train)\n", o.out_dir,
                res->steps_done);
    else if (!res->interrupted && log)
        fprintf(log, "wrote %s (%ld steps, last loss %.4f)\n", o.out_dir, res->steps_done, res->last_loss);
    rc = 0;
end:
    wmss_engine_free(&en);
    wmss_data_setup_free(&d);
    wmss_dir_unlock(lock);
    return rc;
}
