// wmss stats: the logit statistics of the paper's Tables 6-7 over completion positions,
// and with --ref the distribution of dH = H_model - H_ref over examples.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "data_setup.h"
#include "fsutil.h"
#include "score.h"

static const char *const LS_NAMES[WMSS_LS_COUNT] = {
    [WMSS_LS_TARGET] = "target_logit", [WMSS_LS_NONTARGET] = "nontarget_logit", [WMSS_LS_GAP] = "gap",
    [WMSS_LS_STD] = "logit_std", [WMSS_LS_CNORM] = "centered_norm", [WMSS_LS_MAX] = "max_logit",
    [WMSS_LS_MIN] = "min_logit", [WMSS_LS_ENTROPY] = "entropy", [WMSS_LS_MAXPROB] = "max_prob",
};

static void add_stats(cJSON *o, const wmss_logit_stats *ls) {
    cJSON_AddNumberToObject(o, "positions", (double)ls->n);
    for (int k = 0; k < WMSS_LS_COUNT; k++) cJSON_AddNumberToObject(o, LS_NAMES[k], ls->sum[k] / ls->n);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cmd_stats(int argc, char **argv) {
    const char *model_dir = NULL, *ref_dir = NULL, *data = NULL, *out = NULL, *bt_s = "8192", *max_len_s = "4096";
    data_flags df = {0};
    int done;
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--ref", "DIR", "a reference (weak) model: adds its statistics and the dH distribution", &ref_dir, NULL},
        {"--data", "FILE", "JSONL data (required)", &data, NULL},
        {"--out", "FILE", "also write the JSON to FILE", &out, NULL},
        {"--batch-tokens", "N", "tokens per forward micro-batch (default 8192)", &bt_s, NULL},
        {"--max-len", "N", "tokens per example (default 4096)", &max_len_s, NULL},
        {"--chat-template", "NAME", "auto (default) or a family name", &df.chat_template, NULL},
        {"--bad-data", "stop|skip", "malformed lines: stop (default) or skip", &df.bad_data, NULL},
    };
    int rc = cli_parse("stats", "--model DIR [--ref DIR] --data FILE [--out FILE]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !data) {
        fprintf(stderr, "wmss stats: --model and --data are required\n");
        return 2;
    }
    long bt, max_len;
    if (cli_int("--batch-tokens", bt_s, 1, 1 << 26, &bt) || cli_int("--max-len", max_len_s, 2, 1 << 24, &max_len)) return 2;
    df.max_len = (int)max_len;
    wmss_error e = {{0}};
    wmss_model m = {0}, ref = {0};
    data_setup d = {0};
    double *h = NULL, *hr = NULL;
    char *text = NULL;
    rc = 1;
    if (wmss_model_load(model_dir, &m, &e) || (ref_dir && wmss_model_load(ref_dir, &ref, &e)) ||
        data_setup_load(&d, model_dir, NULL, data, &df, m.cfg.vocab_size, &e))
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
    cJSON *j = cJSON_CreateObject();
    add_stats(j, &ls);
    if (ref_dir) {
        add_stats(cJSON_AddObjectToObject(j, "ref"), &lr);
        double mean = 0, var = 0, neg = 0;
        const int n = d.ds.n;
        for (int i = 0; i < n; i++) {
            h[i] -= hr[i];  // dH
            mean += h[i] / n;
            neg += h[i] < 0;
        }
        for (int i = 0; i < n; i++) var += (h[i] - mean) * (h[i] - mean) / n;
        qsort(h, n, sizeof *h, cmp_double);
        cJSON *dj = cJSON_AddObjectToObject(j, "dH");
        cJSON_AddNumberToObject(dj, "examples", n);
        cJSON_AddNumberToObject(dj, "mean", mean);
        cJSON_AddNumberToObject(dj, "std", sqrt(var));
        const double qs[7] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
        const char *qn[7] = {"min", "q05", "q25", "q50", "q75", "q95", "max"};
        for (int q = 0; q < 7; q++) cJSON_AddNumberToObject(dj, qn[q], wmss_quantile(h, n, qs[q]));
        cJSON_AddNumberToObject(dj, "share_negative", neg / n);
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
    data_setup_free(&d);
    wmss_model_free(&m);
    wmss_model_free(&ref);
    return rc;
}
