#include <math.h>

#include "ops.h"

void rope_inv_freq(float *inv_freq, int D, float theta) {
    // transformers: 1 / theta ** (arange(0, D, 2).float() / D), in float32.
    for (int i = 0; i < D / 2; i++) inv_freq[i] = 1.0f / powf(theta, (float)(2 * i) / (float)D);
}

// Rotates each (x_j, x_{j+D/2}) pair by sign * pos * inv_freq[j].
static void rope_rotate(float *x, const int *pos, const float *inv_freq, int N, int nh, int D, float sign) {
    const int half = D / 2;
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < half; j++) {
            float angle = (float)pos[i] * inv_freq[j];
            float c = cosf(angle), s = sign * sinf(angle);
            for (int h = 0; h < nh; h++) {
                float *v = x + ((size_t)i * nh + h) * D;
                float x1 = v[j], x2 = v[j + half];
                v[j] = x1 * c - x2 * s;
                v[j + half] = x2 * c + x1 * s;
            }
        }
    }
}

void rope_forward(float *x, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope_rotate(x, pos, inv_freq, N, nh, D, 1.0f);
}

void rope_backward(float *dx, const int *pos, const float *inv_freq, int N, int nh, int D) {
    rope_rotate(dx, pos, inv_freq, N, nh, D, -1.0f);
}
