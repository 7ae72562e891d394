// wmss run: Algorithm 1 end to end (algorithm.h): SFT, then rounds of entropy,
// selection and joint training, every phase's outputs under --out; a rerun continues
// from the first unfinished phase. Under mpirun every rank runs it. --preset applies the
// paper's or the released code's settings (algorithm.h); the flags given explicitly win.
#include <stdio.h>

#include "algorithm.h"
#include "commands.h"
#include "train_flags.h"

int cmd_run(int argc, char **argv) {
    const char *m0 = NULL, *data = NULL, *dir = NULL, *rounds_s = "1", *sft_epochs = "1", *joint_epochs = "1";
    const char *lambda_s = "0.5", *alpha = "0.1", *beta = "0.8", *gamma = "0.1", *preset = "paper", *sel_preset = NULL;
    const char *normalize = "per-term", *select_seed = "42", *draws = NULL, *joint_lr = NULL, *batch_tokens = "8192";
    int freeze = 0, keep_dup = 0, remove_dup = 0, done;
    train_flags tf;
    cli_opt opts[20 + TRAIN_FLAG_COUNT] = {
        {"--model", "DIR", "the base model M0 (required)", &m0, NULL},
        {"--data", "FILE", "the training set D (required)", &data, NULL},
        {"--out", "DIR", "run directory: every phase's outputs (required)", &dir, NULL},
        {"--rounds", "K", "weak-driven rounds (default 1, the paper's main setting)", &rounds_s, NULL},
        {"--sft-epochs", "N", "epochs of the initial SFT (default 1)", &sft_epochs, NULL},
        {"--joint-epochs", "N", "epochs of joint training per round (default 1)", &joint_epochs, NULL},
        {"--joint-lr", "LR", "learning rate of joint training (default: --lr)", &joint_lr, NULL},
        {"--lambda", "L", "strong weight in the mixed logits (default 0.5)", &lambda_s, NULL},
        {"--freeze-weak", NULL, "do not update the weak model in joint training", NULL, &freeze},
        {"--alpha", "A", "selection weight alpha (default 0.1)", &alpha, NULL},
        {"--beta", "B", "selection weight beta (default 0.8)", &beta, NULL},
        {"--gamma", "G", "selection weight gamma (default 0.1)", &gamma, NULL},
        {"--preset", "P",
         "paper (default) or released-code: sets the selection preset, duplicates, the joint loss mask and warmup "
         "(explicit flags win)",
         &preset, NULL},
        {"--select-preset", "P", "selection weights: paper (Eq. 9) or released-code (default: --preset's)",
         &sel_preset, NULL},
        {"--keep-duplicates", NULL, "the active set keeps every draw (default with --preset released-code)", NULL,
         &keep_dup},
        {"--remove-duplicates", NULL, "the active set holds each drawn example once (default with --preset paper)",
         NULL, &remove_dup},
        {"--normalize", "N", "selection term normalization: per-term (default) or none", &normalize, NULL},
        {"--select-seed", "S", "selection sampling seed (default 42)", &select_seed, NULL},
        {"--draws", "N", "selection draws (default |D|)", &draws, NULL},
        {"--batch-tokens", "N", "tokens per entropy-scoring micro-batch (default 8192)", &batch_tokens, NULL},
    };
    int n_opts = 20 + train_flags_opts(&tf, opts + 20, 0);
    int rc = cli_parse("run", "--model M0 --data D --out DIR [--rounds K] [options]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    if (!m0 || !data || !dir) {
        fprintf(stderr, "wmss run: --model, --data and --out are required\n");
        return 2;
    }
    wmss_algorithm_opts o;
    wmss_algorithm_opts_default(&o);
    long rounds, sft_e, joint_e, seed, n_draws = -1, bt;
    tf.data = data;
    tf.out = dir;
    if (cli_int("--rounds", rounds_s, 1, 100, &rounds) || cli_int("--sft-epochs", sft_epochs, 1, 1000000, &sft_e) ||
        cli_int("--joint-epochs", joint_epochs, 1, 1000000, &joint_e) ||
        (joint_lr && cli_double("--joint-lr", joint_lr, &o.joint_lr)) || cli_double("--lambda", lambda_s, &o.lambda) ||
        cli_double("--alpha", alpha, &o.select.alpha) || cli_double("--beta", beta, &o.select.beta) ||
        cli_double("--gamma", gamma, &o.select.gamma) || cli_int("--select-seed", select_seed, 0, 0x7fffffffffffffffL, &seed) ||
        (draws && cli_int("--draws", draws, 1, 1 << 30, &n_draws)) ||
        cli_int("--batch-tokens", batch_tokens, 1, 1 << 26, &bt) || train_flags_finish("run", &tf, &o.train))
        return 2;
    wmss_run_preset rp;
    if (o.lambda < 0 || o.lambda > 1 || o.select.alpha < 0 || o.select.beta < 0 || o.select.gamma < 0 ||
        (joint_lr && o.joint_lr <= 0) || wmss_run_preset_parse(preset, &rp) ||
        (sel_preset && wmss_select_preset_parse(sel_preset, &o.select.preset)) ||
        wmss_select_norm_parse(normalize, &o.select.normalize) || (keep_dup && remove_dup)) {
        fprintf(stderr, "wmss run: need --lambda in [0, 1], --alpha, --beta, --gamma >= 0, --joint-lr > 0, "
                        "--preset and --select-preset paper|released-code, --normalize per-term|none, and not both "
                        "--keep-duplicates and --remove-duplicates\n");
        return 2;
    }
    // The preset first, then what was given explicitly. --loss-on is the joint phase's
    // (the SFT phase stays completion-only).
    const wmss_select_preset sp = o.select.preset;
    const double warmup_ratio = o.train.train.warmup_ratio;
    const long warmup_steps = o.train.train.warmup_steps;
    const int loss_on_all = o.train.data.loss_on_all;
    o.train.data.loss_on_all = 0;
    wmss_algorithm_apply_preset(&o, rp);
    if (sel_preset) o.select.preset = sp;
    if (keep_dup || remove_dup) o.keep_duplicates = keep_dup;
    if (tf.df.loss_on) o.joint_loss_on_all = loss_on_all;
    if (tf.warmup_ratio || tf.warmup_steps) {
        o.train.train.warmup_ratio = warmup_ratio;
        o.train.train.warmup_steps = warmup_steps;
    }
    o.model = m0;
    o.data = data;
    o.out = dir;
    o.rounds = (int)rounds;
    o.sft_epochs = (int)sft_e;
    o.joint_epochs = (int)joint_e;
    o.select_seed = (uint64_t)seed;
    o.draws = (int)n_draws;
    o.batch_tokens = (int)bt;
    o.report = stdout;
    wmss_error e = {{0}};
    wmss_dist dist;
    wmss_algorithm_result res;
    volatile sig_atomic_t stop = 0;
    o.train.train.stop = &stop;
    wmss_stop_on_signals(&stop);
    rc = wmss_dist_init(&dist, &e) || wmss_algorithm_run(&o, &dist, &res, &e) ? 1 : 0;
    if (rc && e.msg[0]) fprintf(stderr, "wmss run: %s\n", e.msg);  // (empty: rank 0 speaks for the job)
    wmss_dist_finalize(&dist, 0);
    return rc ? 1 : res.interrupted ? 130 : 0;
}
