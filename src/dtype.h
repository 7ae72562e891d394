// Element types of stored tensors (the safetensors dtype names) and conversions to and
// from float32, the compute type.
#ifndef WMSS_DTYPE_H
#define WMSS_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    WMSS_F32, WMSS_BF16, WMSS_F16,                 // float types we compute from
    WMSS_F64, WMSS_I64, WMSS_I32, WMSS_I16, WMSS_I8, WMSS_U8, WMSS_BOOL,
    WMSS_U16, WMSS_U32, WMSS_U64, WMSS_F8_E4M3, WMSS_F8_E5M2,
    WMSS_DTYPE_COUNT
} wmss_dtype;

// "F32" -> WMSS_F32 etc. Returns -1 for an unknown name.
int wmss_dtype_from_st_name(const char *name);
const char *wmss_dtype_st_name(wmss_dtype t);
// Hugging Face torch_dtype names: "float32", "bfloat16", "float16". Returns -1 if unknown.
int wmss_dtype_from_torch_name(const char *name);
const char *wmss_dtype_torch_name(wmss_dtype t);
size_t wmss_dtype_size(wmss_dtype t);
int wmss_dtype_is_float(wmss_dtype t);  // F32, BF16, F16: the ones we convert

static inline float wmss_bf16_to_f32(uint16_t h) {
    union { uint32_t u; float f; } v = {.u = (uint32_t)h << 16};
    return v.f;
}

// Round to nearest even, as torch does; NaN becomes the canonical quiet NaN 0x7FC0.
static inline uint16_t wmss_f32_to_bf16(float f) {
    union { float f; uint32_t u; } v = {.f = f};
    if (f != f) return 0x7FC0;
    uint32_t bias = ((v.u >> 16) & 1u) + 0x7FFFu;
    return (uint16_t)((v.u + bias) >> 16);
}

static inline uint32_t wmss_f32_bits(float f) {
    union { float f; uint32_t u; } v = {.f = f};
    return v.u;
}

static inline float wmss_bits_f32(uint32_t u) {
    union { uint32_t u; float f; } v = {.u = u};
    return v.f;
}

// IEEE half precision, exact in both directions (round to nearest even), written with
// integer operations so it does not depend on compiler support for _Float16.
static inline float wmss_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float32
        float v = (float)mant * 0x1p-24f;
        return wmss_bits_f32(wmss_f32_bits(v) | sign);
    }
    if (exp == 31) return wmss_bits_f32(sign | 0x7f800000u | (mant << 13));  // inf / NaN
    return wmss_bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

static inline uint16_t wmss_f32_to_f16(float f) {
    uint32_t u = wmss_f32_bits(f), sign = (u >> 16) & 0x8000;
    u &= 0x7fffffffu;
    if (u >= 0x47800000u)  // >= 65536 (or inf / NaN): inf, NaN -> quiet NaN
        return (uint16_t)(sign | (u > 0x7f800000u ? 0x7e00 : 0x7c00));
    if (u < 0x38800000u) {  // below 2^-14: subnormal or zero. Adding 0.5 puts the
        // half's subnormal mantissa in the low bits, rounded to nearest even by the FPU.
        float t = wmss_bits_f32(u) + 0.5f;
        return (uint16_t)(sign | (wmss_f32_bits(t) - 0x3f000000u));
    }
    uint32_t odd = (u >> 13) & 1;  // ties to even
    u += 0xc8000000u + 0xfff + odd;  // rebias exponent (127 -> 15) and round
    return (uint16_t)(sign | (u >> 13));
}

// Converts n elements of src (stored little-endian in type t) to float32.
void wmss_convert_to_f32(float *dst, const void *src, wmss_dtype t, size_t n);
// Converts n float32 values to type t (F32, BF16 or F16) into dst.
void wmss_convert_from_f32(void *dst, const float *src, wmss_dtype t, size_t n);

#endif
