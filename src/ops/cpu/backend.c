// The CPU backend's device: host memory. Allocations are 64-byte aligned (cache lines,
// AVX-512 rows); copies are memcpy, and nothing where source and destination coincide.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/backend.h"

static int cpu_init(wmss_error *e) {
    (void)e;
    return 0;
}

static void cpu_describe(char *buf, size_t cap) {
    snprintf(buf, cap, "cpu (%d threads)", omp_get_max_threads());
}

static void *cpu_alloc(size_t bytes, const char *what, wmss_error *e) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64 * (bytes == 0));
    if (!p) wmss_fail(e, "out of memory: %s need %zu MB", what, bytes >> 20);
    return p;
}

static void cpu_free(void *p) { free(p); }
static void cpu_zero(void *p, size_t bytes) { memset(p, 0, bytes); }

static void cpu_copy(void *dst, const void *src, size_t bytes) {
    if (dst != src && bytes) memcpy(dst, src, bytes);
}

static void cpu_sync(void) {}

static int cpu_check(wmss_error *e) {
    (void)e;
    return 0;
}

#include "cpu.h"

const wmss_backend wmss_backend_cpu = {
    .name = "cpu",
    .host_shared = 1,
    .init = cpu_init,
    .describe = cpu_describe,
    .alloc = cpu_alloc,
    .free = cpu_free,
    .zero = cpu_zero,
    .upload = cpu_copy,
    .download = cpu_copy,
    .copy = cpu_copy,
    .sync = cpu_sync,
    .check = cpu_check,
    .gemm = cpu_gemm,
    .gather_rows = cpu_gather_rows,
    .scatter_rows = cpu_scatter_rows,
    .scale = cpu_scale,
    .sum_squares = cpu_sum_squares,
    .embedding_forward = cpu_embedding_forward,
    .embedding_backward = cpu_embedding_backward,
    .embedding_noise = cpu_embedding_noise,
    .matmul_forward = cpu_matmul_forward,
    .matmul_backward = cpu_matmul_backward,
    .rmsnorm_forward = cpu_rmsnorm_forward,
    .rmsnorm_backward = cpu_rmsnorm_backward,
    .rope_forward = cpu_rope_forward,
    .rope_backward = cpu_rope_backward,
    .attention_forward = cpu_attention_forward,
    .attention_backward = cpu_attention_backward,
    .swiglu_forward = cpu_swiglu_forward,
    .swiglu_backward = cpu_swiglu_backward,
    .geglu_forward = cpu_geglu_forward,
    .geglu_backward = cpu_geglu_backward,
    .residual_forward = cpu_residual_forward,
    .softcap_forward = cpu_softcap_forward,
    .softcap_mix = cpu_softcap_mix,
    .softcap_backward = cpu_softcap_backward,
    .xent_rows = cpu_xent_rows,
    .logit_stats_rows = cpu_logit_stats_rows,
    .adamw_update = cpu_adamw_update,
};
