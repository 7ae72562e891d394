// The benchmark table (name -> file, fields, gold format, checker, generation budget),
// the search for the benchmarks folder, and the loader for JSON-array and JSONL files.
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "grade_internal.h"
#include "jsonl.h"

static const wmss_bench_info BENCHES[] = {
    {"gsm8k", "gsm8k/test.jsonl", "question", "answer", "answer", 1, WMSS_BENCH_NUMERIC, 4096},
    {"math500", "math500/test.jsonl", "problem", "answer", "solution", 0, WMSS_BENCH_LATEX, 4096},
    {"svamp", "svamp/test.json", "instruction", "answer", NULL, 0, WMSS_BENCH_NUMERIC, 4096},
    {"mawps", "mawps/test.json", "instruction", "answer", NULL, 0, WMSS_BENCH_NUMERIC, 4096},
    {"aqua", "aqua/test.json", "instruction", "answer", NULL, 0, WMSS_BENCH_CHOICE, 4096},
    {"aime2025", "aime2025/test.json", "question", "answer", NULL, 0, WMSS_BENCH_LATEX, 8192},
    {"amc23", "amc23/test.json", "instruction", "answer", NULL, 0, WMSS_BENCH_LATEX, 8192},
};
#define N_BENCHES ((int)(sizeof BENCHES / sizeof BENCHES[0]))

int wmss_bench_count(void) { return N_BENCHES; }

const wmss_bench_info *wmss_bench_at(int i) { return i >= 0 && i < N_BENCHES ? &BENCHES[i] : NULL; }

const wmss_bench_info *wmss_bench_find(const char *name) {
    for (int i = 0; name && i < N_BENCHES; i++)
        if (!strcmp(BENCHES[i].name, name)) return &BENCHES[i];
    return NULL;
}

const char *wmss_bench_kind_name(wmss_bench_kind kind) {
    switch (kind) {
    case WMSS_BENCH_NUMERIC: return "numeric";
    case WMSS_BENCH_CHOICE: return "choice";
    case WMSS_BENCH_LATEX: return "latex";
    }
    return "unknown";
}

// Looks for DIR/shared/benchmarks in dir and each of its parents.
static int search_up(const char *dir, char *out, size_t cap) {
    char cur[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", dir);
    for (;;) {
        char cand[PATH_MAX + 32];
        snprintf(cand, sizeof cand, "%s/shared/benchmarks", strcmp(cur, "/") ? cur : "");
        if (wmss_is_dir(cand) && strlen(cand) < cap) {
            snprintf(out, cap, "%s", cand);
            return 1;
        }
        char *slash = strrchr(cur, '/');
        if (!slash || !strcmp(cur, "/")) return 0;
        if (slash == cur) slash[1] = '\0';  // up to "/"
        else *slash = '\0';
    }
}

int wmss_benchmarks_dir(char *out, size_t cap, wmss_error *e) {
    const char *env = getenv("WMSS_BENCHMARKS");
    if (env && *env) {
        if (!wmss_is_dir(env)) return wmss_fail(e, "WMSS_BENCHMARKS=%s is not a folder", env);
        if (strlen(env) >= cap) return wmss_fail(e, "WMSS_BENCHMARKS=%s: path too long", env);
        snprintf(out, cap, "%s", env);
        return 0;
    }
    char exe[PATH_MAX] = "", cwd[PATH_MAX] = "";
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash && slash != exe) *slash = '\0';
        if (search_up(exe, out, cap)) return 0;
    }
    if (getcwd(cwd, sizeof cwd) && search_up(cwd, out, cap)) return 0;
    return wmss_fail(e,
                     "cannot find the benchmarks folder: no shared/benchmarks above %s or %s; "
                     "pass --data PATH or set WMSS_BENCHMARKS",
                     exe[0] ? exe : "(executable)", cwd[0] ? cwd : "(current folder)");
}

void wmss_bench_free(wmss_bench *b) {
    for (int i = 0; i < b->n; i++) {
        free(b->question[i]);
        free(b->gold[i]);
        free(b->gold_text[i]);
        if (b->solution) free(b->solution[i]);
    }
    free(b->question);
    free(b->gold);
    free(b->gold_text);
    free(b->solution);
    b->question = b->gold = b->gold_text = b->solution = NULL;
    b->n = 0;
}

static char *dup_n(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

// A field as text: strings as they are, numbers printed (integers without exponent).
static char *field_text(const cJSON *v) {
    if (cJSON_IsString(v)) return dup_n(v->valuestring, strlen(v->valuestring));
    if (cJSON_IsNumber(v)) {
        char buf[64];
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15) snprintf(buf, sizeof buf, "%.0f", d);
        else snprintf(buf, sizeof buf, "%.17g", d);
        return dup_n(buf, strlen(buf));
    }
    return NULL;
}

// GSM8K: the number after the last "####", without thousands separators.
static char *gold_after_hashes(const char *text) {
    const char *h = NULL;
    for (const char *p = text; (p = strstr(p, "####")); p += 4) h = p;
    if (!h) return NULL;
    h += 4;
    size_t n = strlen(h);
    char *g = malloc(n + 1);
    if (!g) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i] != ',' && !g_isspace((unsigned char)h[i])) g[k++] = h[i];
    g[k] = '\0';
    return g;
}

static int grow(wmss_bench *b, int *cap, wmss_error *e) {
    if (b->n < *cap) return 0;
    int nc = *cap ? *cap * 2 : 256;
    char **q = realloc(b->question, nc * sizeof *q);
    if (q) b->question = q;
    char **g = q ? realloc(b->gold, nc * sizeof *g) : NULL;
    if (g) b->gold = g;
    char **t = g ? realloc(b->gold_text, nc * sizeof *t) : NULL;
    if (t) b->gold_text = t;
    char **s = t;
    if (t && b->info->solution_field) {
        s = realloc(b->solution, nc * sizeof *s);
        if (s) b->solution = s;
    }
    if (!q || !g || !t || !s) return wmss_fail(e, "out of memory");
    *cap = nc;
    return 0;
}

// Adds one item from a JSON object; `where` names it in messages ("file:12", "file: item 3").
static int add_item(wmss_bench *b, int *cap, const cJSON *obj, const char *where, wmss_error *e) {
    const wmss_bench_info *in = b->info;
    if (!cJSON_IsObject(obj)) return wmss_fail(e, "%s: expected a JSON object", where);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(obj, in->question_field);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(obj, in->gold_field);
    if (!cJSON_IsString(q)) return wmss_fail(e, "%s: field \"%s\" (the question) is missing or not a string", where, in->question_field);
    if (!cJSON_IsString(g) && !cJSON_IsNumber(g))
        return wmss_fail(e, "%s: field \"%s\" (the gold answer) is missing or not a string", where, in->gold_field);
    if (grow(b, cap, e)) return -1;
    int i = b->n;
    char *question = field_text(q), *text = field_text(g), *gold = NULL, *sol = NULL;
    if (text) gold = in->gold_after_hashes ? gold_after_hashes(text) : dup_n(text, strlen(text));
    if (in->solution_field) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, in->solution_field);
        if (cJSON_IsString(s)) sol = field_text(s);
    }
    int rc = 0;
    if (!question || !text) rc = wmss_fail(e, "out of memory");
    else if (!gold && in->gold_after_hashes) rc = wmss_fail(e, "%s: field \"%s\" has no \"#### N\" gold line", where, in->gold_field);
    else if (!gold) rc = wmss_fail(e, "out of memory");
    if (!rc) {
        // Every gold answer must be gradable by the benchmark's checker.
        gval v;
        int ok = 1;
        if (in->kind == WMSS_BENCH_NUMERIC) ok = grade_numeric_value(gold, strlen(gold), &v) == 1;
        else if (in->kind == WMSS_BENCH_CHOICE) ok = grade_choice_gold(gold) != 0;
        else {
            ok = 0;
            for (const char *c = gold; *c; c++) ok |= !g_isspace((unsigned char)*c);
        }
        if (!ok)
            rc = wmss_fail(e, "%s: gold answer \"%.200s\" is not %s", where, gold,
                           in->kind == WMSS_BENCH_NUMERIC  ? "a number"
                           : in->kind == WMSS_BENCH_CHOICE ? "an option letter A-E"
                                                           : "an answer (it is empty)");
    }
    if (rc) {
        free(question);
        free(text);
        free(gold);
        free(sol);
        return -1;
    }
    b->question[i] = question;
    b->gold[i] = gold;
    b->gold_text[i] = text;
    if (b->solution) b->solution[i] = sol;
    else free(sol);
    b->n++;
    return 0;
}

static int line_of(const char *buf, const char *at) {
    int line = 1;
    for (const char *p = buf; p < at; p++) line += *p == '\n';
    return line;
}

static int load_array(wmss_bench *b, const char *buf, size_t len, int *cap, wmss_error *e) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!root) return wmss_fail(e, "%s:%d: invalid JSON", b->path, line_of(buf, end && end >= buf && end <= buf + len ? end : buf));
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return wmss_fail(e, "%s: expected a JSON array of objects", b->path);
    }
    int k = 0, rc = 0;
    for (const cJSON *it = root->child; it && !rc; it = it->next, k++) {
        char where[4200];
        snprintf(where, sizeof where, "%s: item %d", b->path, k);
        rc = add_item(b, cap, it, where, e);
    }
    cJSON_Delete(root);
    return rc;
}

static int load_lines(wmss_bench *b, const char *buf, size_t len, int *cap, wmss_error *e) {
    int line = 0;
    for (const char *p = buf; p < buf + len;) {
        const char *nl = memchr(p, '\n', (size_t)(buf + len - p)), *stop = nl ? nl : buf + len;
        line++;
        const char *s = p;
        while (s < stop && g_isspace((unsigned char)*s)) s++;
        if (s < stop) {
            char where[4200];
            snprintf(where, sizeof where, "%s:%d", b->path, line);
            cJSON *obj = cJSON_ParseWithLength(s, (size_t)(stop - s));
            if (obj) {  // and the strict rules (jsonl.h)
                cJSON_Delete(obj);
                obj = wmss_jsonl_parse(s, (size_t)(stop - s), where, (long long)(s - buf), e);
            } else {
                wmss_fail(e, "%s: invalid JSON", where);
            }
            int rc = obj ? add_item(b, cap, obj, where, e) : -1;
            cJSON_Delete(obj);
            if (rc) return -1;
        }
        p = nl ? nl + 1 : buf + len;
    }
    return 0;
}

int wmss_bench_load(const char *name, const char *path, wmss_bench *b, wmss_error *e) {
    memset(b, 0, sizeof *b);
    b->info = wmss_bench_find(name);
    if (!b->info) {
        char known[256] = "";
        for (int i = 0; i < N_BENCHES; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, BENCHES[i].name, sizeof known - strlen(known) - 1);
        }
        return wmss_fail(e, "unknown benchmark \"%s\" (known: %s)", name ? name : "", known);
    }
    char dir[4096];
    if (path && !*path) {
        wmss_fail(e, "%s: empty benchmark path", name);
        b->info = NULL;
        return -1;
    }
    if (!path) {
        if (wmss_benchmarks_dir(dir, sizeof dir, e)) return -1;
        if (wmss_path_join(b->path, sizeof b->path, dir, b->info->file, e)) return -1;
    } else if (wmss_is_dir(path)) {
        if (wmss_path_join(b->path, sizeof b->path, path, b->info->file, e)) return -1;
    } else {
        if (strlen(path) >= sizeof b->path) return wmss_fail(e, "path too long: %s", path);
        snprintf(b->path, sizeof b->path, "%s", path);
    }
    char *buf;
    size_t len;
    if (wmss_read_file(b->path, &buf, &len, e)) return -1;
    size_t k = 0;
    while (k < len && g_isspace((unsigned char)buf[k])) k++;
    int cap = 0;
    int rc = (k < len && buf[k] == '[') ? load_array(b, buf, len, &cap, e) : load_lines(b, buf, len, &cap, e);
    free(buf);
    if (!rc && b->n == 0) rc = wmss_fail(e, "%s: no items", b->path);
    if (rc) wmss_bench_free(b);
    return rc;
}
