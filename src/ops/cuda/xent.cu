// The loss over a chunk of rows, one block per row of z (T, V):
//   xent_rows         max, first argmax (lowest index among the maxima), sum of
//                     exp(z - max) and of exp(z - max) (z - max) in double, then
//                     stats (T, 3) = [log(sum) - (z[t] - max), log(sum) - pz / sum,
//                     argmax == t], and z becomes grad_scale (softmax - onehot(t)) with
//                     want_grad, else exp(z - max) (as the CPU backend);
//   logit_stats_rows  the 9 statistics of ops.h in double (the CPU's row_logit_stats):
//                     target logit, mean non-target logit, gap, population std,
//                     centered norm, max, min, entropy, max probability.
#include <math.h>

#include "cuda_common.h"
extern "C" {
#include "ops.h"  // OPS_LS_COUNT
}

enum { XENT_THREADS = 512 };

static __global__ __launch_bounds__(XENT_THREADS) void xent_rows_kernel(float *zall, double *stats_all,
                                                                        const int *targets, int V, float grad_scale,
                                                                        int want_grad) {
    __shared__ float shf[WARP];
    __shared__ int shi[WARP];
    __shared__ double shd[WARP];
    __shared__ float s_zt;
    float *z = zall + (size_t)blockIdx.x * V;
    double *stats = stats_all + (size_t)blockIdx.x * 3;
    const int t = targets[blockIdx.x];
    const int t_ok = t >= 0 && t < V;

    float mx = -INFINITY;
    for (int v = threadIdx.x; v < V; v += blockDim.x) mx = z[v] > mx ? z[v] : mx;
    mx = block_max(mx, shf);
    int arg = V - 1;  // the first maximum (V - 1 when none equals it, as the CPU's scan)
    for (int v = threadIdx.x; v < V; v += blockDim.x)
        if (z[v] == mx) {
            arg = v < arg ? v : arg;
            break;  // later v of this thread are larger
        }
    arg = block_min(arg, shi);
    if (threadIdx.x == 0) s_zt = t_ok ? z[t] - mx : NAN;
    __syncthreads();  // z[t] is read before z is overwritten

    double sum = 0.0, pz = 0.0;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        const float d = z[v] - mx, ev = expf(d);
        z[v] = ev;
        sum += ev;
        pz += (double)(ev * d);
    }
    sum = block_sum(sum, shd);
    pz = block_sum(pz, shd);
    if (threadIdx.x == 0) {
        const double lse = log(sum);
        stats[0] = lse - (double)s_zt;
        stats[1] = lse - pz / sum;
        stats[2] = arg == t;
    }
    if (!want_grad) return;
    const float c = (float)(grad_scale / sum);
    for (int v = threadIdx.x; v < V; v += blockDim.x) z[v] *= c;
    __syncthreads();
    if (threadIdx.x == 0 && t_ok) z[t] -= grad_scale;
}

void cuda_xent_rows(float *z, double *stats, const int *targets, int T, int V, float grad_scale, int want_grad) {
    if (T <= 0 || V <= 0) return;
    xent_rows_kernel<<<T, XENT_THREADS, 0, cuda_stream()>>>(z, stats, targets, V, grad_scale, want_grad);
    CUDA_LAUNCH_CHECK();
}

static __global__ __launch_bounds__(XENT_THREADS) void logit_stats_kernel(double *out_all, const float *zall,
                                                                          const int *targets, int V) {
    __shared__ double shd[WARP];
    const float *z = zall + (size_t)blockIdx.x * V;
    double *out = out_all + (size_t)blockIdx.x * OPS_LS_COUNT;
    const int y = targets[blockIdx.x];
    const int y_ok = y >= 0 && y < V;

    double sum = 0.0, mx = z[0], mn = z[0];
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        const double zv = z[v];
        sum += zv;
        mx = zv > mx ? zv : mx;
        mn = zv < mn ? zv : mn;
    }
    sum = block_sum(sum, shd);
    mx = block_max(mx, shd);
    mn = block_min(mn, shd);
    const double mean = sum / V;
    double sumsq = 0.0, se = 0.0, pz = 0.0;
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        const double zv = z[v], d = zv - mean, ev = exp(zv - mx);
        sumsq += d * d;
        se += ev;
        pz += ev * (zv - mx);
    }
    sumsq = block_sum(sumsq, shd);
    se = block_sum(se, shd);
    pz = block_sum(pz, shd);
    if (threadIdx.x == 0) {
        const double zy = y_ok ? (double)z[y] : NAN;
        out[0] = zy;                    // target logit
        out[1] = (sum - zy) / (V - 1);  // mean non-target logit
        out[2] = zy - out[1];           // gap
        out[3] = sqrt(sumsq / V);       // population std
        out[4] = sqrt(sumsq);           // centered norm
        out[5] = mx;
        out[6] = mn;
        out[7] = log(se) - pz / se;     // entropy
        out[8] = 1.0 / se;              // max probability
    }
}

void cuda_logit_stats_rows(double *out, const float *z, const int *targets, int T, int V) {
    if (T <= 0 || V <= 0) return;
    logit_stats_kernel<<<T, XENT_THREADS, 0, cuda_stream()>>>(out, z, targets, V);
    CUDA_LAUNCH_CHECK();
}
