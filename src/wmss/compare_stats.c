// The comparison's statistics (compare.h): the regularized incomplete beta function,
// Student's t CDF and quantile, paired differences with a t confidence interval.
#include <math.h>

#include "compare.h"

// The continued fraction of I_x(a, b) (modified Lentz), for x < (a + 1) / (a + b + 2).
static double betacf(double a, double b, double x) {
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-15) break;
    }
    return h;
}

double wmss_betainc(double a, double b, double x) {
    if (!(a > 0) || !(b > 0) || isnan(x)) return NAN;
    if (x <= 0) return 0.0;
    if (x >= 1) return 1.0;
    const double lfront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) return exp(lfront) * betacf(a, b, x) / a;
    return 1.0 - exp(lfront) * betacf(b, a, 1.0 - x) / b;
}

double wmss_t_cdf(double t, double df) {
    if (isnan(t) || !(df > 0)) return NAN;
    if (isinf(t)) return t > 0 ? 1.0 : 0.0;
    // P(T < -|t|) = I_{df / (df + t^2)}(df / 2, 1 / 2) / 2
    const double tail = 0.5 * wmss_betainc(0.5 * df, 0.5, df / (df + t * t));
    return t > 0 ? 1.0 - tail : tail;
}

double wmss_t_quantile(double p, double df) {
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    if (p == 0.5) return 0.0;
    if (p < 0.5) return -wmss_t_quantile(1.0 - p, df);
    // Bracket [0, hi] with cdf(hi) >= p, then bisect (the CDF is monotone) to full precision.
    double lo = 0.0, hi = 1.0;
    while (wmss_t_cdf(hi, df) < p && hi < 1e300) lo = hi, hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-14 * hi; i++) {
        const double mid = 0.5 * (lo + hi);
        if (wmss_t_cdf(mid, df) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

void wmss_mean_sd(const double *x, int n, double *mean, double *sd) {
    double m = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) m += x[i];
    m = n > 0 ? m / n : NAN;
    for (int i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
}

void wmss_paired_stats_compute(const double *arm, const double *anchor, int n, double conf, wmss_paired_stats *s) {
    *s = (wmss_paired_stats){.n = n};
    double sum = 0.0, ss = 0.0;
    for (int i = 0; i < n; i++) {
        const double d = arm[i] - anchor[i];
        sum += d;
        if (d > 1e-12) s->wins++;
        else if (d < -1e-12) s->losses++;
        else s->ties++;
    }
    s->mean = n > 0 ? sum / n : NAN;
    for (int i = 0; i < n; i++) {
        const double d = arm[i] - anchor[i] - s->mean;
        ss += d * d;
    }
    s->sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    s->half = n > 1 ? wmss_t_quantile(0.5 + 0.5 * conf, n - 1) * s->sd / sqrt((double)n) : NAN;
    s->lo = s->mean - s->half;
    s->hi = s->mean + s->half;
}
