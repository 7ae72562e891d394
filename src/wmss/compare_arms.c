// The arms of a comparison and their names (compare.h): the table of recipes, the
// parameter grammar, canonical names, and what this build can run.
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

// A row names only what differs from the defaults the ROW macro sets first.
#pragma GCC diagnostic ignored "-Woverride-init"

enum { K_LAMBDA = 1, K_LR = 2, K_WARMUP = 4, K_NEFTUNE = 8, K_EPOCHS = 16 };

typedef struct {
    wmss_arm a;   // the recipe with its defaults (name/dir empty)
    int keys;     // the parameters it takes
} arm_row;

#define ROW(NAME, ABOUT, OP, FROM, WEAK, SET, SEL, EPOCHS, ...) \
    {.base = NAME, .about = ABOUT, .op = OP, .from = FROM, .weak = WEAK, .set = SET, .sel = SEL, .epochs = EPOCHS, \
      .lambda = 0.5, .lr_scale = 1.0, .warmup = -1, __VA_ARGS__}

static const arm_row ARMS[] = {
    {ROW("sft-2ep", "the anchor: SFT of M0 for 2 epochs", WMSS_ARM_EVAL, WMSS_REF_SFT2, 0, 0, 0, 0), 0},
    {ROW("m0", "the base model M0 itself", WMSS_ARM_EVAL, WMSS_REF_M0, 0, 0, 0, 0), 0},
    {ROW("m1", "M1: SFT of M0 for 1 epoch", WMSS_ARM_EVAL, WMSS_REF_M1, 0, 0, 0, 0), 0},
    {ROW("sft-3ep", "SFT of M0 for 3 epochs (is SFT saturated?)", WMSS_ARM_SFT, WMSS_REF_M0, 0, WMSS_SET_FULL, 0, 3),
     K_LR | K_WARMUP | K_NEFTUNE},
    {ROW("wmss", "paper preset: M1 + one weak-driven epoch (joint with M0 on the active set)", WMSS_ARM_JOINT,
         WMSS_REF_M1, WMSS_REF_M0, WMSS_SET_ACTIVE, WMSS_SEL_PAPER, 1),
     K_LAMBDA | K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("wmss-released", "released-code preset: its sampler, duplicates kept, loss on all tokens, no warmup",
         WMSS_ARM_JOINT, WMSS_REF_M1, WMSS_REF_M0, WMSS_SET_ACTIVE, WMSS_SEL_RELEASED, 1, .warmup = 0, .loss_on_all = 1),
     K_LAMBDA | K_LR | K_WARMUP | K_EPOCHS},
    {ROW("ds-only", "WD-DS alone: SFT's second epoch from M1 on the active set", WMSS_ARM_SFT, WMSS_REF_M1, 0,
         WMSS_SET_ACTIVE, WMSS_SEL_PAPER, 1),
     K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("jt-only", "WD-JT alone: joint training from M1 and M0 on the full set", WMSS_ARM_JOINT, WMSS_REF_M1,
         WMSS_REF_M0, WMSS_SET_FULL, 0, 1),
     K_LAMBDA | K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("sft-random-subset", "step-matched: SFT from M1 on a random subset of the active set's size", WMSS_ARM_SFT,
         WMSS_REF_M1, 0, WMSS_SET_RANDOM_SUBSET, WMSS_SEL_PAPER, 1),
     K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("sft-restarted", "SFT's second epoch from M1 on the full set with a fresh optimizer", WMSS_ARM_SFT,
         WMSS_REF_M1, 0, WMSS_SET_FULL, 0, 1),
     K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("frozen-weak", "joint training on the active set with the weak model frozen", WMSS_ARM_JOINT, WMSS_REF_M1,
         WMSS_REF_M0, WMSS_SET_ACTIVE, WMSS_SEL_PAPER, 1, .freeze_weak = 1),
     K_LAMBDA | K_LR | K_WARMUP | K_EPOCHS},
    {ROW("neftune", "SFT of M0 for 2 epochs with NEFTune noise (alpha 5)", WMSS_ARM_SFT, WMSS_REF_M0, 0,
         WMSS_SET_FULL, 0, 2, .neftune_alpha = 5),
     K_LR | K_WARMUP | K_NEFTUNE | K_EPOCHS},
    {ROW("wmss-weak-early", "wmss with weak = M1's run a quarter into its epoch (selection and joint)",
         WMSS_ARM_JOINT, WMSS_REF_M1, WMSS_REF_EARLY, WMSS_SET_ACTIVE, WMSS_SEL_WEAK_EARLY, 1),
     K_LAMBDA | K_LR | K_WARMUP | K_EPOCHS},
    {ROW("wmss-continued", "wmss from sft-2ep's epoch-1 state, continuing its schedule and AdamW state",
         WMSS_ARM_JOINT, WMSS_REF_SFT2_EPOCH1, WMSS_REF_M0, WMSS_SET_ACTIVE, WMSS_SEL_CONTINUED, 1,
         .continue_state = 1),
     K_LAMBDA},
};
#define N_ARMS ((int)(sizeof ARMS / sizeof ARMS[0]))

static const struct {
    const char *name;
    int key;
} KEYS[] = {{"lambda", K_LAMBDA}, {"lr", K_LR}, {"jlr", K_LR}, {"warmup", K_WARMUP}, {"neftune", K_NEFTUNE},
            {"epochs", K_EPOCHS}};

void wmss_arms_describe(FILE *f) {
    for (int i = 0; i < N_ARMS; i++) {
        char keys[80] = "";
        for (int k = 0; k < (int)(sizeof KEYS / sizeof KEYS[0]); k++)
            if ((ARMS[i].keys & KEYS[k].key) && strcmp(KEYS[k].name, "jlr"))
                snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", keys[0] ? "," : "", KEYS[k].name);
        fprintf(f, "  %-18s %s%s%s%s\n", ARMS[i].a.base, ARMS[i].a.about, keys[0] ? " [" : "", keys, keys[0] ? "]" : "");
    }
}

static int known_bases(wmss_error *e, const char *spec) {
    char list[600] = "";
    for (int i = 0; i < N_ARMS; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", ARMS[i].a.base);
    return wmss_fail(e, "unknown arm '%s' (arms: %s; parameters as BASE[key=value,...] or suffixes, see "
                        "wmss compare --help)", spec, list);
}

// Sets one parameter from its text value.
static int set_key(wmss_arm *a, const arm_row *row, const char *spec, const char *key, size_t klen, const char *val,
                   wmss_error *e) {
    int k = 0;
    for (int i = 0; i < (int)(sizeof KEYS / sizeof KEYS[0]); i++)
        if (strlen(KEYS[i].name) == klen && !strncmp(KEYS[i].name, key, klen)) k = KEYS[i].key;
    if (!k) return wmss_fail(e, "arm '%s': unknown parameter '%.*s' (lambda, lr, jlr, warmup, neftune, epochs)", spec,
                             (int)klen, key);
    if (!(row->keys & k))
        return wmss_fail(e, "arm '%s': %s does not take '%.*s'", spec, row->a.base, (int)klen, key);
    char *end;
    const double v = strtod(val, &end);
    if (end == val || (*end && *end != ',' && *end != ']' && *end != '-') || !isfinite(v))
        return wmss_fail(e, "arm '%s': '%.*s' needs a number", spec, (int)klen, key);
    switch (k) {
    case K_LAMBDA:
        if (v < 0 || v > 1) return wmss_fail(e, "arm '%s': lambda must be in [0, 1]", spec);
        a->lambda = v;
        break;
    case K_LR:
        if (v <= 0) return wmss_fail(e, "arm '%s': lr (a multiple of --lr) must be > 0", spec);
        a->lr_scale = v;
        break;
    case K_WARMUP:
        if (v < 0 || v > 1) return wmss_fail(e, "arm '%s': warmup (a ratio) must be in [0, 1]", spec);
        a->warmup = v;
        break;
    case K_NEFTUNE:
        if (v < 0) return wmss_fail(e, "arm '%s': neftune must be >= 0", spec);
        a->neftune_alpha = v;
        break;
    case K_EPOCHS:
        if (v < 1 || v > 1000 || v != floor(v)) return wmss_fail(e, "arm '%s': epochs must be a whole number >= 1", spec);
        a->epochs = (int)v;
        break;
    }
    return 0;
}

// The canonical name and the directory: the base, then each parameter that differs from
// the base's default, in the fixed order lambda, lr, warmup, neftune, epochs.
static void canonical(wmss_arm *a, const wmss_arm *def) {
    char params[120] = "", dir[120] = "";
    const struct {
        const char *name;
        double v, d;
    } p[] = {{"lambda", a->lambda, def->lambda}, {"lr", a->lr_scale, def->lr_scale}, {"warmup", a->warmup, def->warmup},
             {"neftune", a->neftune_alpha, def->neftune_alpha}, {"epochs", a->epochs, def->epochs}};
    for (int i = 0; i < 5; i++) {
        if (p[i].v == p[i].d) continue;
        snprintf(params + strlen(params), sizeof params - strlen(params), "%s%s=%g", params[0] ? "," : "", p[i].name, p[i].v);
        snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "_%s=%g", p[i].name, p[i].v);
    }
    if (params[0]) snprintf(a->name, sizeof a->name, "%s[%s]", a->base, params);
    else snprintf(a->name, sizeof a->name, "%s", a->base);
    snprintf(a->dir, sizeof a->dir, "%s%s", a->base, dir);
}

int wmss_arm_parse(const char *spec, wmss_arm *a, wmss_error *e) {
    const char *br = strchr(spec, '['), *stem_end = br ? br : spec + strlen(spec);
    if (strlen(spec) > 120) return wmss_fail(e, "arm name '%.40s...' is too long", spec);
    // The longest base that is the whole stem or followed by '-' and suffixes.
    const arm_row *row = NULL;
    size_t blen = 0;
    for (int i = 0; i < N_ARMS; i++) {
        size_t l = strlen(ARMS[i].a.base);
        if (l > blen && l <= (size_t)(stem_end - spec) && !strncmp(spec, ARMS[i].a.base, l) &&
            (spec + l == stem_end || spec[l] == '-'))
            row = &ARMS[i], blen = l;
    }
    if (!row) return known_bases(e, spec);
    *a = row->a;
    // Suffixes: -lambda-L, -jlr-X, -lr-X, -nowarmup, -warmup-R, -neftune-A, -epochs-N.
    for (const char *s = spec + blen; s < stem_end;) {
        s++;  // the '-'
        const char *tok = s;
        while (s < stem_end && *s != '-') s++;
        const size_t tlen = s - tok;
        if (tlen == 8 && !strncmp(tok, "nowarmup", 8)) {
            if (set_key(a, row, spec, "warmup", 6, "0", e)) return -1;
            continue;
        }
        if (s >= stem_end) return wmss_fail(e, "arm '%s': suffix '%.*s' needs a value (e.g. -lambda-0.3)", spec, (int)tlen, tok);
        const char *val = s + 1;
        if (set_key(a, row, spec, tok, tlen, val, e)) return -1;
        s = val;
        while (s < stem_end && *s != '-') s++;
    }
    // [key=value,...]
    if (br) {
        const char *s = br + 1, *close = strchr(s, ']');
        if (!close || close[1]) return wmss_fail(e, "arm '%s': '[' without a closing ']' at the end", spec);
        while (s < close) {
            const char *eq = memchr(s, '=', close - s);
            const char *comma = memchr(s, ',', close - s);
            if (!comma) comma = close;
            if (!eq || eq > comma) return wmss_fail(e, "arm '%s': parameters are key=value, separated by commas", spec);
            if (set_key(a, row, spec, s, eq - s, eq + 1, e)) return -1;
            s = comma + 1;
        }
    }
    canonical(a, &row->a);
    return 0;
}

int wmss_arm_available(const wmss_arm *a, wmss_error *e) {
    // Everything the arms use is in this build (NEFTune, the loss over all tokens and
    // selection with duplicates kept came with the released-code variants).
    (void)a;
    (void)e;
    return 0;
}

// Expands the first '|' alternatives of one spec into the list (recursively).
static int expand(const char *spec, wmss_arm **arms, int *n, int *cap, wmss_error *e) {
    const char *bar = strchr(spec, '|');
    if (!bar) {
        wmss_arm a;
        if (wmss_arm_parse(spec, &a, e)) return -1;
        for (int i = 0; i < *n; i++)
            if (!strcmp((*arms)[i].name, a.name)) return 0;
        if (*n == *cap) {
            int nc = *cap ? 2 * *cap : 16;
            wmss_arm *t = realloc(*arms, nc * sizeof *t);
            if (!t) return wmss_fail(e, "out of memory");
            *arms = t, *cap = nc;
        }
        (*arms)[(*n)++] = a;
        return 0;
    }
    // The value holding the bar runs from after '=' to ',' or ']'.
    const char *vs = bar;
    while (vs > spec && vs[-1] != '=' && vs[-1] != ',' && vs[-1] != '[') vs--;
    const char *ve = bar;
    while (*ve && *ve != ',' && *ve != ']') ve++;
    if (vs == spec || vs[-1] != '=') return wmss_fail(e, "arm '%s': '|' separates values of one parameter", spec);
    for (const char *alt = vs; alt < ve;) {
        const char *end = memchr(alt, '|', ve - alt);
        if (!end) end = ve;
        char one[400];
        snprintf(one, sizeof one, "%.*s%.*s%s", (int)(vs - spec), spec, (int)(end - alt), alt, ve);
        if (expand(one, arms, n, cap, e)) return -1;
        alt = end + 1;
    }
    return 0;
}

int wmss_arms_parse_list(const char *list, wmss_arm **arms, int *n, wmss_error *e) {
    *arms = NULL;
    *n = 0;
    int cap = 0;
    for (const char *s = list; *s;) {
        while (*s == ',' || isspace((unsigned char)*s)) s++;
        if (!*s) break;
        const char *t = s;
        int depth = 0;
        while (*t && (depth || (*t != ',' && !isspace((unsigned char)*t)))) {
            depth += *t == '[' ? 1 : *t == ']' ? -1 : 0;
            t++;
        }
        char one[400];
        if (t - s >= (long)sizeof one) return wmss_fail(e, "arm name '%.40s...' is too long", s);
        snprintf(one, sizeof one, "%.*s", (int)(t - s), s);
        if (expand(one, arms, n, &cap, e)) {
            free(*arms);
            *arms = NULL;
            *n = 0;
            return -1;
        }
        s = t;
    }
    if (!*n) return wmss_fail(e, "no arms given");
    return 0;
}
