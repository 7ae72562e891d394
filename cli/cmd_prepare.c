// wmss prepare: tokenize a training file exactly as `wmss sft` will and write it in the
// pre-tokenized format ({"input_ids": [...], "completion_mask": [...], "line": n}), so
// a user can see which tokens are trained on (and reuse the result as data).
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "data_flags.h"
#include "fsutil.h"
#include "model.h"

int cmd_prepare(int argc, char **argv) {
    const char *model_dir = NULL, *data = NULL, *out = NULL;
    data_flags df;
    int done;
    cli_opt opts[3 + DATA_FLAG_COUNT] = {
        {"--model", "DIR", "model directory with the tokenizer and chat template (required)", &model_dir, NULL},
        {"--data", "FILE", "JSONL data (required)", &data, NULL},
        {"--out", "FILE", "tokenized JSONL (required)", &out, NULL},
    };
    int n_opts = 3 + data_flags_opts(&df, "4096", opts + 3);
    int rc = cli_parse("prepare", "--model DIR --data FILE --out FILE", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    if (!model_dir || !data || !out) {
        fprintf(stderr, "wmss prepare: --model, --data and --out are required\n");
        return 2;
    }
    if (data_flags_finish(&df)) return 2;
    wmss_error e = {{0}};
    wmss_config cfg;
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", model_dir);
    if (wmss_config_load(path, &cfg, &e)) {
        fprintf(stderr, "wmss prepare: %s\n", e.msg);
        return 1;
    }
    wmss_data_setup d;
    rc = wmss_data_setup_load(&d, model_dir, NULL, data, &df.spec, cfg.vocab_size, stderr, &e);
    wmss_config_free(&cfg);
    wmss_atomic_file af;
    if (!rc) rc = wmss_atomic_open(&af, out, &e);
    for (int i = 0; i < d.ds.n && !rc; i++) {
        fprintf(af.f, "{\"input_ids\": [");
        for (int64_t t = d.ds.offset[i]; t < d.ds.offset[i + 1]; t++)
            fprintf(af.f, "%s%d", t > d.ds.offset[i] ? ", " : "", d.ds.ids[t]);
        fprintf(af.f, "], \"completion_mask\": [");
        for (int64_t t = d.ds.offset[i]; t < d.ds.offset[i + 1]; t++)
            fprintf(af.f, "%s%d", t > d.ds.offset[i] ? ", " : "", d.ds.mask[t]);
        fprintf(af.f, "], \"line\": %d}\n", d.ds.line[i]);
    }
    if (!rc) rc = wmss_atomic_commit(&af, &e);
    if (!rc) fprintf(stderr, "wrote %s\n", out);
    else fprintf(stderr, "wmss prepare: %s\n", e.msg);
    wmss_data_setup_free(&d);
    return rc ? 1 : 0;
}
