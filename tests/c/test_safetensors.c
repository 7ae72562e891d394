// safetensors: conversions, write/read round trip, sharding, and malformed files that
// must each be refused with a message naming the file and the fault.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fsutil.h"
#include "safetensors.h"

static char tmpdir[256];

// Writes a file made of a raw header string (its length as given, or hlen_override
// when >= 0) followed by `data_len` bytes of data.
static void write_raw(const char *path, const char *header, long long hlen_override, size_t data_len) {
    FILE *f = fopen(path, "wb");
    uint64_t hlen = hlen_override >= 0 ? (uint64_t)hlen_override : strlen(header);
    for (int i = 0; i < 8; i++) fputc((int)((hlen >> (8 * i)) & 0xff), f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_len; i++) fputc((int)(i & 0xff), f);
    fclose(f);
}

static void expect_fail(check_state *st, const char *label, const char *header, long long hlen, size_t data_len,
                        const char *needle) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.safetensors", tmpdir, label);
    write_raw(path, header, hlen, data_len);
    wmss_st_file f;
    wmss_error e = {{0}};
    int rc = wmss_st_open(path, &f, &e);
    CHECK(st, rc != 0, "%s: malformed file was accepted", label);
    if (rc == 0) { wmss_st_close(&f); return; }
    CHECK(st, strstr(e.msg, path) != NULL, "%s: message does not name the file: %s", label, e.msg);
    CHECK(st, strstr(e.msg, needle) != NULL, "%s: message lacks '%s': %s", label, needle, e.msg);
    printf("  %-22s -> %s\n", label, e.msg);
}

static void test_malformed(check_state *st) {
    const char *ok1 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    char path[512];
    // Empty file and a file shorter than the length prefix.
    snprintf(path, sizeof path, "%s/empty.safetensors", tmpdir);
    fclose(fopen(path, "wb"));
    wmss_st_file f;
    wmss_error e = {{0}};
    CHECK(st, wmss_st_open(path, &f, &e) != 0 && strstr(e.msg, "too short"), "empty file: %s", e.msg);
    printf("  %-22s -> %s\n", "empty", e.msg);
    expect_fail(st, "header_beyond_file", ok1, 1000000, 8, "exceeds the file");
    expect_fail(st, "truncated_data", ok1, -1, 4, "outside the data section");
    expect_fail(st, "offsets_outside", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", -1, 8,
                "outside the data section");
    expect_fail(st, "overlap",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                -1, 16, "overlap");
    expect_fail(st, "unknown_dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", -1, 8,
                "unknown dtype");
    expect_fail(st, "count_mismatch", "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,8]}}", -1, 8,
                "shape x dtype");
    expect_fail(st, "invalid_json", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", -1, 8,
                "not valid JSON");
    expect_fail(st, "not_object", "[1,2,3]", -1, 8, "not a JSON object");
    expect_fail(st, "negative_shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", -1, 8,
                "non-negative integer");
    expect_fail(st, "fractional_offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", -1, 9,
                "non-negative integers");
    expect_fail(st, "begin_after_end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", -1, 8,
                "begin");
    expect_fail(st, "missing_dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", -1, 8, "dtype");
    expect_fail(st, "duplicate_name",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                -1, 8, "appears twice");
    expect_fail(st, "shape_overflow",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", -1,
                8, "overflows");
    expect_fail(st, "metadata_not_strings",
                "{\"__metadata__\":{\"format\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", -1,
                8, "__metadata__");
    expect_fail(st, "trailing_garbage", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}xx", -1, 8,
                "trailing");
}

static void test_conversions(check_state *st) {
    // bf16 rounding: round to nearest, ties to even (values checked by hand).
    CHECK(st, wmss_f32_to_bf16(1.0f) == 0x3F80, "bf16(1.0)");
    CHECK(st, wmss_f32_to_bf16(-2.0f) == 0xC000, "bf16(-2.0)");
    union { uint32_t u; float f; } x;
    x.u = 0x3F808000;  // exactly halfway between 0x3F80 and 0x3F81: ties to even -> 0x3F80
    CHECK(st, wmss_f32_to_bf16(x.f) == 0x3F80, "tie to even down: %04x", wmss_f32_to_bf16(x.f));
    x.u = 0x3F818000;  // halfway between 0x3F81 and 0x3F82 -> 0x3F82
    CHECK(st, wmss_f32_to_bf16(x.f) == 0x3F82, "tie to even up: %04x", wmss_f32_to_bf16(x.f));
    x.u = 0x3F808001;  // just above halfway -> rounds up
    CHECK(st, wmss_f32_to_bf16(x.f) == 0x3F81, "above half: %04x", wmss_f32_to_bf16(x.f));
    CHECK(st, wmss_f32_to_bf16(NAN) == 0x7FC0, "NaN");
    CHECK(st, wmss_f32_to_bf16(INFINITY) == 0x7F80, "inf");
    CHECK(st, wmss_f32_to_f16(1.0f) == 0x3C00, "f16(1.0)");
    CHECK(st, wmss_f32_to_f16(65504.0f) == 0x7BFF, "f16 max");
    CHECK(st, wmss_f16_to_f32(0x0001) == 0x1p-24f, "f16 smallest subnormal");
    CHECK(st, wmss_f32_to_f16(1e6f) == 0x7C00, "f16 overflow to inf");
    // Every bf16 and f16 bit pattern (but NaNs) survives f32 and back.
    int bad_bf = 0, bad_h = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float fb = wmss_bf16_to_f32((uint16_t)h), fh = wmss_f16_to_f32((uint16_t)h);
        if (fb == fb && wmss_f32_to_bf16(fb) != h) bad_bf++;
        if (fh == fh && wmss_f32_to_f16(fh) != h) bad_h++;
    }
    CHECK(st, bad_bf == 0, "%d bf16 patterns do not round-trip", bad_bf);
    CHECK(st, bad_h == 0, "%d f16 patterns do not round-trip", bad_h);
}

static void test_roundtrip(check_state *st) {
    float a[6] = {1.5f, -2.25f, 3.0f, 0.1f, -0.0f, 1e-3f}, b[3] = {7, 8, 9};
    wmss_st_out outs[3] = {
        {.name = "w.a", .dtype = WMSS_F32, .ndim = 2, .shape = {2, 3}, .values = a},
        {.name = "w.b", .dtype = WMSS_BF16, .ndim = 1, .shape = {3}, .values = b},
        {.name = "w.c", .dtype = WMSS_F16, .ndim = 2, .shape = {3, 2}, .values = a},
    };
    char path[512];
    snprintf(path, sizeof path, "%s/rt.safetensors", tmpdir);
    wmss_error e = {{0}};
    CHECK(st, wmss_st_write(path, outs, 3, &e) == 0, "write: %s", e.msg);
    wmss_st_file f;
    CHECK(st, wmss_st_open(path, &f, &e) == 0, "open: %s", e.msg);
    if (st->failed) return;
    CHECK(st, f.n_tensors == 3, "n_tensors %d", f.n_tensors);
    const wmss_st_tensor *ta = wmss_st_find(&f, "w.a"), *tb = wmss_st_find(&f, "w.b"), *tc = wmss_st_find(&f, "w.c");
    CHECK(st, ta && tb && tc && !wmss_st_find(&f, "w.d"), "find");
    float got[6];
    wmss_st_read_f32(ta, got, path, &e);
    CHECK(st, !memcmp(got, a, sizeof a) && ta->shape[0] == 2 && ta->shape[1] == 3, "F32 values/shape");
    wmss_st_read_f32(tb, got, path, &e);
    CHECK(st, got[0] == 7 && got[1] == 8 && got[2] == 9 && tb->dtype == WMSS_BF16, "BF16 values");
    wmss_st_read_f32(tc, got, path, &e);
    CHECK(st, got[0] == 1.5f && got[1] == -2.25f && fabsf(got[3] - 0.1f) < 1e-4f, "F16 values");
    // The header is padded to a multiple of 8 and carries the format metadata.
    uint64_t hlen;
    memcpy(&hlen, f.map, 8);
    CHECK(st, hlen % 8 == 0, "header length %llu not a multiple of 8", (unsigned long long)hlen);
    CHECK(st, memmem((char *)f.map + 8, hlen, "\"format\":\"pt\"", 13) != NULL, "format metadata");
    wmss_st_close(&f);

    // Sharded: a limit smaller than the total gives shards plus an index.
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sharded", tmpdir);
    CHECK(st, wmss_mkdir_p(dir, &e) == 0, "mkdir");
    CHECK(st, wmss_checkpoint_write(dir, outs, 3, 24, &e) == 0, "sharded write: %s", e.msg);
    wmss_checkpoint ck;
    CHECK(st, wmss_checkpoint_open(dir, &ck, &e) == 0, "sharded open: %s", e.msg);
    if (st->failed) return;
    CHECK(st, ck.n_files == 2, "expected 2 shards, got %d", ck.n_files);
    const wmss_st_tensor *t = wmss_checkpoint_find(&ck, "w.c", NULL);
    CHECK(st, t && t->dtype == WMSS_F16, "w.c in shards");
    wmss_checkpoint_close(&ck);
    // Writing the same dir unsharded removes the shards and index.
    CHECK(st, wmss_checkpoint_write(dir, outs, 3, 0, &e) == 0, "unsharded rewrite");
    char p2[600];
    snprintf(p2, sizeof p2, "%s/model.safetensors.index.json", dir);
    CHECK(st, !wmss_file_exists(p2), "stale index left behind");
    snprintf(p2, sizeof p2, "%s/model-00001-of-00002.safetensors", dir);
    CHECK(st, !wmss_file_exists(p2), "stale shard left behind");

    // A lying index: it names a tensor its shard lacks.
    snprintf(dir, sizeof dir, "%s/lying", tmpdir);
    wmss_mkdir_p(dir, &e);
    CHECK(st, wmss_checkpoint_write(dir, outs, 3, 24, &e) == 0, "sharded write 2");
    snprintf(p2, sizeof p2, "%s/model.safetensors.index.json", dir);
    const char *lie = "{\"weight_map\": {\"w.a\": \"model-00002-of-00002.safetensors\", "
                      "\"w.b\": \"model-00002-of-00002.safetensors\", \"w.c\": \"model-00002-of-00002.safetensors\"}}";
    wmss_write_file_atomic(p2, lie, strlen(lie), &e);
    CHECK(st, wmss_checkpoint_open(dir, &ck, &e) != 0 && strstr(e.msg, "does not contain"), "lying index: %s", e.msg);
    printf("  %-22s -> %s\n", "lying_index", e.msg);
    const char *escape = "{\"weight_map\": {\"w.a\": \"../etc/passwd\"}}";
    wmss_write_file_atomic(p2, escape, strlen(escape), &e);
    CHECK(st, wmss_checkpoint_open(dir, &ck, &e) != 0 && strstr(e.msg, "invalid file"), "path escape: %s", e.msg);
}

int main(void) {
    check_state st = {0};
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wmss-test-st-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    test_conversions(&st);
    test_roundtrip(&st);
    test_malformed(&st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {}
    return check_finish(&st, "test_safetensors");
}
