// Running a comparison (compare.h): per seed, the shared phases the arms need (once),
// then every arm that has no result yet: its own phase, its evaluation, result.json.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare_internal.h"
#include "algorithm.h"
#include "config.h"
#include "fsutil.h"
#include "grade.h"
#include "model.h"
#include "rng.h"
#include "train_state.h"
#include "wdds.h"

// Paths are OUT plus short suffixes, and OUT is checked to be short.
#pragma GCC diagnostic ignored "-Wformat-truncation"

void wmss_compare_opts_default(wmss_compare_opts *o) {
    memset(o, 0, sizeof *o);
    wmss_eval_opts_default(&o->eval);
    wmss_trainer_args_default(&o->train);
    o->anchor = "sft-2ep";
    o->seeds = 1;
    o->first_seed = 1;
    o->select = (wmss_select_params){0.1, 0.8, 0.1, WMSS_PRESET_PAPER, WMSS_NORM_PER_TERM};
    o->batch_tokens = 8192;
    o->score_loss_chunk = 256;
    o->log = stderr;
}

void cmp_seed_dir(char *p, const char *out, int seed) { snprintf(p, CMP_PATH, "%s/seed-%d", out, seed); }
void cmp_shared_dir(char *p, const char *out, int seed) { snprintf(p, CMP_PATH, "%s/seed-%d/shared", out, seed); }
void cmp_arm_dir(char *p, const char *out, int seed, const wmss_arm *a) {
    snprintf(p, CMP_PATH, "%s/seed-%d/arms/%s", out, seed, a->dir);
}
const char *cmp_sel_name(wmss_sel_ref s) {
    static const char *n[WMSS_SEL_COUNT] = {"select-paper", "select-released", "select-weak-early", "select-continued"};
    return n[s];
}

typedef struct {
    const wmss_compare_opts *o;
    wmss_compare_result *r;
    int seed;
    long steps_per_epoch;       // of SFT on D (the trainer's count)
    long sft2_warmup;           // SFT2's warmup steps (wmss-continued continues its schedule)
    int need_early;             // an arm's weak model is M1's early model
    int n_items;                // benchmark items evaluated
    char **levels;              // (n_items) each item's level, or NULL
    char shared[CMP_PATH];
    char m0_entropy[CMP_PATH];
} run_ctx;

#define SAY(...)                                  \
    do {                                          \
        if (x->o->log) fprintf(x->o->log, __VA_ARGS__); \
    } while (0)

static int stopped(const run_ctx *x) {
    volatile sig_atomic_t *s = x->o->train.train.stop;
    return s && *s;
}

static int marker(const char *dir, const char *name, int write) {
    char p[CMP_PATH + 64];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (!write) return wmss_file_exists(p);
    wmss_error e;
    return wmss_write_file_atomic(p, "", 0, &e) == 0;
}

static void model_path(const run_ctx *x, wmss_model_ref ref, char *p) {
    switch (ref) {
    case WMSS_REF_M0: snprintf(p, CMP_PATH, "%s", x->o->model); break;
    case WMSS_REF_M1: snprintf(p, CMP_PATH, "%s/m1", x->shared); break;
    case WMSS_REF_SFT2: snprintf(p, CMP_PATH, "%s/sft2", x->shared); break;
    case WMSS_REF_EARLY: snprintf(p, CMP_PATH, "%s/m1-early", x->shared); break;
    case WMSS_REF_SFT2_EPOCH1: snprintf(p, CMP_PATH, "%s/sft2/checkpoint-%ld", x->shared, x->steps_per_epoch); break;
    }
}

// One training phase into out (a directory left by an earlier attempt is resumed from
// its newest checkpoint, or started over when it has none); done marks it finished.
static int train_phase(const run_ctx *x, wmss_trainer_args *a, const wmss_branch_spec *spec, int K, const char *out,
                       int *interrupted, long *steps, wmss_error *e) {
    long step = -1;
    char path[CMP_PATH + 64];
    if (wmss_is_dir(out)) {
        wmss_error ignored;
        wmss_train_checkpoint_latest(out, &step, path, sizeof path, &ignored);
    }
    a->train.resume = step >= 0;
    a->train.out_dir = out;
    a->train.seed = (uint64_t)x->seed;
    a->log = x->o->log;
    wmss_train_result res;
    if (wmss_trainer_run(spec, K, a, NULL, &res, e)) return -1;
    *interrupted = res.interrupted;
    if (steps) *steps = res.steps_done;
    return 0;
}

// SFT of a model directory on a data file into out.
static int sft(const run_ctx *x, wmss_trainer_args *a, const char *from, const char *data, const char *out,
               int *interrupted, long *steps, wmss_error *e) {
    wmss_model m;
    if (wmss_model_load(from, &m, e)) return -1;
    a->data_path = data;
    a->tokenizer_dir = a->train.copy_from[0] = from;
    a->train.save_branch[0] = 1;
    a->train.command = "sft";
    wmss_branch_spec spec = {&m, 1.0f, 1};
    int rc = train_phase(x, a, &spec, 1, out, interrupted, steps, e);
    wmss_model_free(&m);
    return rc;
}

// ---- shared phases ----

static int shared_sft(run_ctx *x, int which, int *interrupted, wmss_error *e) {
    char out[CMP_PATH], early[CMP_PATH], p[CMP_PATH + 32];
    model_path(x, which == 1 ? WMSS_REF_M1 : WMSS_REF_SFT2, out);
    model_path(x, WMSS_REF_EARLY, early);
    snprintf(p, sizeof p, "%s/config.json", early);
    const int want_early = which == 1 && x->need_early && !wmss_file_exists(p);
    const int done = marker(out, ".done", 0);
    if (done && !want_early) return 0;
    if (stopped(x)) return *interrupted = 1, 0;
    wmss_trainer_args a = x->o->train;
    a.train.epochs = which;
    if (want_early) {  // weak = M1's run a quarter into its epoch
        a.train.export_step = x->steps_per_epoch / 4 > 0 ? x->steps_per_epoch / 4 : 1;
        a.train.export_dir = early;
    }
    if (which == 2) {  // a checkpoint at the end of epoch 1 (wmss-continued starts there)
        a.train.save_every = (int)x->steps_per_epoch;
        a.train.keep_checkpoints = 1000;
    }
    char again[CMP_PATH + 32];
    if (done) {  // M1 was trained before an arm needed its early model: its run once more, for that model
        snprintf(again, sizeof again, "%s-again", out);
        SAY("== compare seed %d: shared phase M1 again, for the model a quarter into its epoch\n", x->seed);
        if (sft(x, &a, x->o->model, x->o->data, again, interrupted, NULL, e)) return -1;
        if (*interrupted) return 0;
        if (wmss_remove_tree(again, e)) return -1;
    } else {
        SAY("== compare seed %d: shared phase %s (SFT of M0 for %d epoch%s)\n", x->seed, which == 1 ? "M1" : "sft-2ep",
            which, which == 1 ? "" : "s");
        if (sft(x, &a, x->o->model, x->o->data, out, interrupted, NULL, e)) return -1;
        if (*interrupted) return 0;
    }
    if (want_early && !wmss_file_exists(p)) return wmss_fail(e, "%s: the early model was not written", early);
    if (!done) marker(out, ".done", 1);
    return 0;
}

static int entropy(const run_ctx *x, const char *model, const char *out, wmss_error *e) {
    if (wmss_file_exists(out)) return 0;
    SAY("== compare seed %d: entropy of %s\n", x->seed, model);
    wmss_entropy_job j = {model, x->o->data, out, x->o->train.data, x->o->batch_tokens, x->o->score_loss_chunk,
                          x->o->log};
    return wmss_entropy_run(&j, NULL, e);
}

// The selection's weak and strong models and its entropy files.
static int selection(run_ctx *x, wmss_sel_ref s, int *interrupted, wmss_error *e) {
    char dir[CMP_PATH + 64], act[CMP_PATH + 96], stats[CMP_PATH + 96], ew[CMP_PATH + 64], es[CMP_PATH + 64];
    char wm[CMP_PATH], sm[CMP_PATH];
    snprintf(dir, sizeof dir, "%s/%s", x->shared, cmp_sel_name(s));
    snprintf(act, sizeof act, "%s/active.jsonl", dir);
    snprintf(stats, sizeof stats, "%s/select-stats.json", dir);
    if (wmss_file_exists(stats)) return 0;
    const wmss_model_ref weak = s == WMSS_SEL_WEAK_EARLY ? WMSS_REF_EARLY : WMSS_REF_M0;
    const wmss_model_ref strong = s == WMSS_SEL_CONTINUED ? WMSS_REF_SFT2_EPOCH1 : WMSS_REF_M1;
    model_path(x, weak, wm);
    model_path(x, strong, sm);
    snprintf(ew, sizeof ew, "%s", x->m0_entropy);
    if (weak == WMSS_REF_EARLY) snprintf(ew, sizeof ew, "%s/entropy-m1-early.jsonl", x->shared);
    snprintf(es, sizeof es, "%s/entropy-%s.jsonl", x->shared, strong == WMSS_REF_M1 ? "m1" : "sft2-epoch1");
    if (stopped(x)) return *interrupted = 1, 0;
    if (entropy(x, wm, ew, e) || entropy(x, sm, es, e) || wmss_mkdir_p(dir, e)) return -1;
    wmss_select_job j = {.data_path = x->o->data, .weak = ew, .strong = es, .out = act, .stats = stats,
                         .params = x->o->select, .seed = (uint64_t)x->seed, .draws = x->o->draws, .log = x->o->log};
    if (s == WMSS_SEL_RELEASED) {  // the released code's selection (wmss run --preset released-code's)
        wmss_algorithm_opts ao;
        wmss_algorithm_opts_default(&ao);
        wmss_algorithm_apply_preset(&ao, WMSS_RUN_PRESET_RELEASED);
        j.params.preset = ao.select.preset;
        j.keep_duplicates = ao.keep_duplicates;
    }
    SAY("== compare seed %d: selection %s\n", x->seed, cmp_sel_name(s));
    return wmss_select_run(&j, e);
}

// A random subset of D's records as large as the selection's active set (written once).
static int random_subset(const run_ctx *x, wmss_sel_ref s, char *out, wmss_error *e) {
    snprintf(out, CMP_PATH, "%s/subset-%s.jsonl", x->shared, cmp_sel_name(s) + 7);
    if (wmss_file_exists(out)) return 0;
    char act[CMP_PATH + 96];
    snprintf(act, sizeof act, "%s/%s/active.jsonl", x->shared, cmp_sel_name(s));
    wmss_lines A = {0}, D = {0};
    if (wmss_lines_read(act, &A, e) || wmss_lines_read(x->o->data, &D, e)) {
        wmss_lines_free(&A);
        return -1;
    }
    int k = A.n < D.n ? A.n : D.n, rc = 0;
    int *idx = malloc((D.n ? D.n : 1) * sizeof *idx);
    if (!idx) rc = wmss_fail(e, "out of memory");
    wmss_atomic_file af;
    if (!rc) rc = wmss_atomic_open(&af, out, e);
    if (!rc) {
        for (int i = 0; i < D.n; i++) idx[i] = i;
        wmss_rng r;
        wmss_rng_seed(&r, 0x5ab5e7ull * (uint64_t)x->seed + 17);
        for (int i = 0; i < k; i++) {  // a partial Fisher-Yates shuffle: the first k
            int j = i + (int)(wmss_rng_next(&r) % (uint64_t)(D.n - i));
            int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
        }
        for (int i = 0; i < k && !rc; i++)
            rc = wmss_atomic_write(&af, D.line[idx[i]], D.len[idx[i]], e) || wmss_atomic_write(&af, "\n", 1, e);
        rc = rc ? (wmss_atomic_abort(&af), -1) : wmss_atomic_commit(&af, e);
    }
    free(idx);
    wmss_lines_free(&A);
    wmss_lines_free(&D);
    return rc;
}

// ---- one arm ----

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// The arm's own training phase into dir (marked .trained when done).
static int arm_train(run_ctx *x, const wmss_arm *arm, const char *dir, int *interrupted, long *steps, wmss_error *e) {
    const wmss_compare_opts *o = x->o;
    char from[CMP_PATH], weak_dir[CMP_PATH], data[CMP_PATH + 96];
    model_path(x, arm->from, from);
    if (arm->set == WMSS_SET_FULL) snprintf(data, sizeof data, "%s", o->data);
    else if (arm->set == WMSS_SET_ACTIVE) snprintf(data, sizeof data, "%s/%s/active.jsonl", x->shared, cmp_sel_name(arm->sel));
    else if (random_subset(x, arm->sel, data, e)) return -1;
    wmss_trainer_args a = o->train;
    a.train.epochs = arm->epochs;
    a.train.lr = o->train.train.lr * arm->lr_scale;
    if (arm->warmup >= 0) a.train.warmup_ratio = arm->warmup, a.train.warmup_steps = -1;
    a.train.neftune_alpha = arm->neftune_alpha;
    if (arm->op == WMSS_ARM_SFT) return sft(x, &a, from, data, dir, interrupted, steps, e);
    // Joint training: branch 0 the strong model (saved), branch 1 the weak one.
    model_path(x, arm->weak, weak_dir);
    wmss_model strong = {0}, weak = {0};
    if (wmss_model_load(from, &strong, e) || wmss_model_load(weak_dir, &weak, e)) {
        wmss_model_free(&strong);
        return -1;
    }
    char opt_path[CMP_PATH + 64];
    a.data_path = data;
    a.tokenizer_dir = a.train.copy_from[0] = from;
    a.train.copy_from[1] = weak_dir;
    a.train.save_branch[0] = 1;
    a.train.branch_dir[1] = "weak";
    a.train.command = arm->freeze_weak ? "joint-frozen-weak" : "joint";
    a.data.loss_on_all = arm->loss_on_all;  // the joint phase only; SFT stays completion-only
    if (arm->continue_state) {
        // sft-2ep's schedule from the end of its epoch 1, with its AdamW state.
        snprintf(opt_path, sizeof opt_path, "%s/optimizer-0.safetensors", from);
        a.train.init_optimizer[0] = opt_path;
        a.train.init_optimizer_step[0] = x->steps_per_epoch;
        a.train.sched_start = x->steps_per_epoch;
        a.train.sched_total = 2 * x->steps_per_epoch;
        a.train.warmup_steps = x->sft2_warmup;
    }
    wmss_branch_spec spec[2] = {{&strong, (float)arm->lambda, 1}, {&weak, (float)(1.0 - arm->lambda), !arm->freeze_weak}};
    int rc = train_phase(x, &a, spec, 2, dir, interrupted, steps, e);
    wmss_model_free(&strong);
    wmss_model_free(&weak);
    return rc;
}

static char *iso_now(char *buf, size_t cap) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static int write_result(const run_ctx *x, const wmss_arm *arm, const char *dir, const char *model,
                        const wmss_eval_result *ev, long steps, double train_s, double eval_s, wmss_error *e) {
    cJSON *j = cJSON_CreateObject();
    char buf[64], metrics[CMP_PATH + 32];
    cJSON_AddStringToObject(j, "arm", arm->name);
    cJSON_AddNumberToObject(j, "seed", x->seed);
    cJSON_AddNumberToObject(j, "accuracy", ev->accuracy);
    cJSON_AddNumberToObject(j, "n", ev->n);
    cJSON_AddNumberToObject(j, "samples", ev->samples);
    cJSON *c = cJSON_AddArrayToObject(j, "correct");
    for (int i = 0; i < ev->n; i++) cJSON_AddItemToArray(c, cJSON_CreateNumber(ev->n_correct[i]));
    if (x->levels && x->n_items >= ev->n) {
        cJSON *lv = cJSON_AddObjectToObject(j, "levels");
        for (int i = 0; i < ev->n; i++) {
            if (cJSON_GetObjectItemCaseSensitive(lv, x->levels[i])) continue;
            double got = 0;
            int cnt = 0;
            for (int k = i; k < ev->n; k++)
                if (!strcmp(x->levels[k], x->levels[i])) got += (double)ev->n_correct[k] / ev->samples, cnt++;
            cJSON_AddNumberToObject(lv, x->levels[i], got / cnt);
        }
    }
    cJSON_AddStringToObject(j, "model", model);
    // The loss curve of the phase that made the model, placed on the 2-epoch budget's axis.
    const char *mdir = arm->op != WMSS_ARM_EVAL ? dir : arm->from == WMSS_REF_M0 ? NULL : model;
    snprintf(metrics, sizeof metrics, "%s/metrics.jsonl", mdir ? mdir : "");
    if (mdir && wmss_file_exists(metrics)) cJSON_AddStringToObject(j, "metrics", metrics);
    else cJSON_AddNullToObject(j, "metrics");
    cJSON_AddNumberToObject(j, "metrics_offset_epochs",
                            arm->op != WMSS_ARM_EVAL && (arm->from == WMSS_REF_M1 || arm->from == WMSS_REF_SFT2_EPOCH1));
    wmss_lines L = {0};
    wmss_error ignored;
    if (mdir && !wmss_lines_read(metrics, &L, &ignored)) steps = L.n;  // one line per optimizer step
    wmss_lines_free(&L);
    cJSON_AddNumberToObject(j, "steps", (double)steps);
    cJSON_AddNumberToObject(j, "train_s", train_s);
    cJSON_AddNumberToObject(j, "eval_s", eval_s);
    cJSON_AddStringToObject(j, "finished", iso_now(buf, sizeof buf));
    char *text = cJSON_Print(j), path[CMP_PATH + 32];
    cJSON_Delete(j);
    snprintf(path, sizeof path, "%s/result.json", dir);
    int rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
    free(text);
    return rc;
}

static int run_arm(run_ctx *x, const wmss_arm *arm, int *interrupted, wmss_error *e) {
    const wmss_compare_opts *o = x->o;
    char dir[CMP_PATH], model[CMP_PATH], p[CMP_PATH + 32];
    cmp_arm_dir(dir, o->out, x->seed, arm);
    snprintf(p, sizeof p, "%s/result.json", dir);
    if (wmss_file_exists(p)) {
        SAY("== compare seed %d: arm %s already done\n", x->seed, arm->name);
        x->r->arms_skipped++;
        return 0;
    }
    // The shared phases it needs.
    if (arm->from == WMSS_REF_M1 || arm->from == WMSS_REF_EARLY || arm->weak == WMSS_REF_EARLY ||
        (arm->set != WMSS_SET_FULL && arm->sel != WMSS_SEL_CONTINUED))
        if (shared_sft(x, 1, interrupted, e) || *interrupted) return *interrupted ? 0 : -1;
    if (arm->from == WMSS_REF_SFT2 || arm->from == WMSS_REF_SFT2_EPOCH1 || arm->sel == WMSS_SEL_CONTINUED)
        if (shared_sft(x, 2, interrupted, e) || *interrupted) return *interrupted ? 0 : -1;
    if (arm->op != WMSS_ARM_EVAL && arm->set != WMSS_SET_FULL)
        if (selection(x, arm->sel, interrupted, e) || *interrupted) return *interrupted ? 0 : -1;
    if (stopped(x)) return *interrupted = 1, 0;
    if (wmss_mkdir_p(dir, e)) return -1;
    long steps = 0;
    double t0 = now_s();
    if (arm->op == WMSS_ARM_EVAL) {
        model_path(x, arm->from, model);
    } else {
        snprintf(model, sizeof model, "%s", dir);
        if (!marker(dir, ".trained", 0)) {
            SAY("== compare seed %d: arm %s: training\n", x->seed, arm->name);
            if (arm_train(x, arm, dir, interrupted, &steps, e)) return wmss_error_prefix(e, "arm %s (seed %d)", arm->name, x->seed);
            if (*interrupted) return 0;
            marker(dir, ".trained", 1);
        }
    }
    const double train_s = now_s() - t0;
    if (stopped(x)) return *interrupted = 1, 0;
    SAY("== compare seed %d: arm %s: evaluating %s\n", x->seed, arm->name, model);
    wmss_eval_opts eo = o->eval;
    char eval_out[CMP_PATH + 32];
    snprintf(eval_out, sizeof eval_out, "%s/eval.json", dir);
    eo.out = eval_out;
    eo.log = o->log;
    wmss_eval_result ev = {0};
    t0 = now_s();
    if (wmss_evaluate(model, &eo, &ev, e)) return wmss_error_prefix(e, "arm %s (seed %d), evaluation", arm->name, x->seed);
    int rc = write_result(x, arm, dir, model, &ev, steps, train_s, now_s() - t0, e);
    if (!rc) SAY("== compare seed %d: arm %s: accuracy %.4f\n", x->seed, arm->name, ev.accuracy);
    wmss_eval_result_free(&ev);
    x->r->arms_run++;
    return rc;
}

// ---- settings, data size, levels ----

// The settings a comparison's results depend on (arms and seeds aside): written once,
// compared on every rerun.
static int check_settings(const wmss_compare_opts *o, wmss_error *e) {
    const wmss_train_opts *t = &o->train.train;
    char text[8192];
    snprintf(text, sizeof text,
             "{\n  \"model\": \"%s\",\n  \"data\": \"%s\",\n  \"bench\": \"%s\",\n  \"test\": \"%s\",\n  \"limit\": %d,\n"
             "  \"samples\": %d,\n  \"temperature\": %g,\n  \"max_new_tokens\": %d,\n  \"chat\": %d,\n  \"lr\": %g,\n"
             "  \"warmup_ratio\": %g,\n  \"warmup_steps\": %ld,\n  \"schedule\": \"%s\",\n  \"batch\": %d,\n"
             "  \"micro_batch\": %d,\n  \"max_grad_norm\": %g,\n  \"weight_decay\": %g,\n  \"max_len\": %d,\n"
             "  \"select\": [%g, %g, %g, \"%s\"],\n  \"draws\": %d\n}\n",
             o->model, o->data, o->eval.bench, o->eval.data ? o->eval.data : "", o->eval.limit, o->eval.samples,
             o->eval.temperature, o->eval.max_new_tokens, o->eval.chat, t->lr, t->warmup_ratio, t->warmup_steps,
             wmss_schedule_name(t->schedule), t->batch, t->micro_batch, t->max_grad_norm, t->adam.weight_decay,
             o->train.data.max_len, o->select.alpha, o->select.beta, o->select.gamma,
             wmss_select_norm_name(o->select.normalize), o->draws);
    char path[CMP_PATH];
    snprintf(path, sizeof path, "%s/compare.json", o->out);
    if (!wmss_file_exists(path)) return wmss_write_file_atomic(path, text, strlen(text), e);
    char *old;
    size_t len;
    if (wmss_read_file(path, &old, &len, e)) return -1;
    int same = !strcmp(old, text);
    free(old);
    if (!same)
        return wmss_fail(e, "%s: this directory holds a comparison with other settings (model, data, benchmark or "
                            "training flags; see the file); use another --out or the same flags", path);
    return 0;
}

// The number of examples the trainer will see in D (its steps per epoch follow).
static int data_size(run_ctx *x, wmss_error *e) {
    const wmss_compare_opts *o = x->o;
    wmss_config cfg;
    char p[CMP_PATH];
    snprintf(p, sizeof p, "%s/config.json", o->model);
    if (wmss_config_load(p, &cfg, e)) return -1;
    wmss_data_setup d = {0};
    int rc = wmss_data_setup_load(&d, o->model, NULL, o->data, &o->train.data, cfg.vocab_size, NULL, e);
    wmss_config_free(&cfg);
    if (!rc) {
        const long n = d.ds.n, B = o->train.train.batch < n ? o->train.train.batch : n;
        if (n < 1) rc = wmss_fail(e, "%s: no training examples", o->data);
        else {
            const wmss_train_opts *t = &o->train.train;
            x->steps_per_epoch = (n + B - 1) / B;
            x->sft2_warmup = t->warmup_steps >= 0 ? t->warmup_steps : (long)ceil(t->warmup_ratio * 2.0 * x->steps_per_epoch);
        }
    }
    wmss_data_setup_free(&d);
    return rc;
}

// Each benchmark item's "level" (MATH-500 and the like), when every item has one.
static void read_levels(run_ctx *x) {
    const wmss_compare_opts *o = x->o;
    char path[CMP_PATH];
    wmss_error e;
    if (o->eval.data) snprintf(path, sizeof path, "%s", o->eval.data);
    else {
        const wmss_bench_info *bi = wmss_bench_find(o->eval.bench);
        char dir[4096];
        if (!bi || wmss_benchmarks_dir(dir, sizeof dir, &e)) return;
        snprintf(path, sizeof path, "%s/%s", dir, bi->file);
    }
    char *text;
    size_t len;
    if (wmss_read_file(path, &text, &len, &e)) return;
    cJSON *arr = cJSON_ParseWithLength(text, len);
    int n = 0, cap = 0, ok = 1;
    char **lv = NULL;
    // A JSON array, or JSON lines.
    for (char *line = text; ok && (arr || line < text + len);) {
        cJSON *item = NULL, *owned = NULL;
        if (arr) {
            if (n >= cJSON_GetArraySize(arr)) break;
            item = cJSON_GetArrayItem(arr, n);
        } else {
            char *nl = memchr(line, '\n', text + len - line), *end = nl ? nl : text + len;
            size_t ll = end - line;
            int blank = 1;
            for (size_t i = 0; i < ll; i++) blank &= line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
            char *start = line;
            line = nl ? nl + 1 : text + len;
            if (blank) continue;
            item = owned = cJSON_ParseWithLength(start, ll);
        }
        const cJSON *l = item ? cJSON_GetObjectItemCaseSensitive(item, "level") : NULL;
        char buf[64];
        if (cJSON_IsNumber(l)) snprintf(buf, sizeof buf, "%g", l->valuedouble);
        else if (cJSON_IsString(l)) snprintf(buf, sizeof buf, "%s", l->valuestring);
        else ok = 0;
        if (ok && n == cap) {
            cap = cap ? 2 * cap : 256;
            char **t = realloc(lv, cap * sizeof *t);
            if (!t) ok = 0;
            else lv = t;
        }
        if (ok && !(lv[n] = strdup(buf))) ok = 0;
        if (ok) n++;
        cJSON_Delete(owned);
        if (o->eval.limit > 0 && n >= o->eval.limit) break;
    }
    cJSON_Delete(arr);
    free(text);
    if (ok && n > 0) {
        x->levels = lv;
        x->n_items = n;
    } else {
        for (int i = 0; i < n; i++) free(lv[i]);
        free(lv);
    }
}

int wmss_compare_run(const wmss_compare_opts *o, wmss_compare_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (!o->model || !o->data || !o->out || !o->eval.bench)
        return wmss_fail(e, "a comparison needs a model, data, a benchmark and an output directory");
    if (strlen(o->out) > 3000 || strlen(o->model) > 3000 || strlen(o->data) > 3000)
        return wmss_fail(e, "paths longer than 3000 bytes are not supported");
    if (o->seeds < 1 || o->n_arms < 1) return wmss_fail(e, "a comparison needs at least one seed and one arm");
    // The anchor first, then the arms as given.
    wmss_arm *arms = malloc((o->n_arms + 1) * sizeof *arms);
    if (!arms) return wmss_fail(e, "out of memory");
    int n = 0, rc = 0;
    if (wmss_arm_parse(o->anchor, &arms[n], e)) rc = wmss_error_prefix(e, "the anchor");
    else n++;
    for (int i = 0; i < o->n_arms && !rc; i++) {
        if (!strcmp(o->arms[i].name, arms[0].name)) continue;
        arms[n++] = o->arms[i];
    }
    for (int i = 0; i < n && !rc; i++) rc = wmss_arm_available(&arms[i], e);
    run_ctx x = {.o = o, .r = r};
    if (!rc) rc = wmss_mkdir_p(o->out, e);
    if (!rc) rc = check_settings(o, e);
    if (!rc) rc = data_size(&x, e);
    for (int i = 0; i < n; i++) x.need_early |= arms[i].weak == WMSS_REF_EARLY || arms[i].from == WMSS_REF_EARLY;
    if (!rc) read_levels(&x);
    char shared[CMP_PATH];
    snprintf(shared, sizeof shared, "%s/shared", o->out);
    snprintf(x.m0_entropy, sizeof x.m0_entropy, "%s/entropy-m0.jsonl", shared);
    if (!rc) rc = wmss_mkdir_p(shared, e);
    if (!rc && o->log)
        fprintf(o->log, "== compare: %d arm(s) x %d seed(s) in %s; %ld optimizer steps per SFT epoch\n", n, o->seeds,
                o->out, x.steps_per_epoch);
    for (int s = 0; s < o->seeds && !rc && !r->interrupted; s++) {
        x.seed = o->first_seed + s;
        cmp_shared_dir(x.shared, o->out, x.seed);
        if ((rc = wmss_mkdir_p(x.shared, e))) break;
        for (int i = 0; i < n && !rc && !r->interrupted; i++) rc = run_arm(&x, &arms[i], &r->interrupted, e);
        // sft-2ep's checkpoints: only the end of epoch 1 is needed (wmss-continued).
        char sft2[CMP_PATH];
        model_path(&x, WMSS_REF_SFT2, sft2);
        if (!rc && marker(sft2, ".done", 0)) {
            char keep[64], p[CMP_PATH + 64];
            snprintf(keep, sizeof keep, "checkpoint-%ld", x.steps_per_epoch);
            long step;
            wmss_error ignored;
            while (!wmss_train_checkpoint_latest(sft2, &step, p, sizeof p, &ignored) && step > x.steps_per_epoch)
                if (wmss_remove_tree(p, &ignored)) break;
        }
    }
    if (!rc && !r->interrupted) {
        rc = wmss_compare_report(o->out, arms, n, arms[0].name, e);
        snprintf(r->report_dir, sizeof r->report_dir, "%s/report", o->out);
    }
    for (int i = 0; i < x.n_items && x.levels; i++) free(x.levels[i]);
    free(x.levels);
    free(arms);
    return rc;
}
