#include "train_state.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "fsutil.h"

// The optimizer's moments on the host: the device buffers themselves where device memory
// is host memory, else downloaded copies (free with host_moments_free).
static int host_moments(const wmss_adamw *opt, float **m, float **v, wmss_error *e) {
    if (wmss_dev_host_shared()) {
        *m = opt->m;
        *v = opt->v;
        return 0;
    }
    *m = wmss_malloc(opt->n * sizeof(float), e);
    *v = *m ? wmss_malloc(opt->n * sizeof(float), e) : NULL;
    if (!*v) {
        free(*m);
        return -1;
    }
    wmss_dev_download(*m, opt->m, opt->n * sizeof(float));
    wmss_dev_download(*v, opt->v, opt->n * sizeof(float));
    return 0;
}

static void host_moments_free(const wmss_adamw *opt, float *m, float *v) {
    if (m == opt->m) return;
    free(m);
    free(v);
}

static int write_optimizer(const wmss_branch *b, const wmss_adamw *opt, const char *path, wmss_error *e) {
    const wmss_layout *lo = &b->model->layout;
    float *hm, *hv;
    if (host_moments(opt, &hm, &hv, e)) return -1;
    wmss_model_download(b->model);
    wmss_st_out *w = wmss_layout_describe(lo, b->model->host, WMSS_F32, "master/", e);
    wmss_st_out *m = w ? wmss_layout_describe(lo, hm, WMSS_F32, "exp_avg/", e) : NULL;
    wmss_st_out *v = m ? wmss_layout_describe(lo, hv, WMSS_F32, "exp_avg_sq/", e) : NULL;
    wmss_st_out *all = v ? wmss_malloc(3 * lo->n_specs * sizeof *all, e) : NULL;
    int rc = -1;
    if (all) {
        memcpy(all, w, lo->n_specs * sizeof *all);
        memcpy(all + lo->n_specs, m, lo->n_specs * sizeof *all);
        memcpy(all + 2 * lo->n_specs, v, lo->n_specs * sizeof *all);
        rc = wmss_st_write(path, all, 3 * lo->n_specs, e);
    }
    free(all);
    free(w);
    free(m);
    free(v);
    host_moments_free(opt, hm, hv);
    return rc;
}

static cJSON *state_json(const wmss_train_state *st) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "command", st->command);
    cJSON_AddNumberToObject(j, "step", (double)st->step);
    cJSON_AddNumberToObject(j, "total_steps", (double)st->total_steps);
    cJSON_AddNumberToObject(j, "steps_per_epoch", (double)st->steps_per_epoch);
    cJSON_AddNumberToObject(j, "warmup_steps", (double)st->warmup);
    cJSON_AddNumberToObject(j, "epochs", st->epochs);
    cJSON_AddNumberToObject(j, "batch", st->batch);
    cJSON_AddNumberToObject(j, "n_examples", st->n_examples);
    cJSON_AddNumberToObject(j, "branches", st->branches);
    cJSON_AddBoolToObject(j, "shuffle", st->shuffle);
    cJSON_AddNumberToObject(j, "lr", st->lr);
    cJSON_AddStringToObject(j, "lr_schedule", st->schedule);
    cJSON *w = cJSON_AddArrayToObject(j, "branch_weights");
    for (int k = 0; k < st->branches; k++) cJSON_AddItemToArray(w, cJSON_CreateNumber(st->weights[k]));
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", st->seed);
    cJSON_AddStringToObject(j, "seed", seed);  // a string: JSON numbers lose 64-bit precision
    return j;
}

int wmss_train_checkpoint_save(const wmss_engine *en, const wmss_adamw *opt, const wmss_train_state *st,
                         const wmss_train_opts *o, wmss_error *e) {
    char tmp[4200], final[4200], path[4400];
    snprintf(tmp, sizeof tmp, "%s/.tmp-checkpoint-%ld-%d", o->out_dir, st->step, (int)getpid());
    snprintf(final, sizeof final, "%s/checkpoint-%ld", o->out_dir, st->step);
    if (wmss_remove_tree(tmp, e) || wmss_mkdir_p(tmp, e)) return -1;
    int rc = 0;
    for (int k = 0; k < en->K && !rc; k++) {
        const wmss_branch *b = &en->br[k];
        if (!b->trainable && !o->save_branch[k]) continue;
        if (k == 0 || !o->branch_dir[k]) snprintf(path, sizeof path, "%s", tmp);
        else snprintf(path, sizeof path, "%s/%s", tmp, o->branch_dir[k]);
        wmss_save_opts so = {.dtype = o->save_dtype[k], .copy_from = o->copy_from[k]};
        if (k == 0 || o->save_branch[k]) rc = wmss_model_save(b->model, path, &so, e);
        if (!rc && b->trainable) {
            snprintf(path, sizeof path, "%s/optimizer-%d.safetensors", tmp, k);
            rc = write_optimizer(b, &opt[k], path, e);
        }
    }
    if (!rc) {
        cJSON *j = state_json(st);
        char *text = cJSON_Print(j);
        cJSON_Delete(j);
        snprintf(path, sizeof path, "%s/trainer_state.json", tmp);
        rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
        free(text);
    }
    if (!rc) rc = wmss_remove_tree(final, e) || wmss_rename_dir(tmp, final, e) ? -1 : 0;
    if (rc) {
        wmss_remove_tree(tmp, NULL);
        return wmss_error_prefix(e, "writing checkpoint %s", final);
    }
    return 0;
}

// Lists checkpoint-N directories holding a trainer_state.json; returns a malloc'd,
// ascending array of steps.
static long *list_checkpoints(const char *out_dir, int *n) {
    *n = 0;
    DIR *d = opendir(out_dir);
    if (!d) return NULL;
    long *steps = NULL;
    int cap = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        long step;
        int used = 0;
        if (sscanf(ent->d_name, "checkpoint-%ld%n", &step, &used) != 1 || used != (int)strlen(ent->d_name)) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s/trainer_state.json", out_dir, ent->d_name);
        if (!wmss_file_exists(path)) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            long *ns = realloc(steps, cap * sizeof *ns);
            if (!ns) break;
            steps = ns;
        }
        steps[(*n)++] = step;
    }
    closedir(d);
    for (int i = 1; i < *n; i++)  // insertion sort: few entries
        for (int j = i; j > 0 && steps[j - 1] > steps[j]; j--) {
            long t = steps[j]; steps[j] = steps[j - 1]; steps[j - 1] = t;
        }
    return steps;
}

int wmss_train_checkpoint_latest(const char *out_dir, long *step, char *path, size_t cap, wmss_error *e) {
    int n;
    long *steps = list_checkpoints(out_dir, &n);
    *step = -1;
    if (n > 0) {
        *step = steps[n - 1];
        snprintf(path, cap, "%s/checkpoint-%ld", out_dir, *step);
    }
    free(steps);
    return 0;
}

void wmss_train_checkpoint_prune(const char *out_dir, int keep) {
    int n;
    long *steps = list_checkpoints(out_dir, &n);
    char path[4400];
    for (int i = 0; i < n - keep; i++) {
        snprintf(path, sizeof path, "%s/checkpoint-%ld", out_dir, steps[i]);
        wmss_remove_tree(path, NULL);
    }
    free(steps);
    DIR *d = opendir(out_dir);
    if (!d) return;
    // Only this process's temporaries (".tmp-checkpoint-STEP-PID"): never another run's.
    char own[32];
    int own_len = snprintf(own, sizeof own, "-%d", (int)getpid());
    for (struct dirent *ent; (ent = readdir(d));) {
        size_t len = strlen(ent->d_name);
        if (!strncmp(ent->d_name, ".tmp-checkpoint-", 16) && len > 16 + (size_t)own_len &&
            !strcmp(ent->d_name + len - own_len, own)) {
            snprintf(path, sizeof path, "%s/%s", out_dir, ent->d_name);
            wmss_remove_tree(path, NULL);
        }
    }
    closedir(d);
}

int wmss_train_checkpoint_set_aside(const char *out_dir, long step, char *moved, size_t cap) {
    char from[4400], to[4400];
    snprintf(from, sizeof from, "%s/checkpoint-%ld", out_dir, step);
    snprintf(to, sizeof to, "%s/diverged-checkpoint-%ld", out_dir, step);
    if (moved && cap) moved[0] = '\0';
    if (!wmss_is_dir(from)) return 0;
    if (wmss_remove_tree(to, NULL) || wmss_rename_dir(from, to, NULL)) return -1;
    if (moved) snprintf(moved, cap, "%s", to);
    return 1;
}

static int read_optimizer(const char *path, wmss_branch *b, wmss_adamw *opt, wmss_error *e) {
    wmss_st_file f;
    float *hm, *hv;
    if (host_moments(opt, &hm, &hv, e)) return -1;
    if (wmss_st_open(path, &f, e)) {
        host_moments_free(opt, hm, hv);
        return -1;
    }
    const wmss_layout *lo = &b->model->layout;
    int rc = 0;
    char name[200];
    const char *prefix[3] = {"master/", "exp_avg/", "exp_avg_sq/"};
    float *dst[3] = {b->model->host, hm, hv};
    for (int i = 0; i < lo->n_specs && !rc; i++)
        for (int p = 0; p < 3 && !rc; p++) {
            snprintf(name, sizeof name, "%s%s", prefix[p], lo->specs[i].name);
            const wmss_st_tensor *t = wmss_st_find(&f, name);
            if (!t || t->dtype != WMSS_F32 || t->numel != lo->specs[i].numel)
                rc = wmss_fail(e, "%s: tensor '%s' missing or of the wrong shape", path, name);
            else
                rc = wmss_st_read_f32(t, dst[p] + lo->specs[i].offset, path, e);
        }
    wmss_st_close(&f);
    if (!rc) {  // to the device (nothing to copy on the CPU backend)
        wmss_model_upload(b->model);
        wmss_dev_upload(opt->m, hm, opt->n * sizeof(float));
        wmss_dev_upload(opt->v, hv, opt->n * sizeof(float));
    }
    host_moments_free(opt, hm, hv);
    return rc;
}

int wmss_train_optimizer_load(const char *path, wmss_branch *b, wmss_adamw *opt, long step, wmss_error *e) {
    if (read_optimizer(path, b, opt, e)) return -1;
    opt->step = step;
    return 0;
}

int wmss_train_checkpoint_restore(const char *path, wmss_engine *en, wmss_adamw *opt, const wmss_train_state *expect,
                            long *step, wmss_error *e) {
    char p[4400];
    snprintf(p, sizeof p, "%s/trainer_state.json", path);
    char *text;
    size_t len;
    if (wmss_read_file(p, &text, &len, e)) return -1;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    if (!j) return wmss_fail(e, "%s: not valid JSON", p);
    cJSON *want = state_json(expect);
    int rc = 0;
    // Everything but the step must match the run being resumed.
    for (const cJSON *it = want->child; it && !rc; it = it->next) {
        if (!strcmp(it->string, "step")) continue;
        const cJSON *got = cJSON_GetObjectItemCaseSensitive(j, it->string);
        if (!strcmp(it->string, "lr") && cJSON_IsNumber(got)) {  // a lower rate after a divergence is allowed
            if (got->valuedouble != it->valuedouble)
                fprintf(stderr, "note: %s: the checkpoint's --lr was %g; continuing with %g\n", p, got->valuedouble,
                        it->valuedouble);
            continue;
        }
        if (!got || !cJSON_Compare(got, it, 1)) {
            char *a = got ? cJSON_PrintUnformatted(got) : NULL, *b = cJSON_PrintUnformatted(it);
            rc = wmss_fail(e, "%s: cannot resume: \"%s\" was %s, this run has %s (same data and flags are needed)", p,
                           it->string, a ? a : "missing", b ? b : "?");
            free(a);
            free(b);
        }
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "step");
    if (!rc && (!cJSON_IsNumber(s) || s->valuedouble < 0)) rc = wmss_fail(e, "%s: bad \"step\"", p);
    if (!rc) *step = (long)s->valuedouble;
    cJSON_Delete(want);
    cJSON_Delete(j);
    for (int k = 0; k < en->K && !rc; k++) {
        if (!en->br[k].trainable) continue;
        snprintf(p, sizeof p, "%s/optimizer-%d.safetensors", path, k);
        rc = read_optimizer(p, &en->br[k], &opt[k], e);
        opt[k].step = *step;
    }
    return rc;
}
