// wmss joint: WD-JT, joint-logit training (DESIGN §2, Phase 3). Both models are
// forwarded on the same batch; the loss is the cross-entropy of
// lambda*z_strong + (1-lambda)*z_weak; both are updated (the weak one unless
// --freeze-weak) with clipping over both; the strong branch is saved.
#include <stdio.h>

#include "commands.h"
#include "train_flags.h"

int cmd_joint(int argc, char **argv) {
    const char *weak_dir = NULL, *strong_dir = NULL, *lambda_s = "0.5";
    int freeze = 0, save_weak = 0;
    train_flags tf;
    cli_opt opts[TRAIN_FLAG_COUNT + 5];
    opts[0] = (cli_opt){"--strong", "DIR", "the strong model (M_t), saved to --out (required)", &strong_dir, NULL};
    opts[1] = (cli_opt){"--weak", "DIR", "the weak model (M_{t-1}) (required)", &weak_dir, NULL};
    opts[2] = (cli_opt){"--lambda", "L", "weight of the strong logits, in [0, 1] (default 0.5)", &lambda_s, NULL};
    opts[3] = (cli_opt){"--freeze-weak", NULL, "do not update the weak model (paper appendix B.1)", NULL, &freeze};
    opts[4] = (cli_opt){"--save-weak", NULL, "also save the trained weak model in OUT/weak", NULL, &save_weak};
    int n_opts = 5 + train_flags_opts(&tf, opts + 5, 1), done;
    int rc = cli_parse("joint", "--weak DIR --strong DIR --data FILE --out DIR [--lambda L] [options]", argc, argv, opts,
                       n_opts, &done);
    if (done) return rc;
    wmss_trainer_args a;
    if ((rc = train_flags_finish("joint", &tf, &a))) return rc;
    double lambda;
    if (!weak_dir || !strong_dir) {
        fprintf(stderr, "wmss joint: --weak and --strong are required\n");
        return 2;
    }
    if (cli_double("--lambda", lambda_s, &lambda)) return 2;
    if (lambda < 0 || lambda > 1) {
        fprintf(stderr, "wmss joint: --lambda must be in [0, 1]\n");
        return 2;
    }
    if (train_flags_check_out("joint", &tf)) return 1;
    wmss_error e = {{0}};
    wmss_model strong = {0}, weak = {0};
    if (wmss_model_load(strong_dir, &strong, &e) || wmss_model_load(weak_dir, &weak, &e)) {
        fprintf(stderr, "wmss joint: %s\n", e.msg);
        wmss_model_free(&strong);
        return 1;
    }
    wmss_train_opts *o = &a.train;
    a.tokenizer_dir = o->copy_from[0] = strong_dir;
    o->copy_from[1] = weak_dir;
    o->save_branch[0] = 1;
    o->save_branch[1] = save_weak;
    o->branch_dir[1] = "weak";
    o->command = freeze ? "joint-frozen-weak" : "joint";
    // Branch 0 is the strong model: the saved one, and first in the mixed logits.
    wmss_branch_spec spec[2] = {{&strong, (float)lambda, 1}, {&weak, (float)(1.0 - lambda), !freeze}};
    rc = train_flags_run("joint", &tf, &a, spec, 2);
    wmss_model_free(&strong);
    wmss_model_free(&weak);
    return rc;
}
