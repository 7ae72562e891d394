// safetensors writing: header JSON padded with spaces to a multiple of 8 bytes, then the
// tensors' bytes in order, all through an atomic file (temp, fsync, rename).
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "safetensors.h"

static size_t out_numel(const wmss_st_out *t) {
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

size_t wmss_st_out_bytes(const wmss_st_out *t) { return out_numel(t) * wmss_dtype_size(t->dtype); }

// Builds the padded header; *hlen receives its length (a multiple of 8).
static char *build_header(const wmss_st_out *ts, int n, size_t *hlen, wmss_error *e) {
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    cJSON_AddStringToObject(meta, "format", "pt");
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        cJSON *t = cJSON_AddObjectToObject(root, ts[i].name);
        cJSON_AddStringToObject(t, "dtype", wmss_dtype_st_name(ts[i].dtype));
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        for (int d = 0; d < ts[i].ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)ts[i].shape[d]));
        size_t bytes = wmss_st_out_bytes(&ts[i]);
        cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + bytes)));
        off += bytes;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) { wmss_fail(e, "out of memory building a safetensors header"); return NULL; }
    size_t len = strlen(json), padded = (len + 7) / 8 * 8;
    char *hdr = realloc(json, padded + 1);
    if (!hdr) { free(json); wmss_fail(e, "out of memory"); return NULL; }
    memset(hdr + len, ' ', padded - len);
    hdr[padded] = '\0';
    *hlen = padded;
    return hdr;
}

int wmss_st_write(const char *path, const wmss_st_out *ts, int n, wmss_error *e) {
    for (int i = 0; i < n; i++)
        if (!wmss_dtype_is_float(ts[i].dtype))
            return wmss_fail(e, "%s: tensor '%s': can only write F32, BF16 or F16", path, ts[i].name);
    size_t hlen;
    char *hdr = build_header(ts, n, &hlen, e);
    if (!hdr) return -1;
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) { free(hdr); return -1; }
    uint8_t lenbytes[8];
    for (int i = 0; i < 8; i++) lenbytes[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    int rc = wmss_atomic_write(&af, lenbytes, 8, e) || wmss_atomic_write(&af, hdr, hlen, e) ? -1 : 0;
    free(hdr);
    // Convert in bounded chunks so that writing a model never doubles its memory.
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = rc ? NULL : wmss_malloc((size_t)CHUNK * 4, e);
    if (!rc && !buf) rc = -1;
    for (int i = 0; i < n && !rc; i++) {
        size_t numel = out_numel(&ts[i]), es = wmss_dtype_size(ts[i].dtype);
        for (size_t s = 0; s < numel && !rc; s += CHUNK) {
            size_t m = numel - s < CHUNK ? numel - s : CHUNK;
            wmss_convert_from_f32(buf, ts[i].values + s, ts[i].dtype, m);
            rc = wmss_atomic_write(&af, buf, m * es, e);
        }
    }
    free(buf);
    if (rc) { wmss_atomic_abort(&af); return -1; }
    return wmss_atomic_commit(&af, e);
}
