// wmss entropy: WD-DS scoring — each example's mean predictive entropy (nats) over the
// positions whose next token is a completion token, teacher-forced, written as an
// entropy file (entropy_file.h). Under mpirun the examples' micro-batches are shared
// out over the ranks and rank 0 writes the file.
#include <stdio.h>

#include "commands.h"
#include "data_flags.h"
#include "wdds.h"

int cmd_entropy(int argc, char **argv) {
    const char *model_dir = NULL, *data = NULL, *out = NULL, *bt_s = "8192", *chunk_s = "256";
    data_flags df;
    int done;
    cli_opt opts[5 + DATA_FLAG_COUNT] = {
        {"--model", "DIR", "model directory (required)", &model_dir, NULL},
        {"--data", "FILE", "JSONL data, as for sft (required)", &data, NULL},
        {"--out", "FILE", "entropy JSONL: {\"index\", \"entropy\", \"tokens\"[, \"id\"]} per line of the data (required)", &out, NULL},
        {"--batch-tokens", "N", "tokens per forward micro-batch (default 8192)", &bt_s, NULL},
        {"--loss-chunk", "N", "token rows per LM-head chunk (default 256)", &chunk_s, NULL},
    };
    int n_opts = 5 + data_flags_opts(&df, "4096", opts + 5);
    int rc = cli_parse("entropy", "--model DIR --data FILE --out FILE", argc, argv, opts, n_opts, &done);
    if (done) return rc;
    if (!model_dir || !data || !out) {
        fprintf(stderr, "wmss entropy: --model, --data and --out are required\n");
        return 2;
    }
    long bt, chunk;
    if (cli_int("--batch-tokens", bt_s, 1, 1 << 26, &bt) || data_flags_finish(&df) ||
        cli_int("--loss-chunk", chunk_s, 1, 1 << 20, &chunk))
        return 2;
    wmss_entropy_job j = {model_dir, data, out, df.spec, (int)bt, (int)chunk, stderr};
    wmss_error e = {{0}};
    wmss_dist dist;
    rc = wmss_dist_init(&dist, &e) || wmss_entropy_run(&j, &dist, &e) ? 1 : 0;
    if (rc && e.msg[0]) fprintf(stderr, "wmss entropy: %s\n", e.msg);  // (empty: rank 0 speaks for the job)
    wmss_dist_finalize(&dist, 0);
    return rc;
}
