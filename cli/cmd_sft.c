// wmss sft: supervised fine-tuning (the paper's Phase 1) — completion-only
// cross-entropy, AdamW, schedule, accumulation, clipping, checkpoints, resume.
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "data_setup.h"
#include "engine.h"
#include "train_flags.h"

int cmd_sft(int argc, char **argv) {
    const char *model_dir = NULL;
    train_flags tf;
    cli_opt opts[TRAIN_FLAG_COUNT + 1];
    opts[0] = (cli_opt){"--model", "DIR", "the model directory to fine-tune (required)", &model_dir, NULL};
    int n_opts = 1 + train_flags_opts(&tf, opts + 1), done, loss_chunk;
    int rc = cli_parse("sft", "--model DIR --data FILE --out DIR [options]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    wmss_train_opts o;
    if ((rc = train_flags_finish("sft", &tf, &o, &loss_chunk))) return rc;
    if (!model_dir) {
        fprintf(stderr, "wmss sft: --model is required\n");
        return 2;
    }
    if (train_flags_check_out("sft", &tf)) return 1;
    wmss_error e = {{0}};
    wmss_model m = {0};
    data_setup d = {0};
    wmss_engine en = {0};
    rc = 1;
    if (wmss_model_load(model_dir, &m, &e) || data_setup_load(&d, model_dir, NULL, tf.data, &tf.df, m.cfg.vocab_size, &e))
        goto end;
    o.save_dtype[0] = m.cfg.torch_dtype;
    if (tf.dtype) {
        int t = wmss_dtype_from_torch_name(tf.dtype);
        if (t < 0) {
            wmss_fail(&e, "--dtype must be float32, bfloat16 or float16");
            goto end;
        }
        o.save_dtype[0] = (wmss_dtype)t;
    }
    o.copy_from[0] = model_dir;
    o.save_branch[0] = 1;
    o.command = "sft";
    int max_len = 0;
    for (int i = 0; i < d.ds.n; i++)
        if (wmss_example_len(&d.ds, i) > max_len) max_len = wmss_example_len(&d.ds, i);
    wmss_branch_spec spec = {&m, 1.0f, 1};
    if (wmss_engine_create(&en, &spec, 1, max_len * o.micro_batch, o.micro_batch, loss_chunk, &e)) goto end;
    volatile sig_atomic_t stop = 0;
    o.stop = &stop;
    train_install_stop_handler(&stop);
    wmss_train_result res;
    if (wmss_train(&en, &d.ds, &o, &res, &e)) goto end;
    if (!res.interrupted) fprintf(stderr, "wrote %s (%ld steps, last loss %.4f)\n", tf.out, res.steps_done, res.last_loss);
    rc = res.interrupted ? 130 : 0;
end:
    if (rc == 1) fprintf(stderr, "wmss sft: %s\n", e.msg);
    wmss_engine_free(&en);
    data_setup_free(&d);
    wmss_model_free(&m);
    return rc;
}
