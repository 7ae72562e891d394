// Grading of code benchmark samples: one sandboxed Python process per sample running the
// embedded harness (code_harness.py) on a job.json; the verdict comes back on fd 3.
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"

extern const char wmss_code_harness_py[];
extern const char wmss_code_harness_py_end[];

void wmss_code_grade_opts_default(wmss_code_grade_opts *o) {
    memset(o, 0, sizeof *o);
    wmss_sandbox_limits_default(&o->limits);
    o->limits.timeout_s = 0;  // per benchmark
    o->time_factor = 4;
    o->time_floor = 1;
}

// job.json for sample s: the small fields through cJSON, the (large) input and test
// arrays spliced in as the loader stored them.
static char *job_json(const wmss_code_bench *b, const wmss_code_sample *s, const wmss_code_grade_opts *o) {
    const int i = s->index;
    cJSON *j = cJSON_CreateObject();
    const char *mode = b->kind == WMSS_CODE_HUMANEVAL ? "check" : b->kind == WMSS_CODE_MBPP ? "asserts" : "plus";
    cJSON_AddStringToObject(j, "mode", mode);
    cJSON_AddStringToObject(j, "code", s->program ? s->program : "");
    cJSON_AddStringToObject(j, "entry_point", b->entry_point[i]);
    cJSON_AddBoolToObject(j, "sanitize", s->sanitize);
    if (b->kind == WMSS_CODE_HUMANEVAL) cJSON_AddStringToObject(j, "test", b->test[i]);
    if (b->kind == WMSS_CODE_MBPP) cJSON_AddStringToObject(j, "setup", b->test[i]);
    if (b->kind == WMSS_CODE_HUMANEVALPLUS) {
        cJSON_AddStringToObject(j, "canonical", b->canonical[i]);
        cJSON_AddNumberToObject(j, "n_base", b->n_base[i]);
        cJSON_AddNumberToObject(j, "atol", b->atol[i]);
        cJSON_AddNumberToObject(j, "time_factor", o->time_factor);
        cJSON_AddNumberToObject(j, "time_floor", o->time_floor);
    }
    char *small = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!small) return NULL;
    const char *key = b->kind == WMSS_CODE_MBPP ? "tests" : b->kind == WMSS_CODE_HUMANEVALPLUS ? "inputs" : NULL;
    if (!key) return small;
    const char *arr = b->kind == WMSS_CODE_MBPP ? b->tests_json[i] : b->inputs_json[i];
    size_t ns = strlen(small), na = strlen(arr);
    char *out = malloc(ns + na + 32);
    if (out) {
        memcpy(out, small, ns - 1);  // without the closing brace
        sprintf(out + ns - 1, ",\"%s\":", key);
        size_t k = strlen(out);
        memcpy(out + k, arr, na);
        out[k + na] = '}';
        out[k + na + 1] = '\0';
    }
    free(small);
    return out;
}

static void set_reason(wmss_code_verdict *v, const char *reason, const char *detail) {
    snprintf(v->reason, sizeof v->reason, "%s", reason);
    snprintf(v->detail, sizeof v->detail, "%s", detail);
}

// The last non-blank line of text (a traceback's exception line).
static void last_line(const char *t, char *out, size_t cap) {
    const char *end = t + strlen(t);
    while (end > t && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r')) end--;
    const char *s = end;
    while (s > t && s[-1] != '\n') s--;
    snprintf(out, cap, "%.*s", (int)(end - s), s);
}

static void verdict(const wmss_sandbox_result *r, wmss_code_verdict *v) {
    memset(v, 0, sizeof *v);
    v->wall_s = r->wall_s;
    char d[256];
    if (r->status == WMSS_SB_TIMEOUT) return set_reason(v, "timeout", "wall-clock limit of the program");
    if (r->status == WMSS_SB_OUTPUT_LIMIT) return set_reason(v, "output limit", "wrote more than the output cap");
    if (r->status == WMSS_SB_SIGNALED) {
        wmss_sandbox_describe(r, d, sizeof d);
        if (r->signal == SIGXCPU) return set_reason(v, "timeout", "CPU time limit (SIGXCPU)");
        if (r->signal == SIGXFSZ) return set_reason(v, "file size", d);
        return set_reason(v, "killed", d);
    }
    cJSON *j = r->res_len ? cJSON_ParseWithLength(r->res, r->res_len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        last_line(r->err ? r->err : "", d, sizeof d);
        char msg[320];
        snprintf(msg, sizeof msg, "exited %d without a verdict%s%s", r->exit_code, d[0] ? ": " : "", d);
        return set_reason(v, strstr(d, "MemoryError") ? "memory" : "no result", msg);
    }
    const cJSON *f;
    v->correct = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "passed"));
    v->base_correct = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "base_passed"));
    if (cJSON_IsNumber(f = cJSON_GetObjectItemCaseSensitive(j, "n_tests"))) v->n_tests = f->valueint;
    if (cJSON_IsNumber(f = cJSON_GetObjectItemCaseSensitive(j, "n_passed"))) v->n_passed = f->valueint;
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(j, "reason"), *dt = cJSON_GetObjectItemCaseSensitive(j, "detail");
    if (!v->correct)
        set_reason(v, cJSON_IsString(rs) && rs->valuestring[0] ? rs->valuestring : "wrong",
                   cJSON_IsString(dt) ? dt->valuestring : "");
    cJSON_Delete(j);
}

int wmss_code_grade(const wmss_code_bench *b, const wmss_code_sample *s, int n, const wmss_code_grade_opts *o,
                    wmss_code_verdict *v, wmss_error *e) {
    wmss_code_grade_opts d;
    if (!o) {
        wmss_code_grade_opts_default(&d);
        o = &d;
    }
    wmss_sandbox_limits l = o->limits;
    if (l.timeout_s <= 0) l.timeout_s = b->kind == WMSS_CODE_HUMANEVALPLUS ? 60 : 20;
    char **jobs_text = calloc((size_t)n + 1, sizeof *jobs_text);
    wmss_sandbox_file *files = calloc((size_t)n * 2 + 1, sizeof *files);
    wmss_sandbox_job *jobs = calloc((size_t)n + 1, sizeof *jobs);
    wmss_sandbox_result *rs = calloc((size_t)n + 1, sizeof *rs);
    static const char *const args[] = {"-I", "-B", "harness.py", NULL};
    int rc = 0;
    if (!jobs_text || !files || !jobs || !rs) rc = wmss_fail(e, "out of memory");
    for (int k = 0; k < n && !rc; k++) {
        if (s[k].index < 0 || s[k].index >= b->n) {
            rc = wmss_fail(e, "%s: no item %d (the benchmark has %d)", b->name, s[k].index, b->n);
            break;
        }
        if (!(jobs_text[k] = job_json(b, &s[k], o))) {
            rc = wmss_fail(e, "out of memory");
            break;
        }
        files[2 * k] = (wmss_sandbox_file){"harness.py", wmss_code_harness_py,
                                           (size_t)(wmss_code_harness_py_end - wmss_code_harness_py)};
        files[2 * k + 1] = (wmss_sandbox_file){"job.json", jobs_text[k], strlen(jobs_text[k])};
        jobs[k] = (wmss_sandbox_job){args, &files[2 * k], 2};
    }
    if (!rc) rc = wmss_sandbox_run_many(&l, jobs, n, rs, e);
    if (!rc) {
        for (int k = 0; k < n; k++) {
            verdict(&rs[k], &v[k]);
            wmss_sandbox_result_free(&rs[k]);
        }
        if (o->log) fprintf(o->log, "graded %d programs (%s)\n", n, wmss_sandbox_isolation());
    }
    for (int k = 0; jobs_text && k < n; k++) free(jobs_text[k]);
    free(jobs_text);
    free(files);
    free(jobs);
    free(rs);
    return rc;
}
