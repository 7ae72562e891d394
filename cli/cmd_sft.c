// wmss sft: supervised fine-tuning (the paper's Phase 1) — completion-only
// cross-entropy, AdamW, schedule, accumulation, clipping, checkpoints, resume.
#include <stdio.h>

#include "commands.h"
#include "train_flags.h"

int cmd_sft(int argc, char **argv) {
    const char *model_dir = NULL;
    train_flags tf;
    cli_opt opts[TRAIN_FLAG_COUNT + 1];
    opts[0] = (cli_opt){"--model", "DIR", "the model directory to fine-tune (required)", &model_dir, NULL};
    int n_opts = 1 + train_flags_opts(&tf, opts + 1, 1), done;
    int rc = cli_parse("sft", "--model DIR --data FILE --out DIR [options]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    wmss_trainer_args a;
    if ((rc = train_flags_finish("sft", &tf, &a))) return rc;
    if (!model_dir) {
        fprintf(stderr, "wmss sft: --model is required\n");
        return 2;
    }
    if (train_flags_check_out("sft", &tf)) return 1;
    wmss_error e = {{0}};
    wmss_model m;
    if (wmss_model_load(model_dir, &m, &e)) {
        fprintf(stderr, "wmss sft: %s\n", e.msg);
        return 1;
    }
    a.tokenizer_dir = a.train.copy_from[0] = model_dir;
    a.train.save_branch[0] = 1;
    a.train.command = "sft";
    wmss_branch_spec spec = {&m, 1.0f, 1};
    rc = train_flags_run("sft", &tf, &a, &spec, 1);
    wmss_model_free(&m);
    return rc;
}
