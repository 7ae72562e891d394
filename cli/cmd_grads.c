// wmss grads: loss and parameter gradients of a model (or of the mixed logits of a
// strong and a weak model) over a whole data file taken as one batch. The debug hook
// the gradient parity tests use.
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "fsutil.h"
#include "commands.h"
#include "data_flags.h"
#include "device.h"
#include "engine.h"

static int write_grads(const wmss_branch *b, const char *path, wmss_error *e) {
    const wmss_layout *lo = &b->model->layout;
    float *g = wmss_dev_host_shared() ? b->grad : wmss_malloc(lo->n_floats * sizeof(float), e);
    if (!g) return -1;
    wmss_dev_download(g, b->grad, lo->n_floats * sizeof(float));
    wmss_st_out *outs = wmss_layout_describe(lo, g, WMSS_F32, "", e);
    int rc = outs ? wmss_st_write(path, outs, lo->n_specs, e) : -1;
    free(outs);
    if (g != b->grad) free(g);
    return rc;
}

int cmd_grads(int argc, char **argv) {
    const char *model_dir = NULL, *weak_dir = NULL, *data = NULL, *out = NULL, *out_weak = NULL, *lambda_s = "0.5";
    const char *chunk_s = "256";
    data_flags df;
    int done;
    cli_opt opts[8 + DATA_FLAG_COUNT] = {
        {"--model", "DIR", "the (strong) model directory (required)", &model_dir, NULL},
        {"--weak", "DIR", "a weak model: the loss is on lambda*z_strong + (1-lambda)*z_weak", &weak_dir, NULL},
        {"--lambda", "L", "mixing weight of the strong model (default 0.5)", &lambda_s, NULL},
        {"--data", "FILE", "JSONL data (required)", &data, NULL},
        {"--out", "FILE", "gradients of the (strong) model as float32 safetensors (required)", &out, NULL},
        {"--out-weak", "FILE", "gradients of the weak model", &out_weak, NULL},
        {"--loss-chunk", "N", "token rows per loss chunk (default 256)", &chunk_s, NULL},
    };
    int n_opts = 7 + data_flags_opts(&df, "0", opts + 7);
    n_opts += data_flags_loss_on_opt(&df, opts + n_opts);
    int rc = cli_parse("grads", "--model DIR [--weak DIR --lambda L] --data FILE --out FILE", argc, argv, opts,
                       n_opts, &done);
    if (done) return rc;
    if (!model_dir || !data || !out || (out_weak && !weak_dir)) {
        fprintf(stderr, "wmss grads: --model, --data and --out are required (--out-weak needs --weak)\n");
        return 2;
    }
    double lambda;
    long chunk;
    if (cli_double("--lambda", lambda_s, &lambda) || data_flags_finish(&df) ||
        cli_int("--loss-chunk", chunk_s, 1, 1 << 20, &chunk))
        return 2;
    wmss_error e = {{0}};
    wmss_model strong = {0}, weak = {0};
    wmss_data_setup d = {0};
    wmss_engine en = {0};
    rc = 1;
    if (wmss_model_load(model_dir, &strong, &e) || (weak_dir && wmss_model_load(weak_dir, &weak, &e)) ||
        wmss_data_setup_load(&d, model_dir, NULL, data, &df.spec, strong.cfg.vocab_size, stderr, &e))
        goto end;
    int *idx = malloc(d.ds.n * sizeof *idx);
    if (!idx) { wmss_fail(&e, "out of memory"); goto end; }
    long targets = 0;
    for (int i = 0; i < d.ds.n; i++) {
        idx[i] = i;
        targets += d.ds.n_targets[i];
    }
    wmss_branch_spec spec[2] = {{&strong, weak_dir ? (float)lambda : 1.0f, 1}, {&weak, (float)(1.0 - lambda), 1}};
    wmss_loss_stats st = {0};
    if (wmss_engine_create(&en, spec, weak_dir ? 2 : 1, (int)d.ds.n_tokens, d.ds.n, (int)chunk, &e) ||
        wmss_engine_accumulate(&en, &d.ds, idx, d.ds.n, (float)(1.0 / targets), &st, NULL, NULL, &e)) {
        free(idx);
        goto end;
    }
    free(idx);
    if (write_grads(&en.br[0], out, &e) || (out_weak && write_grads(&en.br[1], out_weak, &e))) goto end;
    char b1[64], b2[64], b3[64];
    printf("{\"loss\": %s, \"tokens\": %ld, \"entropy\": %s, \"accuracy\": %s}\n",
           wmss_json_num(b1, "%.9g", st.loss_sum / st.n_tokens), st.n_tokens,
           wmss_json_num(b2, "%.9g", st.entropy_sum / st.n_tokens), wmss_json_num(b3, "%.9g", (double)st.n_correct / st.n_tokens));
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss grads: %s\n", e.msg);
    wmss_engine_free(&en);
    wmss_data_setup_free(&d);
    wmss_model_free(&strong);
    wmss_model_free(&weak);
    return rc;
}
