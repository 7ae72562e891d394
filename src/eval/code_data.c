// The code benchmarks' data: HumanEval / HumanEval+ (EvalPlus's HumanEvalPlus.jsonl.gz,
// read with zlib) and MBPP (mbpp.jsonl, the test split task_ids 11-510). See code.h.
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "code.h"
#include "fsutil.h"
#include "grade.h"

typedef struct {
    const char *name, *file;
    wmss_code_kind kind;
} code_info;

static const code_info CODE_BENCHES[] = {
    {"humaneval", "humanevalplus/HumanEvalPlus.jsonl.gz", WMSS_CODE_HUMANEVAL},
    {"humanevalplus", "humanevalplus/HumanEvalPlus.jsonl.gz", WMSS_CODE_HUMANEVALPLUS},
    {"mbpp", "mbpp/mbpp.jsonl", WMSS_CODE_MBPP},
};
#define N_CODE ((int)(sizeof CODE_BENCHES / sizeof CODE_BENCHES[0]))

static const code_info *find(const char *name) {
    for (int i = 0; name && i < N_CODE; i++)
        if (!strcmp(CODE_BENCHES[i].name, name)) return &CODE_BENCHES[i];
    return NULL;
}

int wmss_code_bench_known(const char *name) { return find(name) != NULL; }

void wmss_code_bench_free(wmss_code_bench *b) {
    char **arrs[] = {b->task_id, b->prompt, b->question, b->entry_point, b->canonical, b->test, b->tests_json, b->inputs_json};
    for (size_t a = 0; a < sizeof arrs / sizeof *arrs; a++) {
        for (int i = 0; arrs[a] && i < b->n; i++) free(arrs[a][i]);
        free(arrs[a]);
    }
    free(b->n_base);
    free(b->atol);
    memset(b, 0, sizeof *b);
}

// The whole file, gzip or plain (zlib reads both).
static int read_gz(const char *path, char **out, size_t *len, wmss_error *e) {
    gzFile f = gzopen(path, "rb");
    if (!f) return wmss_fail(e, "%s: cannot open", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    int rc = 0;
    for (;;) {
        if (!buf) {
            rc = wmss_fail(e, "out of memory");
            break;
        }
        if (n == cap) {
            char *nb = cap < ((size_t)1 << 31) ? realloc(buf, 2 * cap + 1) : NULL;
            if (!nb) {
                rc = wmss_fail(e, "%s: too large or out of memory", path);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        int k = gzread(f, buf + n, (unsigned)(cap - n));
        if (k < 0) {
            int z;
            rc = wmss_fail(e, "%s: %s", path, gzerror(f, &z));
            break;
        }
        if (k == 0) break;
        n += (size_t)k;
    }
    gzclose(f);
    if (rc) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static char *sdup(const char *s) {
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

static char *cat3(const char *a, const char *b, const char *c) {
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *p = malloc(na + nb + nc + 1);
    if (!p) return NULL;
    memcpy(p, a, na);
    memcpy(p + na, b, nb);
    memcpy(p + na + nb, c, nc + 1);
    return p;
}

static const char *str_field(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int alloc_arrays(wmss_code_bench *b, int cap) {
    char ***arrs[] = {&b->task_id, &b->prompt, &b->question, &b->entry_point, &b->canonical, &b->test, &b->tests_json, &b->inputs_json};
    for (size_t a = 0; a < sizeof arrs / sizeof *arrs; a++)
        if (!(*arrs[a] = calloc((size_t)cap, sizeof(char *)))) return -1;
    b->n_base = calloc((size_t)cap, sizeof *b->n_base);
    b->atol = calloc((size_t)cap, sizeof *b->atol);
    return b->n_base && b->atol ? 0 : -1;
}

// The raw text of the value of top-level key `key` in the JSON object text s[0..n)
// (numbers must keep their digits: cJSON would turn 2**63-1 into a double). Returns 1
// with *start / *len set, 0 when absent.
static int raw_value(const char *s, size_t n, const char *key, const char **start, size_t *len) {
    size_t kl = strlen(key);
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            if (j >= n) return 0;
            int is_key = depth == 1 && j - i - 1 == kl && !memcmp(s + i + 1, key, kl);
            i = j;
            if (!is_key) continue;
            size_t k = j + 1;
            while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) k++;
            if (k >= n || s[k] != ':') continue;
            k++;
            while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) k++;
            size_t v = k;
            int d = 0;
            for (; k < n; k++) {
                if (s[k] == '"') {
                    k++;
                    while (k < n && s[k] != '"') k += s[k] == '\\' ? 2 : 1;
                } else if (s[k] == '[' || s[k] == '{') d++;
                else if (s[k] == ']' || s[k] == '}') {
                    if (d == 0) break;
                    d--;
                } else if (s[k] == ',' && d == 0) break;
            }
            *start = s + v;
            *len = k - v;
            while (*len && (s[v + *len - 1] == ' ' || s[v + *len - 1] == '\n' || s[v + *len - 1] == '\r')) (*len)--;
            return 1;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') depth--;
    }
    return 0;
}

// Base and plus inputs as one JSON array text, their digits as stored. EvalPlus's file
// has them as arrays; a JSON string holding an array is accepted too.
static char *join_inputs(const cJSON *o, const char *raw, size_t rawn, int *n_base) {
    const cJSON *bv = cJSON_GetObjectItemCaseSensitive(o, "base_input"), *pv = cJSON_GetObjectItemCaseSensitive(o, "plus_input");
    const char *bs, *ps;
    size_t bl, pl;
    if (cJSON_IsString(bv) && cJSON_IsString(pv)) {
        bs = bv->valuestring;
        bl = strlen(bs);
        ps = pv->valuestring;
        pl = strlen(ps);
    } else if (cJSON_IsArray(bv) && cJSON_IsArray(pv)) {
        if (!raw_value(raw, rawn, "base_input", &bs, &bl) || !raw_value(raw, rawn, "plus_input", &ps, &pl)) return NULL;
    } else return NULL;
    cJSON *bp = cJSON_ParseWithLength(bs, bl), *pp = cJSON_ParseWithLength(ps, pl);
    int ok = cJSON_IsArray(bp) && cJSON_IsArray(pp);
    *n_base = ok ? cJSON_GetArraySize(bp) : 0;
    int np = ok ? cJSON_GetArraySize(pp) : 0;
    cJSON_Delete(bp);
    cJSON_Delete(pp);
    if (!ok) return NULL;
    // "[" base items "," plus items "]"
    while (bl && bs[bl - 1] != ']') bl--;
    while (pl && ps[0] != '[') ps++, pl--;
    char *out = malloc(bl + pl + 4);
    if (!out) return NULL;
    size_t k = 0;
    memcpy(out, bs, bl - 1);  // without the closing bracket
    k = bl - 1;
    if (*n_base && np) out[k++] = ',';
    memcpy(out + k, ps + 1, pl - 1);  // without the opening bracket
    k += pl - 1;
    out[k] = '\0';
    return out;
}

static int add_humaneval(wmss_code_bench *b, const cJSON *o, const char *raw, size_t rawn, const char *where,
                         wmss_error *e) {
    const char *tid = str_field(o, "task_id"), *prompt = str_field(o, "prompt"), *ep = str_field(o, "entry_point");
    const char *sol = str_field(o, "canonical_solution"), *test = str_field(o, "test");
    if (!tid || !prompt || !ep || !sol || !test)
        return wmss_fail(e, "%s: needs task_id, prompt, entry_point, canonical_solution and test (strings)", where);
    int i = b->n;
    b->task_id[i] = sdup(tid);
    b->prompt[i] = sdup(prompt);
    b->question[i] = sdup(prompt);
    b->entry_point[i] = sdup(ep);
    b->canonical[i] = cat3(prompt, sol, "");
    b->test[i] = sdup(test);
    b->n++;  // (freed with the bench on failure)
    if (!b->task_id[i] || !b->prompt[i] || !b->question[i] || !b->entry_point[i] || !b->canonical[i] || !b->test[i])
        return wmss_fail(e, "out of memory");
    if (b->kind != WMSS_CODE_HUMANEVALPLUS) return 0;
    const cJSON *atol = cJSON_GetObjectItemCaseSensitive(o, "atol");
    if (cJSON_IsString(atol)) b->atol[i] = strtod(atol->valuestring, NULL);
    else if (cJSON_IsNumber(atol)) b->atol[i] = atol->valuedouble;
    if (!(b->inputs_json[i] = join_inputs(o, raw, rawn, &b->n_base[i])))
        return wmss_fail(e, "%s: base_input and plus_input must be JSON arrays", where);
    int rc = 0;
    return rc;
}

// MBPP's entry point: the first function defined in the reference code that the first
// assert calls (else the first function defined).
static char *mbpp_entry(const char *code, const char *assert0) {
    char first[256] = "";
    for (const char *p = code; (p = strstr(p, "def ")); p += 4) {
        if (p != code && p[-1] != '\n') continue;
        const char *s = p + 4, *t = s;
        while (*t == '_' || (*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9')) t++;
        if (t == s || t - s >= 255) continue;
        char nm[256];
        memcpy(nm, s, (size_t)(t - s));
        nm[t - s] = '\0';
        if (!first[0]) snprintf(first, sizeof first, "%s", nm);
        char call[260];
        snprintf(call, sizeof call, "%s(", nm);
        if (strstr(assert0, call)) return sdup(nm);
    }
    return first[0] ? sdup(first) : NULL;
}

static int add_mbpp(wmss_code_bench *b, const cJSON *o, const char *where, wmss_error *e) {
    const cJSON *tid = cJSON_GetObjectItemCaseSensitive(o, "task_id"), *tl = cJSON_GetObjectItemCaseSensitive(o, "test_list");
    const char *text = str_field(o, "text"), *code = str_field(o, "code"), *setup = str_field(o, "test_setup_code");
    if (!cJSON_IsNumber(tid) || !text || !code || !cJSON_IsArray(tl) || !cJSON_GetArraySize(tl) ||
        !cJSON_IsString(cJSON_GetArrayItem(tl, 0)))
        return wmss_fail(e, "%s: needs task_id, text, code and test_list (asserts)", where);
    int id = tid->valueint;
    if (id < 11 || id > 510) return 1;  // not the test split
    int i = b->n;
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%d", id);
    const char *a0 = cJSON_GetArrayItem(tl, 0)->valuestring;
    char *head = cat3("\"\"\"\n", text, "\n");
    b->task_id[i] = sdup(idbuf);
    b->prompt[i] = head ? cat3(head, a0, "\n\"\"\"\n") : NULL;
    b->question[i] = b->prompt[i] ? sdup(b->prompt[i]) : NULL;
    b->entry_point[i] = mbpp_entry(code, a0);
    b->canonical[i] = sdup(code);
    b->test[i] = sdup(setup ? setup : "");
    b->tests_json[i] = cJSON_PrintUnformatted(tl);
    free(head);
    b->n++;
    if (!b->entry_point[i]) return wmss_fail(e, "%s: the reference code defines no function", where);
    if (!b->prompt[i] || !b->question[i] || !b->canonical[i] || !b->test[i] || !b->tests_json[i] || !b->task_id[i])
        return wmss_fail(e, "out of memory");
    return 0;
}

int wmss_code_bench_load(const char *name, const char *path, wmss_code_bench *b, wmss_error *e) {
    memset(b, 0, sizeof *b);
    const code_info *in = find(name);
    if (!in) return wmss_fail(e, "unknown code benchmark \"%s\" (known: humaneval, humanevalplus, mbpp)", name ? name : "");
    b->name = in->name;
    b->kind = in->kind;
    char dir[4096];
    if (!path) {
        if (wmss_benchmarks_dir(dir, sizeof dir, e) || wmss_path_join(b->path, sizeof b->path, dir, in->file, e)) return -1;
    } else if (wmss_is_dir(path)) {
        if (wmss_path_join(b->path, sizeof b->path, path, in->file, e)) return -1;
    } else {
        if (strlen(path) >= sizeof b->path) return wmss_fail(e, "path too long: %s", path);
        snprintf(b->path, sizeof b->path, "%s", path);
    }
    char *buf = NULL;
    size_t len = 0;
    if (read_gz(b->path, &buf, &len, e)) return -1;
    int lines = 1;
    for (size_t k = 0; k < len; k++) lines += buf[k] == '\n';
    if (alloc_arrays(b, lines)) {
        free(buf);
        wmss_code_bench_free(b);
        return wmss_fail(e, "out of memory");
    }
    int rc = 0, line = 0;
    for (char *p = buf; !rc && p < buf + len;) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p)), *stop = nl ? nl : buf + len;
        line++;
        char *s = p;
        p = nl ? nl + 1 : buf + len;
        while (s < stop && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s == stop) continue;
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", b->path, line);
        cJSON *o = cJSON_ParseWithLength(s, (size_t)(stop - s));
        if (!cJSON_IsObject(o)) rc = wmss_fail(e, "%s: not a JSON object", where);
        else if (b->kind == WMSS_CODE_MBPP) rc = add_mbpp(b, o, where, e) < 0 ? -1 : 0;
        else rc = add_humaneval(b, o, s, (size_t)(stop - s), where, e);
        cJSON_Delete(o);
    }
    free(buf);
    if (!rc && b->n == 0) rc = wmss_fail(e, "%s: no items", b->path);
    if (rc) {
        char p[4096];
        snprintf(p, sizeof p, "%s", b->path);
        wmss_code_bench_free(b);
        snprintf(b->path, sizeof b->path, "%s", p);
    }
    return rc;
}
