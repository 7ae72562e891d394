// wmss logits: run the forward pass on token id sequences and write float32 logits;
// the debug hook every parity check uses.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "model.h"

// Parses "1,2,3;4,5" into packed ids and sequence starts.
static int parse_ids(const char *s, int **ids, int **start, int *B, wmss_error *e) {
    size_t cap = strlen(s) / 2 + 2;
    *ids = malloc(cap * sizeof **ids);
    *start = malloc((cap + 1) * sizeof **start);
    if (!*ids || !*start) return wmss_fail(e, "out of memory");
    int n = 0, b = 0;
    (*start)[0] = 0;
    const char *p = s;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > 0x7fffffff)
            return wmss_fail(e, "--ids: expected a token id at offset %d of \"%s\"", (int)(p - s), s);
        (*ids)[n++] = (int)v;
        p = end;
        if (*p == ',') { p++; continue; }
        (*start)[++b] = n;
        if (*p == ';') { p++; continue; }
        if (*p == '\0') break;
        return wmss_fail(e, "--ids: unexpected '%c' at offset %d (use commas between ids, ';' between sequences)", *p,
                         (int)(p - s));
    }
    *B = b;
    return 0;
}

static void print_top(const float *row, int V, int K, int seq, int pos) {
    // Partial selection of the K largest (K is small).
    int best[64];
    float mx = -INFINITY;
    double sum = 0;
    for (int v = 0; v < V; v++) mx = fmaxf(mx, row[v]);
    for (int v = 0; v < V; v++) sum += exp((double)row[v] - mx);
    int n = 0;
    for (int v = 0; v < V; v++) {
        if (n < K) best[n++] = v;
        else if (row[v] > row[best[n - 1]]) best[n - 1] = v;
        else continue;
        for (int i = n - 1; i > 0 && row[best[i]] > row[best[i - 1]]; i--) {
            int t = best[i]; best[i] = best[i - 1]; best[i - 1] = t;
        }
    }
    printf("{\"seq\": %d, \"pos\": %d, \"top\": [", seq, pos);
    for (int i = 0; i < n; i++) {
        char b1[64], b2[64];
        printf("%s{\"id\": %d, \"logit\": %s, \"prob\": %s}", i ? ", " : "", best[i],
               wmss_json_num(b1, "%.6g", row[best[i]]), wmss_json_num(b2, "%.6g", exp((double)row[best[i]] - mx) / sum));
    }
    printf("]}\n");
}

// Mean negative log-likelihood of each next token (positions 0..T-2 predict 1..T-1).
static void print_score(const float *logits, const int *ids, int T, int V, int seq) {
    double nll = 0;
    for (int t = 0; t + 1 < T; t++) {
        const float *row = logits + (size_t)t * V;
        float mx = -INFINITY;
        for (int v = 0; v < V; v++) mx = fmaxf(mx, row[v]);
        double sum = 0;
        for (int v = 0; v < V; v++) sum += exp((double)row[v] - mx);
        nll += mx + log(sum) - row[ids[t + 1]];
    }
    char b1[64], b2[64];
    if (T > 1)
        printf("{\"seq\": %d, \"tokens\": %d, \"mean_nll\": %s, \"perplexity\": %s}\n", seq, T,
               wmss_json_num(b1, "%.6f", nll / (T - 1)), wmss_json_num(b2, "%.4f", exp(nll / (T - 1))));
    else printf("{\"seq\": %d, \"tokens\": %d, \"mean_nll\": null, \"perplexity\": null}\n", seq, T);
}

int cmd_logits(int argc, char **argv) {
    const char *model_dir = NULL, *ids_s = NULL, *out = NULL, *top_s = NULL;
    int score = 0, allow_nf = 0, done;
    const cli_opt opts[] = {
        {"--model", "DIR", "Hugging Face model directory (required)", &model_dir, NULL},
        {"--ids", "LIST", "token ids: \"1,2,3;4,5\" (';' separates sequences, run as one batch)", &ids_s, NULL},
        {"--out", "FILE", "write float32 little-endian logits, (T, V) per sequence, concatenated", &out, NULL},
        {"--top", "K", "print the K most likely next tokens at every position (JSON lines)", &top_s, NULL},
        {"--score", NULL, "print each sequence's mean next-token NLL and perplexity (JSON lines)", NULL, &score},
        {"--allow-nonfinite", NULL, "load weights holding NaN or infinities (to look at a damaged model)", NULL,
         &allow_nf},
    };
    int rc = cli_parse("logits", "--model DIR --ids LIST [--out FILE] [--top K] [--score]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!model_dir || !ids_s || (!out && !top_s && !score)) {
        fprintf(stderr, "wmss logits: --model, --ids and at least one of --out, --top, --score are required\n");
        return 2;
    }
    long top = 0;
    if (top_s && cli_int("--top", top_s, 1, 64, &top)) return 2;
    wmss_error e = {{0}};
    int *ids = NULL, *start = NULL, B = 0;
    float *logits = NULL;
    wmss_model m = {0};
    wmss_acts a = {0};
    rc = 1;
    wmss_model_allow_nonfinite(allow_nf);
    if (parse_ids(ids_s, &ids, &start, &B, &e) || wmss_model_load(model_dir, &m, &e)) goto end;
    const int N = start[B], V = m.cfg.vocab_size;
    logits = malloc((size_t)N * V * sizeof(float));
    if (!logits) {
        wmss_fail(&e, "out of memory for %d x %d logits", N, V);
        goto end;
    }
    wmss_batch batch = {.ids = ids, .start = start, .B = B};
    if (wmss_acts_create(&m.cfg, N, 0, 0, &a, &e) || wmss_forward(&m, &a, &batch, logits, &e)) goto end;
    if (out && wmss_write_file_atomic(out, logits, (size_t)N * V * sizeof(float), &e)) goto end;
    for (int b = 0; b < B; b++) {
        for (int t = start[b]; top && t < start[b + 1]; t++) print_top(logits + (size_t)t * V, V, (int)top, b, t - start[b]);
        if (score) print_score(logits + (size_t)start[b] * V, ids + start[b], start[b + 1] - start[b], V, b);
    }
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss logits: %s\n", e.msg);
    wmss_acts_free(&a);
    wmss_model_free(&m);
    free(logits);
    free(ids);
    free(start);
    return rc;
}
