// The CUDA backend's table (backend.h): device memory in device.cu, the ops in one file
// per concern (gemm, rows, reduce, embedding, matmul, rmsnorm, rope, attention, glu,
// elementwise, xent, adamw). src/ops/dispatch.c calls init before selecting it.
#include "cuda_common.h"

static wmss_backend make_table(void) {
    wmss_backend t = {};
    t.name = "cuda";
    t.host_shared = 0;
    t.init = cuda_init;
    t.describe = cuda_describe;
    t.alloc = cuda_alloc;
    t.free = cuda_free;
    t.zero = cuda_zero;
    t.upload = cuda_upload;
    t.download = cuda_download;
    t.copy = cuda_copy;
    t.sync = cuda_sync;
    t.check = cuda_check;
    t.gemm = cuda_gemm;
    t.gather_rows = cuda_gather_rows;
    t.scatter_rows = cuda_scatter_rows;
    t.scale = cuda_scale;
    t.sum_squares = cuda_sum_squares;
    t.embedding_forward = cuda_embedding_forward;
    t.embedding_backward = cuda_embedding_backward;
    t.embedding_noise = cuda_embedding_noise;
    t.matmul_forward = cuda_matmul_forward;
    t.matmul_backward = cuda_matmul_backward;
    t.rmsnorm_forward = cuda_rmsnorm_forward;
    t.rmsnorm_backward = cuda_rmsnorm_backward;
    t.rope_forward = cuda_rope_forward;
    t.rope_backward = cuda_rope_backward;
    t.attention_forward = cuda_attention_forward;
    t.attention_backward = cuda_attention_backward;
    t.swiglu_forward = cuda_swiglu_forward;
    t.swiglu_backward = cuda_swiglu_backward;
    t.geglu_forward = cuda_geglu_forward;
    t.geglu_backward = cuda_geglu_backward;
    t.residual_forward = cuda_residual_forward;
    t.softcap_forward = cuda_softcap_forward;
    t.softcap_mix = cuda_softcap_mix;
    t.softcap_backward = cuda_softcap_backward;
    t.xent_rows = cuda_xent_rows;
    t.logit_stats_rows = cuda_logit_stats_rows;
    t.adamw_update = cuda_adamw_update;
    return t;
}

extern "C" const wmss_backend *wmss_cuda_backend(void) {
    static const wmss_backend table = make_table();
    return &table;
}
