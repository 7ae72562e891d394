// WD-DS selection, files to files: see wdds.h.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entropy_file.h"
#include "fsutil.h"
#include "jsonl.h"
#include "wdds.h"

// The active set: each picked example's original line, with "wmss_index" inserted
// before its closing brace (so its bytes are otherwise unchanged).
static int write_active(const char *path, const wmss_lines *D, const char *data_path, const int *cand,
                        const int *picked, int n_picked, wmss_error *e) {
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    for (int k = 0; k < n_picked; k++) {
        const int i = cand[picked[k]];
        cJSON *j = cJSON_ParseWithLength(D->line[i], D->len[i]);
        int ok = cJSON_IsObject(j);
        int empty = ok && !j->child;
        cJSON_Delete(j);
        if (!ok) {
            wmss_atomic_abort(&af);
            return wmss_fail(e, "%s: example %d is not a JSON object", data_path, i);
        }
        size_t close = D->len[i] - 1;  // the line ends with '}' (trimmed)
        fprintf(af.f, "%.*s%s\"wmss_index\": %d}\n", (int)close, D->line[i], empty ? "" : ", ", i);
    }
    return wmss_atomic_commit(&af, e);
}

static char *stats_json(const wmss_select_job *j, int lines, const wmss_draw_stats *ds, const double share[3],
                        const wmss_dh_stats *dh, const char *warning) {
    cJSON *st = cJSON_CreateObject();
    cJSON_AddNumberToObject(st, "n", dh->n);
    cJSON_AddNumberToObject(st, "lines", lines);
    cJSON_AddNumberToObject(st, "draws", ds->draws);
    cJSON_AddNumberToObject(st, "unique", ds->unique);
    cJSON_AddNumberToObject(st, "duplicated", ds->duplicated_draws);
    cJSON_AddNumberToObject(st, "max_multiplicity", ds->max_multiplicity);
    cJSON_AddNumberToObject(st, "unique_share", (double)ds->unique / dh->n);
    cJSON_AddStringToObject(st, "preset", wmss_select_preset_name(j->params.preset));
    cJSON_AddStringToObject(st, "normalize", wmss_select_norm_name(j->params.normalize));
    double w3[3] = {j->params.alpha, j->params.beta, j->params.gamma};
    cJSON_AddItemToObject(st, "weights", cJSON_CreateDoubleArray(w3, 3));
    cJSON_AddItemToObject(st, "term_share", cJSON_CreateDoubleArray(share, 3));
    cJSON *dj = cJSON_AddObjectToObject(st, "dH");
    cJSON_AddNumberToObject(dj, "mean", dh->mean);
    cJSON_AddNumberToObject(dj, "mean_abs", dh->mean_abs);
    for (int q = 0; q < WMSS_DH_QUANTILES; q++) cJSON_AddNumberToObject(dj, WMSS_DH_QUANTILE_NAME[q], dh->q[q]);
    cJSON_AddNumberToObject(st, "strong_entropy_mean", dh->strong_mean);
    if (j->keep_duplicates) {  // (absent when deduplicating: that file is what it always was)
        cJSON_AddTrueToObject(st, "keep_duplicates");
        cJSON_AddNumberToObject(st, "written", ds->draws);
    }
    if (warning[0]) cJSON_AddStringToObject(st, "warning", warning);
    else cJSON_AddNullToObject(st, "warning");
    char *text = cJSON_Print(st);
    cJSON_Delete(st);
    return text;
}

int wmss_select_run(const wmss_select_job *j, wmss_error *e) {
    wmss_lines D = {0};
    double *hw = NULL, *hs = NULL, *cw = NULL, *cs = NULL, *p = NULL;
    int *cand = NULL, *picked = NULL, nc = 0, rc = -1;
    char *stats_text = NULL;
    if (wmss_lines_read(j->data_path, &D, e)) goto end;
    if (D.n == 0) { wmss_fail(e, "%s: no examples", j->data_path); goto end; }
    for (int i = 0; i < D.n; i++) {  // every line one JSON object (the strict reader's rules)
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", j->data_path, D.no[i]);
        cJSON *v = wmss_jsonl_parse(D.line[i], D.len[i], where, -1, e);
        int ok = cJSON_IsObject(v);
        cJSON_Delete(v);
        if (!v) goto end;
        if (!ok) { wmss_fail(e, "%s: not a JSON object", where); goto end; }
    }
    hw = malloc(D.n * sizeof *hw); hs = malloc(D.n * sizeof *hs); cw = malloc(D.n * sizeof *cw);
    cs = malloc(D.n * sizeof *cs); p = malloc(D.n * sizeof *p);
    const int draws = j->draws > 0 ? j->draws : D.n;  // capacity: every draw when they are all kept
    cand = malloc(D.n * sizeof *cand);
    picked = malloc((size_t)(j->keep_duplicates && draws > D.n ? draws : D.n) * sizeof *picked);
    if (!hw || !hs || !cw || !cs || !p || !cand || !picked) { wmss_fail(e, "out of memory"); goto end; }
    if (wmss_entropy_file_read(j->weak, D.n, hw, e) || wmss_entropy_file_read(j->strong, D.n, hs, e)) goto end;
    // Candidates: examples scored by both models (null where an example has no target).
    for (int i = 0; i < D.n; i++) {
        if (isnan(hw[i]) != isnan(hs[i])) {
            wmss_fail(e, "example %d is scored in %s but not in %s (were both scored on %s?)", i,
                      isnan(hw[i]) ? j->strong : j->weak, isnan(hw[i]) ? j->weak : j->strong, j->data_path);
            goto end;
        }
        if (!isnan(hw[i])) {
            cw[nc] = hw[i];
            cs[nc] = hs[i];
            cand[nc++] = i;
        }
    }
    if (nc == 0) { wmss_fail(e, "%s and %s score no example of %s", j->weak, j->strong, j->data_path); goto end; }
    double share[3];
    if (wmss_select_weights(cw, cs, nc, &j->params, p, share, e)) goto end;
    int n_picked;
    wmss_draw_stats ds;
    if (j->keep_duplicates) {
        n_picked = wmss_select_draw_all(p, nc, j->draws > 0 ? j->draws : nc, j->seed, picked, &ds);
    } else {
        wmss_select_draw(p, nc, j->draws > 0 ? j->draws : nc, j->seed, picked, &n_picked, &ds);
    }
    if (n_picked == 0) { wmss_fail(e, "out of memory"); goto end; }
    if (write_active(j->out, &D, j->data_path, cand, picked, n_picked, e)) goto end;
    wmss_dh_stats dh;
    if (wmss_dh_stats_compute(cw, cs, nc, &dh, e)) goto end;
    // Appendix B.5: with too small a gap the joint logits are plain averaging.
    const double floor_gap = fmax(0.02, 0.02 * dh.strong_mean);
    char warning[256] = "";
    if (dh.mean_abs < floor_gap)
        snprintf(warning, sizeof warning,
                 "the weak-strong entropy gap is small (mean |dH| %.4g nats < %.4g): WD-DS has little signal and "
                 "WD-JT reduces to averaging the two models (paper appendix B.5)", dh.mean_abs, floor_gap);
    stats_text = stats_json(j, D.n, &ds, share, &dh, warning);
    if (j->log) {
        fprintf(j->log,
                "select: |D| %d, draws %d, unique %d (%.1f%%), duplicated draws %d (max %d of one example)\n"
                "  term mass shares %.3f / %.3f / %.3f (%s preset, %s normalization)\n"
                "  dH mean %+.4f, quantiles 5%% %+.4f 25%% %+.4f 50%% %+.4f 75%% %+.4f 95%% %+.4f\n"
                "wrote %s (%d examples)\n",
                nc, ds.draws, ds.unique, 100.0 * ds.unique / nc, ds.duplicated_draws, ds.max_multiplicity, share[0],
                share[1], share[2], wmss_select_preset_name(j->params.preset), wmss_select_norm_name(j->params.normalize),
                dh.mean, dh.q[1], dh.q[2], dh.q[3], dh.q[4], dh.q[5], j->out, n_picked);
        if (warning[0]) fprintf(j->log, "warning: %s\n", warning);
    }
    if (j->stats && (!stats_text || wmss_write_file_atomic(j->stats, stats_text, strlen(stats_text), e))) goto end;
    rc = 0;
end:
    free(stats_text);
    free(hw); free(hs); free(cw); free(cs); free(p); free(cand); free(picked);
    wmss_lines_free(&D);
    return rc;
}
