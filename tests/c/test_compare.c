// The comparison harness's pieces that need no model: the incomplete beta function and
// Student's t (closed forms for df 1 and 2, table values), paired statistics against
// hand-computed values, and the arm-name grammar (bases, suffixes, [key=value],
// alternatives, canonical names, refusals).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"

static int close_to(double a, double b, double tol) { return fabs(a - b) <= tol * fmax(1.0, fabs(b)); }

int main(void) {
    check_state st = {0};
    // I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_x(a, b) = 1 - I_{1-x}(b, a).
    for (double x = 0.05; x < 1; x += 0.15) {
        CHECK(&st, close_to(wmss_betainc(2.5, 1, x), pow(x, 2.5), 1e-12), "I_%g(2.5, 1)", x);
        CHECK(&st, close_to(wmss_betainc(1, 3.5, x), 1 - pow(1 - x, 3.5), 1e-12), "I_%g(1, 3.5)", x);
        CHECK(&st, close_to(wmss_betainc(7, 0.5, x), 1 - wmss_betainc(0.5, 7, 1 - x), 1e-12), "symmetry at %g", x);
    }
    // t quantiles: df 1 is Cauchy (tan), df 2 has (2p-1) / sqrt(2p(1-p)); table values.
    for (double p = 0.55; p < 1; p += 0.1) {
        CHECK(&st, close_to(wmss_t_quantile(p, 1), tan(M_PI * (p - 0.5)), 1e-10), "t(%g, 1)", p);
        CHECK(&st, close_to(wmss_t_quantile(p, 2), (2 * p - 1) / sqrt(2 * p * (1 - p)), 1e-10), "t(%g, 2)", p);
        CHECK(&st, close_to(wmss_t_cdf(wmss_t_quantile(p, 7.5), 7.5), p, 1e-12), "cdf(quantile(%g))", p);
    }
    const struct {
        double p, df, t;
    } table[] = {{0.975, 1, 12.7062047362}, {0.975, 4, 2.7764451052}, {0.975, 2, 4.3026527297}, {0.975, 30, 2.0422724563},
                 {0.995, 10, 3.1692726726}, {0.95, 5, 2.0150483727}, {0.9995, 1, 636.6192487}, {0.975, 1000, 1.9623390808}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const double t = wmss_t_quantile(table[i].p, table[i].df);
        CHECK(&st, close_to(t, table[i].t, 1e-8), "t(%g, %g) = %.10f, want %.10f", table[i].p, table[i].df, t, table[i].t);
    }
    CHECK(&st, close_to(wmss_t_quantile(0.025, 4), -2.7764451052, 1e-8), "lower tail");
    CHECK(&st, wmss_t_quantile(0.5, 3) == 0 && isnan(wmss_t_quantile(1, 3)) && isnan(wmss_t_quantile(0.9, 0)), "edges");

    // Paired statistics: differences 1..5 -> mean 3, sd sqrt(2.5), CI 3 -+ 2.7764 * 1.5811 / sqrt(5).
    const double arm[5] = {0.31, 0.42, 0.53, 0.64, 0.75}, anchor[5] = {0.30, 0.40, 0.50, 0.60, 0.70};
    double a100[5], b100[5];
    for (int i = 0; i < 5; i++) a100[i] = 100 * arm[i], b100[i] = 100 * anchor[i];
    wmss_paired_stats ps;
    wmss_paired_stats_compute(a100, b100, 5, 0.95, &ps);
    const double half = 2.7764451052 * sqrt(2.5) / sqrt(5.0);
    CHECK(&st, ps.n == 5 && close_to(ps.mean, 3, 1e-12) && close_to(ps.sd, 1.5811388301, 1e-9), "mean %g sd %g", ps.mean, ps.sd);
    CHECK(&st, close_to(ps.half, half, 1e-8) && close_to(ps.lo, 3 - half, 1e-8) && close_to(ps.hi, 3 + half, 1e-8),
          "CI %g +- %g, want +- %g (= 1.9632)", ps.mean, ps.half, half);
    CHECK(&st, fabs(half - 1.9632) < 1e-4, "half-width %g", half);
    CHECK(&st, ps.wins == 5 && ps.ties == 0 && ps.losses == 0, "W/T/L %d/%d/%d", ps.wins, ps.ties, ps.losses);
    const double x2[4] = {0.5, 0.4, 0.3, 0.2}, y2[4] = {0.5, 0.5, 0.2, 0.3};
    wmss_paired_stats_compute(x2, y2, 4, 0.95, &ps);  // d = 0, -0.1, 0.1, -0.1
    CHECK(&st, ps.wins == 1 && ps.ties == 1 && ps.losses == 2 && close_to(ps.mean, -0.025, 1e-12), "mixed W/T/L");
    CHECK(&st, close_to(ps.sd, sqrt((0.025 * 0.025 + 3 * 0.075 * 0.075 + 2 * 0.125 * 0.125 - 2 * 0.075 * 0.075) / 3), 1e-12) ||
                   close_to(ps.sd, 0.0957427108, 1e-9), "mixed sd %.10f", ps.sd);
    wmss_paired_stats_compute(x2, y2, 1, 0.95, &ps);
    CHECK(&st, ps.n == 1 && isnan(ps.half) && ps.ties == 1, "one seed: no interval");
    double m, sd;
    wmss_mean_sd(arm, 5, &m, &sd);
    CHECK(&st, close_to(m, 0.53, 1e-12) && close_to(sd, 0.1739252713, 1e-9), "mean_sd %g %g", m, sd);

    // Arm names.
    wmss_arm a, b;
    wmss_error e = {{0}};
    CHECK(&st, !wmss_arm_parse("wmss", &a, &e) && !strcmp(a.name, "wmss") && a.op == WMSS_ARM_JOINT && a.lambda == 0.5 &&
                   a.set == WMSS_SET_ACTIVE && a.from == WMSS_REF_M1 && a.weak == WMSS_REF_M0, "wmss: %s", e.msg);
    CHECK(&st, !wmss_arm_parse("wmss-lambda-0.3", &a, &e) && !wmss_arm_parse("wmss[lambda=0.3]", &b, &e) &&
                   !strcmp(a.name, "wmss[lambda=0.3]") && !strcmp(a.name, b.name) && !strcmp(a.dir, "wmss_lambda=0.3") &&
                   a.lambda == 0.3, "lambda spellings: %s / %s", a.name, b.name);
    CHECK(&st, !wmss_arm_parse("wmss-jlr-0.1-nowarmup", &a, &e) && !wmss_arm_parse("wmss[warmup=0,jlr=0.1]", &b, &e) &&
                   !strcmp(a.name, "wmss[lr=0.1,warmup=0]") && !strcmp(b.name, a.name) && a.lr_scale == 0.1 && a.warmup == 0,
          "jlr/nowarmup: %s / %s %s", a.name, b.name, e.msg);
    CHECK(&st, !wmss_arm_parse("wmss-lambda-0.5", &a, &e) && !strcmp(a.name, "wmss"), "default value dropped: %s", a.name);
    CHECK(&st, !wmss_arm_parse("wmss-weak-early-lambda-0.42", &a, &e) && !strcmp(a.base, "wmss-weak-early") &&
                   a.weak == WMSS_REF_EARLY && a.lambda == 0.42, "longest base: %s", a.name);
    CHECK(&st, !wmss_arm_parse("wmss-released", &a, &e) && a.loss_on_all && a.warmup == 0 && a.sel == WMSS_SEL_RELEASED,
          "released");
    CHECK(&st, !wmss_arm_parse("wmss-continued", &a, &e) && a.continue_state && a.from == WMSS_REF_SFT2_EPOCH1 &&
                   a.sel == WMSS_SEL_CONTINUED, "continued");
    CHECK(&st, !wmss_arm_parse("sft-2ep", &a, &e) && a.op == WMSS_ARM_EVAL && a.from == WMSS_REF_SFT2, "anchor");
    CHECK(&st, !wmss_arm_parse("neftune", &a, &e) && a.neftune_alpha == 5 && a.epochs == 2 && a.from == WMSS_REF_M0, "neftune");
    const char *bad[] = {"wmsss", "wmss[lambda=2]", "wmss-lambda", "wmss[foo=1]", "m1[lambda=0.3]", "sft-restarted-lambda-0.3",
                         "wmss[lambda=0.3", "wmss[lambda=x]", "wmss-continued-jlr-0.3", "wmss[epochs=1.5]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        CHECK(&st, wmss_arm_parse(bad[i], &a, &e) && e.msg[0], "'%s' accepted", bad[i]);
    }
    wmss_arm *list;
    int n;
    CHECK(&st, !wmss_arms_parse_list("sft-2ep, wmss[lr=1|0.3|0.1,warmup=0|0.1],wmss-lambda-0.3,wmss[lambda=0.3]", &list, &n, &e),
          "list: %s", e.msg);
    CHECK(&st, n == 8 && !strcmp(list[0].name, "sft-2ep") && !strcmp(list[1].name, "wmss[warmup=0]") &&
                   !strcmp(list[2].name, "wmss[warmup=0.1]") && !strcmp(list[3].name, "wmss[lr=0.3,warmup=0]") &&
                   !strcmp(list[6].name, "wmss[lr=0.1,warmup=0.1]") && !strcmp(list[7].name, "wmss[lambda=0.3]"),
          "expansion: %d arms, [1] %s [7] %s", n, n > 1 ? list[1].name : "", n > 7 ? list[7].name : "");
    free(list);
    CHECK(&st, wmss_arms_parse_list(" , ", &list, &n, &e) && n == 0, "empty list refused");
    return check_finish(&st, "test_compare");
}
