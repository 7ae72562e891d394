// AdamW's update on one parameter tensor (the CPU backend); the schedule, bias
// corrections and weight-decay rule are the caller's (src/train/optim.c).
#include <math.h>

#include "cpu.h"

void cpu_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2, float eps,
                      float decay, float step_size, float bc2_sqrt) {
    #pragma omp parallel for schedule(static) if (n > 32768)
    for (size_t i = 0; i < n; i++) {
        p[i] *= decay;
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        p[i] -= step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}
