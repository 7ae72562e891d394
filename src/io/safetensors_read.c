// safetensors reading: mmap the file, then check every claim its header makes before
// any tensor is touched.
#include <cjson/cJSON.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safetensors.h"

#define MAX_HEADER_BYTES (100u << 20)  // the format's own limit is 100 MB

static int cmp_by_name(const void *a, const void *b) {
    return strcmp(((const wmss_st_tensor *)a)->name, ((const wmss_st_tensor *)b)->name);
}

static int cmp_by_begin(const void *a, const void *b) {
    const wmss_st_tensor *x = *(const wmss_st_tensor *const *)a, *y = *(const wmss_st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

// A JSON number that is a non-negative integer below 2^53 (exactly representable).
static int json_uint(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return -1;
    double d = v->valuedouble;
    if (!(d >= 0) || d > 9007199254740992.0 || floor(d) != d) return -1;
    *out = (uint64_t)d;
    return 0;
}

static int parse_entry(const char *path, const cJSON *item, size_t data_len, wmss_st_tensor *t,
                       wmss_error *e) {
    const char *name = item->string;
    if (!cJSON_IsObject(item)) return wmss_fail(e, "%s: header entry '%s' is not an object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dt)) return wmss_fail(e, "%s: tensor '%s': missing or non-string \"dtype\"", path, name);
    int dtype = wmss_dtype_from_st_name(dt->valuestring);
    if (dtype < 0) return wmss_fail(e, "%s: tensor '%s': unknown dtype \"%s\"", path, name, dt->valuestring);
    if (!cJSON_IsArray(shape)) return wmss_fail(e, "%s: tensor '%s': missing or non-array \"shape\"", path, name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > WMSS_ST_MAX_DIMS)
        return wmss_fail(e, "%s: tensor '%s': %d dimensions (at most %d supported)", path, name, ndim, WMSS_ST_MAX_DIMS);
    t->dtype = (wmss_dtype)dtype;
    t->ndim = ndim;
    uint64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        uint64_t d;
        if (json_uint(cJSON_GetArrayItem(shape, i), &d))
            return wmss_fail(e, "%s: tensor '%s': shape[%d] is not a non-negative integer", path, name, i);
        if (d && numel > UINT64_MAX / d) return wmss_fail(e, "%s: tensor '%s': shape overflows", path, name);
        numel *= d;
        t->shape[i] = (int64_t)d;
    }
    size_t esize = wmss_dtype_size(t->dtype);
    if (numel > SIZE_MAX / esize) return wmss_fail(e, "%s: tensor '%s': shape overflows", path, name);
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
        return wmss_fail(e, "%s: tensor '%s': \"data_offsets\" must be an array [begin, end]", path, name);
    uint64_t b, en;
    if (json_uint(cJSON_GetArrayItem(offs, 0), &b) || json_uint(cJSON_GetArrayItem(offs, 1), &en))
        return wmss_fail(e, "%s: tensor '%s': data_offsets are not non-negative integers", path, name);
    if (b > en) return wmss_fail(e, "%s: tensor '%s': data_offsets begin %llu > end %llu", path, name,
                                 (unsigned long long)b, (unsigned long long)en);
    if (en > data_len)
        return wmss_fail(e, "%s: tensor '%s': data_offsets [%llu, %llu] lie outside the data section (%zu bytes; file truncated?)",
                         path, name, (unsigned long long)b, (unsigned long long)en, data_len);
    if (en - b != numel * esize)
        return wmss_fail(e, "%s: tensor '%s': byte count %llu != shape x dtype size (%llu x %zu = %llu)", path,
                         name, (unsigned long long)(en - b), (unsigned long long)numel, esize,
                         (unsigned long long)(numel * esize));
    t->numel = (size_t)numel;
    t->begin = (size_t)b;
    t->end = (size_t)en;
    t->name = strdup(name);
    if (!t->name) return wmss_fail(e, "out of memory");
    return 0;
}

static int check_layout(const char *path, wmss_st_file *f, wmss_error *e) {
    int n = f->n_tensors;
    if (n == 0) return 0;
    qsort(f->tensors, n, sizeof *f->tensors, cmp_by_name);
    for (int i = 1; i < n; i++)
        if (!strcmp(f->tensors[i - 1].name, f->tensors[i].name))
            return wmss_fail(e, "%s: tensor '%s' appears twice in the header", path, f->tensors[i].name);
    wmss_st_tensor **by_begin = malloc(n * sizeof *by_begin);
    if (!by_begin) return wmss_fail(e, "out of memory");
    for (int i = 0; i < n; i++) by_begin[i] = &f->tensors[i];
    qsort(by_begin, n, sizeof *by_begin, cmp_by_begin);
    int rc = 0;
    for (int i = 1; i < n && !rc; i++)
        if (by_begin[i]->begin < by_begin[i - 1]->end)
            rc = wmss_fail(e, "%s: tensors '%s' [%zu, %zu) and '%s' [%zu, %zu) overlap", path,
                           by_begin[i - 1]->name, by_begin[i - 1]->begin, by_begin[i - 1]->end,
                           by_begin[i]->name, by_begin[i]->begin, by_begin[i]->end);
    free(by_begin);
    return rc;
}

int wmss_st_parse(const char *path, const uint8_t *buf, size_t len, wmss_st_file *f, wmss_error *e) {
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    if (len < 8) return wmss_fail(e, "%s: file is %zu bytes, too short for a safetensors header", path, len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | buf[i];
    if (hlen > len - 8)
        return wmss_fail(e, "%s: header length %llu exceeds the file (%zu bytes; truncated or not safetensors)", path,
                         (unsigned long long)hlen, len);
    if (hlen < 2 || hlen > MAX_HEADER_BYTES)
        return wmss_fail(e, "%s: implausible header length %llu", path, (unsigned long long)hlen);
    const char *hdr = (const char *)buf + 8;
    if (hdr[0] != '{') return wmss_fail(e, "%s: header is not a JSON object", path);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) return wmss_fail(e, "%s: header is not valid JSON (near byte %zu)", path,
                                (size_t)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - hdr : 0));
    // Only trailing spaces (padding) may follow the object.
    for (const char *p = end; p && p < hdr + hlen; p++)
        if (*p != ' ' && *p != '\0' && *p != '\n' && *p != '\t' && *p != '\r') {
            cJSON_Delete(root);
            return wmss_fail(e, "%s: header has trailing bytes after the JSON object", path);
        }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return wmss_fail(e, "%s: header is not a JSON object", path);
    }
    size_t data_len = len - 8 - (size_t)hlen;
    int count = cJSON_GetArraySize(root);
    f->tensors = calloc(count ? count : 1, sizeof *f->tensors);
    if (!f->tensors) { cJSON_Delete(root); return wmss_fail(e, "out of memory"); }
    int rc = 0;
    for (const cJSON *it = root->child; it && !rc; it = it->next) {
        if (!it->string) { rc = wmss_fail(e, "%s: header entry without a name", path); break; }
        if (!strcmp(it->string, "__metadata__")) {
            if (!cJSON_IsObject(it)) rc = wmss_fail(e, "%s: __metadata__ is not an object", path);
            for (const cJSON *m = it->child; m && !rc; m = m->next)
                if (!cJSON_IsString(m)) rc = wmss_fail(e, "%s: __metadata__ value '%s' is not a string", path, m->string);
            continue;
        }
        wmss_st_tensor *t = &f->tensors[f->n_tensors];
        rc = parse_entry(path, it, data_len, t, e);
        if (!rc) {
            t->data = buf + 8 + hlen + t->begin;
            f->n_tensors++;
        }
    }
    cJSON_Delete(root);
    if (!rc) rc = check_layout(path, f, e);
    if (rc) wmss_st_close(f);
    return rc;
}

int wmss_st_open(const char *path, wmss_st_file *f, wmss_error *e) {
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return wmss_fail(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return wmss_fail(e, "%s: not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    if (len < 8) {
        close(fd);
        return wmss_fail(e, "%s: file is %zu bytes, too short for a safetensors header", path, len);
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return wmss_fail(e, "%s: cannot map: %s", path, strerror(errno));
    if (wmss_st_parse(path, map, len, f, e)) {
        munmap(map, len);
        return -1;
    }
    f->map = map;
    f->map_len = len;
    return 0;
}

void wmss_st_close(wmss_st_file *f) {
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    if (f->map) munmap(f->map, f->map_len);
    f->tensors = NULL;
    f->n_tensors = 0;
    f->map = NULL;
}

const wmss_st_tensor *wmss_st_find(const wmss_st_file *f, const char *name) {
    if (!f->n_tensors) return NULL;
    wmss_st_tensor key = {.name = (char *)name};
    return bsearch(&key, f->tensors, f->n_tensors, sizeof key, cmp_by_name);
}

int wmss_st_read_f32(const wmss_st_tensor *t, float *out, const char *path, wmss_error *e) {
    if (!wmss_dtype_is_float(t->dtype))
        return wmss_fail(e, "%s: tensor '%s' has dtype %s; only F32, BF16 and F16 can be loaded", path, t->name,
                         wmss_dtype_st_name(t->dtype));
    wmss_convert_to_f32(out, t->data, t->dtype, t->numel);
    return 0;
}
