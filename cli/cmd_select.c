// wmss select: WD-DS — sampling weights from weak and strong entropies (paper Eq. 9 or
// the released code's variant), seeded draws with replacement, deduplication, shuffle;
// writes the active set and its statistics.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "score.h"
#include "select.h"

// The non-blank lines of a file (the examples of D, by index).
typedef struct {
    char *text;
    char **line;
    size_t *len;
    int n;
} lines;

static int read_lines(const char *path, lines *L, wmss_error *e) {
    memset(L, 0, sizeof *L);
    size_t size;
    if (wmss_read_file(path, &L->text, &size, e)) return -1;
    int cap = 1024;
    L->line = malloc(cap * sizeof *L->line);
    L->len = malloc(cap * sizeof *L->len);
    for (char *p = L->text; L->line && L->len && p < L->text + size;) {
        char *nl = memchr(p, '\n', L->text + size - p), *end = nl ? nl : L->text + size;
        size_t len = (size_t)(end - p);
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        size_t k = 0;
        while (k < len && (p[k] == ' ' || p[k] == '\t')) k++;
        if (k < len) {
            if (L->n == cap) {
                cap *= 2;
                char **nl2 = realloc(L->line, cap * sizeof *nl2);
                size_t *ln2 = realloc(L->len, cap * sizeof *ln2);
                if (nl2) L->line = nl2;
                if (ln2) L->len = ln2;
                if (!nl2 || !ln2) break;
            }
            L->line[L->n] = p;
            L->len[L->n++] = len;
        }
        p = nl ? nl + 1 : L->text + size;
    }
    if (!L->line || !L->len) return wmss_fail(e, "out of memory");
    return 0;
}

static void free_lines(lines *L) {
    free(L->text);
    free(L->line);
    free(L->len);
}

// Reads an entropy file into h (n): it must have one entry per example of the data
// (index 0..n-1); "entropy": null marks an example that was not scored (no completion
// token), left as NAN. seen (n) is scratch.
static int read_entropy(const char *path, int n, double *h, char *seen, wmss_error *e) {
    lines L;
    if (read_lines(path, &L, e)) return -1;
    for (int i = 0; i < n; i++) {
        h[i] = NAN;
        seen[i] = 0;
    }
    int rc = 0;
    for (int k = 0; k < L.n && !rc; k++) {
        cJSON *j = cJSON_ParseWithLength(L.line[k], L.len[k]);
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(j, "index"), *ent = cJSON_GetObjectItemCaseSensitive(j, "entropy");
        if (!j || !cJSON_IsNumber(idx) || !(cJSON_IsNumber(ent) || cJSON_IsNull(ent)))
            rc = wmss_fail(e, "%s: entry %d: expected {\"index\": i, \"entropy\": H, ...}", path, k + 1);
        else if (idx->valuedouble < 0 || idx->valuedouble >= n || floor(idx->valuedouble) != idx->valuedouble)
            rc = wmss_fail(e, "%s: entry %d: index %g is not an example of the data (which has %d)", path, k + 1,
                           idx->valuedouble, n);
        else if (cJSON_IsNumber(ent) && (!isfinite(ent->valuedouble) || ent->valuedouble < 0))
            rc = wmss_fail(e, "%s: entry %d: entropy %g is not a finite non-negative number", path, k + 1, ent->valuedouble);
        else if (seen[(int)idx->valuedouble]++)
            rc = wmss_fail(e, "%s: entry %d: index %d appears twice", path, k + 1, (int)idx->valuedouble);
        else if (cJSON_IsNumber(ent))
            h[(int)idx->valuedouble] = ent->valuedouble;
        cJSON_Delete(j);
    }
    for (int i = 0; i < n && !rc; i++)
        if (!seen[i])
            rc = wmss_fail(e, "%s: has no entry for example %d of the data (was it scored on another file?)", path, i);
    free_lines(&L);
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cmd_select(int argc, char **argv) {
    const char *data = NULL, *weak = NULL, *strong = NULL, *out = NULL, *stats = NULL;
    const char *alpha_s = "0.1", *beta_s = "0.8", *gamma_s = "0.1", *preset_s = "paper", *norm_s = "per-term";
    const char *seed_s = "42", *draws_s = NULL;
    int done;
    const cli_opt opts[] = {
        {"--data", "FILE", "the training data D (required)", &data, NULL},
        {"--weak", "FILE", "entropies of the weak model (wmss entropy) (required)", &weak, NULL},
        {"--strong", "FILE", "entropies of the strong model (required)", &strong, NULL},
        {"--out", "FILE", "the active set: D's selected lines with \"wmss_index\" added (required)", &out, NULL},
        {"--alpha", "A", "weight of the first term (default 0.1)", &alpha_s, NULL},
        {"--beta", "B", "weight of the second term (default 0.8)", &beta_s, NULL},
        {"--gamma", "G", "weight of the third term (default 0.1)", &gamma_s, NULL},
        {"--preset", "P", "paper (Eq. 9, default) or released-code", &preset_s, NULL},
        {"--normalize", "N", "per-term (default) or none", &norm_s, NULL},
        {"--seed", "S", "sampling seed (default 42)", &seed_s, NULL},
        {"--draws", "N", "draws with replacement (default |D|)", &draws_s, NULL},
        {"--stats", "FILE", "also write the statistics as JSON", &stats, NULL},
    };
    int rc = cli_parse("select", "--data D --weak EW --strong ES --out ACTIVE [options]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!data || !weak || !strong || !out) {
        fprintf(stderr, "wmss select: --data, --weak, --strong and --out are required\n");
        return 2;
    }
    wmss_select_params sp;
    long seed, draws = -1;
    if (cli_double("--alpha", alpha_s, &sp.alpha) || cli_double("--beta", beta_s, &sp.beta) ||
        cli_double("--gamma", gamma_s, &sp.gamma) || cli_int("--seed", seed_s, 0, 0x7fffffffffffffffL, &seed) ||
        (draws_s && cli_int("--draws", draws_s, 1, 1 << 30, &draws)))
        return 2;
    if (sp.alpha < 0 || sp.beta < 0 || sp.gamma < 0) {
        fprintf(stderr, "wmss select: --alpha, --beta and --gamma must be >= 0\n");
        return 2;
    }
    if (!strcmp(preset_s, "paper")) sp.preset = WMSS_PRESET_PAPER;
    else if (!strcmp(preset_s, "released-code")) sp.preset = WMSS_PRESET_RELEASED;
    else { fprintf(stderr, "wmss select: --preset must be paper or released-code\n"); return 2; }
    if (!strcmp(norm_s, "per-term")) sp.normalize = WMSS_NORM_PER_TERM;
    else if (!strcmp(norm_s, "none")) sp.normalize = WMSS_NORM_NONE;
    else { fprintf(stderr, "wmss select: --normalize must be per-term or none\n"); return 2; }

    wmss_error e = {{0}};
    lines D = {0};
    double *hw = NULL, *hs = NULL, *cw = NULL, *cs = NULL, *p = NULL, *dh = NULL;
    char *seen = NULL;
    int *cand = NULL, *picked = NULL, nc = 0;
    char *stats_text = NULL;
    rc = 1;
    if (read_lines(data, &D, &e)) goto end;
    if (D.n == 0) { wmss_fail(&e, "%s: no examples", data); goto end; }
    hw = malloc(D.n * sizeof *hw); hs = malloc(D.n * sizeof *hs); cw = malloc(D.n * sizeof *cw);
    cs = malloc(D.n * sizeof *cs); p = malloc(D.n * sizeof *p); dh = malloc(D.n * sizeof *dh);
    cand = malloc(D.n * sizeof *cand); picked = malloc(D.n * sizeof *picked); seen = malloc(D.n);
    if (!hw || !hs || !cw || !cs || !p || !dh || !cand || !picked || !seen) { wmss_fail(&e, "out of memory"); goto end; }
    if (read_entropy(weak, D.n, hw, seen, &e) || read_entropy(strong, D.n, hs, seen, &e)) goto end;
    // Candidates: examples scored by both models (null where an example has no target).
    for (int i = 0; i < D.n; i++) {
        if (isnan(hw[i]) != isnan(hs[i])) {
            wmss_fail(&e, "example %d is scored in %s but not in %s (were both scored on %s?)", i,
                      isnan(hw[i]) ? strong : weak, isnan(hw[i]) ? weak : strong, data);
            goto end;
        }
        if (!isnan(hw[i])) {
            cw[nc] = hw[i];
            cs[nc] = hs[i];
            cand[nc++] = i;
        }
    }
    if (nc == 0) { wmss_fail(&e, "%s and %s score no example of %s", weak, strong, data); goto end; }
    double share[3];
    if (wmss_select_weights(cw, cs, nc, &sp, p, share, &e)) goto end;
    int n_draws = draws > 0 ? (int)draws : nc, n_picked;
    wmss_draw_stats ds;
    wmss_select_draw(p, nc, n_draws, (uint64_t)seed, picked, &n_picked, &ds);
    // Output: each picked example's original line, with "wmss_index" inserted before
    // its closing brace (so its bytes are otherwise unchanged).
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, out, &e)) goto end;
    for (int k = 0; k < n_picked; k++) {
        const int i = cand[picked[k]];
        cJSON *j = cJSON_ParseWithLength(D.line[i], D.len[i]);
        int ok = cJSON_IsObject(j);
        int empty = ok && !j->child;
        cJSON_Delete(j);
        if (!ok) {
            wmss_atomic_abort(&af);
            wmss_fail(&e, "%s: example %d is not a JSON object", data, i);
            goto end;
        }
        size_t close = D.len[i] - 1;  // the line ends with '}' (trimmed)
        fprintf(af.f, "%.*s%s\"wmss_index\": %d}\n", (int)close, D.line[i], empty ? "" : ", ", i);
    }
    if (wmss_atomic_commit(&af, &e)) goto end;
    // Statistics.
    double mean = 0, hs_mean = 0, absmean = 0;
    for (int k = 0; k < nc; k++) {
        dh[k] = cs[k] - cw[k];
        mean += dh[k] / nc;
        absmean += fabs(dh[k]) / nc;
        hs_mean += cs[k] / nc;
    }
    qsort(dh, nc, sizeof *dh, cmp_double);
    const double qs[7] = {0, 0.05, 0.25, 0.5, 0.75, 0.95, 1};
    const char *qn[7] = {"min", "q05", "q25", "q50", "q75", "q95", "max"};
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "n", nc);
    cJSON_AddNumberToObject(st, "lines", D.n);
    cJSON_AddNumberToObject(st, "draws", ds.draws);
    cJSON_AddNumberToObject(st, "unique", ds.unique);
    cJSON_AddNumberToObject(st, "duplicated", ds.duplicated_draws);
    cJSON_AddNumberToObject(st, "max_multiplicity", ds.max_multiplicity);
    cJSON_AddNumberToObject(st, "unique_share", (double)ds.unique / nc);
    cJSON_AddStringToObject(st, "preset", preset_s);
    cJSON_AddStringToObject(st, "normalize", norm_s);
    double w3[3] = {sp.alpha, sp.beta, sp.gamma};
    cJSON_AddItemToObject(st, "weights", cJSON_CreateDoubleArray(w3, 3));
    cJSON_AddItemToObject(st, "term_share", cJSON_CreateDoubleArray(share, 3));
    cJSON *dj = cJSON_AddObjectToObject(st, "dH");
    cJSON_AddNumberToObject(dj, "mean", mean);
    cJSON_AddNumberToObject(dj, "mean_abs", absmean);
    for (int q = 0; q < 7; q++) cJSON_AddNumberToObject(dj, qn[q], wmss_quantile(dh, nc, qs[q]));
    cJSON_AddNumberToObject(st, "strong_entropy_mean", hs_mean);
    // Appendix B.5: with too small a gap the joint logits are plain averaging.
    const double floor_gap = fmax(0.02, 0.02 * hs_mean);
    char warning[256] = "";
    if (absmean < floor_gap)
        snprintf(warning, sizeof warning,
                 "the weak-strong entropy gap is small (mean |dH| %.4g nats < %.4g): WD-DS has little signal and "
                 "WD-JT reduces to averaging the two models (paper appendix B.5)", absmean, floor_gap);
    if (warning[0]) cJSON_AddStringToObject(st, "warning", warning);
    else cJSON_AddNullToObject(st, "warning");
    stats_text = cJSON_Print(st);
    cJSON_Delete(st);
    fprintf(stderr,
            "select: |D| %d, draws %d, unique %d (%.1f%%), duplicated draws %d (max %d of one example)\n"
            "  term mass shares %.3f / %.3f / %.3f (%s preset, %s normalization)\n"
            "  dH mean %+.4f, quantiles 5%% %+.4f 25%% %+.4f 50%% %+.4f 75%% %+.4f 95%% %+.4f\n"
            "wrote %s (%d examples)\n",
            nc, ds.draws, ds.unique, 100.0 * ds.unique / nc, ds.duplicated_draws, ds.max_multiplicity, share[0], share[1],
            share[2], preset_s, norm_s, mean, wmss_quantile(dh, nc, 0.05), wmss_quantile(dh, nc, 0.25),
            wmss_quantile(dh, nc, 0.5), wmss_quantile(dh, nc, 0.75), wmss_quantile(dh, nc, 0.95), out, n_picked);
    if (warning[0]) fprintf(stderr, "warning: %s\n", warning);
    if (stats && (!stats_text || wmss_write_file_atomic(stats, stats_text, strlen(stats_text), &e))) goto end;
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss select: %s\n", e.msg);
    free(stats_text);
    free(hw); free(hs); free(cw); free(cs); free(p); free(dh); free(cand); free(picked); free(seen);
    free_lines(&D);
    return rc;
}
