// AdamW's update on n parameters, exactly ops.h's formula in float math (as the CPU loop):
// p *= decay; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= step_size * m / (sqrt(v) / bc2_sqrt + eps). The __f*_rn intrinsics keep nvcc from
// fusing multiply-adds, so each step rounds as the CPU's (non-FMA) loop does; sqrtf and
// division are IEEE-rounded by default.
#include "cuda_common.h"

static __global__ void adamw_kernel(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                                    float eps, float decay, float step_size, float bc2_sqrt) {
    GRID_STRIDE(i, n) {
        const float gi = g[i];
        const float mi = __fadd_rn(__fmul_rn(b1, m[i]), __fmul_rn(1.0f - b1, gi));
        const float vi = __fadd_rn(__fmul_rn(b2, v[i]), __fmul_rn(__fmul_rn(1.0f - b2, gi), gi));
        m[i] = mi;
        v[i] = vi;
        const float pd = __fmul_rn(p[i], decay);
        p[i] = __fsub_rn(pd, __fmul_rn(step_size, mi) / __fadd_rn(sqrtf(vi) / bc2_sqrt, eps));
    }
}

void cuda_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps,
                       float decay, float step_size, float bc2_sqrt) {
    if (!n) return;
    adamw_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(p, g, m, v, n, b1, b2, eps, decay, step_size,
                                                               bc2_sqrt);
    CUDA_LAUNCH_CHECK();
}
