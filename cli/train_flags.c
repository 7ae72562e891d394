#include "train_flags.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"

int train_flags_opts(train_flags *tf, cli_opt *opts) {
    memset(tf, 0, sizeof *tf);
    *tf = (train_flags){.epochs = "1", .lr = "1e-5", .warmup_ratio = "0.1", .schedule = "linear", .batch = "16",
                        .micro_batch = "4", .max_len = "4096", .max_grad_norm = "1.0", .weight_decay = "0",
                        .seed = "42", .save_every = "0", .keep = "2", .log_every = "0", .loss_chunk = "256",
                        .beta1 = "0.9", .beta2 = "0.999", .eps = "1e-8"};
    const cli_opt t[TRAIN_FLAG_COUNT] = {
        {"--data", "FILE", "training data, JSONL (required)", &tf->data, NULL},
        {"--out", "DIR", "output directory: model, metrics.jsonl, checkpoints (required)", &tf->out, NULL},
        {"--epochs", "N", "passes over the data (default 1)", &tf->epochs, NULL},
        {"--lr", "LR", "peak learning rate (default 1e-5)", &tf->lr, NULL},
        {"--warmup-ratio", "R", "warmup as a share of all steps (default 0.1)", &tf->warmup_ratio, NULL},
        {"--warmup-steps", "N", "warmup in optimizer steps (overrides --warmup-ratio)", &tf->warmup_steps, NULL},
        {"--lr-schedule", "S", "linear (default), cosine or constant, after warmup", &tf->schedule, NULL},
        {"--batch", "N", "global batch in sequences per optimizer step (default 16)", &tf->batch, NULL},
        {"--micro-batch", "N", "sequences per forward/backward (default 4)", &tf->micro_batch, NULL},
        {"--max-len", "N", "tokens per example; longer ones are truncated (default 4096)", &tf->max_len, NULL},
        {"--max-grad-norm", "G", "clip the global gradient norm to G; 0 = off (default 1.0)", &tf->max_grad_norm, NULL},
        {"--weight-decay", "WD", "AdamW decoupled weight decay (default 0)", &tf->weight_decay, NULL},
        {"--adam-beta1", "B", "AdamW beta1 (default 0.9)", &tf->beta1, NULL},
        {"--adam-beta2", "B", "AdamW beta2 (default 0.999)", &tf->beta2, NULL},
        {"--adam-eps", "E", "AdamW epsilon (default 1e-8)", &tf->eps, NULL},
        {"--seed", "N", "data order seed (default 42)", &tf->seed, NULL},
        {"--no-shuffle", NULL, "keep the file order of examples", NULL, &tf->no_shuffle},
        {"--save-every", "N", "write a resumable checkpoint every N steps (default: only on Ctrl-C)", &tf->save_every, NULL},
        {"--keep-checkpoints", "N", "newest checkpoints kept (default 2)", &tf->keep, NULL},
        {"--resume", NULL, "continue from the newest checkpoint in --out", NULL, &tf->resume},
        {"--overwrite", NULL, "train into --out even if it holds a model or checkpoints", NULL, &tf->overwrite},
        {"--log-every", "N", "steps between log lines when not on a terminal (default: ~50 lines)", &tf->log_every, NULL},
        {"--dtype", "T", "save as float32, bfloat16 or float16 (default: the input model's)", &tf->dtype, NULL},
        {"--loss-chunk", "N", "token rows per LM-head loss chunk (default 256)", &tf->loss_chunk, NULL},
        {"--chat-template", "NAME", "chat template family: auto (default), qwen3, qwen2.5, llama3, gemma3, none",
         &tf->df.chat_template, NULL},
        {"--enable-thinking", "true|false", "Qwen3 template option", &tf->df.enable_thinking, NULL},
        {"--bad-data", "stop|skip", "malformed lines: stop with an error (default) or skip and count", &tf->df.bad_data, NULL},
        {"--overlong", "truncate|drop", "examples over --max-len: truncate (default) or drop", &tf->df.overlong, NULL},
    };
    memcpy(opts, t, sizeof t);
    return TRAIN_FLAG_COUNT;
}

int train_flags_finish(const char *cmd, train_flags *tf, wmss_train_opts *o, int *loss_chunk) {
    memset(o, 0, sizeof *o);
    if (!tf->data || !tf->out) {
        fprintf(stderr, "wmss %s: --data and --out are required\n", cmd);
        return 2;
    }
    long epochs, batch, micro, max_len, seed, save_every, keep, log_every, chunk, warmup = -1;
    double lr, ratio, gn, wd, b1, b2, eps;
    wmss_error e = {{0}};
    if (cli_int("--epochs", tf->epochs, 1, 1000000, &epochs) || cli_double("--lr", tf->lr, &lr) ||
        cli_double("--warmup-ratio", tf->warmup_ratio, &ratio) ||
        (tf->warmup_steps && cli_int("--warmup-steps", tf->warmup_steps, 0, 1L << 40, &warmup)) ||
        cli_int("--batch", tf->batch, 1, 1 << 24, &batch) || cli_int("--micro-batch", tf->micro_batch, 1, 1 << 20, &micro) ||
        cli_int("--max-len", tf->max_len, 2, 1 << 24, &max_len) || cli_double("--max-grad-norm", tf->max_grad_norm, &gn) ||
        cli_double("--weight-decay", tf->weight_decay, &wd) || cli_double("--adam-beta1", tf->beta1, &b1) ||
        cli_double("--adam-beta2", tf->beta2, &b2) || cli_double("--adam-eps", tf->eps, &eps) ||
        cli_int("--seed", tf->seed, 0, 0x7fffffffffffffffL, &seed) ||
        cli_int("--save-every", tf->save_every, 0, 1L << 40, &save_every) ||
        cli_int("--keep-checkpoints", tf->keep, 1, 1000000, &keep) ||
        cli_int("--log-every", tf->log_every, 0, 1L << 40, &log_every) ||
        cli_int("--loss-chunk", tf->loss_chunk, 1, 1 << 20, &chunk))
        return 2;
    if (lr <= 0 || ratio < 0 || ratio > 1 || gn < 0 || wd < 0 || b1 < 0 || b1 >= 1 || b2 < 0 || b2 >= 1 || eps <= 0) {
        fprintf(stderr, "wmss %s: need --lr > 0, 0 <= --warmup-ratio <= 1, --max-grad-norm >= 0, --weight-decay >= 0, "
                        "0 <= betas < 1, --adam-eps > 0\n", cmd);
        return 2;
    }
    if (wmss_schedule_parse(tf->schedule, &o->schedule, &e)) {
        fprintf(stderr, "wmss %s: --lr-schedule: %s\n", cmd, e.msg);
        return 2;
    }
    o->epochs = (int)epochs;
    o->lr = lr;
    o->warmup_ratio = ratio;
    o->warmup_steps = warmup;
    o->batch = (int)batch;
    o->micro_batch = (int)(micro < batch ? micro : batch);
    o->max_grad_norm = gn;
    o->adam = (wmss_adamw_hparams){(float)b1, (float)b2, (float)eps, (float)wd};
    o->seed = (uint64_t)seed;
    o->shuffle = !tf->no_shuffle;
    o->save_every = (int)save_every;
    o->keep_checkpoints = (int)keep;
    o->log_every = (int)log_every;
    o->out_dir = tf->out;
    o->resume = tf->resume;
    tf->df.max_len = (int)max_len;
    *loss_chunk = (int)chunk;
    return 0;
}

int train_flags_check_out(const char *cmd, const train_flags *tf) {
    if (tf->resume || tf->overwrite) return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", tf->out);
    int occupied = wmss_file_exists(path);
    DIR *d = opendir(tf->out);
    if (d) {
        for (struct dirent *ent; (ent = readdir(d)) && !occupied;)
            occupied = !strncmp(ent->d_name, "checkpoint-", 11);
        closedir(d);
    }
    if (occupied) {
        fprintf(stderr, "wmss %s: %s already holds a model or checkpoints; pass --resume to continue that run or "
                        "--overwrite to replace it\n", cmd, tf->out);
        return 1;
    }
    return 0;
}

static volatile sig_atomic_t *stop_flag_target;  // the one piece of signal state a handler can reach

static void on_stop(int sig) {
    if (stop_flag_target) *stop_flag_target = 1;
    signal(sig, SIG_DFL);  // a second signal ends the process at once
}

void train_install_stop_handler(volatile sig_atomic_t *flag) {
    stop_flag_target = flag;
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    signal(SIGUSR1, on_stop);  // Open MPI's mpirun forwards SIGUSR1 to every rank
}

int train_run(const char *cmd, train_flags *tf, wmss_train_opts *o, int loss_chunk, const wmss_branch_spec *spec, int K,
              const char *data_dir) {
    wmss_error e = {{0}};
    data_setup d = {0};
    wmss_engine en = {0};
    wmss_dist dist;
    int rc = 1, failed = 0;
    if (wmss_dist_init(&dist, &e)) goto end;
    o->dist = &dist;
    tf->df.quiet = !wmss_dist_is_root(&dist);  // every rank reads the data; rank 0 reports on it
    failed = data_setup_load(&d, data_dir, NULL, tf->data, &tf->df, spec[0].model->cfg.vocab_size, &e) != 0;
    for (int k = 0; k < K && !failed; k++) {
        o->save_dtype[k] = spec[k].model->cfg.torch_dtype;
        if (tf->dtype) {
            int t = wmss_dtype_from_torch_name(tf->dtype);
            if (t < 0) failed = wmss_fail(&e, "--dtype must be float32, bfloat16 or float16") != 0;
            else o->save_dtype[k] = (wmss_dtype)t;
        }
    }
    int max_len = 0;
    for (int i = 0; i < d.ds.n && !failed; i++)
        if (wmss_example_len(&d.ds, i) > max_len) max_len = wmss_example_len(&d.ds, i);
    if (!failed) failed = wmss_engine_create(&en, spec, K, max_len * o->micro_batch, o->micro_batch, loss_chunk, &e) != 0;
    if (wmss_dist_agree(&dist, failed, &e)) goto end;
    volatile sig_atomic_t stop = 0;
    o->stop = &stop;
    train_install_stop_handler(&stop);
    wmss_train_result res;
    if (wmss_train(&en, &d.ds, o, &res, &e)) goto end;
    if (!res.interrupted && wmss_dist_is_root(&dist))
        fprintf(stderr, "wrote %s (%ld steps, last loss %.4f)\n", tf->out, res.steps_done, res.last_loss);
    rc = res.interrupted ? 130 : 0;
end:
    if (rc == 1 && e.msg[0]) fprintf(stderr, "wmss %s: %s\n", cmd, e.msg);  // (empty: rank 0 speaks for the job)
    wmss_engine_free(&en);
    data_setup_free(&d);
    wmss_dist_finalize(&dist, 0);
    o->dist = NULL;
    return rc;
}
