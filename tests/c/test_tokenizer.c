// Tokenizer components on small hand-made tokenizer.json files, each expectation worked
// out from the Rust `tokenizers` crate's semantics (several are its own unit-test cases):
// split behaviours and invert, Digits, Metaspace, added tokens with lstrip / rstrip /
// single_word / normalized, special-token parsing on and off, BPE merge order, byte
// fallback, unk / fuse_unk, ignore_merges, post-processor templates, decoders, and clear
// errors for unknown components and malformed files.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tokenizer.h"
#include "tokenizer/internal.h"

static char tmpdir[256];

static wmss_tokenizer *load_json(check_state *st, const char *name, const char *json) {
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s/tokenizer.json", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fputs(json, f);
    fclose(f);
    wmss_tokenizer *t = NULL;
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_load(dir, &t, &e);
    CHECK(st, rc == 0, "%s: load failed: %s", name, e.msg);
    return rc ? NULL : t;
}

// Encodes and compares with the expected ids.
static void expect_ids(check_state *st, const wmss_tokenizer *t, const char *label, const char *text, unsigned flags,
                       const int32_t *want, size_t n_want) {
    int32_t *ids;
    size_t n;
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_encode(t, text, strlen(text), flags, &ids, &n, &e);
    CHECK(st, rc == 0, "%s: encode failed: %s", label, e.msg);
    if (rc) return;
    int ok = n == n_want && (n == 0 || !memcmp(ids, want, n * sizeof *ids));
    CHECK(st, ok, "%s: ids differ", label);
    if (!ok) {
        fprintf(stderr, "  got:  ");
        for (size_t i = 0; i < n; i++) fprintf(stderr, "%d ", ids[i]);
        fprintf(stderr, "\n  want: ");
        for (size_t i = 0; i < n_want; i++) fprintf(stderr, "%d ", want[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
}
#define IDS(...) ((const int32_t[]){__VA_ARGS__}), (sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))

// Pre-tokenizes `text` (no added tokens, no normalizer) and compares the pieces with
// `want`, a '|'-separated list.
static void expect_pieces(check_state *st, const wmss_tokenizer *t, const char *label, const char *text,
                          const char *want) {
    tok_scratch s;
    wmss_error e = {{0}};
    tok_scratch_init(&s, &e);
    int which;
    int rc = tok_pretokenize(t, &s, text, strlen(text), 1, &which, &e);
    CHECK(st, rc == 0, "%s: pre-tokenize failed: %s", label, e.msg);
    char got[1024] = "";
    for (size_t i = 0; !rc && i < s.pieces[which].n; i++) {
        size_t k = strlen(got);
        snprintf(got + k, sizeof got - k, "%s%.*s", i ? "|" : "", (int)s.pieces[which].v[i].len, s.pieces[which].v[i].p);
    }
    CHECK(st, !strcmp(got, want), "%s: pieces '%s', want '%s'", label, got, want);
    tok_scratch_free(&s);
}

static void expect_decode(check_state *st, const wmss_tokenizer *t, const char *label, const int32_t *ids, size_t n,
                          unsigned flags, const char *want) {
    char *text;
    size_t len;
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_decode(t, ids, n, flags, &text, &len, &e);
    CHECK(st, rc == 0, "%s: decode failed: %s", label, e.msg);
    if (rc) return;
    CHECK(st, len == strlen(want) && !memcmp(text, want, len), "%s: decoded '%s', want '%s'", label, text, want);
    free(text);
}

static void expect_load_error(check_state *st, const char *name, const char *json, const char *needle) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    mkdir(dir, 0755);
    char path[600];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    FILE *f = fopen(path, "wb");
    fputs(json, f);
    fclose(f);
    wmss_tokenizer *t = NULL;
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_load(path, &t, &e);
    CHECK(st, rc != 0, "%s: bad tokenizer.json was accepted", name);
    if (!rc) {
        wmss_tokenizer_free(t);
        return;
    }
    CHECK(st, strstr(e.msg, path) != NULL, "%s: message does not name the file: %s", name, e.msg);
    CHECK(st, strstr(e.msg, needle) != NULL, "%s: message lacks '%s': %s", name, needle, e.msg);
    printf("  %-18s -> %s\n", name, e.msg);
}

// A character-level vocabulary: " "=0 a=1 b=2 c=3 d=4 e=5 h=6 i=7 m=8 n=9 o=10 s=11 t=12 y=13 -=14
// ab=15 bc=16 abc=17 [CLS]=18 [SEP]=19 my=20 name=21 ony=22 <mask>=23 aa=24
#define CHAR_VOCAB                                                                                            \
    "\"vocab\":{\" \":0,\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"h\":6,\"i\":7,\"m\":8,\"n\":9,\"o\":10,"  \
    "\"s\":11,\"t\":12,\"y\":13,\"-\":14,\"ab\":15,\"bc\":16,\"abc\":17,\"[CLS]\":18,\"[SEP]\":19,"          \
    "\"my\":20,\"name\":21,\"ony\":22,\"<mask>\":23,\"aa\":24}"

static void test_split_behaviors(check_state *st) {
    static const struct {
        const char *behavior, *want;
    } cases[] = {
        {"Removed", "the|final|countdown"},
        {"Isolated", "the|-|final|-|-|countdown"},
        {"MergedWithPrevious", "the-|final-|-|countdown"},
        {"MergedWithNext", "the|-final|-|-countdown"},
        {"Contiguous", "the|-|final|--|countdown"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[2048], name[64];
        snprintf(json, sizeof json,
                 "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                 "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\"-\"},\"behavior\":\"%s\","
                 "\"invert\":false}}",
                 cases[i].behavior);
        snprintf(name, sizeof name, "split_%s", cases[i].behavior);
        wmss_tokenizer *t = load_json(st, name, json);
        if (!t) continue;
        expect_pieces(st, t, name, "the-final--countdown", cases[i].want);
        wmss_tokenizer_free(t);
    }
    // invert: the pattern matches the words; everything else is a delimiter
    wmss_tokenizer *t = load_json(st, "split_invert",
                                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                                  "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\w+\"},"
                                  "\"behavior\":\"Removed\",\"invert\":true}}");
    if (t) {
        expect_pieces(st, t, "invert", "Hello, world!", "Hello|world");
        wmss_tokenizer_free(t);
    }
    // Regex lookahead as in the Qwen/Llama pattern: trailing spaces stay with the next word
    t = load_json(st, "split_lookahead",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                  "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\" ?\\\\p{L}+|\\\\s+(?!\\\\S)|\\\\s+\"},"
                  "\"behavior\":\"Isolated\",\"invert\":false}}");
    if (t) {
        expect_pieces(st, t, "lookahead", "a   b  ", "a|  | b|  ");
        // onig's \s includes U+0085 (NEL); JavaScript's does not
        expect_pieces(st, t, "NEL is whitespace", "a \xc2\x85 b", "a| \xc2\x85| b");
        wmss_tokenizer_free(t);
    }
}

static void test_deep_regex(check_state *st) {
    // A backtracking-heavy regex over a long subject needs more than PCRE2's default JIT
    // stack: the matcher must grow it, not fail.
    wmss_tokenizer *t = load_json(st, "deep_regex",
                                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                                  "\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(a|ab)*c|.\"},"
                                  "\"behavior\":\"Isolated\",\"invert\":false}}");
    if (!t) return;
    size_t n = 200000;
    char *text = malloc(n + 2);
    memset(text, 'a', n);
    text[n] = 'c';
    text[n + 1] = 0;
    int32_t *ids;
    size_t k;
    wmss_error e = {{0}};
    int rc = wmss_tokenizer_encode(t, text, n + 1, 0, &ids, &k, &e);
    CHECK(st, rc == 0 && k == n + 1, "deep regex: %s (%zu ids)", rc ? e.msg : "ok", rc ? 0 : k);
    if (!rc) free(ids);
    free(text);
    wmss_tokenizer_free(t);
}

static void test_digits_metaspace(check_state *st) {
    wmss_tokenizer *t = load_json(st, "digits",
                                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                                  "\"pre_tokenizer\":{\"type\":\"Digits\",\"individual_digits\":false}}");
    if (t) {
        expect_pieces(st, t, "digits contiguous", "abc123def4 5\xd9\xa3", "abc|123|def|4| |5\xd9\xa3");
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "digits_individual",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                  "\"pre_tokenizer\":{\"type\":\"Digits\",\"individual_digits\":true}}");
    if (t) {
        expect_pieces(st, t, "digits individual", "abc123", "abc|1|2|3");
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "metaspace",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                  "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\xe2\x96\x81\","
                  "\"prepend_scheme\":\"always\",\"split\":true}}");
    if (t) {
        expect_pieces(st, t, "metaspace", "Hey friend!", "\xe2\x96\x81Hey|\xe2\x96\x81" "friend!");
        expect_pieces(st, t, "metaspace leading spaces", "  Hey", "\xe2\x96\x81|\xe2\x96\x81Hey");
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "metaspace_legacy",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                  "\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"_\",\"add_prefix_space\":false}}");
    if (t) {
        expect_pieces(st, t, "metaspace no prefix", "Hey friend", "Hey|_friend");
        wmss_tokenizer_free(t);
    }
}

static void test_bytelevel_normalizers(check_state *st) {
    // GPT-2 style ByteLevel: prefix space and the built-in regex, then the byte alphabet
    wmss_tokenizer *t = load_json(st, "gpt2",
                                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                                  "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
                                  "\"use_regex\":true}}");
    if (t) {
        expect_pieces(st, t, "gpt2 regex", "Hello world's  2024!\n",
                      "\xc4\xa0Hello|\xc4\xa0world|'s|\xc4\xa0|\xc4\xa0" "2024|!|\xc4\x8a");
        expect_pieces(st, t, "gpt2 bytes", "\xc3\xa9\x01", "\xc4\xa0\xc3\x83\xc2\xa9|\xc4\x81");
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "normalizers",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]},"
                  "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},"
                  "{\"type\":\"Lowercase\"},{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\s+\"},"
                  "\"content\":\"_\"}]}}");
    if (t) {
        tok_buf out = {0};
        wmss_error e = {{0}};
        int rc = tok_normalize_string(t, "\xef\xac\x81 A\xcc\x8a  \xe2\x91\xa0\xc4\xb0", 14, &out, &e);
        CHECK(st, rc == 0 && out.len == 10 && !memcmp(out.p, "fi_\xc3\xa5_1i\xcc\x87", 10),
              "NFKC + Lowercase + Replace: '%s' (%s)", out.p ? out.p : "", e.msg);
        tok_buf_free(&out);
        wmss_tokenizer_free(t);
    }
}

static void test_added_tokens(check_state *st) {
    // The Rust crate's options_use_cases / test_single_word_is_correct.
    wmss_tokenizer *t = load_json(
        st, "added",
        "{\"added_tokens\":["
        "{\"id\":18,\"content\":\"[CLS]\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,"
        "\"special\":true},"
        "{\"id\":19,\"content\":\"[SEP]\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,"
        "\"special\":true},"
        "{\"id\":20,\"content\":\"my\",\"single_word\":false,\"lstrip\":true,\"rstrip\":true,\"normalized\":true,"
        "\"special\":false},"
        "{\"id\":21,\"content\":\"name\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,"
        "\"special\":false},"
        "{\"id\":22,\"content\":\"ony\",\"single_word\":true,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,"
        "\"special\":false},"
        "{\"id\":23,\"content\":\"<mask>\",\"single_word\":true,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,"
        "\"special\":false}],"
        "\"normalizer\":{\"type\":\"Lowercase\"},"
        "\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}");
    if (!t) return;
    // "[CLS]", " my " -> my, "name", " is anthony " (ony is not a single word there), "[SEP]"
    expect_ids(st, t, "lstrip/rstrip/single_word", "[CLS] My name is Anthony [SEP]", WMSS_ENCODE_PARSE_SPECIAL,
               IDS(18, 20, 21, 0, 7, 11, 0, 1, 9, 12, 6, 10, 9, 13, 0, 19));
    // without special parsing "[CLS]" is text (lowercased, chars not in vocab are dropped
    // since there is no unk token): "[cls]" -> c s; non-special added tokens still match
    expect_ids(st, t, "special off", "[CLS]name", 0, IDS(3, 11, 21));
    // "<mask>" only as a single word: "<mask>", " my " -> my, "name", " ", "<mask>",
    // " a<mask> <mask>" (no match: a word character touches each), "ony" (a single word
    // after '>'), " ", "<mask>"; characters outside the vocabulary are dropped (no unk)
    expect_ids(st, t, "single_word", "<mask> My name <mask> A<mask> <mask>ony <mask>", WMSS_ENCODE_PARSE_SPECIAL,
               IDS(23, 20, 21, 0, 23, 0, 1, 8, 1, 11, 0, 8, 1, 11, 22, 0, 23));
    CHECK(st, wmss_tokenizer_is_special(t, 18) && !wmss_tokenizer_is_special(t, 20), "special flags");
    // skip_special on decode (no decoder: tokens joined with spaces, as the crate does)
    expect_decode(st, t, "skip special", IDS(18, 21, 19), WMSS_DECODE_SKIP_SPECIAL, "name");
    expect_decode(st, t, "no decoder", IDS(18, 21, 19), 0, "[CLS] name [SEP]");
    wmss_tokenizer_free(t);
}

static void test_bpe(check_state *st) {
    wmss_tokenizer *t = load_json(st, "bpe_order",
                                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[\"b c\",\"a b\",\"a a\"]}}");
    if (t) {
        expect_ids(st, t, "lowest rank first", "abc", 0, IDS(1, 16));
        expect_ids(st, t, "leftmost on ties", "aaa", 0, IDS(24, 1));
        expect_ids(st, t, "repeated merges", "aaaaa", 0, IDS(24, 24, 1));
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "bpe_order2",
                  "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[[\"a\",\"b\"],[\"b\",\"c\"],[\"ab\",\"c\"]]}}");
    if (t) {
        expect_ids(st, t, "pair-form merges", "abc", 0, IDS(17));
        expect_ids(st, t, "pair-form merges 2", "abcbc", 0, IDS(17, 16));
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "ignore_merges",
                  "{\"model\":{\"type\":\"BPE\",\"ignore_merges\":true," CHAR_VOCAB ",\"merges\":[\"a b\"]}}");
    if (t) {
        expect_ids(st, t, "ignore_merges: whole word in vocab", "abc", 0, IDS(17));
        expect_ids(st, t, "ignore_merges: otherwise merges", "abd", 0, IDS(15, 4));
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "subword_prefix",
                  "{\"model\":{\"type\":\"BPE\",\"continuing_subword_prefix\":\"##\",\"byte_fallback\":true,"
                  "\"vocab\":{\"a\":0,\"##b\":1,\"ab\":2,\"##c\":3,\"<0x23>\":4,\"<0x64>\":5},\"merges\":[\"a ##b\"]}}");
    if (t) {
        expect_ids(st, t, "continuing_subword_prefix", "abc", 0, IDS(2, 3));
        // "##d" is not in the vocabulary: byte fallback on the decorated string, as the crate does
        expect_ids(st, t, "prefix + byte fallback", "ad", 0, IDS(0, 4, 4, 5));
        wmss_tokenizer_free(t);
    }
    t = load_json(st, "word_suffix",
                  "{\"model\":{\"type\":\"BPE\",\"end_of_word_suffix\":\"</w>\","
                  "\"vocab\":{\"a\":0,\"b</w>\":1,\"ab</w>\":2,\"b\":3},\"merges\":[\"a b</w>\"]}}");
    if (t) {
        expect_ids(st, t, "end_of_word_suffix", "ab", 0, IDS(2));
        expect_ids(st, t, "end_of_word_suffix 2", "abb", 0, IDS(0, 3, 1));
        wmss_tokenizer_free(t);
    }
    const char *fb =
        "{\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"fuse_unk\":%s,\"unk_token\":\"<unk>\","
        "\"vocab\":{\"a\":0,\"<unk>\":1,\"<0xC3>\":2,\"<0xA9>\":3},\"merges\":[]},"
        "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"}]}}";
    char json[1024];
    snprintf(json, sizeof json, fb, "true");
    t = load_json(st, "byte_fallback", json);
    if (t) {
        expect_ids(st, t, "byte fallback", "a\xc3\xa9", 0, IDS(0, 2, 3));
        expect_ids(st, t, "unk when a byte is missing, fused", "a\xc3\xbc\xc3\xbc" "a", 0, IDS(0, 1, 0));
        expect_decode(st, t, "byte fallback decode", IDS(0, 2, 3), 0, "a\xc3\xa9");
        expect_decode(st, t, "invalid bytes: one U+FFFD each", IDS(0, 2, 2, 0), 0, "a\xef\xbf\xbd\xef\xbf\xbd" "a");
        wmss_tokenizer_free(t);
    }
    snprintf(json, sizeof json, fb, "false");
    t = load_json(st, "no_fuse_unk", json);
    if (t) {
        expect_ids(st, t, "unk not fused", "\xc3\xbc\xc3\xbc", 0, IDS(1, 1));
        wmss_tokenizer_free(t);
    }
}

static void test_pipeline(check_state *st) {
    // Llama 2 / Gemma style: Replace normalizer, Prepend, BPE with byte fallback, decoders
    // Replace + ByteFallback + Fuse + Strip; TemplateProcessing with BOS and EOS.
    wmss_tokenizer *t = load_json(
        st, "sentencepiece_style",
        "{\"added_tokens\":[{\"id\":0,\"content\":\"<s>\",\"special\":true,\"normalized\":false},"
        "{\"id\":1,\"content\":\"</s>\",\"special\":true,\"normalized\":false}],"
        "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
        "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"\xe2\x96\x81\"}]},"
        "\"pre_tokenizer\":null,"
        "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\","
        "\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}],"
        "\"pair\":[],\"special_tokens\":{\"<s>\":{\"id\":\"<s>\",\"ids\":[0],\"tokens\":[\"<s>\"]},"
        "\"</s>\":{\"id\":\"</s>\",\"ids\":[1],\"tokens\":[\"</s>\"]}}},"
        "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\xe2\x96\x81\"},"
        "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},{\"type\":\"Strip\",\"content\":\" \","
        "\"start\":1,\"stop\":0}]},"
        "\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"<s>\":0,\"</s>\":1,\"\xe2\x96\x81\":2,\"H\":3,"
        "\"i\":4,\"\xe2\x96\x81H\":5,\"\xe2\x96\x81Hi\":6,\"<0x21>\":7},\"merges\":[\"\xe2\x96\x81 H\",\"\xe2\x96\x81H i\"]}}");
    if (!t) return;
    expect_ids(st, t, "prepend + replace", "Hi Hi!", 0, IDS(6, 6, 7));
    expect_ids(st, t, "template", "Hi", WMSS_ENCODE_ADD_SPECIAL, IDS(0, 6, 1));
    expect_ids(st, t, "template on empty text", "", WMSS_ENCODE_ADD_SPECIAL, IDS(0, 1));
    {
        int32_t *ids;
        size_t n;
        wmss_error e = {{0}};
        CHECK(st, wmss_tokenizer_encode(t, "", 0, 0, &ids, &n, &e) == 0 && n == 0, "empty text: %s", e.msg);
        free(ids);
    }
    expect_decode(st, t, "strip decoder", IDS(6, 6, 7), 0, "Hi Hi!");
    expect_decode(st, t, "skip special", IDS(0, 6, 1), WMSS_DECODE_SKIP_SPECIAL, "Hi");
    expect_decode(st, t, "keep special", IDS(0, 6, 1), 0, "<s> Hi</s>");
    wmss_tokenizer_free(t);
}

static void test_errors(check_state *st) {
    expect_load_error(st, "unknown_norm",
                      "{\"normalizer\":{\"type\":\"Precompiled\"},\"model\":{\"type\":\"BPE\"," CHAR_VOCAB
                      ",\"merges\":[]}}",
                      "Precompiled");
    expect_load_error(st, "unknown_pre",
                      "{\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"BertPreTokenizer\"}]},"
                      "\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}",
                      "BertPreTokenizer");
    expect_load_error(st, "unknown_model", "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}", "Unigram");
    expect_load_error(st, "unknown_decoder",
                      "{\"decoder\":{\"type\":\"WordPiece\"},\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}",
                      "WordPiece");
    expect_load_error(st, "unknown_post",
                      "{\"post_processor\":{\"type\":\"Nope\"},\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}",
                      "Nope");
    expect_load_error(st, "bad_merge", "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[\"a zz\"]}}", "zz");
    expect_load_error(st, "bad_json", "{\"model\": [", "invalid JSON");
    expect_load_error(st, "bad_regex",
                      "{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(unclosed\"},\"behavior\":"
                      "\"Isolated\"},\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}",
                      "regex");
    wmss_tokenizer *t = NULL;
    wmss_error e = {{0}};
    char missing[512];
    snprintf(missing, sizeof missing, "%s/nothing-here", tmpdir);
    CHECK(st, wmss_tokenizer_load(missing, &t, &e) != 0 && strstr(e.msg, missing), "missing file: %s", e.msg);

    t = load_json(st, "for_errors", "{\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}");
    if (!t) return;
    int32_t *ids;
    size_t n;
    static const char *bad[] = {"ab\xff", "\xc3", "a\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = wmss_tokenizer_encode(t, bad[i], strlen(bad[i]), 0, &ids, &n, &e);
        CHECK(st, rc != 0 && strstr(e.msg, "invalid UTF-8"), "invalid UTF-8 #%zu accepted (%s)", i, e.msg);
        if (!rc) free(ids);
    }
    char *text;
    size_t len;
    CHECK(st, wmss_tokenizer_decode(t, IDS(1, 999), 0, &text, &len, &e) != 0 && strstr(e.msg, "999"),
          "out-of-range id accepted: %s", e.msg);
    // NUL is an ordinary character
    CHECK(st, wmss_tokenizer_encode(t, "a\0b", 3, 0, &ids, &n, &e) == 0 && n == 2 && ids[0] == 1 && ids[1] == 2,
          "NUL inside text");
    free(ids);
    wmss_tokenizer_free(t);
}

static void test_config(check_state *st) {
    // Gemma / Llama classes: add_bos_token / add_eos_token rebuild the template.
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/cfg", tmpdir);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    FILE *f = fopen(path, "wb");
    fputs("{\"added_tokens\":[{\"id\":18,\"content\":\"[CLS]\",\"special\":true,\"normalized\":false},"
          "{\"id\":19,\"content\":\"[SEP]\",\"special\":true,\"normalized\":false}],"
          "\"model\":{\"type\":\"BPE\"," CHAR_VOCAB ",\"merges\":[]}}",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    f = fopen(path, "wb");
    fputs("{\"tokenizer_class\":\"GemmaTokenizerFast\",\"bos_token\":\"[CLS]\",\"eos_token\":{\"content\":\"[SEP]\"},"
          "\"add_eos_token\":true,\"chat_template\":\"{{ x }}\",\"clean_up_tokenization_spaces\":true}",
          f);
    fclose(f);
    wmss_tokenizer *t;
    wmss_error e = {{0}};
    if (wmss_tokenizer_load(dir, &t, &e)) {
        CHECK(st, 0, "config: %s", e.msg);
        return;
    }
    CHECK(st, wmss_tokenizer_bos_id(t) == 18 && wmss_tokenizer_eos_id(t) == 19, "bos/eos ids");
    CHECK(st, wmss_tokenizer_chat_template(t) && !strcmp(wmss_tokenizer_chat_template(t), "{{ x }}"), "chat template");
    CHECK(st, wmss_tokenizer_clean_up_spaces(t) == 1, "clean_up_tokenization_spaces");
    expect_ids(st, t, "add_bos + add_eos", "ab", WMSS_ENCODE_ADD_SPECIAL, IDS(18, 1, 2, 19));
    expect_ids(st, t, "no add_special", "ab", 0, IDS(1, 2));
    size_t len;
    CHECK(st, wmss_tokenizer_token_to_id(t, "ab", 2) == 15 && !strcmp(wmss_tokenizer_id_to_token(t, 15, &len), "ab"),
          "token <-> id");
    wmss_tokenizer_free(t);
}

int main(void) {
    check_state st = {0, 0};
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wmss-test-tokenizer-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_split_behaviors(&st);
    test_digits_metaspace(&st);
    test_bytelevel_normalizers(&st);
    test_deep_regex(&st);
    test_added_tokens(&st);
    test_bpe(&st);
    test_pipeline(&st);
    test_errors(&st);
    test_config(&st);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
    return check_finish(&st, "test_tokenizer");
}
