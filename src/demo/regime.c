// The built-in task's regime, checked against the conditions of the paper's setting
// (docs/regime.md) and written next to the comparison's report: REPORT/regime.md.
// It reads the task (pretraining curve, M0 before SFT) and the report's results.json
// (accuracies over seeds, the weak-strong entropy gap of the first seed).
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "fsutil.h"

static const cJSON *find_arm(const cJSON *arms, const char *name) {
    const cJSON *a;
    cJSON_ArrayForEach(a, arms) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "name");
        if (cJSON_IsString(n) && !strcmp(n->valuestring, name)) return a;
    }
    return NULL;
}

static double num(const cJSON *o, const char *key) {
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

// An arm's mean accuracy (%), or NAN when the arm did not run.
static double arm_mean(const cJSON *arms, const char *name) { return 100 * num(find_arm(arms, name), "mean"); }

static const char *held(int measured, int ok) { return !measured ? "not measured" : ok ? "yes" : "**no**"; }

int wmss_demo_regime_write(const char *report_dir, const wmss_demo_task *t, const wmss_demo_size *z,
                           wmss_error *e) {
    char path[4300], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/results.json", report_dir);
    if (wmss_read_file(path, &text, &len, e)) return -1;
    cJSON *res = cJSON_ParseWithLength(text, len);
    free(text);
    if (!res) return wmss_fail(e, "%s: not valid JSON", path);
    const cJSON *arms = cJSON_GetObjectItemCaseSensitive(res, "arms"), *dh = cJSON_GetObjectItemCaseSensitive(res, "dh");
    const cJSON *s3 = find_arm(arms, "sft-3ep");
    const cJSON *p3 = s3 ? cJSON_GetObjectItemCaseSensitive(s3, "paired") : NULL;
    const cJSON *ci = p3 ? cJSON_GetObjectItemCaseSensitive(p3, "ci") : NULL;
    const double gain = 100 * num(p3, "mean"), n3 = num(p3, "n");
    double ci_lo = NAN, ci_hi = NAN;
    if (cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) && cJSON_IsNumber(cJSON_GetArrayItem(ci, 1)))
        ci_lo = 100 * cJSON_GetArrayItem(ci, 0)->valuedouble, ci_hi = 100 * cJSON_GetArrayItem(ci, 1)->valuedouble;
    const double h_strong = num(dh, "strong_entropy"), h_weak = num(dh, "weak_entropy"), gap = num(dh, "gap_share_of_weak");
    const double repair = num(dh, "repair_examples"), n_dh = num(dh, "n");
    // Plateau: the last tenth of pretraining's steps within 3% of the tenth before.
    const double *c = t->pretrain_curve, fall = (c[WMSS_DEMO_CURVE - 2] - c[WMSS_DEMO_CURVE - 1]) / c[WMSS_DEMO_CURVE - 2];

    snprintf(path, sizeof path, "%s/regime.md", report_dir);
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) {
        cJSON_Delete(res);
        return -1;
    }
    FILE *f = af.f;
    fprintf(f, "# The task's regime\n\nThe conditions of the paper's setting (issue 17, docs/regime.md), measured on this "
               "task and this comparison.\n\n| condition | measured | held? |\n|---|---|---|\n");
    fprintf(f, "| M0 pretrained to a plateau | loss by tenth of %ld steps:", t->pretrain_steps);
    for (int k = 0; k < WMSS_DEMO_CURVE; k++) fprintf(f, " %.3f", c[k]);
    fprintf(f, "; last tenth %.1f%% below the one before | %s |\n", 100 * fall, held(isfinite(fall), fall < 0.03));
    fprintf(f, "| the base has seen the format | %d of %d pretraining texts are conversations in the chat template | yes |\n",
            z->corpus_chat, z->corpus_plain + z->corpus_chat + z->corpus_drill);
    fprintf(f, "| M0 solves some test problems before SFT | %.1f%% plain-text prompt, %.1f%% chat template | %s |\n",
            100 * t->m0_acc_plain, 100 * t->m0_acc_chat,
            held(isfinite(t->m0_acc_chat), t->m0_acc_chat > 0 || t->m0_acc_plain > 0));
    fprintf(f, "| SFT model's entropy on completions in 0.3-0.6 nats | M1 %.3f (M0 %.3f), first seed | %s |\n", h_strong,
            h_weak, held(isfinite(h_strong), h_strong >= 0.3 && h_strong <= 0.6));
    char interval[64] = "";  // a t interval needs two seeds
    if (isfinite(ci_lo) && isfinite(ci_hi)) snprintf(interval, sizeof interval, " [%.2f, %.2f]", ci_lo, ci_hi);
    if (s3)
        fprintf(f, "| SFT saturates: epoch 2 -> 3 gains at most 2 points | SFT 1 / 2 / 3 epochs: %.1f / %.1f / %.1f%%; "
                   "3 - 2 epochs %+.2f points%s over %.0f seed(s) | %s |\n",
                arm_mean(arms, "m1"), arm_mean(arms, "sft-2ep"), arm_mean(arms, "sft-3ep"), gain, interval, n3,
                held(isfinite(gain), gain <= 2));
    else
        fprintf(f, "| SFT saturates: epoch 2 -> 3 gains at most 2 points | SFT 1 / 2 epochs: %.1f / %.1f%% | not measured "
                   "(the arm sft-3ep: `wmss demo --saturation`) |\n",
                arm_mean(arms, "m1"), arm_mean(arms, "sft-2ep"));
    fprintf(f, "| mean abs dH 5-25%% of the weak entropy | %.1f%%, first seed | %s |\n", 100 * gap,
            held(isfinite(gap), gap >= 0.05 && gap <= 0.25));
    fprintf(f, "| the repair term [dH]+ not empty | %.0f of %.0f examples with dH > 0, first seed | %s |\n", repair, n_dh,
            held(isfinite(repair), repair > 0));
    cJSON_Delete(res);
    return wmss_atomic_commit(&af, e);
}
