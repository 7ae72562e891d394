// The controlled-comparison harness (`wmss compare`): the same base model M0 and data D
// trained by several recipes ("arms"), each evaluated on a benchmark, over several seeds,
// with the paired difference of every arm against an anchor (SFT for 2 epochs).
//
// Arms are data: a name and a recipe (wmss_arm). A recipe is at most one training phase
// of its own (SFT or joint training) on top of shared phases, which are computed once
// per seed and reused by every arm that needs them:
//   M1            SFT of M0 for 1 epoch (optionally writing a model a quarter in: "early")
//   SFT2          SFT of M0 for 2 epochs, with a checkpoint at the end of epoch 1
//   entropies     of M0 (once for all seeds), M1, early, SFT2 after epoch 1, over D
//   selections    paper preset (M0, M1), released-code preset with duplicates (M0, M1),
//                 weak = early (early, M1), continued (M0, SFT2 after epoch 1)
//   subset        a random subset of D as large as the paper selection's active set
// Layout under OUT:
//   compare.json                   the settings (a rerun with other settings is refused)
//   shared/entropy-m0.jsonl
//   seed-S/shared/{m1, m1-early, sft2, entropy-*.jsonl, select-*/, subset.jsonl}
//   seed-S/arms/ARM/{model files of its phase, metrics.jsonl, eval.json, result.json}
//   report/{summary.md, results.json, accuracy.svg, paired.svg, loss.svg, dh.svg}
// A finished arm has result.json (and a finished shared phase its marker): a rerun
// skips them, so a killed run resumes with the missing arms only (an interrupted
// training phase resumes from its newest checkpoint).
//
// Arm names (wmss_arm_parse): BASE, BASE[key=value,...] or BASE with suffixes:
//   keys:  lambda=L   (joint arms) the strong model's weight in the mixed logits
//          lr=X       the arm's own phase at X times --lr (alias jlr)
//          warmup=R   its warmup ratio (0: none); default: the training flags' warmup
//          neftune=A  NEFTune noise alpha on its phase
//          epochs=N   epochs of its phase
//   suffixes: -lambda-L, -jlr-X (or -lr-X), -nowarmup, -warmup-R, -neftune-A, -epochs-N
//   e.g. wmss-lambda-0.3 == wmss[lambda=0.3]; wmss-jlr-0.1-nowarmup == wmss[lr=0.1,warmup=0]
//   A value may list alternatives with '|': wmss[lr=1|0.3|0.1,warmup=0|0.1] is six arms.
// The canonical name puts the keys in the order above; two spellings of one arm share
// its results.
#ifndef WMSS_COMPARE_H
#define WMSS_COMPARE_H

#include <stdio.h>

#include "evaluate.h"
#include "select.h"
#include "train_setup.h"

typedef enum { WMSS_ARM_EVAL, WMSS_ARM_SFT, WMSS_ARM_JOINT } wmss_arm_op;
// The models an arm can start from (or evaluate).
typedef enum { WMSS_REF_M0, WMSS_REF_M1, WMSS_REF_SFT2, WMSS_REF_EARLY, WMSS_REF_SFT2_EPOCH1 } wmss_model_ref;
// The data of an arm's phase: D, a selection's active set, or a random subset of D of
// the active set's size.
typedef enum { WMSS_SET_FULL, WMSS_SET_ACTIVE, WMSS_SET_RANDOM_SUBSET } wmss_set_ref;
typedef enum { WMSS_SEL_PAPER, WMSS_SEL_RELEASED, WMSS_SEL_WEAK_EARLY, WMSS_SEL_CONTINUED, WMSS_SEL_COUNT } wmss_sel_ref;

typedef struct {
    char name[160];          // canonical name
    char dir[160];           // its directory name (no brackets)
    const char *base;        // the table's name ("wmss")
    const char *about;       // one line
    wmss_arm_op op;
    wmss_model_ref from;     // EVAL: the model evaluated; else the model its phase starts from (strong)
    wmss_model_ref weak;     // JOINT: the weak model
    wmss_set_ref set;        // the phase's data
    wmss_sel_ref sel;        // the selection behind WMSS_SET_ACTIVE / WMSS_SET_RANDOM_SUBSET
    int epochs;              // of its phase
    double lambda;           // JOINT: strong weight (0.5)
    int freeze_weak;
    double lr_scale;         // its phase's lr = lr_scale x --lr (1)
    double warmup;           // < 0: the training flags' warmup; else this ratio
    int continue_state;      // start from SFT2's epoch-1 checkpoint (weights, AdamW state) and go on
                             // with its 2-epoch schedule instead of a fresh one
    double neftune_alpha;    // 0: off
    int loss_on_all;         // JOINT: loss over the whole sequence (the released code)
} wmss_arm;

// Parses one arm name (above). Fails with the known bases, or the keys a base takes.
int wmss_arm_parse(const char *spec, wmss_arm *a, wmss_error *e);
// Parses a comma-separated list (commas inside [...] belong to the arm), expanding
// '|' alternatives; duplicates (same canonical name) are dropped. *arms is malloc'd.
int wmss_arms_parse_list(const char *list, wmss_arm **arms, int *n, wmss_error *e);
// The table of arm bases with one line each, for --help.
void wmss_arms_describe(FILE *f);
// 0 when this build has what the arm needs; else -1 naming the missing feature.
int wmss_arm_available(const wmss_arm *a, wmss_error *e);

typedef struct {
    const char *model;          // M0 (required)
    const char *data;           // D (required)
    const char *out;            // the comparison directory (required)
    wmss_eval_opts eval;        // bench (required), data (the test file; NULL: shared folder), limit, ...;
                                // out and log are set per arm
    const wmss_arm *arms;
    int n_arms;
    const char *anchor;         // the arm every other is paired with ("sft-2ep"); run even if not listed
    int seeds;                  // seeds first_seed .. first_seed + seeds - 1
    int first_seed;             // 1
    wmss_trainer_args train;    // every training phase's options (epochs, out_dir, seed, resume and the
                                // per-branch fields are set per phase; train.train.stop interrupts)
    wmss_select_params select;  // the paper selection's weights (0.1, 0.8, 0.1, per-term)
    int draws;                  // <= 0: |D|
    int batch_tokens;           // entropy scoring micro-batch tokens (8192)
    int score_loss_chunk;       // 256
    FILE *log;                  // progress lines; NULL: quiet
} wmss_compare_opts;

void wmss_compare_opts_default(wmss_compare_opts *o);

typedef struct {
    int interrupted;            // stopped by train.stop: rerun to continue
    int arms_run, arms_skipped; // (seed, arm) pairs trained/evaluated now, and found finished
    char report_dir[4200];
} wmss_compare_result;

// Runs every missing (seed, arm), then writes the report over the arms of o.
int wmss_compare_run(const wmss_compare_opts *o, wmss_compare_result *r, wmss_error *e);

// The report alone, from the results under out (summary.md, results.json, the charts),
// over the given arms (canonical names) with the anchor first; seeds found are used.
int wmss_compare_report(const char *out, const wmss_arm *arms, int n_arms, const char *anchor, wmss_error *e);

// ---- statistics ----
// The regularized incomplete beta function I_x(a, b) (continued fraction, |error| < 1e-13).
double wmss_betainc(double a, double b, double x);
// Student's t distribution with df degrees of freedom: the CDF and its inverse (p in (0, 1)).
double wmss_t_cdf(double t, double df);
double wmss_t_quantile(double p, double df);

typedef struct {
    int n;                      // paired seeds
    double mean, sd;            // of the differences (sd: n - 1 in the denominator)
    double half;                // half-width of the confidence interval (NAN when n < 2)
    double lo, hi;              // mean -+ half
    int wins, ties, losses;     // arm > anchor, equal (within 1e-12), arm < anchor
} wmss_paired_stats;

// Paired differences arm[i] - anchor[i] and their two-sided confidence interval at level
// conf (0.95) from the t distribution with n - 1 degrees of freedom.
void wmss_paired_stats_compute(const double *arm, const double *anchor, int n, double conf, wmss_paired_stats *s);
// Mean and sample standard deviation (0 when n < 2).
void wmss_mean_sd(const double *x, int n, double *mean, double *sd);

#endif
