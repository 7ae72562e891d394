// WD-DS selection weights against hand-computed values for both presets and both
// normalizations, and the draw's guarantees (seeded, no duplicates, zero weight never
// drawn, frequencies follow p).
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "select.h"

static void expect_p(check_state *st, const char *label, wmss_select_preset preset, wmss_select_norm norm,
                     const double *want, const double *want_share) {
    const double hw[3] = {1.0, 2.0, 0.5}, hs[3] = {0.5, 2.5, 0.5};  // dH = -0.5, +0.5, 0
    wmss_select_params sp = {0.1, 0.8, 0.1, preset, norm};
    double p[3], share[3];
    wmss_error e;
    CHECK(st, wmss_select_weights(hw, hs, 3, &sp, p, share, &e) == 0, "%s: %s", label, e.msg);
    for (int i = 0; i < 3; i++) {
        CHECK(st, fabs(p[i] - want[i]) < 1e-12, "%s: p[%d] = %.15g, want %.15g", label, i, p[i], want[i]);
        CHECK(st, fabs(share[i] - want_share[i]) < 1e-12, "%s: share[%d] = %.15g, want %.15g", label, i, share[i],
              want_share[i]);
    }
}

int main(void) {
    check_state st = {0};
    // paper, per-term: terms [1,0,0], [1/7,5/7,1/7], [0,1,0] weighted 0.1/0.8/0.1.
    expect_p(&st, "paper/per-term", WMSS_PRESET_PAPER, WMSS_NORM_PER_TERM,
             (double[]){0.1 + 0.8 / 7, 0.8 * 5 / 7 + 0.1, 0.8 / 7}, (double[]){0.1, 0.8, 0.1});
    // paper, raw: 0.1*[0.5,0,0] + 0.8*[0.5,2.5,0.5] + 0.1*[0,0.5,0] = [0.45, 2.05, 0.4] / 2.9.
    expect_p(&st, "paper/none", WMSS_PRESET_PAPER, WMSS_NORM_NONE, (double[]){0.45 / 2.9, 2.05 / 2.9, 0.4 / 2.9},
             (double[]){0.05 / 2.9, 2.8 / 2.9, 0.05 / 2.9});
    // released code, per-term: 0.1*H_weak/3.5 + 0.8*[1,0,0] + 0.1*[0,1,0].
    expect_p(&st, "released/per-term", WMSS_PRESET_RELEASED, WMSS_NORM_PER_TERM,
             (double[]){0.1 * 2 / 7 + 0.8, 0.1 * 4 / 7 + 0.1, 0.1 / 7}, (double[]){0.1, 0.8, 0.1});
    // released code, raw: 0.1*[1,2,0.5] + 0.8*[0.5,0,0] + 0.1*[0,0.5,0] = [0.5,0.25,0.05] / 0.8.
    expect_p(&st, "released/none", WMSS_PRESET_RELEASED, WMSS_NORM_NONE, (double[]){0.625, 0.3125, 0.0625},
             (double[]){0.35 / 0.8, 0.4 / 0.8, 0.05 / 0.8});

    // All-zero weights are an error, not a division by zero.
    wmss_select_params zero = {0, 0, 0, WMSS_PRESET_PAPER, WMSS_NORM_PER_TERM};
    double p[3], hw[3] = {1, 1, 1};
    wmss_error e;
    CHECK(&st, wmss_select_weights(hw, hw, 3, &zero, p, NULL, &e) != 0, "zero weights accepted");

    // Draws: seeded and reproducible, distinct, never a zero-weight example, and the
    // inclusion frequency over many seeds matches 1 - (1 - p_i)^draws.
    const int n = 5, draws = 5, seeds = 20000;
    const double q[5] = {0.4, 0.3, 0.2, 0.1, 0.0};
    int out[5], m, out2[5], m2, seen[5] = {0};
    wmss_draw_stats ds;
    wmss_select_draw(q, n, draws, 7, out, &m, &ds);
    wmss_select_draw(q, n, draws, 7, out2, &m2, &ds);
    int same = m == m2;
    for (int i = 0; same && i < m; i++) same = out[i] == out2[i];
    CHECK(&st, same, "same seed, different draws");
    for (int s = 0; s < seeds; s++) {
        wmss_select_draw(q, n, draws, (uint64_t)s, out, &m, &ds);
        int dup = 0, mark[5] = {0};
        for (int i = 0; i < m; i++) {
            dup |= mark[out[i]]++;
            seen[out[i]]++;
        }
        if (dup || ds.unique != m || ds.duplicated_draws != draws - m || out[0] < 0) {
            CHECK(&st, 0, "seed %d: duplicate or inconsistent stats", s);
            break;
        }
    }
    CHECK(&st, seen[4] == 0, "a zero-weight example was drawn %d times", seen[4]);
    for (int i = 0; i < 4; i++) {
        double want = 1 - pow(1 - q[i], draws), got = (double)seen[i] / seeds;
        double sigma = sqrt(want * (1 - want) / seeds);
        CHECK(&st, fabs(got - want) < 5 * sigma, "inclusion of %d: %.4f, want %.4f +- %.4f", i, got, want, sigma);
        printf("  example %d (p %.1f): included in %.4f of draws, expected %.4f\n", i, q[i], got, want);
    }

    // Keeping duplicates: exactly `draws` indices, the same draws as the deduplicating
    // call (its distinct set), never a zero-weight example, and the stats agree.
    for (int s = 0; s < 200; s++) {
        const int nd = 1 + s % 13;
        int all[13], m3, dd[5], cnt[5] = {0}, distinct = 0, ok = 1;
        wmss_draw_stats da, dk;
        wmss_select_draw(q, n, nd, (uint64_t)s, dd, &m3, &dk);
        int got = wmss_select_draw_all(q, n, nd, (uint64_t)s, all, &da);
        ok &= got == nd;
        for (int i = 0; ok && i < got; i++) ok &= all[i] >= 0 && all[i] < 4 && cnt[all[i]]++ >= 0;
        for (int i = 0; i < 5; i++) distinct += cnt[i] > 0;
        for (int i = 0; ok && i < m3; i++) ok &= cnt[dd[i]] > 0;
        ok &= distinct == m3 && da.unique == m3 && da.draws == nd && da.duplicated_draws == nd - m3 &&
              da.max_multiplicity == dk.max_multiplicity;
        if (!ok) {
            CHECK(&st, 0, "seed %d, %d draws kept: %d written, %d distinct vs %d deduplicated", s, nd, got, distinct, m3);
            break;
        }
    }
    return check_finish(&st, "test_select");
}
