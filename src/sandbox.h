// A sandbox for untrusted programs (the code benchmarks run model-written Python in it).
//
// Each run gets its own process, a fresh temporary folder (its working directory, removed
// afterwards) holding the job's files, a scrubbed environment (PATH, HOME=TMPDIR=the
// folder, LANG=C.UTF-8, PYTHONHASHSEED=0, PYTHONDONTWRITEBYTECODE=1), stdin /dev/null,
// stdout and stderr captured up to a cap (the program is killed when it writes more),
// a third pipe on fd 3 for results, and resource limits: RLIMIT_CPU, RLIMIT_AS,
// RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_CORE 0. A wall-clock timeout kills
// the whole process tree.
//
// Isolation, chosen at run time (wmss_sandbox_isolation() says which one is in use):
//   "namespaces"  new PID, network, mount, IPC and UTS namespaces (root: directly;
//                 other users: inside a new user namespace). The program sees only
//                 loopback, down (no network at all); the whole file tree is read-only
//                 (mount_setattr AT_RECURSIVE) except its folder; a fresh /proc shows
//                 only its own processes; killing the namespace's init kills every
//                 process the program made, however it detached. As root the program
//                 also runs as uid/gid 65534 (nobody) with no supplementary groups, so
//                 RLIMIT_NPROC binds and no caller file is writable; no_new_privs is set.
//   "rlimits"     namespaces unavailable (a container without CAP_SYS_ADMIN and with
//                 user namespaces disabled): resource limits, its own session / process
//                 group (killed as a group), and, as root, the uid drop to 65534. There is
//                 then NO network isolation and files writable by that user (or by
//                 everyone, e.g. /tmp) stay writable; a program that calls setsid() can
//                 escape the group kill. Run untrusted code only where namespaces work.
//   WMSS_SANDBOX=rlimits forces the second mode; WMSS_SANDBOX=namespaces makes a run
//   fail rather than fall back.
#ifndef WMSS_SANDBOX_H
#define WMSS_SANDBOX_H

#include <stddef.h>

#include "error.h"

typedef struct {
    const char *python;   // the interpreter: NULL -> $WMSS_PYTHON, else /usr/bin/python3
    double timeout_s;     // wall clock per run (10)
    int cpu_s;            // RLIMIT_CPU seconds per process (0: ceil(timeout_s) + 1)
    size_t mem_bytes;     // RLIMIT_AS (4 GiB)
    size_t fsize_bytes;   // RLIMIT_FSIZE, the largest file it may write (64 MiB)
    int nofile;           // RLIMIT_NOFILE (64)
    int nproc;            // RLIMIT_NPROC (64; counts processes and threads of uid 65534)
    size_t output_cap;    // bytes of stdout and of stderr kept; more kills the program (1 MiB)
    size_t result_cap;    // bytes of the fd-3 result channel kept (64 MiB)
    int jobs;             // runs in parallel in wmss_sandbox_run_many (0: the core count)
} wmss_sandbox_limits;

void wmss_sandbox_limits_default(wmss_sandbox_limits *l);

typedef struct {
    const char *name;     // a plain file name (no '/'), written into the run's folder
    const char *data;
    size_t len;
} wmss_sandbox_file;

typedef struct {
    const char *const *args;   // arguments after the interpreter (NULL-terminated), e.g. {"main.py", NULL}
    const wmss_sandbox_file *files;
    int n_files;
} wmss_sandbox_job;

typedef enum {
    WMSS_SB_EXITED = 0,    // exited by itself: exit_code
    WMSS_SB_SIGNALED,      // killed by a signal it got (SIGXCPU: the CPU limit; SIGKILL, SIGSEGV, ...)
    WMSS_SB_TIMEOUT,       // the wall-clock timeout: killed
    WMSS_SB_OUTPUT_LIMIT,  // wrote more than output_cap to stdout or stderr: killed
} wmss_sandbox_status;

typedef struct {
    wmss_sandbox_status status;
    int exit_code;        // WMSS_SB_EXITED
    int signal;           // WMSS_SB_SIGNALED
    double wall_s;
    char *out, *err, *res;           // captured stdout, stderr, fd 3 (NUL-terminated, malloc'd)
    size_t out_len, err_len, res_len;
    int res_truncated;    // the result channel exceeded result_cap
} wmss_sandbox_result;

// Runs `python args...` on one job. Fails (-1) only when the sandbox itself cannot be set up
// (no interpreter, no temporary folder, fork failed, required isolation unavailable); what
// the program does is in r.
int wmss_sandbox_run(const wmss_sandbox_limits *l, const wmss_sandbox_job *job, wmss_sandbox_result *r, wmss_error *e);
// n jobs, l->jobs at a time; rs[i] for jobs[i]. Fails on the first setup failure.
int wmss_sandbox_run_many(const wmss_sandbox_limits *l, const wmss_sandbox_job *jobs, int n, wmss_sandbox_result *rs,
                          wmss_error *e);
void wmss_sandbox_result_free(wmss_sandbox_result *r);

// "namespaces" or "rlimits" (probes once, then cached), and whether the uid drop applies.
const char *wmss_sandbox_isolation(void);
int wmss_sandbox_drops_uid(void);
// "exited 1", "signal SIGKILL", "timeout", "output limit"
void wmss_sandbox_describe(const wmss_sandbox_result *r, char *buf, size_t cap);

#endif
