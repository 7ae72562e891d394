// wmss demo: the built-in WMSS-versus-SFT experiment, from nothing to a report.
//   1-3. the built-in task (wmss_demo_prepare, src/demo/prepare.c): multi-step word
//      problems in 4 difficulty levels with randomly phrased solutions, train and test
//      splits that never overlap, a pretraining corpus (plain-text worked solutions,
//      chat conversations, drills), a BPE tokenizer (ChatML template) and M0, a tiny
//      Qwen3 pretrained on the corpus and evaluated before any SFT;
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

static int evaluate(run_result *r, const char *dir, const char *test, const wmss_demo_size *z, const int *test_level,
                    wmss_error *e) {
    char max_new[16], batch[16];
    snprintf(max_new, sizeof max_new, "%d", z->max_new);
    snprintf(batch, sizeof batch, "%d", z->eval_batch);
    snprintf(r->report, sizeof r->report, "%s/eval/%s.json", dir, r->name);
    argv_t a = {0};
    push(&a, "eval");
    push(&a, "--model"); push(&a, r->model);
    push(&a, "--bench"); push(&a, "gsm8k");
    push(&a, "--data"); push(&a, test);
    push(&a, "--out"); push(&a, r->report);
    push(&a, "--max-new-tokens"); push(&a, max_new);
    push(&a, "--batch"); push(&a, batch);
    if (run_cmd(cmd_eval, &a)) return wmss_fail(e, "evaluation of %s failed", r->name);
    return read_eval(r, test_level, z->test, e);
}

static const char *const COLORS[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                     "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// The report directory: summary.md, metrics logs, loss curves and accuracy by level.
static int write_report(const char *out, const run_result *res, int nr, const char *run_dir, const wmss_demo_size *z,
                        const wmss_demo_task *task, long seed, int quick, double total_s, wmss_error *e) {
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
               "hidden-%d Qwen3-architecture model pretrained for %d epochs on %d texts of the same domain (plain-text "
               "worked solutions, chat conversations and drills; problems outside train and test). Both runs start from "
               "that base model M0 and have the same 2-epoch budget: SFT for 2 epochs, or WMSS = 1 SFT epoch (M1) "
               "+ 1 weak-driven epoch (entropy of M0 and M1, selection, joint training of M0 and M1 on the active "
               "set). Greedy decoding, answers graded from `\\boxed{}`.\n\n",
            seed, quick ? " (quick configuration)" : "", z->train, z->test, z->layers, z->hidden, z->pretrain_epochs,
            task->n_corpus);
    if (z->eval_m0)
        fprintf(f, "M0 before any SFT: %.1f%% with a plain-text prompt, %.1f%% with the chat template. ",
                100 * task->m0_acc_plain, 100 * task->m0_acc_chat);
    fprintf(f, "Pretraining loss by tenth of its steps:");
    for (int i = 0; i < WMSS_DEMO_CURVE; i++) fprintf(f, " %.3f", task->pretrain_curve[i]);
    fprintf(f, ".\n\n");
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
    for (struct dirent *ent; empty && (ent = readdir(d));) empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    return empty;
}

// Empties a previous demo directory except its task (wmss_demo_prepare reuses DIR/task
// when its size and seed match, and rebuilds it otherwise).
static int clear_except_task(const char *out, wmss_error *e) {
    DIR *d = opendir(out);
    if (!d) return 0;
    char path[4200];
    int rc = 0;
    for (struct dirent *ent; !rc && (ent = readdir(d));) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..") || !strcmp(ent->d_name, "task")) continue;
        snprintf(path, sizeof path, "%s/%s", out, ent->d_name);
        rc = wmss_remove_tree(path, e);
    }
    closedir(d);
    return rc;
}

int cmd_demo(int argc, char **argv) {
    const char *out = "demo-out", *seed_s = "1", *variants = "main", *lambdas = NULL, *size_s = NULL;
    int quick = 0, done, prepare_only = 0, saturation = 0;
    const cli_opt opts[] = {
        {"--out", "DIR", "report and every phase's outputs (default demo-out)", &out, NULL},
        {"--seed", "S", "seed of the task data, initialization and data order (default 1)", &seed_s, NULL},
        {"--quick", NULL, "a small configuration that runs in about a minute", NULL, &quick},
        {"--variants", "main|all", "main: SFT vs WMSS; all: also WD-DS only, WD-JT only, a random-subset control",
         &variants, NULL},
        {"--lambdas", "L1,L2,...", "also run WD-JT on the active set at these lambdas", &lambdas, NULL},
        {"--size", "K=V,...", "override fields of the task's size (wmss_demo_size in src/demo.h), e.g. train=3000",
         &size_s, NULL},
        {"--saturation", NULL, "also SFT for 3 epochs (is SFT saturated after 2?)", NULL, &saturation},
        {"--prepare-only", NULL, "stop after the task (data, tokenizer, pretrained M0 and its evaluation)", NULL,
         &prepare_only},
    };
    int rc = cli_parse("demo", "[--quick] [--seed S] [--out DIR] [--variants main|all] [--lambdas LIST] [--size K=V,...] [--saturation] [--prepare-only]", argc, argv,
                       opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    long seed;
    if (cli_int("--seed", seed_s, 0, 1L << 40, &seed)) return 2;
    if (strlen(out) > 2000 || (strcmp(variants, "main") && strcmp(variants, "all"))) {
        fprintf(stderr, "wmss demo: --variants must be main or all (and --out shorter than 2000 bytes)\n");
        return 2;
    }
    wmss_demo_size zs = quick ? WMSS_DEMO_QUICK : WMSS_DEMO_FULL;
    const wmss_demo_size *z = &zs;
    wmss_error e = {{0}};
    if (size_s && wmss_demo_size_set(&zs, size_s, &e)) {
        fprintf(stderr, "wmss demo: --size: %s\n", e.msg);
        return 2;
    }
    char task_dir[4200], path[4200];
    snprintf(task_dir, sizeof task_dir, "%s/task", out);
    const double t_start = now_s();
    char seedbuf[32];
    snprintf(seedbuf, sizeof seedbuf, "%ld", seed);
    // DIR is rebuilt from scratch, so it must be a previous demo's (marked) or new/empty.
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/.wmss-demo", out);
    if (wmss_is_dir(out) && !wmss_file_exists(marker) && !dir_is_empty(out)) {
        fprintf(stderr, "wmss demo: %s exists and is not a wmss demo directory; choose another --out\n", out);
        return 1;
    }
    // 1-3. The task: data, tokenizer, pretrained M0 and its accuracy before SFT.
    wmss_demo_task task = {0};
    if (clear_except_task(out, &e) || wmss_mkdir_p(out, &e) || wmss_write_file_atomic(marker, "", 0, &e) ||
        wmss_demo_prepare(task_dir, z, (uint64_t)seed, stderr, &task, &e)) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        wmss_demo_task_free(&task);
        return 1;
    }
    const char *train = task.train, *test = task.test, *m0 = task.m0;
    const int *test_level = task.test_level;
    snprintf(path, sizeof path, "%s/eval", out);
    wmss_mkdir_p(path, &e);
    if (prepare_only) {
        char zs_text[2048];
        wmss_demo_size_string(z, zs_text, sizeof zs_text);
        printf("task in %s: M0 before SFT %.1f%% (plain-text prompt), %.1f%% (chat template)\nsize: %s\n", task_dir,
               100 * task.m0_acc_plain, 100 * task.m0_acc_chat, zs_text);
        wmss_demo_task_free(&task);
        return 0;
    }
    argv_t a = {0};
    char lr_s[32], batch_s[16], mb_s[16], warm_s[32], maxlen_s[16];
    snprintf(lr_s, sizeof lr_s, "%g", z->lr);
    snprintf(batch_s, sizeof batch_s, "%d", z->batch);
    snprintf(mb_s, sizeof mb_s, "%d", z->micro_batch);
    snprintf(warm_s, sizeof warm_s, "%g", z->warmup_ratio);
    snprintf(maxlen_s, sizeof maxlen_s, "%d", z->max_len);
    const char *common[] = {"--lr", lr_s, "--batch", batch_s, "--micro-batch", mb_s, "--warmup-ratio", warm_s,
                            "--seed", seedbuf, "--max-len", maxlen_s};
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
    if (saturation) {  // SFT for 3 epochs: does a third epoch still help?
        run_result *s3 = &res[nr++];
        s3->name = "sft-3-epochs";
        snprintf(s3->model, sizeof s3->model, "%s/sft3", out);
        fprintf(stderr, "== demo: SFT for 3 epochs -> %s\n", s3->model);
        t0 = now_s();
        a.n = 0;
        push(&a, "sft"); push(&a, "--model"); push(&a, m0); push(&a, "--data"); push(&a, train); push(&a, "--out"); push(&a, s3->model);
        push(&a, "--epochs"); push(&a, "3");
        for (int i = 0; i < nc; i++) push(&a, common[i]);
        if ((rc = run_cmd(cmd_sft, &a))) goto end;
        s3->seconds = now_s() - t0;
        snprintf(path, sizeof path, "%s/metrics.jsonl", s3->model);
        s3->steps = count_lines(path);
    }
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
    {  // M1 (1 SFT epoch, the strong model WMSS starts from) and M0 (no SFT, evaluated by the task)
        run_result *r1 = &res[nr++];
        r1->name = "m1-1-epoch";
        snprintf(r1->model, sizeof r1->model, "%s", m1);
        snprintf(path, sizeof path, "%s/m1/metrics.jsonl", run_dir);
        r1->steps = count_lines(path);
        if (z->eval_m0) {
            run_result *r0 = &res[nr++];
            r0->name = "m0-no-sft";
            snprintf(r0->model, sizeof r0->model, "%s", m0);
            snprintf(r0->report, sizeof r0->report, "%s/eval/m0-chat.json", task_dir);
        }
    }
    snprintf(active, sizeof active, "%s/round-1/active.jsonl", run_dir);
    snprintf(stats_path, sizeof stats_path, "%s/round-1/select-stats.json", run_dir);
    static char names[16][64];
    typedef struct { const char *label; int joint; const char *data; const char *lambda; } extra;
    extra extras[16];
    int ne = 0;
    char subset[4200];
    snprintf(subset, sizeof subset, "%s/random-subset.jsonl", task_dir);
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
        if (res[i].report[0] ? read_eval(&res[i], test_level, z->test, &e) : evaluate(&res[i], out, test, z, test_level, &e)) {
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
    if (write_report(out, res, nr, run_dir, z, &task, seed, quick, now_s() - t_start, &e) ||
        write_results(out, res, nr, seed, quick, stats_path, &e)) {
        fprintf(stderr, "wmss demo: %s\n", e.msg);
        rc = 1;
        goto end;
    }
    printf("total time %.0f s; report in %s/report (summary.md, loss.svg, accuracy.svg)\n", now_s() - t_start, out);
end:
    wmss_demo_task_free(&task);
    return rc;
}
