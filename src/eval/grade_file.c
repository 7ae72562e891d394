// wmss_grade_file: see grade_file.h.
#include "grade_file.h"
#include "jsonl.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaluate.h"
#include "fsutil.h"
#include "grade.h"

void wmss_grade_file_opts_default(wmss_grade_file_opts *o) {
    memset(o, 0, sizeof *o);
    wmss_code_grade_opts_default(&o->code);
}

typedef struct {
    int index, sample, line;
    char *text;        // output / completion / solution
    int field;         // 0 output, 1 completion, 2 solution
    int correct, base_correct;
    wmss_grade_result g;   // math
    wmss_code_verdict v;   // code
} pred;

static int by_item(const void *a, const void *b) {
    const pred *x = a, *y = b;
    if (x->index != y->index) return (x->index > y->index) - (x->index < y->index);
    if (x->sample != y->sample) return (x->sample > y->sample) - (x->sample < y->sample);
    return (x->line > y->line) - (x->line < y->line);
}

typedef struct {
    const char *name;
    int n;
    const wmss_bench *math;
    const wmss_code_bench *code;
} bench_ref;

static int find_task(const wmss_code_bench *c, const cJSON *t) {
    char buf[64];
    const char *s = cJSON_IsString(t) ? t->valuestring : NULL;
    if (cJSON_IsNumber(t)) {
        snprintf(buf, sizeof buf, "%d", t->valueint);
        s = buf;
    }
    for (int i = 0; s && c && i < c->n; i++)
        if (!strcmp(c->task_id[i], s)) return i;
    return -1;
}

static int read_preds(const bench_ref *b, const char *path, pred **out, int *n_out, wmss_error *e) {
    wmss_lines L;
    if (wmss_lines_read(path, &L, e)) return -1;
    pred *p = calloc((size_t)L.n + 1, sizeof *p);
    int *next = calloc((size_t)b->n, sizeof *next);
    int n = 0, rc = 0;
    if (!p || !next) rc = wmss_fail(e, "out of memory");
    int line = 1;
    const char *at = L.text;
    for (int k = 0; k < L.n && !rc; k++) {
        // wmss_lines skips blank lines: count this record's line in the text.
        for (; at < L.line[k]; at++) line += *at == '\n';
        // The strict JSON-lines rules (jsonl.h: one value, UTF-8, no NUL): a line that parses
        // but breaks them is an error naming the fault, not a silently cut string.
        cJSON *j = cJSON_ParseWithLength(L.line[k], L.len[k]);
        if (j) {
            char where[4200];
            snprintf(where, sizeof where, "%s:%d", path, line);
            cJSON_Delete(j);
            if (!(j = wmss_jsonl_parse(L.line[k], L.len[k], where, (long long)(L.line[k] - L.text), e))) {
                rc = -1;
                break;
            }
        }
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(j, "index"), *smp = cJSON_GetObjectItemCaseSensitive(j, "sample");
        const char *fields[] = {"output", "completion", "solution"};
        const cJSON *txt = NULL;
        int field = -1;
        for (int f = 0; f < (b->code ? 3 : 1) && field < 0; f++)
            if ((txt = cJSON_GetObjectItemCaseSensitive(j, fields[f]))) field = f;
        int i = -1;
        if (!j) rc = wmss_fail(e, "%s:%d: invalid JSON (expected {\"index\": i, \"output\": \"...\"})", path, line);
        else if (!cJSON_IsObject(j))
            rc = wmss_fail(e, "%s:%d: not a JSON object (expected {\"index\": i, \"output\": \"...\"})", path, line);
        else if (!idx && b->code && cJSON_GetObjectItemCaseSensitive(j, "task_id")) {
            i = find_task(b->code, cJSON_GetObjectItemCaseSensitive(j, "task_id"));
            if (i < 0) rc = wmss_fail(e, "%s:%d: unknown task_id", path, line);
        } else if (!cJSON_IsNumber(idx) || floor(idx->valuedouble) != idx->valuedouble)
            rc = wmss_fail(e, "%s:%d: \"index\" is missing or not an integer", path, line);
        else if (idx->valuedouble < 0 || idx->valuedouble >= b->n)
            rc = wmss_fail(e, "%s:%d: index %.0f is out of range: %s has %d items (0..%d)", path, line, idx->valuedouble,
                           b->name, b->n, b->n - 1);
        else i = (int)idx->valuedouble;
        if (!rc && !cJSON_IsString(txt))
            rc = wmss_fail(e, "%s:%d: \"%s is missing or not a string", path, line,
                           b->code ? "output\" (or \"completion\" or \"solution\")" : "output\"");
        if (!rc && smp && (!cJSON_IsNumber(smp) || smp->valuedouble < 0 || floor(smp->valuedouble) != smp->valuedouble))
            rc = wmss_fail(e, "%s:%d: \"sample\" is not a non-negative integer", path, line);
        if (!rc) {
            int s = smp ? (int)smp->valuedouble : next[i];
            {
                next[i] = s + 1 > next[i] ? s + 1 : next[i];
                p[n] = (pred){.index = i, .sample = s, .line = line, .field = field, .text = strdup(txt->valuestring)};
                if (!p[n].text) rc = wmss_fail(e, "out of memory");
                n++;
            }
        }
        cJSON_Delete(j);
    }
    if (!rc && n == 0) rc = wmss_fail(e, "%s: no predictions", path);
    if (!rc) qsort(p, (size_t)n, sizeof *p, by_item);
    for (int k = 1; k < n && !rc; k++)
        if (p[k].index == p[k - 1].index && p[k].sample == p[k - 1].sample)
            rc = wmss_fail(e, "%s:%d: index %d sample %d appears twice (first on line %d)", path, p[k].line, p[k].index,
                           p[k].sample, p[k - 1].line);
    free(next);
    wmss_lines_free(&L);
    if (rc) {
        for (int k = 0; k < n; k++) free(p[k].text);
        free(p);
        return -1;
    }
    *out = p;
    *n_out = n;
    return 0;
}

static int grade_code(const wmss_grade_file_opts *o, const wmss_code_bench *c, pred *p, int n, wmss_error *e) {
    wmss_code_sample *s = calloc((size_t)n + 1, sizeof *s);
    wmss_code_verdict *v = calloc((size_t)n + 1, sizeof *v);
    int rc = s && v ? 0 : wmss_fail(e, "out of memory");
    for (int k = 0; k < n && !rc; k++) {
        wmss_code_mode m = p[k].field == 1 ? WMSS_CODE_COMPLETION : p[k].field == 2 ? WMSS_CODE_SOLUTION : o->mode;
        s[k].index = p[k].index;
        if (!(s[k].program = wmss_code_program(c, p[k].index, p[k].text, m, &s[k].sanitize))) rc = wmss_fail(e, "out of memory");
    }
    if (!rc) rc = wmss_code_grade(c, s, n, &o->code, v, e);
    for (int k = 0; k < n && !rc; k++) {
        p[k].v = v[k];
        p[k].correct = v[k].correct;
        p[k].base_correct = v[k].base_correct;
    }
    for (int k = 0; s && k < n; k++) free((char *)s[k].program);
    free(s);
    free(v);
    return rc;
}

static cJSON *sample_json(const bench_ref *b, const pred *p, int with_sample) {
    cJSON *it = cJSON_CreateObject();
    cJSON_AddNumberToObject(it, "index", p->index);
    if (with_sample) cJSON_AddNumberToObject(it, "sample", p->sample);
    if (b->math) {
        cJSON_AddStringToObject(it, "extracted", p->g.extracted);
        cJSON_AddStringToObject(it, "gold", b->math->gold[p->index]);
        cJSON_AddBoolToObject(it, "correct", p->correct);
        cJSON_AddStringToObject(it, "method", p->g.method);
    } else {
        cJSON_AddStringToObject(it, "task_id", b->code->task_id[p->index]);
        cJSON_AddBoolToObject(it, "correct", p->correct);
        if (b->code->kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddBoolToObject(it, "base_correct", p->base_correct);
        cJSON_AddStringToObject(it, "reason", p->v.reason);
        cJSON_AddStringToObject(it, "detail", p->v.detail);
        cJSON_AddNumberToObject(it, "tests", p->v.n_tests);
        cJSON_AddNumberToObject(it, "tests_passed", p->v.n_passed);
        cJSON_AddNumberToObject(it, "seconds", round(p->v.wall_s * 1000) / 1000);
    }
    return it;
}

static int report(const wmss_grade_file_opts *o, const bench_ref *b, const char *data_path, pred *p, int n,
                  wmss_grade_file_result *r, wmss_error *e) {
    int items = 0;
    for (int k = 0; k < n; k++) items += k == 0 || p[k].index != p[k - 1].index;
    int *ns = calloc((size_t)items, sizeof *ns), *nc = calloc((size_t)items, sizeof *nc), *nb = calloc((size_t)items, sizeof *nb);
    if (!ns || !nc || !nb) {
        free(ns);
        free(nc);
        free(nb);
        return wmss_fail(e, "out of memory");
    }
    int multi = 0;
    for (int k = 0, it = -1; k < n; k++) {
        if (k == 0 || p[k].index != p[k - 1].index) it++;
        ns[it]++;
        nc[it] += p[k].correct;
        nb[it] += b->code ? p[k].base_correct : p[k].correct;
        multi |= ns[it] > 1;
        r->n_correct += p[k].correct;
    }
    wmss_sample_scores sc, sb;
    if (wmss_score_samples(items, ns, nc, &sc, e)) goto fail;
    if (wmss_score_samples(items, ns, nb, &sb, e)) {
        wmss_sample_scores_free(&sc);
        goto fail;
    }
    r->n_items = items;
    r->n_predictions = n;
    r->kmax = sc.kmax;
    r->accuracy = sc.accuracy;
    r->pass_at_1 = sc.pass_at_k[0];
    r->accuracy_base = sb.accuracy;
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "bench", b->name);
    cJSON_AddStringToObject(rep, "data", data_path);
    if (b->math) cJSON_AddStringToObject(rep, "checker", wmss_bench_kind_name(b->math->info->kind));
    else {
        cJSON_AddStringToObject(rep, "checker", "code");
        cJSON_AddStringToObject(rep, "sandbox", wmss_sandbox_isolation());
    }
    cJSON_AddNumberToObject(rep, "accuracy", sc.accuracy);
    if (b->code && b->code->kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddNumberToObject(rep, "accuracy_base", sb.accuracy);
    cJSON *pk = cJSON_AddObjectToObject(rep, "pass_at_k");
    for (int k = 1; k <= sc.kmax; k++) {
        char key[16];
        snprintf(key, sizeof key, "%d", k);
        cJSON_AddNumberToObject(pk, key, sc.pass_at_k[k - 1]);
    }
    int smin = ns[0], smax = ns[0];
    for (int i = 0; i < items; i++) {
        smin = ns[i] < smin ? ns[i] : smin;
        smax = ns[i] > smax ? ns[i] : smax;
    }
    cJSON_AddNumberToObject(rep, "n", items);
    cJSON_AddNumberToObject(rep, "predictions", n);
    if (smin == smax) cJSON_AddNumberToObject(rep, "samples", smin);
    else {
        cJSON *sm = cJSON_AddObjectToObject(rep, "samples");
        cJSON_AddNumberToObject(sm, "min", smin);
        cJSON_AddNumberToObject(sm, "max", smax);
    }
    cJSON_AddNumberToObject(rep, "correct", r->n_correct);
    if (b->math) {
        int found = 0;
        for (int k = 0; k < n; k++) found += p[k].g.found;
        cJSON_AddNumberToObject(rep, "extracted", found);
    }
    cJSON_AddNumberToObject(rep, "bench_items", b->n);
    cJSON *arr = cJSON_AddArrayToObject(rep, "items");
    for (int k = 0, it = -1; k < n; k++) {
        if (!multi) {
            cJSON_AddItemToArray(arr, sample_json(b, &p[k], 0));
            continue;
        }
        if (k == 0 || p[k].index != p[k - 1].index) {
            it++;
            cJSON *o2 = cJSON_CreateObject();
            cJSON_AddNumberToObject(o2, "index", p[k].index);
            if (b->code) cJSON_AddStringToObject(o2, "task_id", b->code->task_id[p[k].index]);
            else cJSON_AddStringToObject(o2, "gold", b->math->gold[p[k].index]);
            cJSON_AddNumberToObject(o2, "n_samples", ns[it]);
            cJSON_AddNumberToObject(o2, "n_correct", nc[it]);
            if (b->code && b->code->kind == WMSS_CODE_HUMANEVALPLUS) cJSON_AddNumberToObject(o2, "n_base_correct", nb[it]);
            cJSON_AddArrayToObject(o2, "samples");
            cJSON_AddItemToArray(arr, o2);
        }
        cJSON *last = cJSON_GetArrayItem(arr, it);
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(last, "samples"), sample_json(b, &p[k], 1));
    }
    wmss_sample_scores_free(&sc);
    wmss_sample_scores_free(&sb);
    free(ns);
    free(nc);
    free(nb);
    char *text = cJSON_Print(rep);
    cJSON_Delete(rep);
    if (!text) return wmss_fail(e, "out of memory");
    size_t len = strlen(text);
    text[len] = '\n';  // (cJSON_Print's buffer has the NUL there; rewrite below)
    int rc = wmss_write_file_atomic(o->out, text, len + 1, e);
    free(text);
    return rc;
fail:
    free(ns);
    free(nc);
    free(nb);
    return -1;
}

int wmss_grade_file(const wmss_grade_file_opts *o, wmss_grade_file_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (!o->bench || !o->pred || !o->out) return wmss_fail(e, "grade: needs a benchmark, predictions and an output");
    wmss_bench mb = {0};
    wmss_code_bench cb = {0};
    bench_ref b = {.name = o->bench};
    const char *data_path;
    if (wmss_code_bench_known(o->bench)) {
        if (wmss_code_bench_load(o->bench, o->data, &cb, e)) return -1;
        b.code = &cb;
        b.n = cb.n;
        data_path = cb.path;
    } else {
        if (wmss_bench_load(o->bench, o->data, &mb, e)) return -1;
        b.math = &mb;
        b.n = mb.n;
        data_path = mb.path;
    }
    pred *p = NULL;
    int n = 0, rc = read_preds(&b, o->pred, &p, &n, e);
    if (!rc && b.math) {
        for (int k = 0; k < n && !rc; k++) {
            if (wmss_grade_bench_item(&mb, p[k].index, p[k].text, &p[k].g, e)) rc = wmss_error_prefix(e, "%s:%d", o->pred, p[k].line);
            p[k].correct = p[k].g.correct;
        }
    } else if (!rc) {
        if (o->log)
            fprintf(o->log, "grade %s: %d programs in the sandbox (%s), %d at a time\n", cb.name, n,
                    wmss_sandbox_isolation(), o->code.limits.jobs > 0 ? o->code.limits.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN));
        rc = grade_code(o, &cb, p, n, e);
    }
    if (!rc) rc = report(o, &b, data_path, p, n, r, e);
    for (int k = 0; k < n; k++) free(p[k].text);
    free(p);
    wmss_bench_free(&mb);
    wmss_code_bench_free(&cb);
    return rc;
}
