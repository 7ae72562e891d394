// Algorithm 1: see algorithm.h.
#include "algorithm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "model.h"
#include "train_state.h"
#include "wdds.h"

// Paths here are OUT plus short suffixes, and OUT is checked to be short: the compiler
// cannot see that bound.
#pragma GCC diagnostic ignored "-Wformat-truncation"

void wmss_algorithm_opts_default(wmss_algorithm_opts *o) {
    memset(o, 0, sizeof *o);
    o->rounds = o->sft_epochs = o->joint_epochs = 1;
    o->lambda = 0.5;
    wmss_trainer_args_default(&o->train);
    o->select = (wmss_select_params){0.1, 0.8, 0.1, WMSS_PRESET_PAPER, WMSS_NORM_PER_TERM};
    o->select_seed = 42;
    o->batch_tokens = 8192;
    o->score_loss_chunk = 256;
    o->log = stderr;
    wmss_algorithm_apply_preset(o, WMSS_RUN_PRESET_PAPER);
}

void wmss_algorithm_apply_preset(wmss_algorithm_opts *o, wmss_run_preset p) {
    const int released = p == WMSS_RUN_PRESET_RELEASED;
    o->preset = p;
    o->select.preset = released ? WMSS_PRESET_RELEASED : WMSS_PRESET_PAPER;
    o->keep_duplicates = released;
    o->joint_loss_on_all = released;
    o->train.train.warmup_ratio = released ? 0.0 : 0.1;
    o->train.train.warmup_steps = released ? 0 : -1;
}

const char *wmss_run_preset_name(wmss_run_preset p) { return p == WMSS_RUN_PRESET_RELEASED ? "released-code" : "paper"; }

int wmss_run_preset_parse(const char *s, wmss_run_preset *p) {
    if (!strcmp(s, "paper")) *p = WMSS_RUN_PRESET_PAPER;
    else if (!strcmp(s, "released-code")) *p = WMSS_RUN_PRESET_RELEASED;
    else return -1;
    return 0;
}

char *wmss_algorithm_settings_json(const wmss_algorithm_opts *o) {
    const wmss_train_opts *t = &o->train.train;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "preset", wmss_run_preset_name(o->preset));
    cJSON_AddStringToObject(j, "select_preset", wmss_select_preset_name(o->select.preset));
    cJSON_AddStringToObject(j, "normalize", wmss_select_norm_name(o->select.normalize));
    double w3[3] = {o->select.alpha, o->select.beta, o->select.gamma};
    cJSON_AddItemToObject(j, "weights", cJSON_CreateDoubleArray(w3, 3));
    cJSON_AddBoolToObject(j, "keep_duplicates", o->keep_duplicates);
    cJSON_AddStringToObject(j, "sft_loss_on", o->train.data.loss_on_all ? "all" : "completion");
    cJSON_AddStringToObject(j, "joint_loss_on", o->joint_loss_on_all ? "all" : "completion");
    cJSON_AddNumberToObject(j, "warmup_ratio", t->warmup_steps >= 0 ? 0.0 : t->warmup_ratio);
    if (t->warmup_steps >= 0) cJSON_AddNumberToObject(j, "warmup_steps", (double)t->warmup_steps);
    else cJSON_AddNullToObject(j, "warmup_steps");
    cJSON_AddStringToObject(j, "lr_schedule", wmss_schedule_name(t->schedule));
    cJSON_AddNumberToObject(j, "lr", t->lr);
    cJSON_AddNumberToObject(j, "joint_lr", o->joint_lr > 0 ? o->joint_lr : t->lr);
    cJSON_AddNumberToObject(j, "lambda", o->lambda);
    cJSON_AddBoolToObject(j, "freeze_weak", o->freeze_weak);
    cJSON_AddNumberToObject(j, "neftune_alpha", t->neftune_alpha);
    cJSON_AddNumberToObject(j, "rounds", o->rounds);
    cJSON_AddNumberToObject(j, "sft_epochs", o->sft_epochs);
    cJSON_AddNumberToObject(j, "joint_epochs", o->joint_epochs);
    cJSON_AddNumberToObject(j, "batch", t->batch);
    cJSON_AddNumberToObject(j, "seed", (double)t->seed);
    cJSON_AddNumberToObject(j, "select_seed", (double)o->select_seed);
    if (o->draws > 0) cJSON_AddNumberToObject(j, "draws", o->draws);
    else cJSON_AddNullToObject(j, "draws");
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    return text;
}

// Writes OUT/settings.json and prints the settings that tell the presets apart (rank 0);
// warns when an earlier call recorded other settings (its finished phases used those).
static int write_settings(const wmss_algorithm_opts *o, wmss_error *e) {
    char path[4200];
    snprintf(path, sizeof path, "%s/settings.json", o->out);
    char *text = wmss_algorithm_settings_json(o);
    if (!text) return wmss_fail(e, "out of memory");
    size_t old_len = 0;
    char *old = NULL;
    wmss_error ignored;
    if (wmss_file_exists(path) && wmss_read_file(path, &old, &old_len, &ignored)) old = NULL;
    const int changed = old && (old_len != strlen(text) || memcmp(old, text, old_len));
    free(old);
    const wmss_train_opts *t = &o->train.train;
    char warmup[64];
    if (t->warmup_steps > 0) snprintf(warmup, sizeof warmup, "%ld steps", t->warmup_steps);
    else if (t->warmup_steps < 0 && t->warmup_ratio > 0) snprintf(warmup, sizeof warmup, "%g of the steps", t->warmup_ratio);
    else snprintf(warmup, sizeof warmup, "none");
    if (o->log) {
        fprintf(o->log,
                "== wmss run: settings (preset %s): selection %s, duplicates %s, joint loss on %s, warmup %s%s -> %s\n",
                wmss_run_preset_name(o->preset), wmss_select_preset_name(o->select.preset),
                o->keep_duplicates ? "kept" : "removed", o->joint_loss_on_all ? "all positions" : "completion tokens",
                warmup, t->neftune_alpha > 0 ? ", NEFTune" : "", path);
        if (changed)
            fprintf(o->log, "warning: %s records other settings from an earlier call; the phases already done keep "
                            "theirs\n", path);
    }
    int rc = wmss_write_file_atomic(path, text, strlen(text), e);
    free(text);
    return rc;
}

// Rank 0's answer, on every rank (a failed broadcast has already ended the job).
static int root_says(const wmss_dist *d, int answer) {
    wmss_error e;
    if (wmss_dist_bcast(d, &answer, sizeof answer, 0, &e)) wmss_dist_abort(d, 1);
    return answer;
}

// After a step only rank 0 performs (failed: its outcome there, 0 elsewhere): -1 on
// every rank when it failed.
static int root_did(const wmss_dist *d, int failed) { return root_says(d, failed != 0) ? -1 : 0; }

#define SAY(...)                                                   \
    do {                                                           \
        if (wmss_dist_is_root(dist) && o->log) fprintf(o->log, __VA_ARGS__); \
    } while (0)

// A stop request that arrived outside a training phase (which handles its own) ends the
// run before the next phase; the finished ones are marked, so a rerun continues.
static int stop_requested(const wmss_algorithm_opts *o, const wmss_dist *dist) {
    volatile sig_atomic_t *stop = o->train.train.stop;
    return root_says(dist, stop && *stop);
}

static int done_marker(const char *dir, int write) {
    char p[4200];
    snprintf(p, sizeof p, "%s/.done", dir);
    if (!write) return wmss_file_exists(p);
    wmss_error e;
    return wmss_write_file_atomic(p, "", 0, &e) == 0;
}

// One training phase into out: a directory left by an earlier attempt is resumed from
// its newest checkpoint, or started over when it has none.
static int train_phase(const wmss_algorithm_opts *o, wmss_trainer_args *a, const wmss_branch_spec *spec, int K,
                       const char *out, const wmss_dist *dist, int *interrupted, wmss_error *e) {
    long step = -1;
    char path[4400];
    int how = 0;  // rank 0 looks: 0 new, 1 resume, 2 start over
    if (wmss_dist_is_root(dist) && wmss_is_dir(out)) {
        wmss_error ignored;
        wmss_train_checkpoint_latest(out, &step, path, sizeof path, &ignored);
        how = step >= 0 ? 1 : 2;
    }
    a->train.resume = root_says(dist, how) == 1;
    a->train.out_dir = out;
    wmss_train_result res;
    if (wmss_trainer_run(spec, K, a, dist, &res, e)) return -1;
    *interrupted = res.interrupted;
    return 0;
}

static int sft_phase(const wmss_algorithm_opts *o, const char *m1, const wmss_dist *dist, int *interrupted,
                     wmss_error *e) {
    wmss_model m;
    if (wmss_model_load(o->model, &m, e)) return -1;
    wmss_trainer_args a = o->train;
    a.data_path = o->data;
    a.tokenizer_dir = a.train.copy_from[0] = o->model;
    a.train.save_branch[0] = 1;
    a.train.command = "sft";
    a.train.epochs = o->sft_epochs;
    wmss_branch_spec spec = {&m, 1.0f, 1};
    int rc = train_phase(o, &a, &spec, 1, m1, dist, interrupted, e);
    wmss_model_free(&m);
    return rc;
}

static int joint_phase(const wmss_algorithm_opts *o, const char *weak_dir, const char *strong_dir, const char *active,
                       const char *out, const wmss_dist *dist, int *interrupted, wmss_error *e) {
    wmss_model strong = {0}, weak = {0};
    if (wmss_model_load(strong_dir, &strong, e) || wmss_model_load(weak_dir, &weak, e)) {
        wmss_model_free(&strong);
        return -1;
    }
    wmss_trainer_args a = o->train;
    a.data_path = active;
    a.tokenizer_dir = a.train.copy_from[0] = strong_dir;
    a.train.copy_from[1] = weak_dir;
    a.train.save_branch[0] = 1;
    a.train.branch_dir[1] = "weak";
    a.train.command = o->freeze_weak ? "joint-frozen-weak" : "joint";
    a.train.epochs = o->joint_epochs;
    a.data.loss_on_all = o->joint_loss_on_all;
    if (o->joint_lr > 0) a.train.lr = o->joint_lr;
    // Branch 0 is the strong model: the saved one, and first in the mixed logits.
    wmss_branch_spec spec[2] = {{&strong, (float)o->lambda, 1}, {&weak, (float)(1.0 - o->lambda), !o->freeze_weak}};
    int rc = train_phase(o, &a, spec, 2, out, dist, interrupted, e);
    wmss_model_free(&strong);
    wmss_model_free(&weak);
    return rc;
}

// The last round's model, copied as it is stored (rank 0).
static int final_copy(const wmss_algorithm_opts *o, const char *strong, const char *fin, wmss_error *e) {
    wmss_model m;
    if (wmss_model_load(strong, &m, e)) return -1;
    wmss_save_opts so = {.dtype = m.cfg.torch_dtype, .copy_from = strong};
    int rc = wmss_model_save(&m, fin, &so, e);
    wmss_model_free(&m);
    if (!rc && o->report) fprintf(o->report, "wrote %s (%s)\n", fin, wmss_dtype_torch_name(so.dtype));
    return rc;
}

static int algorithm_run(const wmss_algorithm_opts *o, const wmss_dist *dist, wmss_algorithm_result *r, wmss_error *e);

int wmss_algorithm_run(const wmss_algorithm_opts *o, const wmss_dist *dist, wmss_algorithm_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (!o->out) return wmss_fail(e, "Algorithm 1 needs a model, data and a run directory");
    int lock = -1;  // one writer per run directory (rank 0 writes)
    if (root_did(dist, wmss_dist_is_root(dist) && (lock = wmss_dir_lock(o->out, e)) < 0)) return -1;
    int rc = algorithm_run(o, dist, r, e);
    wmss_dir_unlock(lock);
    return rc;
}

static int algorithm_run(const wmss_algorithm_opts *o, const wmss_dist *dist, wmss_algorithm_result *r, wmss_error *e) {
    if (!o->model || !o->data || !o->out) return wmss_fail(e, "Algorithm 1 needs a model, data and a run directory");
    if (strlen(o->out) > 3000 || strlen(o->model) > 3000)
        return wmss_fail(e, "paths longer than 3000 bytes are not supported");
    if (o->rounds < 1) return wmss_fail(e, "Algorithm 1 needs at least one round");
    const int root = wmss_dist_is_root(dist);
    char m1[4200], weak[4200], strong[4200], rdir[4200], ew[4300], es[4300], act[4300], stats[4300], joint[4300];
    char *fin = r->final_model;
    if (root_did(dist, root && (wmss_mkdir_p(o->out, e) || write_settings(o, e)))) return -1;
    snprintf(m1, sizeof m1, "%s/m1", o->out);
    // Phase 1: SFT.
    if (!root_says(dist, done_marker(m1, 0))) {
        SAY("== wmss run: phase 1, SFT of %s for %d epoch(s) -> %s\n", o->model, o->sft_epochs, m1);
        if (sft_phase(o, m1, dist, &r->interrupted, e)) return -1;
        if (r->interrupted) return 0;
        if (root) done_marker(m1, 1);
    } else SAY("== wmss run: phase 1 already done (%s)\n", m1);
    snprintf(weak, sizeof weak, "%s", o->model);
    snprintf(strong, sizeof strong, "%s", m1);
    for (int t = 1; t <= o->rounds; t++) {
        snprintf(rdir, sizeof rdir, "%s/round-%d", o->out, t);
        snprintf(ew, sizeof ew, "%s/entropy-weak.jsonl", rdir);
        snprintf(es, sizeof es, "%s/entropy-strong.jsonl", rdir);
        snprintf(act, sizeof act, "%s/active.jsonl", rdir);
        snprintf(stats, sizeof stats, "%s/select-stats.json", rdir);
        snprintf(joint, sizeof joint, "%s/joint", rdir);
        if (root_did(dist, root && wmss_mkdir_p(rdir, e))) return -1;
        const char *score[2][2] = {{weak, ew}, {strong, es}};
        for (int s = 0; s < 2; s++) {
            if (root_says(dist, wmss_file_exists(score[s][1]))) continue;
            if ((r->interrupted = stop_requested(o, dist))) return 0;
            SAY("== wmss run: round %d, entropy of the %s model %s\n", t, s ? "strong" : "weak", score[s][0]);
            wmss_entropy_job j = {score[s][0], o->data, score[s][1], o->train.data, o->batch_tokens,
                                  o->score_loss_chunk, o->log};
            j.data.loss_on_all = 0;  // entropy is over the completion positions (DESIGN §2)
            if (wmss_entropy_run(&j, dist, e)) return -1;
        }
        if (!root_says(dist, wmss_file_exists(stats))) {
            if ((r->interrupted = stop_requested(o, dist))) return 0;
            SAY("== wmss run: round %d, selection\n", t);
            wmss_select_job j = {o->data, ew, es, act, stats, o->select, o->select_seed, o->draws, o->log,
                                 o->keep_duplicates};
            if (root_did(dist, root && wmss_select_run(&j, e))) return -1;
        }
        if (!root_says(dist, done_marker(joint, 0))) {
            if ((r->interrupted = stop_requested(o, dist))) return 0;
            SAY("== wmss run: round %d, joint training (weak %s, strong %s) -> %s\n", t, weak, strong, joint);
            if (joint_phase(o, weak, strong, act, joint, dist, &r->interrupted, e)) return -1;
            if (r->interrupted) return 0;
            if (root) done_marker(joint, 1);
        } else SAY("== wmss run: round %d joint training already done (%s)\n", t, joint);
        snprintf(weak, sizeof weak, "%s", strong);
        snprintf(strong, sizeof strong, "%s", joint);
    }
    snprintf(fin, sizeof r->final_model, "%s/final", o->out);
    if (!root_says(dist, done_marker(fin, 0))) {
        if (root_did(dist, root && final_copy(o, strong, fin, e))) return -1;
        if (root) done_marker(fin, 1);
    }
    SAY("== wmss run: done; the final model is %s\n", fin);
    return 0;
}
