#include <math.h>

#include "ops.h"
#include "simd.h"

WMSS_CLONES void xent_row(float *z, int V, int target, float grad_scale, int want_grad, double *stats) {
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
