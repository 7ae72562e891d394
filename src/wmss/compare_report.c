// The comparison's report (compare.h): per arm over seeds, accuracy mean +- sd with its
// t interval, the paired difference against the anchor with its t interval and
// wins/ties/losses, per-level accuracy; results.json, summary.md and the charts.
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_internal.h"
#include "demo.h"
#include "entropy_file.h"
#include "fsutil.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define MAX_SEEDS 1000

typedef struct {
    int n;                      // seeds with a result
    int seed[MAX_SEEDS];
    double acc[MAX_SEEDS];
    double steps[MAX_SEEDS];
    cJSON *res[MAX_SEEDS];      // the result.json of each
    double mean, sd, lo, hi;    // accuracy over seeds, its 95% t interval (NAN when n < 2)
    wmss_paired_stats paired;
    int has_paired;
} arm_stats;

static cJSON *read_json(const char *path) {
    char *text;
    size_t len;
    wmss_error e;
    if (wmss_read_file(path, &text, &len, &e)) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, len);
    free(text);
    return j;
}

// The seed-N directories under out, ascending.
static int list_seeds(const char *out, int *seeds) {
    int n = 0;
    DIR *d = opendir(out);
    if (!d) return 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        int s;
        char tail;
        if (sscanf(ent->d_name, "seed-%d%c", &s, &tail) == 1 && n < MAX_SEEDS) seeds[n++] = s;
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && seeds[j - 1] > seeds[j]; j--) {
            int t = seeds[j]; seeds[j] = seeds[j - 1]; seeds[j - 1] = t;
        }
    return n;
}

static double num(const cJSON *j, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void collect(const char *out, const wmss_arm *a, const int *seeds, int n_seeds, arm_stats *st) {
    char dir[CMP_PATH], p[CMP_PATH + 32];
    for (int i = 0; i < n_seeds; i++) {
        cmp_arm_dir(dir, out, seeds[i], a);
        snprintf(p, sizeof p, "%s/result.json", dir);
        cJSON *j = read_json(p);
        if (!j || !isfinite(num(j, "accuracy"))) {
            cJSON_Delete(j);
            continue;
        }
        st->seed[st->n] = seeds[i];
        st->acc[st->n] = num(j, "accuracy");
        st->steps[st->n] = num(j, "steps");
        st->res[st->n++] = j;
    }
    wmss_mean_sd(st->acc, st->n, &st->mean, &st->sd);
    const double half = st->n > 1 ? wmss_t_quantile(0.975, st->n - 1) * st->sd / sqrt(st->n) : NAN;
    st->lo = st->mean - half;
    st->hi = st->mean + half;
}

// The paired difference over the seeds both have.
static void pair(arm_stats *a, const arm_stats *anchor) {
    double x[MAX_SEEDS], y[MAX_SEEDS];
    int n = 0;
    for (int i = 0; i < a->n; i++)
        for (int k = 0; k < anchor->n; k++)
            if (anchor->seed[k] == a->seed[i]) x[n] = a->acc[i], y[n++] = anchor->acc[k];
    wmss_paired_stats_compute(x, y, n, 0.95, &a->paired);
    a->has_paired = n > 0;
}

static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static cJSON *interval(double lo, double hi) {
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, num_or_null(lo));
    cJSON_AddItemToArray(a, num_or_null(hi));
    return a;
}

// Per-level accuracy over seeds: {"level": {"mean", "sd", "n"}} (levels in first-seen order).
static cJSON *levels_json(const arm_stats *st) {
    cJSON *out = cJSON_CreateObject();
    for (int i = 0; i < st->n; i++) {
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(st->res[i], "levels");
        for (const cJSON *l = lv ? lv->child : NULL; l; l = l->next) {
            if (cJSON_GetObjectItemCaseSensitive(out, l->string)) continue;
            double v[MAX_SEEDS];
            int n = 0;
            for (int k = 0; k < st->n; k++) {
                const cJSON *lk = cJSON_GetObjectItemCaseSensitive(st->res[k], "levels");
                const double x = num(lk, l->string);
                if (isfinite(x)) v[n++] = x;
            }
            double m, sd;
            wmss_mean_sd(v, n, &m, &sd);
            cJSON *o = cJSON_AddObjectToObject(out, l->string);
            cJSON_AddNumberToObject(o, "mean", m);
            cJSON_AddNumberToObject(o, "sd", sd);
            cJSON_AddNumberToObject(o, "n", n);
        }
    }
    return out;
}

// dH = H(M1) - H(M0) over D and over the paper selection's active set, for the first
// seed that has both entropy files; NULL when none has.
typedef struct {
    double *full, *active;
    int n_full, n_active;
    double mean_dh, mean_abs_dh, mean_weak, mean_strong;
    int repair;                 // examples with dH > 0
    int seed;
} dh_data;

static int load_dh(const char *out, const int *seeds, int n_seeds, dh_data *d) {
    memset(d, 0, sizeof *d);
    char ew[CMP_PATH], es[CMP_PATH + 64], act[CMP_PATH + 64], shared[CMP_PATH];
    snprintf(ew, sizeof ew, "%s/shared/entropy-m0.jsonl", out);
    for (int s = 0; s < n_seeds; s++) {
        cmp_shared_dir(shared, out, seeds[s]);
        snprintf(es, sizeof es, "%s/entropy-m1.jsonl", shared);
        snprintf(act, sizeof act, "%s/%s/active.jsonl", shared, cmp_sel_name(WMSS_SEL_PAPER));
        if (!wmss_file_exists(ew) || !wmss_file_exists(es)) continue;
        wmss_lines L = {0};
        wmss_error e;
        if (wmss_lines_read(ew, &L, &e)) return 0;
        const int n = L.n;
        wmss_lines_free(&L);
        double *hw = malloc(n * sizeof *hw), *hs = malloc(n * sizeof *hs);
        d->full = malloc(n * sizeof *d->full);
        d->active = malloc(n * sizeof *d->active);
        if (!hw || !hs || !d->full || !d->active || wmss_entropy_file_read(ew, n, hw, &e) ||
            wmss_entropy_file_read(es, n, hs, &e)) {
            free(hw), free(hs), free(d->full), free(d->active);
            memset(d, 0, sizeof *d);
            return 0;
        }
        for (int i = 0; i < n; i++) {
            if (isnan(hw[i]) || isnan(hs[i])) continue;
            const double dh = hs[i] - hw[i];
            d->full[d->n_full++] = dh;
            d->mean_dh += dh, d->mean_abs_dh += fabs(dh), d->mean_weak += hw[i], d->mean_strong += hs[i];
            d->repair += dh > 0;
        }
        if (d->n_full) {
            d->mean_dh /= d->n_full, d->mean_abs_dh /= d->n_full;
            d->mean_weak /= d->n_full, d->mean_strong /= d->n_full;
        }
        // The active set's examples by their wmss_index (each once).
        if (!wmss_lines_read(act, &L, &e)) {
            char *seen = calloc(n, 1);
            for (int i = 0; i < L.n && seen; i++) {
                char *k = memmem(L.line[i], L.len[i], "\"wmss_index\":", 13);
                long idx = k ? strtol(k + 13, NULL, 10) : -1;
                if (idx >= 0 && idx < n && !seen[idx] && !isnan(hw[idx]) && !isnan(hs[idx])) {
                    seen[idx] = 1;
                    d->active[d->n_active++] = hs[idx] - hw[idx];
                }
            }
            free(seen);
            wmss_lines_free(&L);
        }
        free(hw);
        free(hs);
        d->seed = seeds[s];
        return 1;
    }
    return 0;
}

static void fmt_pct(char *b, size_t cap, double v) {
    if (isfinite(v)) snprintf(b, cap, "%.1f", 100 * v);
    else snprintf(b, cap, "-");
}

// Loss curves of the first seed: each arm's phase on the 2-epoch axis (joint arms: the
// mixed loss and the strong model's own).
static int loss_chart(const char *path, const wmss_arm *arms, arm_stats *st, int n, wmss_error *e) {
    static const char *palette[] = {"#2c3e50", "#e74c3c", "#2980b9", "#27ae60", "#8e44ad", "#f39c12",
                                    "#16a085", "#d35400", "#7f8c8d", "#c0392b", "#1abc9c", "#34495e"};
    wmss_svg_series ser[64];
    char labels[64][200];
    double *bufs[128] = {0};
    int ns = 0, nb = 0, rc = 0;
    for (int a = 0; a < n && ns < 62; a++) {
        if (!st[a].n) continue;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(st[a].res[0], "metrics");
        if (!cJSON_IsString(m)) continue;
        const double off = num(st[a].res[0], "metrics_offset_epochs");
        wmss_lines L = {0};
        wmss_error ignored;
        if (wmss_lines_read(m->valuestring, &L, &ignored)) continue;
        for (int which = 0; which < 2 && ns < 62; which++) {
            double *x = malloc((L.n + 1) * sizeof *x), *y = malloc((L.n + 1) * sizeof *y);
            bufs[nb++] = x, bufs[nb++] = y;
            if (!x || !y) {
                rc = wmss_fail(e, "out of memory");
                break;
            }
            int k = 0;
            for (int i = 0; i < L.n; i++) {
                cJSON *j = cJSON_ParseWithLength(L.line[i], L.len[i]);
                const double ep = num(j, "epoch"), v = num(j, which ? "strong_loss" : "loss");
                cJSON_Delete(j);
                if (isfinite(ep) && isfinite(v)) x[k] = (isfinite(off) ? off : 0) + ep, y[k++] = v;
            }
            if (!k) continue;
            snprintf(labels[ns], sizeof labels[ns], "%s%s", arms[a].name, which ? " (strong alone)" : "");
            ser[ns] = (wmss_svg_series){labels[ns], x, y, k, palette[(a % 12)]};
            ns++;
        }
        wmss_lines_free(&L);
    }
    if (!rc) rc = wmss_svg_lines(path, "Training loss (first seed)", "epochs of the 2-epoch budget", "loss", ser, ns, e);
    for (int i = 0; i < nb; i++) free(bufs[i]);
    return rc;
}

int wmss_compare_report(const char *out, const wmss_arm *arms, int n, const char *anchor, wmss_error *e) {
    int seeds[MAX_SEEDS], n_seeds = list_seeds(out, seeds);
    arm_stats *st = calloc(n > 0 ? n : 1, sizeof *st);
    if (!st) return wmss_fail(e, "out of memory");
    int ia = -1;
    for (int a = 0; a < n; a++) {
        collect(out, &arms[a], seeds, n_seeds, &st[a]);
        if (!strcmp(arms[a].name, anchor)) ia = a;
    }
    for (int a = 0; a < n && ia >= 0; a++) pair(&st[a], &st[ia]);
    char dir[CMP_PATH], p[CMP_PATH + 64];
    snprintf(dir, sizeof dir, "%s/report", out);
    int rc = wmss_mkdir_p(dir, e);
    dh_data dh;
    const int have_dh = load_dh(out, seeds, n_seeds, &dh);
    // results.json
    cJSON *root = cJSON_CreateObject(), *ja = NULL;
    if (!rc) {
        cJSON_AddStringToObject(root, "anchor", anchor);
        cJSON_AddNumberToObject(root, "confidence", 0.95);
        cJSON *js = cJSON_AddArrayToObject(root, "seeds");
        for (int i = 0; i < n_seeds; i++) cJSON_AddItemToArray(js, cJSON_CreateNumber(seeds[i]));
        ja = cJSON_AddArrayToObject(root, "arms");
        for (int a = 0; a < n; a++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(ja, o);
            cJSON_AddStringToObject(o, "name", arms[a].name);
            cJSON_AddStringToObject(o, "about", arms[a].about);
            cJSON *sd = cJSON_AddArrayToObject(o, "seeds"), *acc = cJSON_AddArrayToObject(o, "accuracy");
            cJSON *stp = cJSON_AddArrayToObject(o, "steps");
            for (int i = 0; i < st[a].n; i++) {
                cJSON_AddItemToArray(sd, cJSON_CreateNumber(st[a].seed[i]));
                cJSON_AddItemToArray(acc, cJSON_CreateNumber(st[a].acc[i]));
                cJSON_AddItemToArray(stp, num_or_null(st[a].steps[i]));
            }
            cJSON_AddItemToObject(o, "mean", num_or_null(st[a].mean));
            cJSON_AddNumberToObject(o, "sd", st[a].sd);
            cJSON_AddItemToObject(o, "ci", interval(st[a].lo, st[a].hi));
            cJSON_AddItemToObject(o, "levels", levels_json(&st[a]));
            if (st[a].has_paired) {
                const wmss_paired_stats *ps = &st[a].paired;
                cJSON *pj = cJSON_AddObjectToObject(o, "paired");
                cJSON_AddNumberToObject(pj, "n", ps->n);
                cJSON_AddItemToObject(pj, "mean", num_or_null(ps->mean));
                cJSON_AddNumberToObject(pj, "sd", ps->sd);
                cJSON_AddItemToObject(pj, "t", num_or_null(ps->n > 1 ? wmss_t_quantile(0.975, ps->n - 1) : NAN));
                cJSON_AddItemToObject(pj, "ci", interval(ps->lo, ps->hi));
                cJSON_AddNumberToObject(pj, "wins", ps->wins);
                cJSON_AddNumberToObject(pj, "ties", ps->ties);
                cJSON_AddNumberToObject(pj, "losses", ps->losses);
            } else {
                cJSON_AddNullToObject(o, "paired");
            }
        }
        if (have_dh) {
            cJSON *d = cJSON_AddObjectToObject(root, "dh");
            cJSON_AddNumberToObject(d, "seed", dh.seed);
            cJSON_AddNumberToObject(d, "n", dh.n_full);
            cJSON_AddNumberToObject(d, "active_unique", dh.n_active);
            cJSON_AddNumberToObject(d, "mean", dh.mean_dh);
            cJSON_AddNumberToObject(d, "mean_abs", dh.mean_abs_dh);
            cJSON_AddNumberToObject(d, "weak_entropy", dh.mean_weak);
            cJSON_AddNumberToObject(d, "strong_entropy", dh.mean_strong);
            cJSON_AddItemToObject(d, "gap_share_of_weak", num_or_null(dh.mean_abs_dh / dh.mean_weak));
            cJSON_AddNumberToObject(d, "repair_examples", dh.repair);
        }
        char *text = cJSON_Print(root);
        snprintf(p, sizeof p, "%s/results.json", dir);
        rc = text ? wmss_write_file_atomic(p, text, strlen(text), e) : wmss_fail(e, "out of memory");
        free(text);
    }
    cJSON_Delete(root);
    // summary.md
    if (!rc) {
        wmss_atomic_file af;
        snprintf(p, sizeof p, "%s/summary.md", dir);
        if (!(rc = wmss_atomic_open(&af, p, e))) {
            FILE *f = af.f;
            fprintf(f, "# wmss compare\n\n%d seed(s):", n_seeds);
            for (int i = 0; i < n_seeds; i++) fprintf(f, " %d", seeds[i]);
            fprintf(f, ". Accuracy in %%: mean ± sd over seeds [95%% t interval of the mean]; Δ: the paired "
                       "difference arm − %s per seed, mean [95%% t interval], and wins/ties/losses.\n\n", anchor);
            fprintf(f, "| arm | seeds | accuracy | 95%% CI | Δ vs %s | 95%% CI of Δ | W/T/L | steps |\n"
                       "|---|---|---|---|---|---|---|---|\n", anchor);
            for (int a = 0; a < n; a++) {
                char m[32], s[32], lo[32], hi[32], dcell[48], dlo[32], dhi[32], wtl[48] = "-";
                fmt_pct(m, sizeof m, st[a].mean), fmt_pct(s, sizeof s, st[a].sd);
                fmt_pct(lo, sizeof lo, st[a].lo), fmt_pct(hi, sizeof hi, st[a].hi);
                const wmss_paired_stats *ps = &st[a].paired;
                fmt_pct(dlo, sizeof dlo, st[a].has_paired ? ps->lo : NAN);
                fmt_pct(dhi, sizeof dhi, st[a].has_paired ? ps->hi : NAN);
                if (a == ia) snprintf(dcell, sizeof dcell, "(anchor)");
                else if (!st[a].has_paired) snprintf(dcell, sizeof dcell, "-");
                else snprintf(dcell, sizeof dcell, "%+.1f", 100 * ps->mean);
                if (st[a].has_paired && a != ia) snprintf(wtl, sizeof wtl, "%d/%d/%d", ps->wins, ps->ties, ps->losses);
                double sm, ssd;
                wmss_mean_sd(st[a].steps, st[a].n, &sm, &ssd);
                fprintf(f, "| %s | %d | %s ± %s | [%s, %s] | %s | [%s, %s] | %s | %.0f |\n", arms[a].name, st[a].n, m, s,
                        lo, hi, dcell, a == ia ? "-" : dlo, a == ia ? "-" : dhi, wtl, isfinite(sm) ? sm : 0);
            }
            // Per level, when the benchmark has levels.
            cJSON *lv0 = st[ia >= 0 ? ia : 0].n ? levels_json(&st[ia >= 0 ? ia : 0]) : NULL;
            if (lv0 && lv0->child) {
                fprintf(f, "\nPer level (accuracy in %%, mean over seeds):\n\n| arm |");
                for (const cJSON *l = lv0->child; l; l = l->next) fprintf(f, " level %s |", l->string);
                fprintf(f, "\n|---|");
                for (const cJSON *l = lv0->child; l; l = l->next) fprintf(f, "---|");
                fprintf(f, "\n");
                for (int a = 0; a < n; a++) {
                    cJSON *lv = levels_json(&st[a]);
                    fprintf(f, "| %s |", arms[a].name);
                    for (const cJSON *l = lv0->child; l; l = l->next) {
                        char b[32];
                        fmt_pct(b, sizeof b, num(cJSON_GetObjectItemCaseSensitive(lv, l->string), "mean"));
                        fprintf(f, " %s |", b);
                    }
                    fprintf(f, "\n");
                    cJSON_Delete(lv);
                }
            }
            cJSON_Delete(lv0);
            fprintf(f, "\nArms:\n\n");
            for (int a = 0; a < n; a++) fprintf(f, "- `%s`: %s\n", arms[a].name, arms[a].about);
            if (have_dh)
                fprintf(f, "\nWeak-strong gap (seed %d, M0 vs M1 over D): mean dH %.4f nats, mean |dH| %.4f = %.1f%% of "
                           "the weak model's mean entropy %.4f (strong %.4f); %d of %d examples with dH > 0 (the repair "
                           "term); the paper selection's active set holds %d distinct examples.\n",
                        dh.seed, dh.mean_dh, dh.mean_abs_dh, 100 * dh.mean_abs_dh / dh.mean_weak, dh.mean_weak,
                        dh.mean_strong, dh.repair, dh.n_full, dh.n_active);
            fprintf(f, "\nCharts: accuracy.svg, paired.svg, loss.svg%s; numbers: results.json.\n", have_dh ? ", dh.svg" : "");
            rc = wmss_atomic_commit(&af, e);
        }
    }
    // Charts.
    const char **labels = malloc((n ? n : 1) * sizeof *labels);
    double *mid = malloc((n ? n : 1) * 3 * sizeof *mid), *lo = mid + n, *hi = mid + 2 * n;
    if (!rc && (!labels || !mid)) rc = wmss_fail(e, "out of memory");
    if (!rc) {
        for (int a = 0; a < n; a++) {
            labels[a] = arms[a].name;
            mid[a] = 100 * st[a].mean, lo[a] = 100 * st[a].lo, hi[a] = 100 * st[a].hi;
        }
        snprintf(p, sizeof p, "%s/accuracy.svg", dir);
        rc = cmp_svg_intervals(p, "Accuracy per arm: mean over seeds, 95% t interval", "accuracy (%)", labels, mid, lo,
                               hi, n, NAN, e);
    }
    if (!rc) {
        for (int a = 0; a < n; a++) {
            const int ok = st[a].has_paired;
            mid[a] = ok ? 100 * st[a].paired.mean : NAN, lo[a] = ok ? 100 * st[a].paired.lo : NAN;
            hi[a] = ok ? 100 * st[a].paired.hi : NAN;
        }
        snprintf(p, sizeof p, "%s/paired.svg", dir);
        char title[200];
        snprintf(title, sizeof title, "Paired difference vs %s: mean over seeds, 95%% t interval", anchor);
        rc = cmp_svg_intervals(p, title, "accuracy difference (points)", labels, mid, lo, hi, n, 0.0, e);
    }
    if (!rc) {
        snprintf(p, sizeof p, "%s/loss.svg", dir);
        rc = loss_chart(p, arms, st, n, e);
    }
    if (!rc && have_dh) {
        snprintf(p, sizeof p, "%s/dh.svg", dir);
        char title[200];
        snprintf(title, sizeof title, "dH = H(M1) - H(M0) per example (seed %d)", dh.seed);
        rc = cmp_svg_histogram(p, title, "dH (nats)", dh.full, dh.n_full, "full set D", dh.active, dh.n_active,
                               "active set (paper selection)", 40, e);
    }
    if (have_dh) free(dh.full), free(dh.active);
    free(labels);
    free(mid);
    for (int a = 0; a < n; a++)
        for (int i = 0; i < st[a].n; i++) cJSON_Delete(st[a].res[i]);
    free(st);
    return rc;
}
