// wmss demo: the built-in WMSS-versus-SFT experiment, from nothing to a report.
//   1. a synthetic reasoning task (seeded): multi-step word problems in 4 difficulty
//      levels, train and test splits that never overlap, a plain-text corpus;
//   2. a byte-level BPE tokenizer trained on it (ChatML chat template);
//   3. M0: a tiny Qwen3-architecture model pretrained on the corpus;
//   4. (a) SFT for 2 epochs; (b) WMSS: 1 SFT epoch + 1 weak-driven epoch (wmss run);
//   5. both evaluated on the test split with the evaluation harness (greedy, \boxed{});
//   6. a table, and a report directory: summary.md, metrics logs, SVG charts.
// With --variants all it also runs WD-DS only (SFT's second epoch on the active set),
// WD-JT only (joint training on the full set) and a step-matched control (SFT's second
// epoch on a random subset of the active set's size), and with --lambdas a sweep.
// Every phase is the corresponding wmss command run in-process; DIR/results.json holds
// the numbers (scripts/experiment.sh aggregates them over seeds).
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "commands.h"
#include "demo.h"
#include "fsutil.h"
#include "tokenizer.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"  // paths: --out is checked to be short

typedef struct {
    int train, test, corpus, merges;
    int hidden, layers, heads, kv_heads, head_dim, inter;
    const char *pretrain_epochs, *pretrain_lr, *lr, *batch, *micro_batch, *max_new;
} demo_size;

static const demo_size FULL = {6000, 400, 8000, 400, 128, 4, 4, 2, 32, 384, "1", "3e-3", "2e-3", "32", "32", "96"};
static const demo_size QUICK = {2000, 80, 3000, 400, 64, 2, 4, 2, 16, 192, "1", "6e-3", "6e-3", "16", "16", "64"};

// The evaluation protocol's instruction (wmss eval's default system prompt); the
// training conversations carry it too, so that training and test prompts match.
#define INSTRUCTION "Please reason step by step, and put your final answer within \\boxed{}."

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    char *v[64];
    int n;
} argv_t;

static void push(argv_t *a, const char *s) {
    if (a->n < 63) a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
}

static int run_cmd(int (*cmd)(int, char **), argv_t *a) {
    fflush(stdout);
    int rc = cmd(a->n, a->v);
    if (rc) fprintf(stderr, "wmss demo: the phase '%s' failed (exit %d)\n", a->v[0], rc);
    return rc;
}

static char *json_escape(const char *s) {
    cJSON *j = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return t;
}

// Writes the task files: train (conversational), test (GSM8K format), corpus (text).
static int write_data(const char *dir, const demo_size *z, uint64_t seed, int *test_level, wmss_error *e) {
    char path[4200];
    wmss_rng r;
    wmss_task_item it;
    // Test first; train skips any question the test has (a hash set of questions).
    const int cap = 1 << 16;
    uint64_t *seen = calloc(cap, sizeof *seen);
    if (!seen) return wmss_fail(e, "out of memory");
    wmss_atomic_file af;
    snprintf(path, sizeof path, "%s/test.jsonl", dir);
    if (wmss_atomic_open(&af, path, e)) { free(seen); return -1; }
    wmss_rng_seed(&r, seed * 1000003 + 17);
    for (int i = 0; i < z->test; i++) {
        wmss_task_make(&r, 1 + i % WMSS_TASK_LEVELS, &it);
        uint64_t h = wmss_hash_str(it.question) | 1;
        size_t k = h % cap;
        while (seen[k] && seen[k] != h) k = (k + 1) % cap;
        if (seen[k] == h) { i--; continue; }  // a duplicate inside the test set
        seen[k] = h;
        test_level[i] = it.level;
        char *q = json_escape(it.question), *s = json_escape(it.solution);
        fprintf(af.f, "{\"question\": %s, \"answer\": %.*s\\n#### %ld\", \"level\": %d}\n", q, (int)strlen(s) - 1, s,
                it.answer, it.level);
        free(q);
        free(s);
    }
    if (wmss_atomic_commit(&af, e)) { free(seen); return -1; }
    snprintf(path, sizeof path, "%s/train.jsonl", dir);
    if (wmss_atomic_open(&af, path, e)) { free(seen); return -1; }
    wmss_rng_seed(&r, seed * 1000003 + 29);
    int skipped = 0;
    char *instruction = json_escape(INSTRUCTION);
    for (int i = 0; i < z->train; i++) {
        wmss_task_make(&r, 1 + i % WMSS_TASK_LEVELS, &it);
        uint64_t h = wmss_hash_str(it.question) | 1;
        size_t k = h % cap;
        while (seen[k] && seen[k] != h) k = (k + 1) % cap;
        if (seen[k] == h) { i--; skipped++; continue; }
        char *q = json_escape(it.question), *s = json_escape(it.solution);
        fprintf(af.f, "{\"messages\": [{\"role\": \"system\", \"content\": %s}, {\"role\": \"user\", \"content\": %s}, "
                      "{\"role\": \"assistant\", \"content\": %s}], \"level\": %d, \"id\": \"train-%d\"}\n",
                instruction, q, s, it.level, i);
        free(q);
        free(s);
    }
    free(seen);
    free(instruction);
    if (wmss_atomic_commit(&af, e)) return -1;
    snprintf(path, sizeof path, "%s/corpus.jsonl", dir);
    if (wmss_atomic_open(&af, path, e)) return -1;
    wmss_rng_seed(&r, seed * 1000003 + 41);
    char text[WMSS_TASK_TEXT * 2];
    for (int i = 0; i < z->corpus; i++) {
        wmss_task_corpus_text(&r, text, sizeof text);
        char *t = json_escape(text);
        fprintf(af.f, "{\"text\": %s}\n", t);
        free(t);
    }
    (void)skipped;
    return wmss_atomic_commit(&af, e);
}

// The tokenizer's training texts: the corpus plus the rendered chat words.
static int make_tokenizer(const char *data_dir, const char *tok_dir, const demo_size *z, wmss_error *e) {
    char path[4200], *text;
    size_t len;
    snprintf(path, sizeof path, "%s/corpus.jsonl", data_dir);
    if (wmss_read_file(path, &text, &len, e)) return -1;
    int n = 0, cap = z->corpus + 16;
    char **texts = malloc(cap * sizeof *texts);
    for (char *p = text; texts && p < text + len && n < cap - 8;) {
        char *nl = memchr(p, '\n', text + len - p);
        if (!nl) nl = text + len;
        cJSON *j = cJSON_ParseWithLength(p, (size_t)(nl - p));
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
        if (cJSON_IsString(t)) texts[n++] = strdup(t->valuestring);
        cJSON_Delete(j);
        p = nl + 1;
    }
    free(text);
    if (!texts) return wmss_fail(e, "out of memory");
    texts[n++] = strdup("user\nassistant\nsystem\n How many does have now? The answer is " INSTRUCTION);
    int rc = wmss_mkdir_p(tok_dir, e) || wmss_bpe_train((const char *const *)texts, n, z->merges, tok_dir, e) ? -1 : 0;
    for (int i = 0; i < n; i++) free(texts[i]);
    free(texts);
    return rc;
}

// Reads a metrics.jsonl: losses (appended to *loss from index *n).
static void read_losses(const char *path, double *loss, int *n, int cap) {
    char *text;
    size_t len;
    wmss_error e;
    if (wmss_read_file(path, &text, &len, &e)) return;
    for (char *p = text; p < text + len && *n < cap;) {
        char *nl = memchr(p, '\n', text + len - p);
        if (!nl) nl = text + len;
        cJSON *j = cJSON_ParseWithLength(p, (size_t)(nl - p));
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(j, "loss");
        if (cJSON_IsNumber(l)) loss[(*n)++] = l->valuedouble;
        cJSON_Delete(j);
        p = nl + 1;
    }
    free(text);
}

typedef struct {
    const char *name;
    char model[4200], report[4200];
    double acc, by_level[WMSS_TASK_LEVELS], seconds;
    int steps;
} run_result;

// Accuracy overall and by level from an eval report.
static int read_eval(run_result *r, const int *test_level, int n_test, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(r->report, &text, &len, e)) return -1;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(j, "accuracy"), *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    if (!cJSON_IsNumber(acc) || !cJSON_IsArray(items)) {
        cJSON_Delete(j);
        return wmss_fail(e, "%s: not an eval report", r->report);
    }
    r->acc = acc->valuedouble;
    int right[WMSS_TASK_LEVELS] = {0}, all[WMSS_TASK_LEVELS] = {0};
    for (const cJSON *it = items->child; it; it = it->next) {
        int i = (int)cJSON_GetObjectItemCaseSensitive(it, "index")->valuedouble;
        if (i < 0 || i >= n_test) continue;
        all[test_level[i] - 1]++;
        right[test_level[i] - 1] += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "correct"));
    }
    for (int l = 0; l < WMSS_TASK_LEVELS; l++) r->by_level[l] = all[l] ? (double)right[l] / all[l] : NAN;
    cJSON_Delete(j);
    return 0;
}

static int count_lines(const char *path) {
    char *text;
    size_t len;
    wmss_error e;
    if (wmss_read_file(path, &text, &len, &e)) return 0;
    int n = 0;
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    free(text);
    return n;
}

static int evaluate(run_result *r, const char *dir, const char *test, const demo_size *z, const int *test_level,
                    wmss_error *e) {
    snprintf(r->report, sizeof r->report, "%s/eval/%s.json", dir, r->name);
    argv_t a = {0};
    push(&a, "eval");
    push(&a, "--model"); push(&a, r->model);
    push(&a, "--bench"); push(&a, "gsm8k");
    push(&a, "--data"); push(&a, test);
    push(&a, "--out"); push(&a, r->report);
    push(&a, "--max-new-tokens"); push(&a, z->max_new);
    push(&a, "--batch"); push(&a, "32");
    if (run_cmd(cmd_eval, &a)) return wmss_fail(e, "evaluation of %s failed", r->name);
    return read_eval(r, test_level, z->test, e);
}

static const char *const COLORS[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                     "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// The report directory: summary.md, metrics logs, loss curves and accuracy by level.
static int write_report(const char *out, const run_result *res, int nr, const char *run_dir, const demo_size *z,
                        long seed, int quick, double total_s, wmss_error *e) {
    char rep[4200], path[4400], src[4400];
    snprintf(rep, sizeof rep, "%s/report", out);
    if (wmss_mkdir_p(rep, e)) return -1;
    // Loss curves: SFT's 2 epochs; WMSS's SFT epoch followed by its joint epoch.
    enum { CAP = 100000 };
    static double loss_sft[CAP], loss_wm[CAP], xs[CAP];
    int n_sft = 0, n_wm = 0, n_m1 = 0;
    snprintf(path, sizeof path, "%s/metrics.jsonl", res[0].model);
    read_losses(path, loss_sft, &n_sft, CAP);
    snprintf(path, sizeof path, "%s/m1/metrics.jsonl", run_dir);
    read_losses(path, loss_wm, &n_wm, CAP);
    n_m1 = n_wm;
    snprintf(path, sizeof path, "%s/round-1/joint/metrics.jsonl", run_dir);
    read_losses(path, loss_wm, &n_wm, CAP);
    for (int i = 0; i < CAP; i++) xs[i] = i + 1;
    wmss_svg_series ls[2] = {{"SFT, 2 epochs", xs, loss_sft, n_sft, COLORS[0]},
                             {"WMSS (SFT + joint)", xs, loss_wm, n_wm, COLORS[1]}};
    snprintf(path, sizeof path, "%s/loss.svg", rep);
    if (wmss_svg_lines(path, "Training loss per optimizer step", "optimizer step", "loss (nats/token)", ls, 2, e)) return -1;
    // Accuracy by difficulty.
    const char *groups[WMSS_TASK_LEVELS + 1] = {"level 1", "level 2", "level 3", "level 4", "all"};
    const char *names[16];
    double vals[(WMSS_TASK_LEVELS + 1) * 16];
    for (int k = 0; k < nr; k++) {
        names[k] = res[k].name;
        for (int l = 0; l < WMSS_TASK_LEVELS; l++) vals[l * nr + k] = res[k].by_level[l];
        vals[WMSS_TASK_LEVELS * nr + k] = res[k].acc;
    }
    snprintf(path, sizeof path, "%s/accuracy.svg", rep);
    if (wmss_svg_bars(path, "Test accuracy by difficulty (greedy, \\boxed{} answer)", groups, WMSS_TASK_LEVELS + 1,
                      names, COLORS, nr, vals, e))
        return -1;
    // Metrics logs next to the report.
    snprintf(src, sizeof src, "%s/metrics.jsonl", res[0].model);
    snprintf(path, sizeof path, "%s/metrics-sft2.jsonl", rep);
    if (wmss_copy_file(src, path, e)) return -1;
    snprintf(src, sizeof src, "%s/m1/metrics.jsonl", run_dir);
    snprintf(path, sizeof path, "%s/metrics-wmss-sft.jsonl", rep);
    if (wmss_copy_file(src, path, e)) return -1;
    snprintf(src, sizeof src, "%s/round-1/joint/metrics.jsonl", run_dir);
    snprintf(path, sizeof path, "%s/metrics-wmss-joint.jsonl", rep);
    if (wmss_copy_file(src, path, e)) return -1;
    snprintf(src, sizeof src, "%s/round-1/select-stats.json", run_dir);
    snprintf(path, sizeof path, "%s/select-stats.json", rep);
    if (wmss_copy_file(src, path, e)) return -1;
    // summary.md
    snprintf(path, sizeof path, "%s/summary.md", rep);
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    FILE *f = af.f;
    fprintf(f, "# WMSS vs SFT on the built-in task\n\n");
    fprintf(f, "Seed %ld%s: %d training and %d test problems (levels 1-4 = 1-4 arithmetic steps), a %d-layer, "
               "hidden-%d Qwen3-architecture model pretrained on %d texts of the same domain. Both runs start from "
               "that base model M0 and have the same 2-epoch budget: SFT for 2 epochs, or WMSS = 1 SFT epoch (M1) "
               "+ 1 weak-driven epoch (entropy of M0 and M1, selection, joint training of M0 and M1 on the active "
               "set). Greedy decoding, answers graded from `\\boxed{}`.\n\n",
            seed, quick ? " (quick configuration)" : "", z->train, z->test, z->layers, z->hidden, z->corpus);
    fprintf(f, "| run | accuracy | level 1 | level 2 | level 3 | level 4 | optimizer steps | wall time |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < nr; i++)
        fprintf(f, "| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %d | %.0f s |\n", res[i].name, 100 * res[i].acc,
                100 * res[i].by_level[0], 100 * res[i].by_level[1], 100 * res[i].by_level[2], 100 * res[i].by_level[3],
                res[i].steps, res[i].seconds);
    fprintf(f, "\nWMSS's SFT epoch took %d optimizer steps; its joint epoch the rest. Total time %.0f s.\n\n", n_m1,
            total_s);
    fprintf(f, "![loss](loss.svg)\n\n![accuracy](accuracy.svg)\n\n");
    fprintf(f, "Files: `metrics-sft2.jsonl`, `metrics-wmss-sft.jsonl`, `metrics-wmss-joint.jsonl` (one JSON object "
               "per optimizer step), `select-stats.json` (the active set), and the evaluation reports in `../eval/`.\n");
    return wmss_atomic_commit(&af, e);
}

// A random subset of the training lines (seeded), as many as the active set has: the
// step-matched control for WD-DS.
static int write_random_subset(const char *train, const char *out, int k, uint64_t seed, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(train, &text, &len, e)) return -1;
    int n = 0, cap = 1024;
    char **lines = malloc(cap * sizeof *lines);
    for (char *p = text; lines && p < text + len;) {
        char *nl = memchr(p, '\n', text + len - p);
        if (!nl) nl = text + len;
        *nl = '\0';
        if (n == cap) {
            char **nl2 = realloc(lines, (cap *= 2) * sizeof *nl2);
            if (!nl2) break;
            lines = nl2;
        }
        lines[n++] = p;
        p = nl + 1;
    }
    int rc = lines ? 0 : wmss_fail(e, "out of memory");
    wmss_rng r;
    wmss_rng_seed(&r, seed * 7919 + 3);
    for (int i = n - 1; !rc && i > 0; i--) {
        int j = (int)(wmss_rng_next(&r) % (uint64_t)(i + 1));
        char *t = lines[i]; lines[i] = lines[j]; lines[j] = t;
    }
    wmss_atomic_file af;
    if (!rc) rc = wmss_atomic_open(&af, out, e);
    for (int i = 0; !rc && i < k && i < n; i++) fprintf(af.f, "%s\n", lines[i]);
    if (!rc) rc = wmss_atomic_commit(&af, e);
    free(lines);
    free(text);
    return rc;
}

static int json_int(const char *path, const char *key, int *v) {
    char *text;
    size_t len;
    wmss_error e;
    if (wmss_read_file(path, &text, &len, &e)) return -1;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
    int ok = cJSON_IsNumber(x);
    if (ok) *v = (int)x->valuedouble;
    cJSON_Delete(j);
    return ok ? 0 : -1;
}

static int write_results(const char *out, const run_result *res, int nr, long seed, int quick, const char *stats_path,
                         wmss_error *e) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "seed", (double)seed);
    cJSON_AddBoolToObject(j, "quick", quick);
    int v;
    if (json_int(stats_path, "unique", &v) == 0) cJSON_AddNumberToObject(j, "active_unique", v);
    if (json_int(stats_path, "n", &v) == 0) cJSON_AddNumberToObject(j, "active_of", v);
    if (json_int(stats_path, "duplicated", &v) == 0) cJSON_AddNumberToObject(j, "active_duplicated", v);
    cJSON *runs = cJSON_AddArrayToObject(j, "runs");
    for (int i = 0; i < nr; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", res[i].name);
        cJSON_AddNumberToObject(r, "accuracy", res[i].acc);
        cJSON *bl = cJSON_AddArrayToObject(r, "by_level");
        for (int l = 0; l < WMSS_TASK_LEVELS; l++)
            cJSON_AddItemToArray(bl, isnan(res[i].by_level[l]) ? cJSON_CreateNull() : cJSON_CreateNumber(res[i].by_level[l]));
        cJSON_AddNumberToObject(r, "steps", res[i].steps);
        cJSON_AddNumberToObject(r, "seconds", res[i].seconds);
        cJSON_AddItemToArray(runs, r);
    }
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", out);
    int rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
    free(text);
    return rc;
}

static int dir_is_empty(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 1;
    int empty = 1;
    for (struct dirent *ent; empty && (ent = readdir(d));)
        empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..") || !strcmp(ent->d_name, WMSS_LOCK_FILE);
    closedir(d);
    return empty;
}

int cmd_demo(int argc, char **argv) {
    const char *out = "demo-out", *seed_s = "1", *variants = "main", *lambdas = NULL;
    int quick = 0, done;
    const cli_opt opts[] = {
        {"--out", "DIR", "report and every phase's outputs (default demo-out)", &out, NULL},
        {"--seed", "S", "seed of the task data, initialization and data order (default 1)", &seed_s, NULL},
        {"--quick", NULL, "a small configuration that runs in about a minute", NULL, &quick},
        {"--variants", "main|all", "main: SFT vs WMSS; all: also WD-DS only, WD-JT only, a random-subset control",
         &variants, NULL},
        {"--lambdas", "L1,L2,...", "also run WD-JT on the active set at these lambdas", &lambdas, NULL},
    };
    int rc = cli_parse("demo", "[--quick] [--seed S] [--out DIR] [--variants main|all] [--lambdas LIST]", argc, argv,
                       opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    long seed;
    if (cli_int("--seed", seed_s, 0, 1L << 40, &seed)) return 2;
    if (strlen(out) > 2000 || (strcmp(variants, "main") && strcmp(variants, "all"))) {
        fprintf(stderr, "wmss demo: --variants must be main or all (and --out shorter than 2000 bytes)\n");
        return 2;
    }
    for (const char *p = lambdas; p && *p;) {  // checked now, not after the first phases
        size_t k = strcspn(p, ",");
        char lb[32];
        double lv;
        snprintf(lb, sizeof lb, "%.*s", (int)(k < 31 ? k : 31), p);
        if (cli_double("--lambdas", lb, &lv) || lv < 0 || lv > 1) {
            fprintf(stderr, "wmss demo: --lambdas: each value must be a number in [0, 1], got '%s'\n", lb);
            return 2;
        }
        p += k + (p[k] == ',');
    }
    const demo_size *z = quick ? &QUICK : &FULL;
    wmss_error e = {{0}};
    char data[4200], tok[4200], m0[4200], path[4200], test[4200], train[4200], corpus[4200];
    snprintf(data, sizeof data, "%s/data", out);
    snprintf(tok, sizeof tok, "%s/tokenizer", out);
    snprintf(m0, sizeof m0, "%s/m0", out);
    snprintf(test, sizeof test, "%s/test.jsonl", data);
    snprintf(train, sizeof train, "%s/train.jsonl", data);
    snprintf(corpus, sizeof corpus, "%s/corpus.jsonl", data);
    int *test_level = calloc(z->test, sizeof *test_level);
    if (!test_level) return 1;
    const double t_start = now_s();
    char seedbuf[32];
    snprintf(seedbuf, sizeof seedbuf, "%ld", seed);
    // 1-2. Data and tokenizer (always rewritten: deterministic and fast).
    fprintf(stderr, "== demo: task data (%d train, %d test, %d corpus texts, seed %ld) and tokenizer\n", z->train,
            z->test, z->corpus, seed);
    // DIR is rebuilt from scratch, so it must be a previous demo's (marked) or new/empty.
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/.wmss-demo", out);
    if (wmss_is_dir(out) && !wmss_file_exists(marker) && !dir_is_empty(out)) {
        fprintf(stderr, "wmss demo: %s exists and is not a wmss demo directory; choose another --out\n", out);
        free(test_level);
        return 1;
    }
    // One demo per directory: the lock is kept while DIR is cleared and rebuilt.
    int lock = wmss_dir_lock(out, &e);
    if (lock < 0) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        free(test_level);
        return 1;
    }
    if (wmss_clear_dir(out, WMSS_LOCK_FILE, &e) || wmss_mkdir_p(data, &e) || wmss_write_file_atomic(marker, "", 0, &e) ||
        write_data(data, z, (uint64_t)seed, test_level, &e) || make_tokenizer(data, tok, z, &e)) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        free(test_level);
        wmss_dir_unlock(lock);
        return 1;
    }
    snprintf(path, sizeof path, "%s/eval", out);
    wmss_mkdir_p(path, &e);
    // 3. M0: init + pretraining on the corpus.
    wmss_tokenizer *tk;
    if (wmss_tokenizer_load(tok, &tk, &e)) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        free(test_level);
        wmss_dir_unlock(lock);
        return 1;
    }
    char vocab[16], hid[16], lay[16], hd[16], kvh[16], hds[16], inter[16];
    snprintf(vocab, sizeof vocab, "%zu", wmss_tokenizer_vocab_size(tk));
    wmss_tokenizer_free(tk);
    snprintf(hid, sizeof hid, "%d", z->hidden);
    snprintf(lay, sizeof lay, "%d", z->layers);
    snprintf(hd, sizeof hd, "%d", z->heads);
    snprintf(kvh, sizeof kvh, "%d", z->kv_heads);
    snprintf(hds, sizeof hds, "%d", z->head_dim);
    snprintf(inter, sizeof inter, "%d", z->inter);
    char m0_init[4200];
    snprintf(m0_init, sizeof m0_init, "%s/m0-init", out);
    fprintf(stderr, "== demo: M0 = a %s-layer, hidden-%s Qwen3 pretrained on the corpus\n", lay, hid);
    argv_t a = {0};
    push(&a, "init-model"); push(&a, "--out"); push(&a, m0_init); push(&a, "--seed"); push(&a, seedbuf);
    push(&a, "--vocab-size"); push(&a, vocab); push(&a, "--hidden-size"); push(&a, hid); push(&a, "--layers"); push(&a, lay);
    push(&a, "--heads"); push(&a, hd); push(&a, "--kv-heads"); push(&a, kvh); push(&a, "--head-dim"); push(&a, hds);
    push(&a, "--intermediate-size"); push(&a, inter); push(&a, "--max-position"); push(&a, "1024");
    push(&a, "--tokenizer"); push(&a, tok);
    if ((rc = run_cmd(cmd_init_model, &a))) goto end;
    a.n = 0;
    push(&a, "sft"); push(&a, "--model"); push(&a, m0_init); push(&a, "--data"); push(&a, corpus); push(&a, "--out"); push(&a, m0);
    push(&a, "--epochs"); push(&a, z->pretrain_epochs); push(&a, "--lr"); push(&a, z->pretrain_lr);
    push(&a, "--batch"); push(&a, "32"); push(&a, "--micro-batch"); push(&a, "32"); push(&a, "--warmup-ratio"); push(&a, "0.05");
    push(&a, "--seed"); push(&a, seedbuf); push(&a, "--max-len"); push(&a, "256");
    if ((rc = run_cmd(cmd_sft, &a))) goto end;
    const char *common[] = {"--lr", z->lr, "--batch", z->batch, "--micro-batch", z->micro_batch, "--warmup-ratio", "0.05",
                            "--seed", seedbuf, "--max-len", "256"};
    const int nc = sizeof common / sizeof common[0];
    // 4a. SFT for 2 epochs.
    run_result res[16];
    int nr = 0;
    memset(res, 0, sizeof res);
    run_result *sft = &res[nr++];
    sft->name = "sft-2-epochs";
    snprintf(sft->model, sizeof sft->model, "%s/sft2", out);
    fprintf(stderr, "== demo: (a) SFT for 2 epochs -> %s\n", sft->model);
    double t0 = now_s();
    a.n = 0;
    push(&a, "sft"); push(&a, "--model"); push(&a, m0); push(&a, "--data"); push(&a, train); push(&a, "--out"); push(&a, sft->model);
    push(&a, "--epochs"); push(&a, "2");
    for (int i = 0; i < nc; i++) push(&a, common[i]);
    if ((rc = run_cmd(cmd_sft, &a))) goto end;
    sft->seconds = now_s() - t0;
    snprintf(path, sizeof path, "%s/metrics.jsonl", sft->model);
    sft->steps = count_lines(path);
    // 4b. WMSS: 1 SFT epoch + 1 weak-driven epoch.
    run_result *wm = &res[nr++];
    wm->name = "wmss";
    char run_dir[4200];
    snprintf(run_dir, sizeof run_dir, "%s/wmss", out);
    snprintf(wm->model, sizeof wm->model, "%s/final", run_dir);
    fprintf(stderr, "== demo: (b) WMSS: 1 SFT epoch + 1 weak-driven epoch -> %s\n", run_dir);
    t0 = now_s();
    a.n = 0;
    push(&a, "run"); push(&a, "--model"); push(&a, m0); push(&a, "--data"); push(&a, train); push(&a, "--out"); push(&a, run_dir);
    push(&a, "--sft-epochs"); push(&a, "1"); push(&a, "--joint-epochs"); push(&a, "1");
    for (int i = 0; i < nc; i++) push(&a, common[i]);
    if ((rc = run_cmd(cmd_run, &a))) goto end;
    wm->seconds = now_s() - t0;
    snprintf(path, sizeof path, "%s/m1/metrics.jsonl", run_dir);
    wm->steps = count_lines(path);
    snprintf(path, sizeof path, "%s/round-1/joint/metrics.jsonl", run_dir);
    wm->steps += count_lines(path);
    // Extra runs, all from WMSS's own M1 (and M0 as the weak model) and its active set.
    char m1[4200], active[4200], stats_path[4200];
    snprintf(m1, sizeof m1, "%s/m1", run_dir);
    snprintf(active, sizeof active, "%s/round-1/active.jsonl", run_dir);
    snprintf(stats_path, sizeof stats_path, "%s/round-1/select-stats.json", run_dir);
    static char names[16][64];
    typedef struct { const char *label; int joint; const char *data; const char *lambda; } extra;
    extra extras[16];
    int ne = 0;
    char subset[4200];
    snprintf(subset, sizeof subset, "%s/random-subset.jsonl", data);
    if (!strcmp(variants, "all")) {
        int unique = 0;
        if (json_int(stats_path, "unique", &unique) || write_random_subset(train, subset, unique, (uint64_t)seed, &e)) {
            fprintf(stderr, "wmss demo: %s\n", e.msg[0] ? e.msg : "cannot read the selection statistics");
            rc = 1;
            goto end;
        }
        extras[ne++] = (extra){"wd-ds-only", 0, active, NULL};      // SFT's 2nd epoch on the active set
        extras[ne++] = (extra){"wd-jt-only", 1, train, "0.5"};     // joint training on the full set
        extras[ne++] = (extra){"sft-random-subset", 0, subset, NULL};  // step-matched control
        extras[ne++] = (extra){"sft-restarted", 0, train, NULL};   // SFT's 2nd epoch, fresh optimizer
    }
    static char lambda_buf[8][32];
    int nl = 0;
    for (const char *p = lambdas; p && *p && nl < 8;) {
        size_t k = strcspn(p, ",");
        snprintf(lambda_buf[nl], sizeof lambda_buf[nl], "%.*s", (int)k, p);
        extras[ne++] = (extra){NULL, 1, active, lambda_buf[nl]};
        nl++;
        p += k + (p[k] == ',');
    }
    for (int x = 0; x < ne && nr < 16; x++) {
        run_result *r = &res[nr++];
        if (extras[x].label) snprintf(names[x], sizeof names[x], "%s", extras[x].label);
        else snprintf(names[x], sizeof names[x], "wmss-lambda-%s", extras[x].lambda);
        r->name = names[x];
        snprintf(r->model, sizeof r->model, "%s/%s", out, r->name);
        fprintf(stderr, "== demo: %s -> %s\n", r->name, r->model);
        t0 = now_s();
        a.n = 0;
        if (extras[x].joint) {
            push(&a, "joint"); push(&a, "--weak"); push(&a, m0); push(&a, "--strong"); push(&a, m1);
            push(&a, "--lambda"); push(&a, extras[x].lambda);
        } else {
            push(&a, "sft"); push(&a, "--model"); push(&a, m1);
        }
        push(&a, "--data"); push(&a, extras[x].data); push(&a, "--out"); push(&a, r->model); push(&a, "--epochs"); push(&a, "1");
        for (int i = 0; i < nc; i++) push(&a, common[i]);
        if ((rc = run_cmd(extras[x].joint ? cmd_joint : cmd_sft, &a))) goto end;
        snprintf(path, sizeof path, "%s/m1/metrics.jsonl", run_dir);
        r->steps = count_lines(path);
        snprintf(path, sizeof path, "%s/metrics.jsonl", r->model);
        r->steps += count_lines(path);
        r->seconds = now_s() - t0;
    }
    // 5. Evaluation.
    for (int i = 0; i < nr; i++) {
        fprintf(stderr, "== demo: evaluating %s\n", res[i].name);
        if (evaluate(&res[i], out, test, z, test_level, &e)) {
            fprintf(stderr, "wmss demo: %s\n", e.msg);
            rc = 1;
            goto end;
        }
    }
    // 6. Table and report.
    printf("\nWMSS vs SFT on the synthetic task (seed %ld%s; %d test problems, greedy)\n\n", seed, quick ? ", quick" : "",
           z->test);
    printf("| run | accuracy | level 1 | level 2 | level 3 | level 4 | optimizer steps | wall time |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < nr; i++)
        printf("| %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %d | %.0f s |\n", res[i].name, 100 * res[i].acc,
               100 * res[i].by_level[0], 100 * res[i].by_level[1], 100 * res[i].by_level[2], 100 * res[i].by_level[3],
               res[i].steps, res[i].seconds);
    snprintf(path, sizeof path, "%s/round-1/select-stats.json", run_dir);
    char *st;
    size_t sl;
    if (wmss_read_file(path, &st, &sl, &e) == 0) {
        cJSON *j = cJSON_ParseWithLength(st, sl);
        free(st);
        printf("\nactive set: %d of %d examples (%d duplicate draws removed)\n",
               (int)cJSON_GetObjectItemCaseSensitive(j, "unique")->valuedouble,
               (int)cJSON_GetObjectItemCaseSensitive(j, "n")->valuedouble,
               (int)cJSON_GetObjectItemCaseSensitive(j, "duplicated")->valuedouble);
        cJSON_Delete(j);
    }
    if (write_report(out, res, nr, run_dir, z, seed, quick, now_s() - t_start, &e) ||
        write_results(out, res, nr, seed, quick, stats_path, &e)) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        rc = 1;
        goto end;
    }
    printf("total time %.0f s; report in %s/report (summary.md, loss.svg, accuracy.svg)\n", now_s() - t_start, out);
end:
    wmss_dir_unlock(lock);
    free(test_level);
    return rc;
}
