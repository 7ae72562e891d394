// wmss entropy: WD-DS scoring — each example's mean predictive entropy (nats) over the
// positions whose next token is a completion token, teacher-forced. Under mpirun the
// examples' micro-batches are shared out over the ranks and rank 0 writes the file.
#include <stdio.h>
#include <stdlib.h>

#include "args.h"
#include "commands.h"
#include "data_setup.h"
#include "fsutil.h"
#include "score.h"

// One line per record of the file, in order; records that were dropped (no target
// token, overlong with --overlong drop, skipped bad lines) get "entropy": null, so
// that selection can check that its entropy files describe exactly this data.
static int write_entropy(const char *out, const wmss_dataset *ds, const double *h, wmss_error *e) {
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, out, e)) return -1;
    double mean = 0;
    for (int r = 0, i = 0; r < ds->n_records; r++) {
        if (i < ds->n && ds->record[i] == r) {
            fprintf(af.f, "{\"index\": %d, \"entropy\": %.9g, \"tokens\": %d", r, h[i], ds->n_targets[i]);
            if (ds->id[i]) fprintf(af.f, ", \"id\": %s", ds->id[i]);
            fprintf(af.f, "}\n");
            mean += h[i] / ds->n;
            i++;
        } else {
            fprintf(af.f, "{\"index\": %d, \"entropy\": null, \"tokens\": 0}\n", r);
        }
    }
    if (wmss_atomic_commit(&af, e)) return -1;
    fprintf(stderr, "wrote %s: %d examples, mean entropy %.4f nats\n", out, ds->n, mean);
    return 0;
}

int cmd_entropy(int argc, char **argv) {
    const char *model_dir = NULL, *data = NULL, *out = NULL, *bt_s = "8192", *max_len_s = "4096", *chunk_s = "256";
    data_flags df = {0};
    int done;
    const cli_opt opts[] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--data", "FILE", "JSONL data, as for sft (required)", &data, NULL},
        {"--out", "FILE", "entropy JSONL: {\"index\", \"entropy\", \"tokens\"[, \"id\"]} per line of the data (required)", &out, NULL},
        {"--batch-tokens", "N", "tokens per forward micro-batch (default 8192)", &bt_s, NULL},
        {"--max-len", "N", "tokens per example (default 4096)", &max_len_s, NULL},
        {"--loss-chunk", "N", "token rows per LM-head chunk (default 256)", &chunk_s, NULL},
        {"--chat-template", "NAME", "auto (default) or a family name", &df.chat_template, NULL},
        {"--enable-thinking", "true|false", "Qwen3 template option", &df.enable_thinking, NULL},
        {"--bad-data", "stop|skip", "malformed lines: stop (default) or skip", &df.bad_data, NULL},
        {"--overlong", "truncate|drop", "examples over --max-len (default truncate)", &df.overlong, NULL},
    };
    int rc = cli_parse("entropy", "--model DIR --data FILE --out FILE", argc, argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !data || !out) {
        fprintf(stderr, "wmss entropy: --model, --data and --out are required\n");
        return 2;
    }
    long bt, max_len, chunk;
    if (cli_int("--batch-tokens", bt_s, 1, 1 << 26, &bt) || cli_int("--max-len", max_len_s, 2, 1 << 24, &max_len) ||
        cli_int("--loss-chunk", chunk_s, 1, 1 << 20, &chunk))
        return 2;
    df.max_len = (int)max_len;
    wmss_error e = {{0}};
    wmss_model m = {0};
    data_setup d = {0};
    double *h = NULL;
    wmss_dist dist;
    rc = 1;
    if (wmss_dist_init(&dist, &e)) goto end;
    df.quiet = !wmss_dist_is_root(&dist);
    int failed = wmss_model_load(model_dir, &m, &e) || data_setup_load(&d, model_dir, NULL, data, &df, m.cfg.vocab_size, &e);
    if (!failed && !(h = malloc(d.ds.n * sizeof *h))) failed = wmss_fail(&e, "out of memory") != 0;
    if (wmss_dist_agree(&dist, failed, &e)) goto end;
    if (wmss_score_dist(&m, &d.ds, (int)bt, (int)chunk, h, NULL, &dist, &e)) goto end;
    // Rank 0 writes the file; the others wait until it is there (wmss run reads it next).
    failed = wmss_dist_is_root(&dist) && write_entropy(out, &d.ds, h, &e);
    if (wmss_dist_agree(&dist, failed, &e)) goto end;
    rc = 0;
end:
    if (rc && e.msg[0]) fprintf(stderr, "wmss entropy: %s\n", e.msg);  // (empty: rank 0 speaks for the job)
    free(h);
    data_setup_free(&d);
    wmss_model_free(&m);
    wmss_dist_finalize(&dist, 0);
    return rc;
}
