// Data parallelism across processes: see dist.h.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "dist.h"

#ifdef HAVE_MPI
#include <mpi.h>
#endif

// Set by the launchers that start MPI jobs: Open MPI's mpirun, PMIx (Open MPI 5, Slurm),
// MPICH's hydra and Slurm's PMI-1/2.
static const char *const LAUNCHER_ENV[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};

static int launched_by_mpi(void) {
    for (size_t i = 0; i < sizeof LAUNCHER_ENV / sizeof LAUNCHER_ENV[0]; i++)
        if (getenv(LAUNCHER_ENV[i])) return 1;
    return 0;
}

static void one_process(wmss_dist *d) {
    memset(d, 0, sizeof *d);
    d->size = 1;
}

#ifdef HAVE_MPI

static MPI_Comm comm_of(const wmss_dist *d) { return *(MPI_Comm *)d->comm; }

static int mpi_fail(int code, const char *what, wmss_error *e) {
    char msg[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(code, msg, &len);
    return wmss_fail(e, "%s: %s", what, msg);
}

int wmss_dist_init(wmss_dist *d, wmss_error *e) {
    one_process(d);
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (finalized) return 0;  // after the job's MPI ended: this process alone
    if (!initialized) {
        if (!launched_by_mpi()) return 0;
        int provided, rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Init_thread", e);
        d->owns_mpi = 1;
    }
    MPI_Comm *c = malloc(sizeof *c);
    if (!c) {
        wmss_dist_finalize(d, 0);
        return wmss_fail(e, "out of memory");
    }
    int rc = MPI_Comm_dup(MPI_COMM_WORLD, c);
    if (rc != MPI_SUCCESS) {
        free(c);
        wmss_dist_finalize(d, 0);
        return mpi_fail(rc, "MPI_Comm_dup", e);
    }
    d->comm = c;
    MPI_Comm_rank(*c, &d->rank);
    MPI_Comm_size(*c, &d->size);
    return 0;
}

void wmss_dist_finalize(wmss_dist *d, int abort_status) {
    if (!d) return;
    if (abort_status != 0 && d->size > 1) {
        // Usually every rank stops together (wmss_dist_agree): then rank 0 alone ends the
        // job, and the others, killed by it meanwhile, do not abort on top of it (Open
        // MPI garbles its report when several ranks abort at once). A rank that stopped
        // alone ends the job a second later.
        if (d->rank != 0) sleep(1);
        wmss_dist_abort(d, abort_status);
    }
    if (d->comm) {
        MPI_Comm_free((MPI_Comm *)d->comm);
        free(d->comm);
    }
    if (d->owns_mpi) MPI_Finalize();
    one_process(d);
}

void wmss_dist_abort(const wmss_dist *d, int exit_status) {
    fflush(stdout);
    fflush(stderr);
    if (d && d->comm) MPI_Abort(MPI_COMM_WORLD, exit_status);
    exit(exit_status);
}

void wmss_dist_describe(char *buf, size_t cap) {
    char v[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0;
    MPI_Get_library_version(v, &len);
    v[strcspn(v, ",\n")] = 0;  // "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4"
    snprintf(buf, cap, "%s", v);
}

// MPI counts are ints: large buffers go in pieces.
#define MPI_PIECE ((size_t)1 << 28)

static int allreduce(const wmss_dist *d, void *x, size_t n, size_t elem, MPI_Datatype t, wmss_error *e) {
    if (!d || d->size == 1) return 0;
    for (size_t off = 0; off < n; off += MPI_PIECE) {
        size_t k = n - off < MPI_PIECE ? n - off : MPI_PIECE;
        int rc = MPI_Allreduce(MPI_IN_PLACE, (char *)x + off * elem, (int)k, t, MPI_SUM, comm_of(d));
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Allreduce", e);
    }
    return 0;
}

int wmss_dist_allreduce_sum_f32(const wmss_dist *d, float *x, size_t n, wmss_error *e) {
    return allreduce(d, x, n, sizeof *x, MPI_FLOAT, e);
}
int wmss_dist_allreduce_sum_f64(const wmss_dist *d, double *x, size_t n, wmss_error *e) {
    return allreduce(d, x, n, sizeof *x, MPI_DOUBLE, e);
}
int wmss_dist_allreduce_sum_i64(const wmss_dist *d, int64_t *x, size_t n, wmss_error *e) {
    return allreduce(d, x, n, sizeof *x, MPI_INT64_T, e);
}

int wmss_dist_bcast(const wmss_dist *d, void *buf, size_t bytes, int root, wmss_error *e) {
    if (!d || d->size == 1) return 0;
    for (size_t off = 0; off < bytes; off += MPI_PIECE) {
        size_t k = bytes - off < MPI_PIECE ? bytes - off : MPI_PIECE;
        int rc = MPI_Bcast((char *)buf + off, (int)k, MPI_BYTE, root, comm_of(d));
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Bcast", e);
    }
    return 0;
}

int wmss_dist_gather_f64(const wmss_dist *d, const double *send, int n, double *recv, int root, wmss_error *e) {
    if (!d || d->size == 1) {
        if (n > 0) memmove(recv, send, (size_t)n * sizeof *send);
        return 0;
    }
    int *counts = NULL, *displs = NULL;
    if (d->rank == root) {
        counts = malloc((size_t)d->size * sizeof *counts);
        displs = malloc((size_t)d->size * sizeof *displs);
        if (!counts || !displs) {
            free(counts);
            free(displs);
            return wmss_fail(e, "out of memory");  // (the others then wait: callers abort)
        }
    }
    int rc = MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, root, comm_of(d));
    if (rc == MPI_SUCCESS && d->rank == root)
        for (int r = 0, off = 0; r < d->size; r++) {
            displs[r] = off;
            off += counts[r];
        }
    if (rc == MPI_SUCCESS)
        rc = MPI_Gatherv(send, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, root, comm_of(d));
    free(counts);
    free(displs);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(rc, "MPI_Gatherv", e);
}

// A 63-bit hash of a message: do the failing ranks say the same thing?
static int64_t msg_hash(const wmss_error *e) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *s = e ? e->msg : ""; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (int64_t)(h >> 1);
}

int wmss_dist_agree(const wmss_dist *d, int failed, wmss_error *e) {
    if (!d || d->size == 1) return failed ? -1 : 0;
    // Minima over ranks: the lowest failing rank (size: none), the lowest and (negated)
    // highest hash of the failing ranks' messages, and whether every rank failed.
    const int64_t h = msg_hash(e);
    int64_t v[4] = {failed ? d->rank : d->size, failed ? h : INT64_MAX, failed ? -h : INT64_MAX, failed != 0};
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_INT64_T, MPI_MIN, comm_of(d));
    if (rc != MPI_SUCCESS) return mpi_fail(rc, "MPI_Allreduce", e);
    const int first = (int)v[0], same = v[1] == -v[2], all = v[3] == 1;
    if (first == d->size) return 0;
    if (failed) {
        if (same && d->rank != first) {  // the first failing rank says it for all
            if (e) e->msg[0] = 0;
            return -1;
        }
        return all && same ? -1 : wmss_error_prefix(e, "rank %d of %d", d->rank, d->size);
    }
    if (d->rank == 0) return wmss_fail(e, "stopped because rank %d of %d failed (its message says why)", first, d->size);
    if (e) e->msg[0] = 0;
    return -1;
}

#else  // one process

// The job size the launcher announces, or 0 when it does not say.
static int launcher_size(void) {
    const char *s = getenv("OMPI_COMM_WORLD_SIZE");
    if (!s) s = getenv("PMI_SIZE");
    return s ? atoi(s) : 0;
}

int wmss_dist_init(wmss_dist *d, wmss_error *e) {
    one_process(d);
    if (launched_by_mpi() && launcher_size() > 1)
        return wmss_fail(e, "started as one of %d MPI ranks, but this wmss was built without MPI (rebuild with make, "
                            "not make MPI=0); every rank would train alone and write the same files",
                         launcher_size());
    return 0;
}

void wmss_dist_finalize(wmss_dist *d, int abort_status) {
    if (d) one_process(d);
}

void wmss_dist_abort(const wmss_dist *d, int exit_status) {
    fflush(stdout);
    fflush(stderr);
    exit(exit_status);
}

void wmss_dist_describe(char *buf, size_t cap) { snprintf(buf, cap, "none"); }

int wmss_dist_allreduce_sum_f32(const wmss_dist *d, float *x, size_t n, wmss_error *e) { return 0; }
int wmss_dist_allreduce_sum_f64(const wmss_dist *d, double *x, size_t n, wmss_error *e) { return 0; }
int wmss_dist_allreduce_sum_i64(const wmss_dist *d, int64_t *x, size_t n, wmss_error *e) { return 0; }
int wmss_dist_bcast(const wmss_dist *d, void *buf, size_t bytes, int root, wmss_error *e) { return 0; }

int wmss_dist_gather_f64(const wmss_dist *d, const double *send, int n, double *recv, int root, wmss_error *e) {
    if (n > 0) memmove(recv, send, (size_t)n * sizeof *send);
    return 0;
}

int wmss_dist_agree(const wmss_dist *d, int failed, wmss_error *e) { return failed ? -1 : 0; }

#endif

// Device tensors: summed in place where device memory is host memory; otherwise
// through a host copy (one download, the all-reduce, one upload).
int wmss_dist_allreduce_sum_f32_dev(const wmss_dist *d, float *x_dev, size_t n, wmss_error *e) {
    if (!d || d->size == 1) return 0;
    if (wmss_dev_host_shared()) return wmss_dist_allreduce_sum_f32(d, x_dev, n, e);
    float *h = wmss_malloc(n * sizeof *h, e);
    if (!h) return -1;
    wmss_dev_download(h, x_dev, n * sizeof *h);
    int rc = wmss_dist_allreduce_sum_f32(d, h, n, e);
    if (!rc) wmss_dev_upload(x_dev, h, n * sizeof *h);
    free(h);
    return rc;
}
