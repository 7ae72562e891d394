// Data parallelism across processes (DESIGN §3, "backends"): a small context over MPI,
// as llm.c does it. Every rank runs the same program on the same inputs; the trainer
// splits each optimizer step's micro-batches across ranks and sums gradients and loss
// statistics with an all-reduce; scoring shards examples and gathers the results on
// rank 0. Only rank 0 writes files.
//
// The context is passed explicitly; there is no global state here (MPI keeps its own).
// Built with -DHAVE_MPI (make's default) it uses MPI; without, every function is the
// trivial one-process version. A NULL context means one process everywhere.
//
// MPI is initialized only when the process was started by an MPI launcher (mpirun /
// mpiexec / srun: their environment variables say so); a process started on its own is
// one rank without touching MPI, so commands start fast and never depend on it.
// Threads: each rank runs its own OpenMP / OpenBLAS threads; set OMP_NUM_THREADS so that
// ranks x threads <= cores (and give mpirun --bind-to none or --map-by slot:PE=T when
// T > 1, since Open MPI binds each of up to 2 ranks to one core by default).
#ifndef WMSS_DIST_H
#define WMSS_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct {
    int rank, size;
    void *comm;    // the MPI communicator (a private duplicate of MPI_COMM_WORLD); NULL for one process
    int owns_mpi;  // this context initialized MPI and finalizes it
} wmss_dist;

// Joins the processes of this job: initializes MPI when the process was launched by an
// MPI launcher and MPI is not initialized yet (then this context owns it), attaches to
// it when it is; otherwise one rank. Fails in a build without MPI that was started as
// one of several ranks (every rank would train alone and write the same files).
int wmss_dist_init(wmss_dist *d, wmss_error *e);
// Releases the context; finalizes MPI if this context initialized it. abort_status:
// 0 for an end every rank reached together; otherwise (a failure, which may be this
// rank's alone while others wait for it in a collective) and with several ranks,
// MPI_Abort ends the whole job with that status instead, and this call does not return.
void wmss_dist_finalize(wmss_dist *d, int abort_status);
// Ends every rank of the job with the exit status (MPI_Abort); exits this process
// without MPI. Does not return.
void wmss_dist_abort(const wmss_dist *d, int exit_status) __attribute__((noreturn));

static inline int wmss_dist_rank(const wmss_dist *d) { return d ? d->rank : 0; }
static inline int wmss_dist_size(const wmss_dist *d) { return d ? d->size : 1; }
static inline int wmss_dist_is_root(const wmss_dist *d) { return wmss_dist_rank(d) == 0; }

// "Open MPI v4.1.4" (the library this binary runs with) or "none" (built without MPI).
void wmss_dist_describe(char *buf, size_t cap);

// In-place element-wise sums over all ranks (every rank gets the result).
int wmss_dist_allreduce_sum_f32(const wmss_dist *d, float *x, size_t n, wmss_error *e);
int wmss_dist_allreduce_sum_f64(const wmss_dist *d, double *x, size_t n, wmss_error *e);
int wmss_dist_allreduce_sum_i64(const wmss_dist *d, int64_t *x, size_t n, wmss_error *e);
// The same over a device tensor (device.h): gradients.
int wmss_dist_allreduce_sum_f32_dev(const wmss_dist *d, float *x_dev, size_t n, wmss_error *e);
// Copies root's bytes into every rank's buf.
int wmss_dist_bcast(const wmss_dist *d, void *buf, size_t bytes, int root, wmss_error *e);
// Gathers n values from each rank onto root, in rank order: recv (sum of all n, root
// only; NULL elsewhere). n may differ between ranks.
int wmss_dist_gather_f64(const wmss_dist *d, const double *send, int n, double *recv, int root, wmss_error *e);

// Agreement after a step that may fail on some ranks and not others: every rank says
// whether it failed; returns 0 when none did, else -1 on every rank. Then exactly the
// messages worth printing are left in e, the others emptied (e->msg[0] == 0: print
// nothing): when all failing ranks say the same, only the lowest of them keeps it
// (prefixed "rank K of N" unless every rank failed); otherwise each failing rank keeps
// its own, prefixed. Rank 0, when it did not fail, says which rank failed.
int wmss_dist_agree(const wmss_dist *d, int failed, wmss_error *e);

#endif
