// The built-in experiment in one call (demo.h): the task, then the controlled comparison
// of the arms on it (compare.h), with the fine-tuning settings the task's size names.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "demo.h"
#include "fsutil.h"

static int dir_is_empty(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 1;
    int empty = 1;
    for (struct dirent *ent; empty && (ent = readdir(d));) empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    return empty;
}

// OUT must be new, empty or a previous demo's (marked): anything else is refused untouched.
static int claim_out(const char *out, wmss_error *e) {
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/.wmss-demo", out);
    if (wmss_is_dir(out) && !wmss_file_exists(marker) && !dir_is_empty(out))
        return wmss_fail(e, "%s exists and is not a wmss demo directory; choose another --out", out);
    return wmss_mkdir_p(out, e) || wmss_write_file_atomic(marker, "", 0, e) ? -1 : 0;
}

// The comparison's results hold for one task and one set of fine-tuning settings: when
// they change, the old comparison is set aside (removed) and the arms run again.
static int keep_or_reset(const char *out, const char *key, wmss_error *e) {
    char path[4200], cmp[4200];
    snprintf(path, sizeof path, "%s/compare.key", out);
    snprintf(cmp, sizeof cmp, "%s/compare", out);
    char *old = NULL;
    size_t len = 0;
    wmss_error ignore;
    const int same = wmss_file_exists(path) && !wmss_read_file(path, &old, &len, &ignore) && len == strlen(key) &&
                     !memcmp(old, key, len);
    free(old);
    if (same) return 0;
    if (wmss_is_dir(cmp) && wmss_remove_tree(cmp, e)) return -1;
    return wmss_write_file_atomic(path, key, strlen(key), e);
}

static int run_arms(const wmss_demo_opts *o, wmss_demo_result *r, const char *cmp_dir, wmss_error *e);

int wmss_demo_run(const wmss_demo_opts *o, wmss_demo_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    if (strlen(o->out) > 2000) return wmss_fail(e, "--out: a path shorter than 2000 bytes, please");
    char task_dir[4200], cmp_dir[4200], key[4200], sz[2048];
    snprintf(task_dir, sizeof task_dir, "%s/task", o->out);
    snprintf(cmp_dir, sizeof cmp_dir, "%s/compare", o->out);
    wmss_arm *arms = NULL;  // checked before any work
    int n_arms = 0;
    if (wmss_arms_parse_list(o->arms ? o->arms : "m0,m1,sft-2ep,wmss", &arms, &n_arms, e))
        return wmss_error_prefix(e, "--arms");
    free(arms);
    if (claim_out(o->out, e)) return -1;
    const int lock = wmss_dir_lock(o->out, e);  // one demo per directory (the comparison's phases lock their own)
    if (lock < 0) return -1;
    int rc = wmss_demo_prepare(task_dir, &o->size, o->seed, o->log, &r->task, e);
    if (!rc && !o->prepare_only) {
        wmss_demo_size_string(&o->size, sz, sizeof sz);
        snprintf(key, sizeof key, "seed=%llu,%s\n", (unsigned long long)o->seed, sz);
        rc = keep_or_reset(o->out, key, e);
        if (!rc) rc = run_arms(o, r, cmp_dir, e);
    }
    wmss_dir_unlock(lock);
    return rc;
}

// The comparison of the arms on the prepared task (OUT/compare).
static int run_arms(const wmss_demo_opts *o, wmss_demo_result *r, const char *cmp_dir, wmss_error *e) {
    wmss_compare_opts c;
    wmss_compare_opts_default(&c);
    wmss_arm *arms = NULL;
    int n_arms = 0;
    if (wmss_arms_parse_list(o->arms ? o->arms : "m0,m1,sft-2ep,wmss", &arms, &n_arms, e))
        return wmss_error_prefix(e, "arms");
    const wmss_demo_size *z = &o->size;
    c.model = r->task.m0;
    c.data = r->task.train;
    c.out = cmp_dir;
    c.eval.bench = "gsm8k";  // the task's test split is in GSM8K's format
    c.eval.data = r->task.test;
    c.eval.max_new_tokens = z->max_new;
    c.eval.batch = z->eval_batch;
    c.eval.chat = 1;
    c.arms = arms;
    c.n_arms = n_arms;
    c.seeds = o->seeds > 0 ? o->seeds : 1;
    c.first_seed = (int)o->seed;
    c.train.train.lr = z->lr;
    c.train.train.batch = z->batch;
    c.train.train.micro_batch = z->micro_batch;
    c.train.train.warmup_ratio = z->warmup_ratio;
    c.train.train.warmup_steps = -1;
    c.train.data.max_len = z->max_len;
    c.train.train.stop = o->stop;
    c.train.log = o->log;
    c.log = o->log;
    wmss_compare_result cr;
    const int rc = wmss_compare_run(&c, &cr, e);
    free(arms);
    if (rc) return -1;
    r->arms_run = cr.arms_run;
    r->arms_skipped = cr.arms_skipped;
    r->interrupted = cr.interrupted;
    snprintf(r->report_dir, sizeof r->report_dir, "%s", cr.report_dir);
    return cr.interrupted ? 0 : wmss_demo_regime_write(r->report_dir, &r->task, z, e);
}

void wmss_demo_result_free(wmss_demo_result *r) { wmss_demo_task_free(&r->task); }
