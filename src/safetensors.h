// safetensors files: read (mmap, every claim of the header validated) and write
// (atomic), plus checkpoints made of one file or of shards listed in
// model.safetensors.index.json.
//
// File layout: u64 little-endian header length N | N bytes of JSON header | data.
// Header: {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//          "__metadata__": {"format": "pt"}}; offsets are relative to the data section.
#ifndef WMSS_SAFETENSORS_H
#define WMSS_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "dtype.h"
#include "error.h"

#define WMSS_ST_MAX_DIMS 8

typedef struct {
    char *name;
    wmss_dtype dtype;
    int ndim;
    int64_t shape[WMSS_ST_MAX_DIMS];
    size_t numel;
    size_t begin, end;    // byte range inside the data section
    const uint8_t *data;  // begin of the bytes (inside the mapping)
} wmss_st_tensor;

typedef struct {
    char path[4096];
    void *map;            // the whole file, read-only mapping (NULL for in-memory parses)
    size_t map_len;
    wmss_st_tensor *tensors;  // sorted by name
    int n_tensors;
} wmss_st_file;

// Maps and validates a file. On failure the message names the file and the fault.
int wmss_st_open(const char *path, wmss_st_file *f, wmss_error *e);
// Validates a whole file image held in memory (the fuzz entry point); tensors point
// into buf, which must outlive f. `path` is only used in messages.
int wmss_st_parse(const char *path, const uint8_t *buf, size_t len, wmss_st_file *f, wmss_error *e);
void wmss_st_close(wmss_st_file *f);
const wmss_st_tensor *wmss_st_find(const wmss_st_file *f, const char *name);

// Converts a float tensor (F32/BF16/F16) to float32 into out (t->numel floats).
int wmss_st_read_f32(const wmss_st_tensor *t, float *out, const char *path, wmss_error *e);

// A tensor to write: float32 values converted to dtype on the way out.
typedef struct {
    const char *name;
    wmss_dtype dtype;     // F32, BF16 or F16
    int ndim;
    int64_t shape[WMSS_ST_MAX_DIMS];
    const float *values;  // numel float32 values
} wmss_st_out;

size_t wmss_st_out_bytes(const wmss_st_out *t);
// Writes one safetensors file atomically, with __metadata__ {"format": "pt"}.
int wmss_st_write(const char *path, const wmss_st_out *ts, int n, wmss_error *e);

// A checkpoint: one model.safetensors or the shards of model.safetensors.index.json.
typedef struct {
    wmss_st_file *files;
    int n_files;
} wmss_checkpoint;

int wmss_checkpoint_open(const char *dir, wmss_checkpoint *ck, wmss_error *e);
void wmss_checkpoint_close(wmss_checkpoint *ck);
// Finds a tensor by name; *file (optional) receives the file that holds it.
const wmss_st_tensor *wmss_checkpoint_find(const wmss_checkpoint *ck, const char *name,
                                           const wmss_st_file **file);
// Writes a checkpoint into dir: model.safetensors when the total is at most
// max_shard_bytes (0 = no limit), else model-0000k-of-0000n.safetensors shards and
// model.safetensors.index.json. Stale checkpoint files of the other layout are removed
// after the new files are in place.
int wmss_checkpoint_write(const char *dir, const wmss_st_out *ts, int n, size_t max_shard_bytes,
                          wmss_error *e);

#endif
