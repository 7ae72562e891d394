// wmss stats: the logit statistics of the paper's Tables 6-7 over completion positions,
// and with --ref the distribution of dH = H_model - H_ref over examples.
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "data_flags.h"
#include "fsutil.h"
#include "score.h"
#include "select.h"

static const char *const LS_NAMES[WMSS_LS_COUNT] = {
    [WMSS_LS_TARGET] = "target_logit", [WMSS_LS_NONTARGET] = "nontarget_logit", [WMSS_LS_GAP] = "gap",
    [WMSS_LS_STD] = "logit_std", [WMSS_LS_CNORM] = "centered_norm", [WMSS_LS_MAX] = "max_logit",
    [WMSS_LS_MIN] = "min_logit", [WMSS_LS_ENTROPY] = "entropy", [WMSS_LS_MAXPROB] = "max_prob",
};

static void add_stats(cJSON *o, const wmss_logit_stats *ls) {
    cJSON_AddNumberToObject(o, "positions", (double)ls->n);
    for (int k = 0; k < WMSS_LS_COUNT; k++) cJSON_AddNumberToObject(o, LS_NAMES[k], ls->sum[k] / ls->n);
}

static void add_dh(cJSON *o, const wmss_dh_stats *dh) {
    cJSON *dj = cJSON_AddObjectToObject(o, "dH");
    cJSON_AddNumberToObject(dj, "examples", dh->n);
    cJSON_AddNumberToObject(dj, "mean", dh->mean);
    cJSON_AddNumberToObject(dj, "std", dh->std);
    for (int q = 0; q < WMSS_DH_QUANTILES; q++) cJSON_AddNumberToObject(dj, WMSS_DH_QUANTILE_NAME[q], dh->q[q]);
    cJSON_AddNumberToObject(dj, "share_negative", dh->share_negative);
}

int cmd_stats(int argc, char **argv) {
    const char *model_dir = NULL, *ref_dir = NULL, *data = NULL, *out = NULL, *bt_s = "8192";
    data_flags df;
    int done;
    cli_opt opts[5 + DATA_FLAG_COUNT] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--ref", "DIR", "a reference (weak) model: adds its statistics and the dH distribution", &ref_dir, NULL},
        {"--data", "FILE", "JSONL data (required)", &data, NULL},
        {"--out", "FILE", "also write the JSON to FILE", &out, NULL},
        {"--batch-tokens", "N", "tokens per forward micro-batch (default 8192)", &bt_s, NULL},
    };
    int n_opts = 5 + data_flags_opts(&df, "4096", opts + 5);
    int rc = cli_parse("stats", "--model DIR [--ref DIR] --data FILE [--out FILE]", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    if (!model_dir || !data) {
        fprintf(stderr, "wmss stats: --model and --data are required\n");
        return 2;
    }
    long bt;
    if (cli_int("--batch-tokens", bt_s, 1, 1 << 26, &bt) || data_flags_finish(&df)) return 2;
    wmss_error e = {{0}};
    wmss_model m = {0}, ref = {0};
    wmss_data_setup d = {0};
    double *h = NULL, *hr = NULL;
    char *text = NULL;
    rc = 1;
    if (wmss_model_load(model_dir, &m, &e) || (ref_dir && wmss_model_load(ref_dir, &ref, &e)) ||
        wmss_data_setup_load(&d, model_dir, NULL, data, &df.spec, m.cfg.vocab_size, stderr, &e))
        goto end;
    if (ref_dir && ref.cfg.vocab_size != m.cfg.vocab_size) {
        wmss_fail(&e, "%s and %s have different vocabularies (%d vs %d)", model_dir, ref_dir, m.cfg.vocab_size,
                  ref.cfg.vocab_size);
        goto end;
    }
    h = malloc(d.ds.n * sizeof *h);
    hr = malloc(d.ds.n * sizeof *hr);
    if (!h || !hr) { wmss_fail(&e, "out of memory"); goto end; }
    wmss_logit_stats ls = {0}, lr = {0};
    if (wmss_score(&m, &d.ds, (int)bt, 256, h, &ls, &e) || (ref_dir && wmss_score(&ref, &d.ds, (int)bt, 256, hr, &lr, &e)))
        goto end;
    wmss_dh_stats dh;
    if (ref_dir && wmss_dh_stats_compute(hr, h, d.ds.n, &dh, &e)) goto end;
    cJSON *j = cJSON_CreateObject();
    add_stats(j, &ls);
    if (ref_dir) {
        add_stats(cJSON_AddObjectToObject(j, "ref"), &lr);
        add_dh(j, &dh);
    }
    text = cJSON_Print(j);
    cJSON_Delete(j);
    if (!text) { wmss_fail(&e, "out of memory"); goto end; }
    printf("%s\n", text);
    if (out && wmss_write_file_atomic(out, text, strlen(text), &e)) goto end;
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss stats: %s\n", e.msg);
    free(text);
    free(h);
    free(hr);
    wmss_data_setup_free(&d);
    wmss_model_free(&m);
    wmss_model_free(&ref);
    return rc;
}
