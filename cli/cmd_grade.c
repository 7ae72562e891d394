// wmss grade: grades predictions made by any engine against a math benchmark.
// PRED.jsonl holds one {"index": i, "output": "..."} per line (i indexes the benchmark
// file); REPORT.json receives accuracy, n and one item per prediction (written atomically).
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "grade.h"
#include "jsonl.h"

typedef struct {
    int index;
    int line;
    wmss_grade_result r;
} graded;

static int by_index(const void *a, const void *b) {
    const graded *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

// Reads and grades every prediction; *out (n_out) in file order.
static int grade_predictions(const wmss_bench *b, const char *pred, graded **out, int *n_out, wmss_error *e) {
    char *text;
    size_t len;
    *out = NULL;
    *n_out = 0;
    if (wmss_read_file(pred, &text, &len, e)) return -1;
    int *seen_line = calloc((size_t)b->n, sizeof *seen_line);  // line of each index's prediction, 0 = none
    graded *g = NULL;
    int n = 0, cap = 0, line = 0, rc = 0;
    if (!seen_line) rc = wmss_fail(e, "out of memory");
    for (const char *p = text; !rc && p < text + len;) {
        const char *nl = memchr(p, '\n', (size_t)(text + len - p)), *stop = nl ? nl : text + len;
        line++;
        const char *s = p;
        p = nl ? nl + 1 : text + len;
        while (s < stop && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s == stop) continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", pred, line);
        wmss_error pe;  // the strict JSON-lines rules: one value, UTF-8, no NUL (jsonl.h)
        cJSON *j = cJSON_ParseWithLength(s, (size_t)(stop - s));
        if (j) {
            cJSON_Delete(j);
            j = wmss_jsonl_parse(s, (size_t)(stop - s), where, (long long)(s - text), &pe);
        } else {
            wmss_fail(&pe, "%s: invalid JSON", where);
        }
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(j, "index");
        const cJSON *output = cJSON_GetObjectItemCaseSensitive(j, "output");
        if (!j)
            rc = wmss_fail(e, "%s (expected {\"index\": i, \"output\": \"...\"})", pe.msg);
        else if (!cJSON_IsObject(j))
            rc = wmss_fail(e, "%s:%d: not a JSON object (expected {\"index\": i, \"output\": \"...\"})", pred, line);
        else if (!cJSON_IsNumber(idx) || floor(idx->valuedouble) != idx->valuedouble)
            rc = wmss_fail(e, "%s:%d: \"index\" is missing or not an integer", pred, line);
        else if (idx->valuedouble < 0 || idx->valuedouble >= b->n)
            rc = wmss_fail(e, "%s:%d: index %.0f is out of range: %s has %d items (0..%d)", pred, line, idx->valuedouble,
                           b->path, b->n, b->n - 1);
        else if (!cJSON_IsString(output))
            rc = wmss_fail(e, "%s:%d: \"output\" is missing or not a string", pred, line);
        else if (seen_line[(int)idx->valuedouble])
            rc = wmss_fail(e, "%s:%d: index %d appears twice (first on line %d)", pred, line, (int)idx->valuedouble,
                           seen_line[(int)idx->valuedouble]);
        if (!rc && n == cap) {
            cap = cap ? 2 * cap : 256;
            graded *ng = realloc(g, (size_t)cap * sizeof *ng);
            if (!ng) rc = wmss_fail(e, "out of memory");
            else g = ng;
        }
        if (!rc) {
            int i = (int)idx->valuedouble;
            seen_line[i] = line;
            g[n].index = i;
            g[n].line = line;
            if (wmss_grade_bench_item(b, i, output->valuestring, &g[n].r, e)) rc = wmss_error_prefix(e, "%s:%d", pred, line);
            else n++;
        }
        cJSON_Delete(j);
    }
    if (!rc && n == 0) rc = wmss_fail(e, "%s: no predictions", pred);
    free(seen_line);
    free(text);
    if (rc) {
        free(g);
        return -1;
    }
    *out = g;
    *n_out = n;
    return 0;
}

int cmd_grade(int argc, char **argv) {
    const char *bench = NULL, *pred = NULL, *data = NULL, *out = NULL;
    int done;
    const cli_opt opts[] = {
        {"--bench", "NAME", "gsm8k, math500, svamp, mawps, aqua, aime2025 or amc23 (required)", &bench, NULL},
        {"--pred", "FILE", "predictions, one {\"index\": i, \"output\": \"...\"} per line (required)", &pred, NULL},
        {"--data", "PATH", "the benchmark file, or a folder holding it (default: $WMSS_BENCHMARKS, else "
                           "shared/benchmarks found above the executable or the current folder)", &data, NULL},
        {"--out", "FILE", "the report (JSON): accuracy, n, items (required)", &out, NULL},
    };
    int rc = cli_parse("grade", "--bench NAME --pred PRED.jsonl --out REPORT.json [--data PATH]", argc, argv, opts,
                       sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!bench || !pred || !out) {
        fprintf(stderr, "wmss grade: --bench, --pred and --out are required\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_bench b = {0};
    graded *g = NULL;
    int n = 0;
    char *report_text = NULL;
    rc = 1;
    if (wmss_bench_load(bench, data, &b, &e) || grade_predictions(&b, pred, &g, &n, &e)) goto end;
    qsort(g, (size_t)n, sizeof *g, by_index);
    int correct = 0, found = 0;
    cJSON *report = cJSON_CreateObject(), *items = cJSON_CreateArray();
    for (int k = 0; k < n; k++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddNumberToObject(it, "index", g[k].index);
        cJSON_AddStringToObject(it, "extracted", g[k].r.extracted);
        cJSON_AddStringToObject(it, "gold", b.gold[g[k].index]);
        cJSON_AddBoolToObject(it, "correct", g[k].r.correct);
        cJSON_AddStringToObject(it, "method", g[k].r.method);
        cJSON_AddItemToArray(items, it);
        correct += g[k].r.correct;
        found += g[k].r.found;
    }
    cJSON_AddStringToObject(report, "bench", b.info->name);
    cJSON_AddStringToObject(report, "data", b.path);
    cJSON_AddStringToObject(report, "checker", wmss_bench_kind_name(b.info->kind));
    cJSON_AddNumberToObject(report, "accuracy", (double)correct / n);
    cJSON_AddNumberToObject(report, "n", n);
    cJSON_AddNumberToObject(report, "correct", correct);
    cJSON_AddNumberToObject(report, "extracted", found);
    cJSON_AddNumberToObject(report, "bench_items", b.n);
    cJSON_AddItemToObject(report, "items", items);
    report_text = cJSON_Print(report);
    cJSON_Delete(report);
    if (!report_text) { wmss_fail(&e, "out of memory"); goto end; }
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, out, &e)) goto end;
    if (wmss_atomic_write(&af, report_text, strlen(report_text), &e) || wmss_atomic_write(&af, "\n", 1, &e)) {
        wmss_atomic_abort(&af);
        goto end;
    }
    if (wmss_atomic_commit(&af, &e)) goto end;
    fprintf(stderr, "grade: %s: %d/%d correct (accuracy %.4f; an answer found in %d; %d of %d items predicted); wrote %s\n",
            b.info->name, correct, n, (double)correct / n, found, n, b.n, out);
    rc = 0;
end:
    if (rc) fprintf(stderr, "wmss grade: %s\n", e.msg);
    free(report_text);
    free(g);
    wmss_bench_free(&b);
    return rc;
}
