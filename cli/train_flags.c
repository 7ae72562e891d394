#include "train_flags.h"

#include <stdio.h>
#include <string.h>

int train_flags_opts(train_flags *tf, cli_opt *opts, int io) {
    memset(tf, 0, sizeof *tf);
    *tf = (train_flags){.epochs = "1", .lr = "1e-5", .schedule = "linear", .batch = "16",
                        .micro_batch = "4", .max_grad_norm = "1.0", .weight_decay = "0", .seed = "42",
                        .save_every = "0", .keep = "2", .log_every = "0", .loss_chunk = "256", .beta1 = "0.9",
                        .beta2 = "0.999", .eps = "1e-8"};
    const cli_opt t[TRAIN_FLAG_COUNT - DATA_FLAG_COUNT - 1] = {
        {"--data", "FILE", "training data, JSONL (required)", &tf->data, NULL},
        {"--out", "DIR", "output directory: model, metrics.jsonl, checkpoints (required)", &tf->out, NULL},
        {"--epochs", "N", "passes over the data (default 1)", &tf->epochs, NULL},
        {"--resume", NULL, "continue from the newest checkpoint in --out", NULL, &tf->resume},
        {"--overwrite", NULL, "train into --out even if it holds a model or checkpoints", NULL, &tf->overwrite},
        {"--lr", "LR", "peak learning rate (default 1e-5)", &tf->lr, NULL},
        {"--warmup-ratio", "R", "warmup as a share of all steps (default 0.1)", &tf->warmup_ratio, NULL},
        {"--warmup-steps", "N", "warmup in optimizer steps (overrides --warmup-ratio)", &tf->warmup_steps, NULL},
        {"--lr-schedule", "S", "linear (default), cosine or constant, after warmup", &tf->schedule, NULL},
        {"--batch", "N", "global batch in sequences per optimizer step (default 16)", &tf->batch, NULL},
        {"--micro-batch", "N", "sequences per forward/backward (default 4)", &tf->micro_batch, NULL},
        {"--max-grad-norm", "G", "clip the global gradient norm to G; 0 = off (default 1.0)", &tf->max_grad_norm, NULL},
        {"--weight-decay", "WD", "AdamW decoupled weight decay (default 0)", &tf->weight_decay, NULL},
        {"--adam-beta1", "B", "AdamW beta1 (default 0.9)", &tf->beta1, NULL},
        {"--adam-beta2", "B", "AdamW beta2 (default 0.999)", &tf->beta2, NULL},
        {"--adam-eps", "E", "AdamW epsilon (default 1e-8)", &tf->eps, NULL},
        {"--seed", "N", "data order seed (default 42)", &tf->seed, NULL},
        {"--no-shuffle", NULL, "keep the file order of examples", NULL, &tf->no_shuffle},
        {"--save-every", "N", "write a resumable checkpoint every N steps (default: only on Ctrl-C)", &tf->save_every, NULL},
        {"--keep-checkpoints", "N", "newest checkpoints kept (default 2)", &tf->keep, NULL},
        {"--log-every", "N", "steps between log lines when not on a terminal (default: ~50 lines)", &tf->log_every, NULL},
        {"--dtype", "T", "save as float32, bfloat16 or float16 (default: the input model's)", &tf->dtype, NULL},
        {"--loss-chunk", "N", "token rows per LM-head loss chunk (default 256)", &tf->loss_chunk, NULL},
        {"--neftune-alpha", "A",
         "NEFTune: add uniform noise of scale A/sqrt(L*d) to the input embeddings in training (default 0 = off; "
         "the NEFTune paper uses 5)",
         &tf->neftune_alpha, NULL},
    };
    const int skip = io ? 0 : TRAIN_IO_FLAG_COUNT, n = TRAIN_FLAG_COUNT - DATA_FLAG_COUNT - 1 - skip;
    memcpy(opts, t + skip, n * sizeof *t);
    int m = n + data_flags_opts(&tf->df, "4096", opts + n);
    return m + data_flags_loss_on_opt(&tf->df, opts + m);
}

int train_flags_finish(const char *cmd, train_flags *tf, wmss_trainer_args *a) {
    wmss_trainer_args_default(a);
    wmss_train_opts *o = &a->train;
    if (!tf->data || !tf->out) {
        fprintf(stderr, "wmss %s: --data and --out are required\n", cmd);
        return 2;
    }
    long epochs, batch, micro, seed, save_every, keep, log_every, chunk, warmup = -1;
    double lr, ratio, gn, wd, b1, b2, eps, neft = 0.0;
    wmss_error e = {{0}};
    if (cli_int("--epochs", tf->epochs, 1, 1000000, &epochs) || cli_double("--lr", tf->lr, &lr) ||
        cli_double("--warmup-ratio", tf->warmup_ratio ? tf->warmup_ratio : "0.1", &ratio) ||
        (tf->warmup_steps && cli_int("--warmup-steps", tf->warmup_steps, 0, 1L << 40, &warmup)) ||
        cli_int("--batch", tf->batch, 1, 1 << 24, &batch) || cli_int("--micro-batch", tf->micro_batch, 1, 1 << 20, &micro) ||
        data_flags_finish(&tf->df) || cli_double("--max-grad-norm", tf->max_grad_norm, &gn) ||
        cli_double("--weight-decay", tf->weight_decay, &wd) || cli_double("--adam-beta1", tf->beta1, &b1) ||
        cli_double("--adam-beta2", tf->beta2, &b2) || cli_double("--adam-eps", tf->eps, &eps) ||
        cli_int("--seed", tf->seed, 0, 0x7fffffffffffffffL, &seed) ||
        cli_int("--save-every", tf->save_every, 0, 1L << 40, &save_every) ||
        cli_int("--keep-checkpoints", tf->keep, 1, 1000000, &keep) ||
        cli_int("--log-every", tf->log_every, 0, 1L << 40, &log_every) ||
        cli_int("--loss-chunk", tf->loss_chunk, 1, 1 << 20, &chunk) ||
        (tf->neftune_alpha && cli_double("--neftune-alpha", tf->neftune_alpha, &neft)))
        return 2;
    if (!(neft >= 0 && neft <= 1e6)) {
        fprintf(stderr, "wmss %s: --neftune-alpha must be a number in [0, 1e6]\n", cmd);
        return 2;
    }
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
    o->neftune_alpha = neft;
    a->data_path = tf->data;
    a->data = tf->df.spec;
    a->loss_chunk = (int)chunk;
    a->save_dtype = tf->dtype;
    return 0;
}

int train_flags_check_out(const char *cmd, const train_flags *tf) {
    wmss_error e = {{0}};
    if (!wmss_train_out_check(tf->out, tf->resume, tf->overwrite, &e)) return 0;
    fprintf(stderr, "wmss %s: %s\n", cmd, e.msg);
    return 1;
}

int train_flags_run(const char *cmd, const train_flags *tf, wmss_trainer_args *a, const wmss_branch_spec *spec, int K) {
    wmss_error e = {{0}};
    wmss_dist dist;
    wmss_train_result res = {0};
    volatile sig_atomic_t stop = 0;
    a->train.stop = &stop;
    int rc = wmss_dist_init(&dist, &e);
    if (!rc) {
        wmss_stop_on_signals(&stop);
        rc = wmss_trainer_run(spec, K, a, &dist, &res, &e);
    }
    if (rc && e.msg[0]) fprintf(stderr, "wmss %s: %s\n", cmd, e.msg);  // (empty: rank 0 speaks for the job)
    wmss_dist_finalize(&dist, 0);
    a->train.stop = NULL;
    return rc ? 1 : res.interrupted ? 130 : 0;
}
