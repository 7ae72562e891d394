// Internal declarations shared by the tokenizer's files (src/tokenizer/*.c). Not part of
// the public API (that is src/tokenizer.h).
//
// The pipeline follows Hugging Face `tokenizers` (the Rust crate) step by step:
//   text -> added-token split (raw) -> normalizers -> added-token split (normalized)
//        -> pre-tokenizers (pieces) -> BPE model (ids) -> post-processor (BOS/EOS)
// and for decoding: ids -> token strings -> decoder chain -> text.
// Each stage lives in its own file; this header holds their shared data types.
#ifndef WMSS_TOKENIZER_INTERNAL_H
#define WMSS_TOKENIZER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <cjson/cJSON.h>

#include "error.h"
#include "tokenizer.h"

// ---------------------------------------------------------------------------------------
// Containers (hashmap.c)

// Growable byte buffer.
typedef struct {
    char *p;
    size_t len, cap;
} tok_buf;
int tok_buf_reserve(tok_buf *b, size_t extra, wmss_error *e);
int tok_buf_append(tok_buf *b, const void *data, size_t n, wmss_error *e);
void tok_buf_free(tok_buf *b);

// Growable int32 vector.
typedef struct {
    int32_t *v;
    size_t n, cap;
} tok_ids;
int tok_ids_push(tok_ids *a, int32_t x, wmss_error *e);
int tok_ids_append(tok_ids *a, const int32_t *x, size_t n, wmss_error *e);

// Arena: allocations stay valid (never move) until tok_arena_reset / tok_arena_free.
typedef struct tok_arena_block tok_arena_block;
typedef struct {
    tok_arena_block *head;
} tok_arena;
void *tok_arena_alloc(tok_arena *a, size_t n, wmss_error *e);
char *tok_arena_strdup(tok_arena *a, const char *s, size_t n, wmss_error *e);  // NUL-terminated copy
void tok_arena_reset(tok_arena *a);  // keeps the first block, frees the others
void tok_arena_free(tok_arena *a);

uint64_t tok_hash_bytes(const void *p, size_t n);

// String -> int32 map; keys are borrowed (must outlive the map).
typedef struct {
    const char *key;
    uint32_t len;
    int32_t val;
    uint64_t hash;
} tok_strmap_slot;
typedef struct {
    tok_strmap_slot *slots;  // key == NULL: empty
    size_t mask, count;
} tok_strmap;
int tok_strmap_init(tok_strmap *m, size_t expected, wmss_error *e);
int tok_strmap_put(tok_strmap *m, const char *key, size_t len, int32_t val, wmss_error *e);  // overwrites
int32_t tok_strmap_get(const tok_strmap *m, const char *key, size_t len);  // -1 when absent
void tok_strmap_free(tok_strmap *m);

// uint64 -> uint64 map (key UINT64_MAX is reserved).
typedef struct {
    uint64_t key, val;
} tok_u64map_slot;
typedef struct {
    tok_u64map_slot *slots;
    size_t mask, count;
} tok_u64map;
int tok_u64map_init(tok_u64map *m, size_t expected, wmss_error *e);
int tok_u64map_put(tok_u64map *m, uint64_t key, uint64_t val, wmss_error *e);  // overwrites
void tok_u64map_free(tok_u64map *m);

static inline uint64_t tok_mix64(uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

// 1 and *val when found, 0 when not (inline: the BPE merge loop's hot path).
static inline int tok_u64map_get(const tok_u64map *m, uint64_t key, uint64_t *val) {
    if (!m->slots) return 0;
    size_t j = tok_mix64(key) & m->mask;
    for (;;) {
        const tok_u64map_slot *s = &m->slots[j];
        if (s->key == key) {
            *val = s->val;
            return 1;
        }
        if (s->key == UINT64_MAX) return 0;
        j = (j + 1) & m->mask;
    }
}

// ---------------------------------------------------------------------------------------
// UTF-8 and Unicode helpers (utf8.c)

// Length of the valid UTF-8 sequence at s[0..n) (1-4), or 0 if invalid there; in that
// case *bad gets the length of the maximal invalid subpart (>= 1) as WHATWG / Rust's
// from_utf8_lossy count it.
size_t tok_utf8_next(const unsigned char *s, size_t n, uint32_t *cp, size_t *bad);
// Offset of the first invalid byte, or n when all of s is valid UTF-8.
size_t tok_utf8_validate(const char *s, size_t n);
// Appends s to out with every invalid sequence replaced by U+FFFD (from_utf8_lossy).
int tok_utf8_lossy_append(tok_buf *out, const char *s, size_t n, wmss_error *e);
size_t tok_utf8_encode(uint32_t cp, char out[4]);
size_t tok_utf8_char_len(unsigned char lead);  // 1 for continuation / invalid bytes
int tok_is_whitespace(uint32_t cp);            // Unicode White_Space (Rust char::is_whitespace)
int tok_is_numeric(uint32_t cp);               // Nd, Nl, No (Rust char::is_numeric)
int tok_is_word_char(uint32_t cp);             // Rust regex \w: alphabetic, marks, Nd, Pc, Join_Control

// GPT-2 byte <-> unicode alphabet of the ByteLevel pre-tokenizer and decoder.
uint32_t tok_bytelevel_char(unsigned char b);
int tok_bytelevel_byte(uint32_t cp);  // -1 if cp is not in the alphabet

// ---------------------------------------------------------------------------------------
// Patterns (regex.c): a literal string or a PCRE2 regex compiled with onig semantics.

typedef struct {
    int is_regex;
    char *lit;  // literal (NUL-terminated copy)
    size_t lit_len;
    pcre2_code *re;
    int jit;  // JIT-compiled
} tok_pattern;

typedef struct {
    size_t start, end;
} tok_range;
typedef struct {
    tok_range *r;
    size_t n, cap;
} tok_ranges;

// Per-thread matching state (match data and JIT stack).
typedef struct {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
} tok_matcher;

// Parses {"String": "..."} or {"Regex": "..."}; `where` names the field for errors.
int tok_pattern_parse(const cJSON *j, tok_pattern *p, const char *where, wmss_error *e);
int tok_pattern_compile_regex(tok_pattern *p, const char *regex, const char *where, wmss_error *e);
void tok_pattern_free(tok_pattern *p);
// All non-overlapping matches in s[0..n), left to right (empty matches included).
int tok_pattern_find(const tok_pattern *p, tok_matcher *m, const char *s, size_t n, tok_ranges *out,
                     wmss_error *e);
int tok_matcher_init(tok_matcher *m, wmss_error *e);
void tok_matcher_free(tok_matcher *m);
int tok_ranges_push(tok_ranges *r, size_t start, size_t end, wmss_error *e);

// ---------------------------------------------------------------------------------------
// Scratch state of one encoding thread: matcher, buffers, BPE work arrays, word cache.

typedef struct {
    const char *p;
    size_t len;
    int at_origin;  // starts at offset 0 of the original input (Metaspace prepend_scheme "first")
} tok_piece;

typedef struct {
    tok_piece *v;
    size_t n, cap;
} tok_pieces;
int tok_pieces_push(tok_pieces *a, const char *p, size_t len, int at_origin, wmss_error *e);

typedef struct {
    int32_t id;
    int32_t prev, next;
    uint32_t len;  // bytes; 0 = merged away
} tok_symbol;

typedef struct {
    uint32_t rank, pos;
    int32_t new_id, left, right;  // the pair it was made for: stale once either changed
} tok_merge_cand;

typedef struct {
    size_t start, end;
    int is_match;
} tok_seg;

typedef struct {
    tok_matcher matcher;
    tok_seg *seg;               // split segments
    size_t seg_n, seg_cap;
    tok_arena arena;            // transformed pieces of the current section
    tok_buf norm[2];            // normalizer ping-pong buffers
    tok_pieces pieces[2];       // pre-tokenizer ping-pong piece lists
    tok_ranges ranges;          // regex / split matches
    tok_symbol *sym;            // BPE symbols
    size_t sym_cap;
    tok_merge_cand *heap;       // BPE merge queue
    size_t heap_cap;
    struct tok_word_cache *cache;  // word -> ids (bpe.c), NULL until first use
} tok_scratch;

int tok_scratch_init(tok_scratch *s, wmss_error *e);
void tok_scratch_free(tok_scratch *s);

// ---------------------------------------------------------------------------------------
// Components

// Normalizers (normalizer.c)
typedef enum {
    TOK_NORM_NFC,
    TOK_NORM_NFD,
    TOK_NORM_NFKC,
    TOK_NORM_NFKD,
    TOK_NORM_REPLACE,
    TOK_NORM_PREPEND,
    TOK_NORM_LOWERCASE,
} tok_norm_type;

typedef struct {
    tok_norm_type type;
    tok_pattern pattern;  // Replace
    char *content;        // Replace: replacement; Prepend: prefix
    size_t content_len;
} tok_normalizer;

// Pre-tokenizers (pretokenizer.c)
typedef enum {
    TOK_PRE_SPLIT,
    TOK_PRE_BYTELEVEL,
    TOK_PRE_METASPACE,
    TOK_PRE_DIGITS,
    TOK_PRE_WHITESPACE_SPLIT,
} tok_pre_type;

typedef enum {
    TOK_SPLIT_REMOVED,
    TOK_SPLIT_ISOLATED,
    TOK_SPLIT_MERGED_WITH_PREVIOUS,
    TOK_SPLIT_MERGED_WITH_NEXT,
    TOK_SPLIT_CONTIGUOUS,
} tok_split_behavior;

typedef enum { TOK_PREPEND_ALWAYS, TOK_PREPEND_FIRST, TOK_PREPEND_NEVER } tok_prepend_scheme;

typedef struct {
    tok_pre_type type;
    tok_pattern pattern;          // Split; ByteLevel with use_regex (the GPT-2 regex)
    tok_split_behavior behavior;  // Split
    int invert;                   // Split
    int add_prefix_space;         // ByteLevel
    int use_regex;                // ByteLevel
    char repl[8];                 // Metaspace replacement character (UTF-8)
    size_t repl_len;
    tok_prepend_scheme prepend;   // Metaspace
    int split;                    // Metaspace
    int individual_digits;        // Digits
} tok_pretokenizer;

// Decoders (decoder.c)
typedef enum {
    TOK_DEC_BYTELEVEL,
    TOK_DEC_REPLACE,
    TOK_DEC_BYTEFALLBACK,
    TOK_DEC_FUSE,
    TOK_DEC_STRIP,
    TOK_DEC_METASPACE,
} tok_dec_type;

typedef struct {
    tok_dec_type type;
    tok_pattern pattern;  // Replace
    char *content;        // Replace: replacement; Strip / Metaspace: the character (UTF-8)
    size_t content_len;
    int start, stop;      // Strip
    tok_prepend_scheme prepend;  // Metaspace
} tok_decoder;

// Post-processor: the "single" template of TemplateProcessing (a pair template is not
// needed: we encode one sequence at a time). ByteLevel post-processing has no effect on ids.
typedef struct {
    int is_sequence;  // 1: the input ids ($A); 0: fixed special-token ids
    int32_t *ids;
    size_t n_ids;
} tok_template_item;

// BPE model (bpe.c)
typedef struct {
    tok_strmap vocab;    // model vocabulary: token string -> id
    tok_u64map merges;   // (left id << 32 | right id) -> (rank << 32 | merged id)
    int32_t unk_id;      // -1: no unk token
    int byte_fallback, fuse_unk, ignore_merges;
    char *prefix, *suffix;  // continuing_subword_prefix / end_of_word_suffix (NULL: none)
    size_t prefix_len, suffix_len;
    int32_t byte_id[256];       // "<0xXX>" ids for byte_fallback (-1 if absent)
    int32_t small_char_id[2048];  // id of the one-character token for code points < 2048
                                  // (-1: not in vocab); only when prefix/suffix are unused
    int small_char_ok;
} tok_bpe;

// Added tokens (added.c)
typedef struct {
    char *content;
    size_t len;
    int32_t id;
    int special, lstrip, rstrip, single_word, normalized;
} tok_added_token;

// A byte trie over token contents for leftmost-longest matching.
typedef struct {
    tok_u64map children;   // (node << 8 | byte) -> child node
    int32_t *terminal;     // node -> index into tokens, -1 if none
    size_t n_nodes, cap_nodes;
    uint8_t root_has[256];  // first-byte filter
    size_t max_len;
} tok_trie;

typedef struct {
    tok_added_token *tokens;
    size_t n;
    tok_trie raw;         // tokens with normalized == false: matched on the input text
    tok_trie normalized;  // tokens with normalized == true: matched on normalized text
    int has_normalized;
} tok_added;

// The loaded tokenizer.
struct wmss_tokenizer {
    char path[4096];  // tokenizer.json
    tok_arena strings;  // token strings and other loaded text
    size_t n_ids;       // largest id + 1
    size_t id_cap;      // allocated length of the id tables
    const char **pieces;  // id -> token string (NULL: id unused)
    uint32_t *piece_len;
    uint8_t *id_flags;    // TOK_ID_* bits
    tok_strmap token_ids; // every token (model + added) -> id

    tok_normalizer *norms;
    size_t n_norms;
    tok_pretokenizer *pretoks;
    size_t n_pretoks;
    tok_bpe bpe;
    tok_added added;
    tok_decoder *decs;
    size_t n_decs;
    int has_decoder;
    tok_template_item *post;  // NULL: no template (nothing added)
    size_t n_post;

    int32_t bos_id, eos_id, pad_id, unk_id;
    char *bos_token, *eos_token, *pad_token, *unk_token, *chat_template;
    int clean_up_spaces;  // tokenizer_config.json clean_up_tokenization_spaces
};

#define TOK_ID_ADDED 1
#define TOK_ID_SPECIAL 2

// Records the string of an id (growing the id tables); the string must outlive t.
int tok_set_piece(wmss_tokenizer *t, int32_t id, const char *s, size_t len, wmss_error *e);
void tok_word_cache_free(struct tok_word_cache *c);

// Loading of each component from its JSON object; `where` names the file and field.
int tok_normalizers_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_pretokenizers_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_bpe_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_added_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_added_build(wmss_tokenizer *t, wmss_error *e);  // tries (after normalizers are known)
int tok_post_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_decoders_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e);
int tok_config_load(wmss_tokenizer *t, const char *config_path, wmss_error *e);
void tok_components_free(wmss_tokenizer *t);
void tok_added_free(tok_added *a);
void tok_post_free(wmss_tokenizer *t);
int tok_post_set_bos_eos(wmss_tokenizer *t, int32_t bos, int32_t eos, wmss_error *e);
int tok_parse_replacement(const cJSON *j, char out[8], size_t *len, const char *where, wmss_error *e);

// Running them.
// Normalizes in[0..n) into a buffer owned by s (*out, *out_len).
int tok_normalize(const wmss_tokenizer *t, tok_scratch *s, const char *in, size_t n, const char **out,
                  size_t *out_len, wmss_error *e);
int tok_normalize_string(const wmss_tokenizer *t, const char *in, size_t n, tok_buf *out, wmss_error *e);
// Splits one normalized section into pieces (in s->pieces[*which]).
int tok_pretokenize(const wmss_tokenizer *t, tok_scratch *s, const char *p, size_t n, int at_origin, int *which,
                    wmss_error *e);
// Appends the ids of one pre-tokenized piece.
int tok_bpe_encode_word(const wmss_tokenizer *t, tok_scratch *s, const char *w, size_t n, tok_ids *out,
                        wmss_error *e);
// Finds the leftmost-longest added token at or after `from` in s[0..n): returns 1 and sets
// [*start, *end) and *tok, or 0 when there is none. Honours lstrip/rstrip/single_word and
// skips special tokens unless parse_special.
int tok_added_find(const tok_added *a, const tok_trie *trie, const char *s, size_t n, size_t from,
                   int parse_special, size_t *start, size_t *end, const tok_added_token **tok);
int tok_decode_chain(const wmss_tokenizer *t, const char **toks, const size_t *lens, size_t n, tok_buf *out,
                     wmss_error *e);

// Reads a JSON value that is a string or {"content": "..."} (tokenizer_config.json tokens).
const char *tok_json_token_string(const cJSON *j);

#endif
