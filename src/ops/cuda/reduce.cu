// Reductions: x *= s (n), the sum of squares of x (n) in double returned to the host,
// and the deterministic column sums dst (C) += sum over rows of f(row, col) that
// matmul's dbias and rmsnorm's dw use.
#include "cuda_common.h"

static __global__ void scale_kernel(float *x, size_t n, float s) {
    GRID_STRIDE(k, n) x[k] *= s;
}

void cuda_scale(float *x, size_t n, float s) {
    if (!n) return;
    scale_kernel<<<cuda_grid(n, 256), 256, 0, cuda_stream()>>>(x, n, s);
    CUDA_LAUNCH_CHECK();
}

// Sum of squares: SS_BLOCKS partial sums in double (fixed grid, so the order of the
// additions, hence the result, does not vary from run to run), then one block adds them.
enum { SS_THREADS = 256, SS_BLOCKS = 1024 };

static __global__ void sum_squares_partial_kernel(double *partial, const float *x, size_t n) {
    __shared__ double sh[WARP];
    double s = 0.0;
    GRID_STRIDE(k, n) s += (double)x[k] * x[k];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

static __global__ void sum_partials_kernel(double *result, const double *partial, int n) {
    __shared__ double sh[WARP];
    double s = 0.0;
    for (int k = threadIdx.x; k < n; k += blockDim.x) s += partial[k];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) *result = s;
}

double cuda_sum_squares(const float *x, size_t n) {
    if (!n) return 0.0;
    double *partial = (double *)cuda_scratch(SCRATCH_REDUCE, (SS_BLOCKS + 1) * sizeof(double));
    unsigned blocks = cuda_grid(n, SS_THREADS);
    if (blocks > SS_BLOCKS) blocks = SS_BLOCKS;
    sum_squares_partial_kernel<<<blocks, SS_THREADS, 0, cuda_stream()>>>(partial, x, n);
    CUDA_LAUNCH_CHECK();
    sum_partials_kernel<<<1, SS_THREADS, 0, cuda_stream()>>>(partial + SS_BLOCKS, partial, (int)blocks);
    CUDA_LAUNCH_CHECK();
    double r = 0.0;
    cuda_download(&r, partial + SS_BLOCKS, sizeof r);
    return r;
}

// Column sums: blocks of (CS_COLS columns x CS_ROWS threads) over chunks of rows; the
// chunk's partial sums (chunks, C) go to scratch, then one thread per column adds the
// chunks in order into dst.
enum { CS_COLS = 32, CS_ROWS = 8, CS_MAX_CHUNKS = 128, CS_MIN_ROWS = 64 };

template <typename F>
static __global__ void colsum_partial_kernel(float *partial, F f, int N, int C, int rows_per_chunk) {
    __shared__ float sh[CS_ROWS][CS_COLS + 1];
    const int c = blockIdx.x * CS_COLS + threadIdx.x, chunk = blockIdx.y;
    const int r0 = chunk * rows_per_chunk, r1 = min(N, r0 + rows_per_chunk);
    float s = 0.0f;
    if (c < C)
        for (int i = r0 + threadIdx.y; i < r1; i += CS_ROWS) s += f(i, c);
    sh[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && c < C) {
        float t = 0.0f;
        for (int y = 0; y < CS_ROWS; y++) t += sh[y][threadIdx.x];
        partial[(size_t)chunk * C + c] = t;
    }
}

static __global__ void colsum_finish_kernel(float *dst, const float *partial, int chunks, int C) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    float s = 0.0f;
    for (int k = 0; k < chunks; k++) s += partial[(size_t)k * C + c];
    dst[c] += s;
}

template <typename F> static void colsum(float *dst, F f, int N, int C) {
    if (N <= 0 || C <= 0) return;
    int chunks = (N + CS_MIN_ROWS - 1) / CS_MIN_ROWS;
    if (chunks > CS_MAX_CHUNKS) chunks = CS_MAX_CHUNKS;
    const int rows_per_chunk = (N + chunks - 1) / chunks;
    chunks = (N + rows_per_chunk - 1) / rows_per_chunk;
    float *partial = (float *)cuda_scratch(SCRATCH_REDUCE, (size_t)chunks * C * sizeof(float));
    dim3 grid((C + CS_COLS - 1) / CS_COLS, chunks), block(CS_COLS, CS_ROWS);
    colsum_partial_kernel<<<grid, block, 0, cuda_stream()>>>(partial, f, N, C, rows_per_chunk);
    CUDA_LAUNCH_CHECK();
    colsum_finish_kernel<<<(C + 255) / 256, 256, 0, cuda_stream()>>>(dst, partial, chunks, C);
    CUDA_LAUNCH_CHECK();
}

void cuda_colsum_plain(float *dst, colsum_plain f, int N, int C) { colsum(dst, f, N, C); }
void cuda_colsum_rmsnorm_dw(float *dst, colsum_rmsnorm_dw f, int N, int C) { colsum(dst, f, N, C); }
