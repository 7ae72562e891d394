#include "dtype.h"

#include <string.h>

static const struct {
    const char *st;     // safetensors name
    const char *torch;  // Hugging Face torch_dtype name (NULL if none we accept)
    size_t size;
} DTYPES[WMSS_DTYPE_COUNT] = {
    [WMSS_F32] = {"F32", "float32", 4},   [WMSS_BF16] = {"BF16", "bfloat16", 2},
    [WMSS_F16] = {"F16", "float16", 2},   [WMSS_F64] = {"F64", NULL, 8},
    [WMSS_I64] = {"I64", NULL, 8},        [WMSS_I32] = {"I32", NULL, 4},
    [WMSS_I16] = {"I16", NULL, 2},        [WMSS_I8] = {"I8", NULL, 1},
    [WMSS_U8] = {"U8", NULL, 1},          [WMSS_BOOL] = {"BOOL", NULL, 1},
    [WMSS_U16] = {"U16", NULL, 2},        [WMSS_U32] = {"U32", NULL, 4},
    [WMSS_U64] = {"U64", NULL, 8},        [WMSS_F8_E4M3] = {"F8_E4M3", NULL, 1},
    [WMSS_F8_E5M2] = {"F8_E5M2", NULL, 1},
};

int wmss_dtype_from_st_name(const char *name) {
    for (int i = 0; i < WMSS_DTYPE_COUNT; i++)
        if (!strcmp(DTYPES[i].st, name)) return i;
    return -1;
}

const char *wmss_dtype_st_name(wmss_dtype t) { return DTYPES[t].st; }

int wmss_dtype_from_torch_name(const char *name) {
    for (int i = 0; i < WMSS_DTYPE_COUNT; i++)
        if (DTYPES[i].torch && !strcmp(DTYPES[i].torch, name)) return i;
    return -1;
}

const char *wmss_dtype_torch_name(wmss_dtype t) { return DTYPES[t].torch ? DTYPES[t].torch : "?"; }

size_t wmss_dtype_size(wmss_dtype t) { return DTYPES[t].size; }

int wmss_dtype_is_float(wmss_dtype t) { return t == WMSS_F32 || t == WMSS_BF16 || t == WMSS_F16; }

void wmss_convert_to_f32(float *dst, const void *src, wmss_dtype t, size_t n) {
    const unsigned char *s = src;
    switch (t) {
    case WMSS_F32: memcpy(dst, src, n * 4); break;
    case WMSS_BF16:
        #pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, s + 2 * i, 2);
            dst[i] = wmss_bf16_to_f32(h);
        }
        break;
    case WMSS_F16:
        #pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, s + 2 * i, 2);
            dst[i] = wmss_f16_to_f32(h);
        }
        break;
    default: break;  // callers check wmss_dtype_is_float first
    }
}

void wmss_convert_from_f32(void *dst, const float *src, wmss_dtype t, size_t n) {
    unsigned char *d = dst;
    switch (t) {
    case WMSS_F32: memcpy(dst, src, n * 4); break;
    case WMSS_BF16:
        #pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            uint16_t h = wmss_f32_to_bf16(src[i]);
            memcpy(d + 2 * i, &h, 2);
        }
        break;
    case WMSS_F16:
        #pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            uint16_t h = wmss_f32_to_f16(src[i]);
            memcpy(d + 2 * i, &h, 2);
        }
        break;
    default: break;
    }
}
