// The sandbox: see src/sandbox.h.
//
// Process layout of one run:
//   caller --clone(namespaces)--> init (pid 1 in the new PID namespace; setsid)
//                                   --clone--> the program (uid 65534 when the caller is root)
// The children are made with the raw clone system call (fork semantics, no atfork
// handlers: the caller may be multithreaded) and run only system calls until execve:
// everything they need (paths, environment, maps) is prepared before. init sets up the
// mounts, starts the program, reaps every process of the namespace and reports the
// program's wait status on a pipe. The caller kills init (and the process group) on the
// timeout: with a PID namespace that ends every process of the run.
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/mount.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

#define NOBODY 65534

void wmss_sandbox_limits_default(wmss_sandbox_limits *l) {
    *l = (wmss_sandbox_limits){.timeout_s = 10,
                               .mem_bytes = (size_t)4 << 30,
                               .fsize_bytes = (size_t)64 << 20,
                               .nofile = 64,
                               .nproc = 64,
                               .output_cap = (size_t)1 << 20,
                               .result_cap = (size_t)64 << 20};
}

void wmss_sandbox_result_free(wmss_sandbox_result *r) {
    free(r->out);
    free(r->err);
    free(r->res);
    r->out = r->err = r->res = NULL;
}

static pid_t raw_clone(unsigned long flags) { return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0); }

static int set_rdonly_tree(const char *path, int recursive, int rdonly) {
    struct mount_attr a = {0};
    if (rdonly) a.attr_set = MOUNT_ATTR_RDONLY;
    else a.attr_clr = MOUNT_ATTR_RDONLY;
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a, sizeof a);
}

static int write_str(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, s, strlen(s));
    close(fd);
    return n == (ssize_t)strlen(s) ? 0 : -1;
}

// ---- the isolation mode, probed once ----

static unsigned long ns_flags(void) {
    unsigned long f = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
    if (geteuid() != 0) f |= CLONE_NEWUSER;
    return f;
}

typedef struct {
    char uid_map[64], gid_map[64];
} id_maps;

static void make_maps(id_maps *m) {
    snprintf(m->uid_map, sizeof m->uid_map, "0 %u 1\n", (unsigned)geteuid());
    snprintf(m->gid_map, sizeof m->gid_map, "0 %u 1\n", (unsigned)getegid());
}

// In a fresh user namespace (non-root callers): map the caller to root inside.
static int setup_userns(const id_maps *m) {
    if (write_str("/proc/self/setgroups", "deny\n") && errno != ENOENT) return -1;
    if (write_str("/proc/self/uid_map", m->uid_map) || write_str("/proc/self/gid_map", m->gid_map)) return -1;
    return 0;
}

static int g_mode = -1;  // 1 namespaces, 0 rlimits
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void probe(void) {
    const char *env = getenv("WMSS_SANDBOX");
    if (env && !strcmp(env, "rlimits")) {
        g_mode = 0;
        return;
    }
    id_maps m;
    make_maps(&m);
    const int user = geteuid() != 0;
    pid_t p = raw_clone(ns_flags());
    if (p == 0) {
        if (user && setup_userns(&m)) _exit(1);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) _exit(2);
        if (set_rdonly_tree("/", 1, 1)) _exit(3);
        _exit(0);
    }
    int st = 0;
    if (p > 0) {
        while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
    }
    g_mode = p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

const char *wmss_sandbox_isolation(void) {
    pthread_once(&g_once, probe);
    return g_mode ? "namespaces" : "rlimits";
}

int wmss_sandbox_drops_uid(void) { return geteuid() == 0; }

// ---- one run ----

typedef struct {
    char dir[4096];
    const char *python;
    char *argv[64];
    char *envp[16];
    char envbuf[16][4200];
    id_maps maps;
    struct rlimit cpu, as, fsize, nofile, nproc;
    int ns, user, drop;
    int out_w, err_w, res_w, st_w, devnull;
} child_plan;

// Writes "E<step> <errno>\n" to the status pipe (system calls only).
static void report_err(int fd, int step) {
    char buf[32];
    int e = errno, k = 0;
    buf[k++] = 'E';
    buf[k++] = (char)('A' + step);
    buf[k++] = ' ';
    char d[12];
    int nd = 0;
    do d[nd++] = (char)('0' + e % 10), e /= 10; while (e && nd < 11);
    while (nd) buf[k++] = d[--nd];
    buf[k++] = '\n';
    if (write(fd, buf, (size_t)k) < 0) {}
}

static void write_status(int fd, int st) {
    char buf[32];
    int k = 0;
    buf[k++] = 'S';
    unsigned u = (unsigned)st;
    char d[12];
    int nd = 0;
    do d[nd++] = (char)('0' + u % 10), u /= 10; while (u && nd < 11);
    while (nd) buf[k++] = d[--nd];
    buf[k++] = '\n';
    if (write(fd, buf, (size_t)k) < 0) {}
}

static const char *const STEP_NAMES[] = {"user namespace maps", "mount propagation", "bind mount of the folder",
                                         "read-only file tree", "writable folder", "clone of the program",
                                         "file descriptors", "resource limits", "uid drop", "no_new_privs",
                                         "chdir", "execve of the interpreter", "setsid"};

// Closes every descriptor but keep[0..n) (system calls only; the caller may be threaded
// and another run's pipes must not stay open in this process).
static void close_except(int *keep, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned lo = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo) syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0);
        lo = (unsigned)keep[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0U, 0);
}

static void program_child(const child_plan *c) {
    if (dup2(c->devnull, 0) < 0 || dup2(c->out_w, 1) < 0 || dup2(c->err_w, 2) < 0 || dup2(c->res_w, 3) < 0) {
        report_err(c->st_w, 6);
        _exit(127);
    }
    // Everything else closes (the status pipe on execve: it is O_CLOEXEC, and must stay
    // open until then to report a failure).
    int keep[] = {0, 1, 2, 3, c->st_w};
    close_except(keep, 5);
    if (setrlimit(RLIMIT_CPU, &c->cpu) || setrlimit(RLIMIT_AS, &c->as) || setrlimit(RLIMIT_FSIZE, &c->fsize) ||
        setrlimit(RLIMIT_NOFILE, &c->nofile) || setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0})) {
        report_err(c->st_w, 7);
        _exit(127);
    }
    if (c->drop) {
        if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
            report_err(c->st_w, 8);
            _exit(127);
        }
    }
    // After the uid drop (set_user checks RLIMIT_NPROC against the new user's count).
    if (setrlimit(RLIMIT_NPROC, &c->nproc)) {
        report_err(c->st_w, 7);
        _exit(127);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)) {
        report_err(c->st_w, 9);
        _exit(127);
    }
    if (chdir(c->dir)) {
        report_err(c->st_w, 10);
        _exit(127);
    }
    execve(c->python, c->argv, c->envp);
    report_err(c->st_w, 11);
    _exit(127);
}

static void init_child(const child_plan *c) {
    int keep[] = {0, 1, 2, c->out_w, c->err_w, c->res_w, c->st_w, c->devnull};
    close_except(keep, 8);
    if (setsid() < 0) {
        report_err(c->st_w, 12);
        _exit(127);
    }
    if (c->ns) {
        if (c->user && setup_userns(&c->maps)) {
            report_err(c->st_w, 0);
            _exit(127);
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
            report_err(c->st_w, 1);
            _exit(127);
        }
        if (mount(c->dir, c->dir, NULL, MS_BIND | MS_REC, NULL)) {
            report_err(c->st_w, 2);
            _exit(127);
        }
        if (set_rdonly_tree("/", 1, 1)) {
            report_err(c->st_w, 3);
            _exit(127);
        }
        if (set_rdonly_tree(c->dir, 0, 0)) {
            report_err(c->st_w, 4);
            _exit(127);
        }
        // A /proc of this PID namespace (best effort: some containers lock /proc).
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
    pid_t p = raw_clone(0);
    if (p < 0) {
        report_err(c->st_w, 5);
        _exit(127);
    }
    if (p == 0) program_child(c);
    close(c->out_w);
    close(c->err_w);
    close(c->res_w);
    // Reap everything (we are the namespace's init); report the program's status.
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, 0);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) _exit(0);
        if (w == p) {
            write_status(c->st_w, st);
            _exit(0);
        }
    }
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    char *p;
    size_t n, cap, limit;
    int over;
} buf_t;

static int buf_read(buf_t *b, int fd) {  // 1 data, 0 EOF, -1 error
    char tmp[65536];
    ssize_t k = read(fd, tmp, sizeof tmp);
    if (k < 0) return errno == EINTR || errno == EAGAIN ? 1 : -1;
    if (k == 0) return 0;
    size_t take = (size_t)k;
    if (b->n + take > b->limit) {
        b->over = 1;
        take = b->limit > b->n ? b->limit - b->n : 0;
    }
    if (take) {
        if (b->n + take + 1 > b->cap) {
            size_t nc = b->cap ? b->cap : 4096;
            while (nc < b->n + take + 1) nc *= 2;
            char *np = realloc(b->p, nc);
            if (!np) {
                b->over = 1;
                return 1;
            }
            b->p = np;
            b->cap = nc;
        }
        memcpy(b->p + b->n, tmp, take);
        b->n += take;
    }
    return 1;
}

static char *buf_take(buf_t *b, size_t *len) {
    if (!b->p) b->p = calloc(1, 1);
    else b->p[b->n] = '\0';
    *len = b->n;
    char *p = b->p;
    b->p = NULL;
    return p;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D) rmdir(path);
    else unlink(path);
    return 0;
}

static void remove_dir(const char *dir) { nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT); }

static int make_dir(child_plan *c, const wmss_sandbox_job *job, wmss_error *e) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || !wmss_is_dir(tmp)) tmp = "/tmp";
    snprintf(c->dir, sizeof c->dir, "%s/wmss-sandbox-XXXXXX", tmp);
    if (!mkdtemp(c->dir)) return wmss_fail(e, "sandbox: cannot create a folder in %s: %s", tmp, strerror(errno));
    int rc = 0;
    for (int i = 0; i < job->n_files && !rc; i++) {
        const char *nm = job->files[i].name;
        if (!nm || !*nm || strchr(nm, '/') || !strcmp(nm, ".") || !strcmp(nm, "..")) {
            rc = wmss_fail(e, "sandbox: bad file name \"%s\"", nm ? nm : "");
            break;
        }
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", c->dir, nm);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = wmss_fail(e, "sandbox: cannot write %s: %s", path, strerror(errno));
            break;
        }
        size_t off = 0;
        while (off < job->files[i].len) {
            ssize_t k = write(fd, job->files[i].data + off, job->files[i].len - off);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                rc = wmss_fail(e, "sandbox: cannot write %s: %s", path, strerror(errno));
                break;
            }
            off += (size_t)k;
        }
        close(fd);
        if (!rc && c->drop && chown(path, NOBODY, NOBODY)) rc = wmss_fail(e, "sandbox: chown %s: %s", path, strerror(errno));
    }
    if (!rc && c->drop && chown(c->dir, NOBODY, NOBODY)) rc = wmss_fail(e, "sandbox: chown %s: %s", c->dir, strerror(errno));
    if (!rc && chmod(c->dir, 0700)) rc = wmss_fail(e, "sandbox: chmod %s: %s", c->dir, strerror(errno));
    if (rc) remove_dir(c->dir);
    return rc;
}

static struct rlimit rl(unsigned long long v) { return (struct rlimit){(rlim_t)v, (rlim_t)v}; }

static int plan(child_plan *c, const wmss_sandbox_limits *l, const wmss_sandbox_job *job, wmss_error *e) {
    const char *env = getenv("WMSS_SANDBOX");
    c->ns = !strcmp(wmss_sandbox_isolation(), "namespaces");
    if (!c->ns && env && !strcmp(env, "namespaces"))
        return wmss_fail(e, "sandbox: WMSS_SANDBOX=namespaces, but namespaces are not available here");
    c->user = geteuid() != 0;
    c->drop = geteuid() == 0;
    make_maps(&c->maps);
    c->python = l->python ? l->python : getenv("WMSS_PYTHON");
    if (!c->python || !*c->python) c->python = "/usr/bin/python3";
    if (access(c->python, X_OK)) return wmss_fail(e, "sandbox: the interpreter %s is not executable (set WMSS_PYTHON)", c->python);
    int na = 0;
    c->argv[na++] = (char *)"python3";
    for (int i = 0; job->args && job->args[i]; i++) {
        if (na >= 62) return wmss_fail(e, "sandbox: too many arguments");
        c->argv[na++] = (char *)job->args[i];
    }
    c->argv[na] = NULL;
    if (make_dir(c, job, e)) return -1;
    const char *vars[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=%s", "TMPDIR=%s", "LANG=C.UTF-8",
                          "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8",
                          "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1"};
    int nv = (int)(sizeof vars / sizeof vars[0]);
    for (int i = 0; i < nv; i++) {
        snprintf(c->envbuf[i], sizeof c->envbuf[i], vars[i], c->dir);
        c->envp[i] = c->envbuf[i];
    }
    c->envp[nv] = NULL;
    int cpu = l->cpu_s > 0 ? l->cpu_s : (int)l->timeout_s + 2;
    c->cpu = rl((unsigned long long)cpu);
    c->as = rl(l->mem_bytes);
    c->fsize = rl(l->fsize_bytes);
    c->nofile = rl((unsigned long long)(l->nofile > 4 ? l->nofile : 4));
    c->nproc = rl((unsigned long long)(l->nproc > 1 ? l->nproc : 1));
    return 0;
}

static const char *sig_name(int s) {
    switch (s) {
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGBUS: return "SIGBUS";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    }
    return "signal";
}

void wmss_sandbox_describe(const wmss_sandbox_result *r, char *buf, size_t cap) {
    switch (r->status) {
    case WMSS_SB_EXITED: snprintf(buf, cap, "exited %d", r->exit_code); break;
    case WMSS_SB_SIGNALED: snprintf(buf, cap, "signal %s (%d)", sig_name(r->signal), r->signal); break;
    case WMSS_SB_TIMEOUT: snprintf(buf, cap, "timeout"); break;
    case WMSS_SB_OUTPUT_LIMIT: snprintf(buf, cap, "output limit"); break;
    }
}

int wmss_sandbox_run(const wmss_sandbox_limits *lim, const wmss_sandbox_job *job, wmss_sandbox_result *r, wmss_error *e) {
    memset(r, 0, sizeof *r);
    wmss_sandbox_limits l;
    if (lim) l = *lim;
    else wmss_sandbox_limits_default(&l);
    child_plan *c = calloc(1, sizeof *c);
    if (!c) return wmss_fail(e, "out of memory");
    if (plan(c, &l, job, e)) {
        free(c);
        return -1;
    }
    int p_out[2] = {-1, -1}, p_err[2] = {-1, -1}, p_res[2] = {-1, -1}, p_st[2] = {-1, -1};
    int rc = -1;
    pid_t pid = -1;
    buf_t bo = {.limit = l.output_cap}, be = {.limit = l.output_cap}, br = {.limit = l.result_cap}, bs = {.limit = 4096};
    c->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (c->devnull < 0 || pipe2(p_out, O_CLOEXEC) || pipe2(p_err, O_CLOEXEC) || pipe2(p_res, O_CLOEXEC) ||
        pipe2(p_st, O_CLOEXEC)) {
        wmss_fail(e, "sandbox: pipes: %s", strerror(errno));
        goto end;
    }
    c->out_w = p_out[1];
    c->err_w = p_err[1];
    c->res_w = p_res[1];
    c->st_w = p_st[1];
    double t0 = now_s();
    pid = raw_clone(c->ns ? ns_flags() : 0);
    if (pid < 0) {
        wmss_fail(e, "sandbox: clone: %s", strerror(errno));
        goto end;
    }
    if (pid == 0) init_child(c);
    close(p_out[1]);
    close(p_err[1]);
    close(p_res[1]);
    close(p_st[1]);
    p_out[1] = p_err[1] = p_res[1] = p_st[1] = -1;
    int fds[4] = {p_out[0], p_err[0], p_res[0], p_st[0]};
    buf_t *bufs[4] = {&bo, &be, &br, &bs};
    int open_n = 4, killed = 0;
    double deadline = t0 + l.timeout_s, hard = deadline + 5;
    r->status = WMSS_SB_EXITED;
    while (open_n > 0) {
        double t = now_s();
        if (!killed && t >= deadline) {
            kill(pid, SIGKILL);
            kill(-pid, SIGKILL);
            killed = 1;
            r->status = WMSS_SB_TIMEOUT;
        }
        if (t >= hard) break;  // a straggler holds a pipe open (rlimits mode)
        struct pollfd pf[4];
        int map[4], np = 0;
        for (int k = 0; k < 4; k++)
            if (fds[k] >= 0) {
                pf[np] = (struct pollfd){.fd = fds[k], .events = POLLIN};
                map[np++] = k;
            }
        double until = killed ? hard : deadline;
        int ms = (int)((until - t) * 1000) + 1;
        int pr = poll(pf, (nfds_t)np, ms);
        if (pr < 0 && errno != EINTR) break;
        for (int q = 0; q < np && pr > 0; q++) {
            if (!(pf[q].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int k = map[q];
            int got = buf_read(bufs[k], fds[k]);
            if (got <= 0) {
                close(fds[k]);
                fds[k] = -1;
                open_n--;
                if (k == 3 && !killed) kill(-pid, SIGKILL);  // init is done: no stragglers
            }
            if (k < 2 && bufs[k]->over && !killed) {
                kill(pid, SIGKILL);
                kill(-pid, SIGKILL);
                killed = 1;
                r->status = WMSS_SB_OUTPUT_LIMIT;
            }
        }
    }
    for (int k = 0; k < 4; k++)
        if (fds[k] >= 0) close(fds[k]);
    p_out[0] = p_err[0] = p_res[0] = p_st[0] = -1;
    kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    r->wall_s = now_s() - t0;
    size_t slen;
    char *stx = buf_take(&bs, &slen);
    r->out = buf_take(&bo, &r->out_len);
    r->err = buf_take(&be, &r->err_len);
    r->res = buf_take(&br, &r->res_len);
    r->res_truncated = br.over;
    if (stx && stx[0] == 'E') {
        int step = stx[1] - 'A';
        const char *name = step >= 0 && step < (int)(sizeof STEP_NAMES / sizeof *STEP_NAMES) ? STEP_NAMES[step] : "?";
        wmss_fail(e, "sandbox: setup failed at the %s: %s", name, strerror(atoi(stx + 3)));
        free(stx);
        wmss_sandbox_result_free(r);
        goto end;
    }
    if (r->status == WMSS_SB_EXITED) {
        if (stx && stx[0] == 'S') {
            int ws = atoi(stx + 1);
            if (WIFEXITED(ws)) r->exit_code = WEXITSTATUS(ws);
            else if (WIFSIGNALED(ws)) {
                r->status = WMSS_SB_SIGNALED;
                r->signal = WTERMSIG(ws);
            }
        } else {  // init itself died without a report
            r->status = WMSS_SB_SIGNALED;
            r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
        }
    }
    free(stx);
    rc = 0;
end:
    free(bo.p);
    free(be.p);
    free(br.p);
    free(bs.p);
    int all[] = {p_out[0], p_out[1], p_err[0], p_err[1], p_res[0], p_res[1], p_st[0], p_st[1], c->devnull};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        if (all[k] > 0) close(all[k]);
    remove_dir(c->dir);
    free(c);
    return rc;
}

int wmss_sandbox_run_many(const wmss_sandbox_limits *l, const wmss_sandbox_job *jobs, int n, wmss_sandbox_result *rs,
                          wmss_error *e) {
    wmss_sandbox_limits d;
    if (!l) {
        wmss_sandbox_limits_default(&d);
        l = &d;
    }
    int J = l->jobs > 0 ? l->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (J < 1) J = 1;
    if (J > n) J = n > 0 ? n : 1;
    wmss_sandbox_isolation();  // probe once, before the threads
    int failed = 0;
    wmss_error first = {{0}};
    memset(rs, 0, (size_t)n * sizeof *rs);
#pragma omp parallel for schedule(dynamic, 1) num_threads(J)
    for (int i = 0; i < n; i++) {
        int stop;
#pragma omp atomic read
        stop = failed;
        if (stop) continue;
        wmss_error le = {{0}};
        if (wmss_sandbox_run(l, &jobs[i], &rs[i], &le)) {
#pragma omp critical(wmss_sandbox_fail)
            {
                if (!failed) first = le;
                failed = 1;
            }
        }
    }
    if (failed) {
        for (int i = 0; i < n; i++) wmss_sandbox_result_free(&rs[i]);
        if (e) *e = first;
        return -1;
    }
    return 0;
}
