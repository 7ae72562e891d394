// Row-major gemm on cuBLAS (column-major): C (M, N) = alpha op(A) op(B) + beta C.
//
// A row-major (r, c) matrix with row stride ld is, read column-major with the same ld,
// its (c, r) transpose. So the row-major product C = op(A) op(B) is the column-major
// product C^T (N, M) = op(B)^T op(A)^T, where B's storage already is op(B)^T
// column-major when !transB (and needs CUBLAS_OP_T when transB), likewise A. Hence
// cublasGemmEx(opB, opA, m = N, n = M, k = K, B, ldb, A, lda, C, ldc) with
// opX = transX ? T : N and the leading dimensions unchanged. cuBLAS does not read C
// when beta == 0.
//
// Storage is float32; the compute mode (WMSS_CUDA_MATH, device.cu) picks bf16 or tf32
// tensor cores with fp32 accumulation, or pedantic fp32.
#include "cuda_common.h"

// C (M, N; stride ldc) *= beta, with beta = 0 writing zeros (K = 0: the product is empty).
static __global__ void scale_matrix_kernel(float *Cm, int M, int N, int ldc, float beta) {
    const size_t n = (size_t)M * N;
    GRID_STRIDE(k, n) {
        float *c = Cm + (k / N) * (size_t)ldc + k % N;
        *c = beta == 0.0f ? 0.0f : beta * *c;
    }
}

void cuda_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
               int ldb, float beta, float *Cm, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (beta != 1.0f) {
            scale_matrix_kernel<<<cuda_grid((size_t)M * N, 256), 256, 0, cuda_stream()>>>(Cm, M, N, ldc, beta);
            CUDA_LAUNCH_CHECK();
        }
        return;
    }
    const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N, opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    CUBLAS_CHECK(cublasGemmEx(cuda_cublas(), opB, opA, N, M, K, &alpha, B, CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta,
                              Cm, CUDA_R_32F, ldc, cuda_compute_type(), CUBLAS_GEMM_DEFAULT));
}
