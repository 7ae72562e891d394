// File-system helpers: whole-file reads, atomic writes (temp file, fsync, rename,
// fsync of the directory) so that a failed write never leaves a half file behind or
// replaces a good one.
#ifndef WMSS_FSUTIL_H
#define WMSS_FSUTIL_H

#include <stdio.h>
#include <stddef.h>
#include "error.h"

// Reads a whole file into a NUL-terminated malloc'd buffer (*len excludes the NUL).
int wmss_read_file(const char *path, char **data, size_t *len, wmss_error *e);

// An atomic writer: writes go to "<path>.tmp.XXXXXX" in the same directory;
// commit fsyncs, renames over path and fsyncs the directory; abort removes the temp.
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4200];
} wmss_atomic_file;

int wmss_atomic_open(wmss_atomic_file *af, const char *path, wmss_error *e);
int wmss_atomic_write(wmss_atomic_file *af, const void *data, size_t len, wmss_error *e);
int wmss_atomic_commit(wmss_atomic_file *af, wmss_error *e);
void wmss_atomic_abort(wmss_atomic_file *af);

// Writes a whole buffer to path atomically.
int wmss_write_file_atomic(const char *path, const void *data, size_t len, wmss_error *e);

// Copies src to dst atomically.
int wmss_copy_file(const char *src, const char *dst, wmss_error *e);

// Creates a directory (and its parents) if it does not exist.
int wmss_mkdir_p(const char *path, wmss_error *e);

// Removes a directory tree (like rm -r). Missing paths are not an error.
int wmss_remove_tree(const char *path, wmss_error *e);
// Removes everything inside dir but the entry named keep (NULL: everything).
int wmss_clear_dir(const char *dir, const char *keep, wmss_error *e);
// Renames a directory into place and fsyncs the parent directory.
int wmss_rename_dir(const char *from, const char *to, wmss_error *e);

int wmss_file_exists(const char *path);
int wmss_is_dir(const char *path);

// The non-blank lines of a text file, trimmed of trailing blanks and CR (JSONL records):
// line[i] points into text (not NUL-terminated), len[i] its length.
typedef struct {
    char *text;
    char **line;
    size_t *len;
    int *no;  // line[i]'s line number in the file (1-based)
    int n;
} wmss_lines;

// A line over WMSS_JSONL_MAX_LINE bytes and lack of memory are errors (jsonl.h); parse
// each line with wmss_jsonl_parse.
int wmss_lines_read(const char *path, wmss_lines *L, wmss_error *e);
void wmss_lines_free(wmss_lines *L);

// One writer per output directory: DIR/.wmss.lock is held with flock(2), which the kernel
// releases when the holder exits or is killed (kill -9 included), so a crashed run never
// blocks the next one; the file holds the holder's pid for the message. wmss_dir_lock
// creates DIR if needed and returns the lock's descriptor (>= 0), or -1 with a message
// naming the holder's pid when another process holds it. wmss_dir_unlock releases it.
#define WMSS_LOCK_FILE ".wmss.lock"
int wmss_dir_lock(const char *dir, wmss_error *e);
void wmss_dir_unlock(int fd);
// 0 when no process holds DIR's lock now (or DIR has none), else -1 with the message.
int wmss_dir_lock_check(const char *dir, wmss_error *e);

// A number for JSON output: v printed with fmt (one double conversion such as "%.9g"),
// or null when v is NaN or infinite (JSON has neither). buf must hold 64 bytes.
const char *wmss_json_num(char *buf, const char *fmt, double v);

// Joins dir and name into out (size cap); fails if it does not fit.
int wmss_path_join(char *out, size_t cap, const char *dir, const char *name, wmss_error *e);

#endif
