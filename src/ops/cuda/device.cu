// The CUDA backend's device: initialization (GPU, stream, cuBLAS handle, math mode from
// WMSS_CUDA_MATH), describe, GPU memory (cudaMalloc, never managed memory), copies,
// sync, error check, and the backend's grow-only scratch buffers.
//
// The state below is the process-wide device handle (one GPU, one stream per process;
// with Open MPI, local rank r uses GPU r mod count). Every op is issued on the one stream
// in program order; upload/download wait for their copy to finish.
#include <string.h>

#include "cuda_common.h"

static struct {
    int ready;
    int device;
    cudaStream_t stream;
    cublasHandle_t blas;
    cublasComputeType_t compute;
    const char *math;  // "bf16", "tf32", "fp32"
    cudaDeviceProp prop;
    void *scratch[SCRATCH_COUNT];
    size_t scratch_bytes[SCRATCH_COUNT];
} g;

cudaStream_t cuda_stream(void) { return g.stream; }
cublasHandle_t cuda_cublas(void) { return g.blas; }
cublasComputeType_t cuda_compute_type(void) { return g.compute; }

// WMSS_CUDA_MATH: the compute mode of the matrix products (storage is float32 throughout).
static int parse_math(wmss_error *e) {
    const char *m = getenv("WMSS_CUDA_MATH");
    if (!m || !*m || !strcmp(m, "bf16")) {
        g.math = "bf16";  // bf16 tensor cores, fp32 accumulate
        g.compute = CUBLAS_COMPUTE_32F_FAST_16BF;
    } else if (!strcmp(m, "tf32")) {
        g.math = "tf32";
        g.compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    } else if (!strcmp(m, "fp32")) {
        g.math = "fp32";  // full fp32, no reduced-precision shortcuts
        g.compute = CUBLAS_COMPUTE_32F_PEDANTIC;
    } else {
        return wmss_fail(e, "WMSS_CUDA_MATH: unknown mode '%s' (bf16, tf32 or fp32)", m);
    }
    return 0;
}

// With Open MPI, each process of a node takes its own GPU.
static int pick_device(int count) {
    const char *r = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    if (!r) r = getenv("LOCAL_RANK");
    int rank = r ? atoi(r) : 0;
    return rank > 0 ? rank % count : 0;
}

int cuda_init(wmss_error *e) {
    if (g.ready) return 0;
    if (parse_math(e)) return -1;
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) {
        cudaGetLastError();
        return wmss_fail(e, "no CUDA GPU visible (%s)",
                         err != cudaSuccess ? cudaGetErrorString(err) : "cudaGetDeviceCount found none");
    }
    g.device = pick_device(count);
    if ((err = cudaGetDeviceProperties(&g.prop, g.device)) != cudaSuccess)
        return wmss_fail(e, "CUDA GPU %d: %s", g.device, cudaGetErrorString(err));
    if (g.prop.major != 9)
        return wmss_fail(e, "CUDA GPU %d (%s) is sm_%d%d; this wmss is built for sm_90 (Hopper)", g.device,
                         g.prop.name, g.prop.major, g.prop.minor);
    if ((err = cudaSetDevice(g.device)) != cudaSuccess ||
        (err = cudaStreamCreateWithFlags(&g.stream, cudaStreamNonBlocking)) != cudaSuccess)
        return wmss_fail(e, "CUDA GPU %d: %s", g.device, cudaGetErrorString(err));
    cublasStatus_t st = cublasCreate(&g.blas);
    if (st == CUBLAS_STATUS_SUCCESS) st = cublasSetStream(g.blas, g.stream);
    if (st != CUBLAS_STATUS_SUCCESS) return wmss_fail(e, "cuBLAS: %s", cublasGetStatusString(st));
    g.ready = 1;
    return 0;
}

void cuda_describe(char *buf, size_t cap) {
    if (!g.ready) {
        snprintf(buf, cap, "cuda (not initialized)");
        return;
    }
    snprintf(buf, cap, "cuda (%s, %zu GiB, sm_%d%d, math %s)", g.prop.name, (size_t)(g.prop.totalGlobalMem >> 30),
             g.prop.major, g.prop.minor, g.math);
}

void *cuda_alloc(size_t bytes, const char *what, wmss_error *e) {
    void *p = NULL;
    cudaError_t err = cudaMalloc(&p, bytes ? bytes : 1);
    if (err != cudaSuccess) {
        cudaGetLastError();  // an allocation failure is not sticky: clear it
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        wmss_fail(e, "out of GPU memory: %s needs %zu MiB (%zu MiB free of %zu MiB): %s", what ? what : "a buffer",
                  bytes >> 20, free_b >> 20, total_b >> 20, cudaGetErrorString(err));
        return NULL;
    }
    return p;
}

// Ops issued earlier may still use p: wait for them first.
void cuda_free(void *p) {
    if (!p) return;
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
    CUDA_CHECK(cudaFree(p));
}

void cuda_zero(void *p, size_t bytes) {
    if (bytes) CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, g.stream));
}

void cuda_upload(void *dst_dev, const void *src_host, size_t bytes) {
    if (!bytes) return;
    CUDA_CHECK(cudaMemcpyAsync(dst_dev, src_host, bytes, cudaMemcpyHostToDevice, g.stream));
    CUDA_CHECK(cudaStreamSynchronize(g.stream));  // the host buffer may be reused at once
}

void cuda_download(void *dst_host, const void *src_dev, size_t bytes) {
    if (!bytes) return;
    CUDA_CHECK(cudaMemcpyAsync(dst_host, src_dev, bytes, cudaMemcpyDeviceToHost, g.stream));
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
}

// In stream order: later ops see the copy; the host never reads device memory directly.
void cuda_copy(void *dst_dev, const void *src_dev, size_t bytes) {
    if (!bytes || dst_dev == src_dev) return;
    CUDA_CHECK(cudaMemcpyAsync(dst_dev, src_dev, bytes, cudaMemcpyDeviceToDevice, g.stream));
}

void cuda_sync(void) { CUDA_CHECK(cudaStreamSynchronize(g.stream)); }

// Reports (and clears, where CUDA can) an earlier asynchronous failure without waiting
// for the stream. A kernel fault is sticky: later calls keep failing after it.
int cuda_check(wmss_error *e) {
    cudaError_t err = cudaGetLastError();
    if (err == cudaSuccess) {
        err = cudaStreamQuery(g.stream);
        if (err == cudaErrorNotReady) err = cudaSuccess;
    }
    if (err != cudaSuccess) return wmss_fail(e, "CUDA: %s (%s)", cudaGetErrorString(err), cudaGetErrorName(err));
    return 0;
}

void *cuda_scratch(int slot, size_t bytes) {
    if (bytes <= g.scratch_bytes[slot]) return g.scratch[slot];
    if (g.scratch[slot]) {
        CUDA_CHECK(cudaStreamSynchronize(g.stream));  // earlier ops may still read it
        CUDA_CHECK(cudaFree(g.scratch[slot]));
    }
    size_t want = bytes < ((size_t)1 << 20) ? ((size_t)1 << 20) : bytes + bytes / 4;
    void *p = NULL;
    cudaError_t err = cudaMalloc(&p, want);
    CUDA_REQUIRE(err == cudaSuccess, "out of GPU memory: backend scratch needs %zu MiB: %s", want >> 20,
                 cudaGetErrorString(err));
    g.scratch[slot] = p;
    g.scratch_bytes[slot] = want;
    return p;
}
