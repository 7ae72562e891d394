#include "fsutil.h"
#include "jsonl.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int wmss_read_file(const char *path, char **data, size_t *len, wmss_error *e) {
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return wmss_fail(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return wmss_fail(e, "%s: not a regular file", path);
    }
    size_t n = (size_t)st.st_size;
    char *buf = wmss_malloc(n + 1, e);
    if (!buf) { fclose(f); return -1; }
    if (n && fread(buf, 1, n, f) != n) {
        free(buf);
        fclose(f);
        return wmss_fail(e, "%s: short read", path);
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int wmss_path_join(char *out, size_t cap, const char *dir, const char *name, wmss_error *e) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) return wmss_fail(e, "path too long: %s/%s", dir, name);
    return 0;
}

static int fsync_dir_of(const char *path) {
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int wmss_atomic_open(wmss_atomic_file *af, const char *path, wmss_error *e) {
    memset(af, 0, sizeof *af);
    if (strlen(path) >= sizeof af->path) return wmss_fail(e, "path too long: %s", path);
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(af->tmp);
    if (fd < 0) return wmss_fail(e, "%s: cannot create temporary file: %s", path, strerror(errno));
    fchmod(fd, 0644);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        close(fd);
        unlink(af->tmp);
        return wmss_fail(e, "%s: cannot open temporary file: %s", path, strerror(errno));
    }
    return 0;
}

int wmss_atomic_write(wmss_atomic_file *af, const void *data, size_t len, wmss_error *e) {
    if (len && fwrite(data, 1, len, af->f) != len)
        return wmss_fail(e, "%s: write failed: %s", af->path, strerror(errno));
    return 0;
}

int wmss_atomic_commit(wmss_atomic_file *af, wmss_error *e) {
    int bad = fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int err = errno;
    if (fclose(af->f) != 0) bad = 1;
    af->f = NULL;
    if (bad) {
        unlink(af->tmp);
        return wmss_fail(e, "%s: write failed: %s", af->path, strerror(err));
    }
    if (rename(af->tmp, af->path) != 0) {
        err = errno;
        unlink(af->tmp);
        return wmss_fail(e, "%s: cannot rename temporary file into place: %s", af->path, strerror(err));
    }
    fsync_dir_of(af->path);
    return 0;
}

void wmss_atomic_abort(wmss_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
}

int wmss_write_file_atomic(const char *path, const void *data, size_t len, wmss_error *e) {
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    if (wmss_atomic_write(&af, data, len, e)) { wmss_atomic_abort(&af); return -1; }
    return wmss_atomic_commit(&af, e);
}

int wmss_copy_file(const char *src, const char *dst, wmss_error *e) {
    char *buf;
    size_t len;
    if (wmss_read_file(src, &buf, &len, e)) return -1;
    int rc = wmss_write_file_atomic(dst, buf, len, e);
    free(buf);
    return rc;
}

int wmss_mkdir_p(const char *path, wmss_error *e) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return wmss_fail(e, "path too long: %s", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return wmss_fail(e, "%s: cannot create directory: %s", buf, strerror(errno));
            *p = c;
            if (c == '\0') break;
        }
    }
    if (!wmss_is_dir(path)) return wmss_fail(e, "%s: exists and is not a directory", path);
    return 0;
}

int wmss_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int wmss_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

int wmss_remove_tree(const char *path, wmss_error *e) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return wmss_fail(e, "%s: cannot remove: %s", path, strerror(errno));
    return 0;
}

int wmss_clear_dir(const char *dir, const char *keep, wmss_error *e) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int rc = 0;
    char path[4400];
    for (struct dirent *ent; !rc && (ent = readdir(d));) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..") || (keep && !strcmp(ent->d_name, keep))) continue;
        rc = wmss_path_join(path, sizeof path, dir, ent->d_name, e) || wmss_remove_tree(path, e) ? -1 : 0;
    }
    closedir(d);
    return rc;
}

int wmss_rename_dir(const char *from, const char *to, wmss_error *e) {
    if (rename(from, to) != 0) return wmss_fail(e, "cannot rename %s to %s: %s", from, to, strerror(errno));
    fsync_dir_of(to);
    return 0;
}

int wmss_lines_read(const char *path, wmss_lines *L, wmss_error *e) {
    memset(L, 0, sizeof *L);
    size_t size;
    if (wmss_read_file(path, &L->text, &size, e)) return -1;
    int cap = 1024, no = 0;
    L->line = malloc(cap * sizeof *L->line);
    L->len = malloc(cap * sizeof *L->len);
    L->no = malloc(cap * sizeof *L->no);
    if (!L->line || !L->len || !L->no) {
        wmss_lines_free(L);
        return wmss_fail(e, "%s: out of memory", path);
    }
    for (char *p = L->text; p < L->text + size;) {
        char *nl = memchr(p, '\n', L->text + size - p), *end = nl ? nl : L->text + size;
        size_t len = (size_t)(end - p);
        no++;
        if (len > WMSS_JSONL_MAX_LINE) {
            wmss_lines_free(L);
            return wmss_fail(e, "%s:%d: the line is longer than %u MiB, the limit of a JSON line", path, no,
                             WMSS_JSONL_MAX_LINE >> 20);
        }
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t')) len--;
        size_t k = 0;
        while (k < len && (p[k] == ' ' || p[k] == '\t')) k++;
        if (k < len) {
            if (L->n == cap) {
                cap *= 2;
                char **nl2 = realloc(L->line, cap * sizeof *nl2);
                size_t *ln2 = realloc(L->len, cap * sizeof *ln2);
                int *no2 = realloc(L->no, cap * sizeof *no2);
                if (nl2) L->line = nl2;
                if (ln2) L->len = ln2;
                if (no2) L->no = no2;
                if (!nl2 || !ln2 || !no2) {  // an error, never a silent end of the file
                    wmss_lines_free(L);
                    return wmss_fail(e, "%s: out of memory after %d lines", path, no);
                }
            }
            L->line[L->n] = p;
            L->len[L->n] = len;
            L->no[L->n++] = no;
        }
        p = nl ? nl + 1 : L->text + size;
    }
    return 0;
}

void wmss_lines_free(wmss_lines *L) {
    free(L->text);
    free(L->line);
    free(L->len);
    free(L->no);
    memset(L, 0, sizeof *L);
}

static int lock_busy(const char *dir, int fd, wmss_error *e) {
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
    if (pid > 0)
        return wmss_fail(e, "%s is in use by another wmss run (pid %ld holds %s/%s); wait for it to finish or "
                            "stop it, or choose another output directory", dir, pid, dir, WMSS_LOCK_FILE);
    return wmss_fail(e, "%s is in use by another wmss run (it holds %s/%s); wait for it to finish or choose another "
                        "output directory", dir, dir, WMSS_LOCK_FILE);
}

int wmss_dir_lock(const char *dir, wmss_error *e) {
    char path[4200];
    if (wmss_mkdir_p(dir, e) || wmss_path_join(path, sizeof path, dir, WMSS_LOCK_FILE, e)) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return wmss_fail(e, "%s: cannot open the lock file: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) lock_busy(dir, fd, e);
        else wmss_fail(e, "%s: cannot lock: %s", path, strerror(err));
        close(fd);
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        int err = errno;
        close(fd);
        return wmss_fail(e, "%s: cannot write the lock file: %s", path, strerror(err));
    }
    return fd;
}

void wmss_dir_unlock(int fd) {
    if (fd >= 0) close(fd);  // closing the last descriptor releases the flock
}

int wmss_dir_lock_check(const char *dir, wmss_error *e) {
    char path[4200];
    if (wmss_path_join(path, sizeof path, dir, WMSS_LOCK_FILE, e)) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int rc = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) rc = errno == EWOULDBLOCK ? lock_busy(dir, fd, e) : 0;
    close(fd);
    return rc;
}

const char *wmss_json_num(char *buf, const char *fmt, double v) {
    if (!isfinite(v)) return "null";
    snprintf(buf, 64, fmt, v);
    return buf;
}
