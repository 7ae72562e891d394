// The compute device: where tensors live and ops run. Half of the backend seam (the
// other half is ops.h). Every tensor of the model, its gradients, the optimizer state,
// the activations, the loss workspace and the KV cache is allocated, zeroed and copied
// through these calls; only the backend (src/ops/cpu/, src/ops/cuda/) touches the memory
// itself.
//
// The backend is picked once per process, before the first allocation: wmss_dev_select()
// with "cpu", "cuda" or NULL (automatic: cuda when the build has it and a GPU is
// visible, else cpu). Without a call the CPU backend is used. The CPU backend's "device"
// is host memory (wmss_dev_host_shared() is 1, copies are memcpy); the CUDA backend's is
// GPU memory (the CPU may not dereference it).
//
// Index arrays that ops read (token ids, positions, key rows, target rows) are device
// memory too: the caller fills a host array and uploads it.
#ifndef WMSS_DEVICE_H
#define WMSS_DEVICE_H

#include <stddef.h>

#include "error.h"

typedef enum { WMSS_DEV_CPU = 0, WMSS_DEV_CUDA = 1 } wmss_dev_kind;

// want: "cpu", "cuda" or NULL/"auto". Fails (naming the reason) when cuda is asked for and
// the build has no CUDA backend or no GPU is visible. Calling it again with the same
// choice is a no-op; changing the backend after the first allocation is an error.
int wmss_dev_select(const char *want, wmss_error *e);
wmss_dev_kind wmss_dev_kind_now(void);
// "cpu (2 threads, OpenBLAS ...)" or "cuda (NVIDIA H200, 139 GiB, sm_90)".
void wmss_dev_describe(char *buf, size_t cap);
// 1 when device memory is host memory (the CPU backend): host code may read it.
int wmss_dev_host_shared(void);
// Is a CUDA backend compiled into this build?
int wmss_dev_cuda_built(void);

// Allocations are 64-byte aligned (256 on the GPU) and NOT zeroed. what names the
// buffer in the out-of-memory message. Free NULL is a no-op.
void *wmss_dev_alloc(size_t bytes, const char *what, wmss_error *e);
void wmss_dev_free(void *p);
void wmss_dev_zero(void *p, size_t bytes);
// Copies are synchronous with respect to the host: the data is there when they return.
// Where dst == src (host-shared device) they do nothing.
void wmss_dev_upload(void *dst_dev, const void *src_host, size_t bytes);
void wmss_dev_download(void *dst_host, const void *src_dev, size_t bytes);
void wmss_dev_copy(void *dst_dev, const void *src_dev, size_t bytes);
// Waits until every op issued so far has finished (for timing).
void wmss_dev_sync(void);
// Reports (and clears) an asynchronous failure of an earlier op, e.g. a CUDA kernel
// fault: 0 when none. Called at the end of each step.
int wmss_dev_check(wmss_error *e);

#endif
