#include <math.h>

#include "cpu.h"
#include "simd.h"

// Rotates each (x_j, x_{j+D/2}) pair by sign * pos * inv_freq[j]. The angles of a
// token are computed once, 64 pairs at a time, and applied to all its heads.
WMSS_CLONES static void rope_rotate(float *x, const int *pos, const float *inv_freq, int N, int nh, int D, float sign) {
    const int half = D / 2;
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        for (int j0 = 0; j0 < half; j0 += 64) {
            const int nj = half - j0 < 64 ? half - j0 : 64;
            float c[64], s[64];
            for (int j = 0; j < nj; j++) {
                const float angle = (float)pos[i] * inv_freq[j0 + j];
                c[j] = cosf(angle);
                s[j] = sign * sinf(angle);
            }
            for (int h = 0; h < nh; h++) {
                float *v1 = x + ((size_t)i * nh + h) * D + j0, *v2 = v1 + half;
                #pragma omp simd
                for (int j = 0; j < nj; j++) {
                    const float x1 = v1[j], x2 = v2[j];
                    v1[j] = x1 * c[j] - x2 * s[j];
                    v2[j] = x2 * c[j] + x1 * s[j];
                }
            }
        }
    }
}

void cpu_rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope_rotate(x, pos, inv_freq, N, nh, D, 1.0f);
}

void cpu_rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope_rotate(dx, pos, inv_freq, N, nh, D, -1.0f);
}
