// The one strict JSON-lines reader every command uses. A record is one line holding
// exactly one JSON value (anything after it but blanks is an error); the line must be
// valid UTF-8 and may not hold a NUL byte or a "\u0000" escape (cJSON strings end at a
// NUL, so it would silently cut a string); lines are at most WMSS_JSONL_MAX_LINE bytes;
// a failed read (I/O or memory) is an error, never the end of the file. Every message
// names file:line and, for bad bytes, the byte offset in the line and in the file.
#ifndef WMSS_JSONL_H
#define WMSS_JSONL_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "error.h"

#define WMSS_JSONL_MAX_LINE (256u << 20)  // 256 MiB: a longer line is an error of its own

// Checks that s[0..n) is UTF-8 (no overlongs, surrogates or code points above U+10FFFF);
// returns 1, or 0 with *bad the offset of the first invalid byte.
int wmss_utf8_valid(const char *s, size_t n, size_t *bad);
// A whole text file (path, for the message): 0 when it is UTF-8 without a NUL byte, else
// -1 naming the line and byte of the first fault.
int wmss_text_check(const char *path, const char *text, size_t len, wmss_error *e);

// Parses one line (without its newline) as exactly one JSON value. where is "file:line";
// file_offset is the line's byte offset in the file (for the message; -1 if unknown).
// Returns the value (free with cJSON_Delete) or NULL with e set.
cJSON *wmss_jsonl_parse(const char *line, size_t len, const char *where, long long file_offset, wmss_error *e);

// A line reader over a file.
typedef struct {
    FILE *f;
    char path[4096];
    char *buf;
    size_t cap;
    int line_no;          // of the line last returned (1-based)
    long long offset;     // byte offset of that line in the file
    long long next_offset;
} wmss_jsonl;

int wmss_jsonl_open(wmss_jsonl *r, const char *path, wmss_error *e);
// The next line (CR/LF stripped; blank lines included): 1 with *line / *len (valid until
// the next call), 0 at the end of the file, -1 on a read error, an over-long line or
// lack of memory.
int wmss_jsonl_next_line(wmss_jsonl *r, const char **line, size_t *len, wmss_error *e);
void wmss_jsonl_close(wmss_jsonl *r);

#endif
