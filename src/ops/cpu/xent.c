// The loss over a chunk of rows (CPU backend): cross-entropy with entropy and top-1
// statistics and its gradient, and the logit statistics of paper Tables 6-7.
#include <math.h>

#include "cpu.h"
#include "ops.h"
#include "simd.h"

// One row (see cpu_xent_rows).
WMSS_CLONES static void xent_row(float *z, int V, int target, float grad_scale, int want_grad, double *stats) {
    float mx = -INFINITY;
    #pragma omp simd reduction(max : mx)
    for (int v = 0; v < V; v++) mx = z[v] > mx ? z[v] : mx;
    int arg = 0;  // the first maximum
    while (arg < V - 1 && z[arg] != mx) arg++;
    const float zt = z[target] - mx;
    // exp(z - max) replaces z. The sums: float within blocks of 1024 (vectorized), the
    // blocks' sums in double.
    double sum = 0.0, pz = 0.0;
    for (int v0 = 0; v0 < V; v0 += 1024) {
        const int v1 = v0 + 1024 < V ? v0 + 1024 : V;
        float bs = 0.0f, bp = 0.0f;
        #pragma omp simd reduction(+ : bs, bp)
        for (int v = v0; v < v1; v++) {
            const float d = z[v] - mx, ev = wmss_expf(d);
            z[v] = ev;
            bs += ev;
            bp += ev * d;
        }
        sum += bs;
        pz += bp;
    }
    const double lse = log(sum);  // relative to mx
    stats[0] = lse - zt;
    stats[1] = lse - pz / sum;  // H = lse - sum p z
    stats[2] = arg == target;
    if (!want_grad) return;
    const float c = (float)(grad_scale / sum);
    #pragma omp simd
    for (int v = 0; v < V; v++) z[v] *= c;
    z[target] -= grad_scale;
}

void cpu_xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < T; r++) xent_row(z + (size_t)r * V, V, targets[r], grad_scale, want_grad, stats + 3 * r);
}

// One row's statistics, in double (see ops.h for the order).
static void row_logit_stats(const float *z, int V, int y, double *out) {
    double sum = 0, sumsq = 0, mx = z[0], mn = z[0];
    for (int v = 0; v < V; v++) {
        sum += z[v];
        if (z[v] > mx) mx = z[v];
        if (z[v] < mn) mn = z[v];
    }
    const double mean = sum / V;
    double se = 0, pz = 0;
    for (int v = 0; v < V; v++) {
        const double d = z[v] - mean, ev = exp(z[v] - mx);
        sumsq += d * d;
        se += ev;
        pz += ev * (z[v] - mx);
    }
    out[0] = z[y];                    // target logit
    out[1] = (sum - z[y]) / (V - 1);  // mean non-target logit
    out[2] = z[y] - out[1];           // gap
    out[3] = sqrt(sumsq / V);         // population std
    out[4] = sqrt(sumsq);             // centered norm
    out[5] = mx;
    out[6] = mn;
    out[7] = log(se) - pz / se;       // entropy
    out[8] = 1.0 / se;                // max probability
}

void cpu_logit_stats_rows(double *out, const float *z, const int *targets, int T, int V) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < T; r++) row_logit_stats(z + (size_t)r * V, V, targets[r], out + (size_t)r * OPS_LS_COUNT);
}
