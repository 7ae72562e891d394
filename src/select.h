// WD-DS, discrepancy selection (DESIGN §2): sampling weights from the weak and strong
// models' per-example entropies, seeded draws with replacement, deduplication.
//
//   dH_i = H_strong(i) - H_weak(i)
//   paper (Eq. 9):   p_i ∝ alpha*[-dH_i]+ + beta*H_strong(i) + gamma*[dH_i]+
//   released code:   p_i ∝ alpha*H_weak(i) + beta*[-dH_i]+ + gamma*[dH_i]+
// With per-term normalization (the released code's default) each term is divided by its
// sum over the data first, so alpha, beta and gamma are shares of the sampling mass; a
// term that is zero everywhere contributes nothing.
#ifndef WMSS_SELECT_H
#define WMSS_SELECT_H

#include <stdint.h>

#include "error.h"

typedef enum { WMSS_PRESET_PAPER = 0, WMSS_PRESET_RELEASED } wmss_select_preset;
typedef enum { WMSS_NORM_PER_TERM = 0, WMSS_NORM_NONE } wmss_select_norm;

typedef struct {
    double alpha, beta, gamma;
    wmss_select_preset preset;
    wmss_select_norm normalize;
} wmss_select_params;

// p (n) receives the sampling probabilities (summing to 1); share (3, optional) the
// share of the probability mass each term (alpha, beta, gamma) carries. Fails when all
// weights are zero.
int wmss_select_weights(const double *h_weak, const double *h_strong, int n, const wmss_select_params *sp, double *p,
                        double share[3], wmss_error *e);

typedef struct {
    int draws, unique, duplicated_draws, max_multiplicity;
} wmss_draw_stats;

// Draws `draws` indices from p with replacement (seeded), removes duplicates and
// shuffles: out (n capacity) receives *n_out distinct indices.
void wmss_select_draw(const double *p, int n, int draws, uint64_t seed, int *out, int *n_out, wmss_draw_stats *st);
// The released code's variant (--keep-duplicates): the same draws, every one kept, then
// shuffled: out (draws capacity) receives all `draws` indices, duplicates included; st
// as above (unique = distinct indices among them). Returns `draws` (0: out of memory).
int wmss_select_draw_all(const double *p, int n, int draws, uint64_t seed, int *out, wmss_draw_stats *st);

// Names of the presets and normalizations ("paper", "released-code"; "per-term",
// "none") and their parsers (0, or -1 for an unknown name).
const char *wmss_select_preset_name(wmss_select_preset p);
const char *wmss_select_norm_name(wmss_select_norm n);
int wmss_select_preset_parse(const char *s, wmss_select_preset *p);
int wmss_select_norm_parse(const char *s, wmss_select_norm *n);

// The distribution of dH = H_strong - H_weak over examples (wmss select's statistics,
// wmss stats --ref): mean, mean |dH|, standard deviation, the share of negative dH,
// the strong model's mean entropy, and the quantiles WMSS_DH_QUANTILE (linear
// interpolation, numpy's default), named WMSS_DH_QUANTILE_NAME ("min", "q05", ...).
#define WMSS_DH_QUANTILES 7
extern const double WMSS_DH_QUANTILE[WMSS_DH_QUANTILES];
extern const char *const WMSS_DH_QUANTILE_NAME[WMSS_DH_QUANTILES];

typedef struct {
    int n;
    double mean, mean_abs, std, share_negative, strong_mean;
    double q[WMSS_DH_QUANTILES];
} wmss_dh_stats;

int wmss_dh_stats_compute(const double *h_weak, const double *h_strong, int n, wmss_dh_stats *s, wmss_error *e);

#endif
