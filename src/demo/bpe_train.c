// A byte-level BPE trainer for the demo's tokenizer: pre-tokenize with the Qwen2 regex
// (digits one by one, so numbers stay compositional), count words, merge the most
// frequent adjacent pair `merges` times, write a Hugging Face tokenizer.json (BPE model,
// Split + ByteLevel pre-tokenizer, ByteLevel decoder) and tokenizer_config.json.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "demo.h"
#include "fsutil.h"

#define PRETOKENIZE_REGEX                                                                                  \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|" \
    "\\s+(?!\\S)|\\s+"

// GPT-2's byte -> printable code point table.
static void byte_chars(int cp[256]) {
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        cp[b] = printable ? b : 256 + n++;
    }
}

static size_t put_utf8(char *o, int cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
}

typedef struct {
    int *sym;    // symbol ids
    int len;
    long count;
    char *key;   // the raw bytes (for counting)
    int key_len;
} word;

typedef struct {
    word *w;
    int n, cap;
    int *table;  // open addressing over w indices, -1 empty
    int tcap;
} words;

static unsigned long hash_bytes(const char *s, int n) {
    unsigned long h = 1469598103934665603ul;
    for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ul;
    return h;
}

static int words_add(words *W, const char *s, int n) {
    if (W->n * 2 >= W->tcap) {  // grow and rehash
        int tcap = W->tcap ? W->tcap * 2 : 4096;
        int *t = malloc(tcap * sizeof *t);
        if (!t) return -1;
        for (int i = 0; i < tcap; i++) t[i] = -1;
        for (int i = 0; i < W->n; i++) {
            unsigned long h = hash_bytes(W->w[i].key, W->w[i].key_len) % (unsigned long)tcap;
            while (t[h] >= 0) h = (h + 1) % (unsigned long)tcap;
            t[h] = i;
        }
        free(W->table);
        W->table = t;
        W->tcap = tcap;
    }
    unsigned long h = hash_bytes(s, n) % (unsigned long)W->tcap;
    for (; W->table[h] >= 0; h = (h + 1) % (unsigned long)W->tcap) {
        word *x = &W->w[W->table[h]];
        if (x->key_len == n && !memcmp(x->key, s, n)) {
            x->count++;
            return 0;
        }
    }
    if (W->n == W->cap) {
        int cap = W->cap ? 2 * W->cap : 1024;
        word *nw = realloc(W->w, cap * sizeof *nw);
        if (!nw) return -1;
        W->w = nw;
        W->cap = cap;
    }
    word *x = &W->w[W->n];
    x->key = malloc(n);
    x->sym = malloc(n * sizeof *x->sym);
    if (!x->key || !x->sym) return -1;
    memcpy(x->key, s, n);
    x->key_len = x->len = n;
    for (int i = 0; i < n; i++) x->sym[i] = (unsigned char)s[i];
    x->count = 1;
    W->table[h] = W->n++;
    return 0;
}

int wmss_bpe_train(const char *const *texts, int n, int merges, const char *dir, wmss_error *e) {
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)PRETOKENIZE_REGEX, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &err,
                                   &off, NULL);
    if (!re) return wmss_fail(e, "bpe: regex does not compile");
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    words W = {0};
    int rc = 0;
    for (int t = 0; t < n && !rc; t++) {
        const char *s = texts[t];
        size_t len = strlen(s), at = 0;
        while (at < len && pcre2_match(re, (PCRE2_SPTR)s, len, at, 0, md, NULL) > 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[1] <= ov[0]) break;
            if (words_add(&W, s + ov[0], (int)(ov[1] - ov[0]))) rc = wmss_fail(e, "out of memory");
            at = ov[1];
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    // Symbols: 0..255 the bytes, then one per merge.
    int n_sym = 256, cap_sym = 256 + merges;
    int (*pair_of)[2] = malloc(cap_sym * sizeof *pair_of);
    long *counts = NULL;
    if (!pair_of) rc = wmss_fail(e, "out of memory");
    for (int m = 0; m < merges && !rc; m++) {
        // Count adjacent pairs (a small corpus: a dense count over the live symbols).
        free(counts);
        counts = calloc((size_t)n_sym * n_sym, sizeof *counts);
        if (!counts) { rc = wmss_fail(e, "out of memory"); break; }
        for (int i = 0; i < W.n; i++)
            for (int k = 0; k + 1 < W.w[i].len; k++) counts[(size_t)W.w[i].sym[k] * n_sym + W.w[i].sym[k + 1]] += W.w[i].count;
        size_t best = 0;
        for (size_t p = 1; p < (size_t)n_sym * n_sym; p++)
            if (counts[p] > counts[best]) best = p;  // ties: the first pair (deterministic)
        if (counts[best] < 2) break;
        const int a = (int)(best / n_sym), b = (int)(best % n_sym), c = n_sym++;
        pair_of[c][0] = a;
        pair_of[c][1] = b;
        for (int i = 0; i < W.n; i++) {
            word *x = &W.w[i];
            int o = 0;
            for (int k = 0; k < x->len; k++) {
                if (k + 1 < x->len && x->sym[k] == a && x->sym[k + 1] == b) {
                    x->sym[o++] = c;
                    k++;
                } else {
                    x->sym[o++] = x->sym[k];
                }
            }
            x->len = o;
        }
    }
    free(counts);
    // Symbol strings in GPT-2's byte-level alphabet.
    int cp[256];
    byte_chars(cp);
    char **str = calloc(n_sym, sizeof *str);
    for (int s = 0; str && s < n_sym && !rc; s++) {
        if (s < 256) {
            str[s] = calloc(4, 1);
            if (str[s]) put_utf8(str[s], cp[s]);
        } else {
            size_t la = strlen(str[pair_of[s][0]]), lb = strlen(str[pair_of[s][1]]);
            str[s] = malloc(la + lb + 1);
            if (str[s]) {
                memcpy(str[s], str[pair_of[s][0]], la);
                memcpy(str[s] + la, str[pair_of[s][1]], lb + 1);
            }
        }
        if (!str[s]) rc = wmss_fail(e, "out of memory");
    }
    if (!str && !rc) rc = wmss_fail(e, "out of memory");
    static const char *const SPECIAL[3] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    if (!rc) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "version", "1.0");
        cJSON_AddNullToObject(j, "truncation");
        cJSON_AddNullToObject(j, "padding");
        cJSON *added = cJSON_AddArrayToObject(j, "added_tokens");
        for (int k = 0; k < 3; k++) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddNumberToObject(t, "id", n_sym + k);
            cJSON_AddStringToObject(t, "content", SPECIAL[k]);
            cJSON_AddBoolToObject(t, "single_word", 0);
            cJSON_AddBoolToObject(t, "lstrip", 0);
            cJSON_AddBoolToObject(t, "rstrip", 0);
            cJSON_AddBoolToObject(t, "normalized", 0);
            cJSON_AddBoolToObject(t, "special", 1);
            cJSON_AddItemToArray(added, t);
        }
        cJSON_AddNullToObject(j, "normalizer");
        cJSON *pre = cJSON_AddObjectToObject(j, "pre_tokenizer");
        cJSON_AddStringToObject(pre, "type", "Sequence");
        cJSON *pres = cJSON_AddArrayToObject(pre, "pretokenizers");
        cJSON *split = cJSON_CreateObject();
        cJSON_AddStringToObject(split, "type", "Split");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(split, "pattern"), "Regex", PRETOKENIZE_REGEX);
        cJSON_AddStringToObject(split, "behavior", "Isolated");
        cJSON_AddBoolToObject(split, "invert", 0);
        cJSON_AddItemToArray(pres, split);
        cJSON *bl = cJSON_CreateObject();
        cJSON_AddStringToObject(bl, "type", "ByteLevel");
        cJSON_AddBoolToObject(bl, "add_prefix_space", 0);
        cJSON_AddBoolToObject(bl, "trim_offsets", 0);
        cJSON_AddBoolToObject(bl, "use_regex", 0);
        cJSON_AddItemToArray(pres, bl);
        cJSON *post = cJSON_AddObjectToObject(j, "post_processor");
        cJSON_AddStringToObject(post, "type", "ByteLevel");
        cJSON_AddBoolToObject(post, "add_prefix_space", 0);
        cJSON_AddBoolToObject(post, "trim_offsets", 0);
        cJSON_AddBoolToObject(post, "use_regex", 0);
        cJSON *dec = cJSON_AddObjectToObject(j, "decoder");
        cJSON_AddStringToObject(dec, "type", "ByteLevel");
        cJSON_AddBoolToObject(dec, "add_prefix_space", 0);
        cJSON_AddBoolToObject(dec, "trim_offsets", 0);
        cJSON_AddBoolToObject(dec, "use_regex", 0);
        cJSON *model = cJSON_AddObjectToObject(j, "model");
        cJSON_AddStringToObject(model, "type", "BPE");
        cJSON_AddNullToObject(model, "dropout");
        cJSON_AddNullToObject(model, "unk_token");
        cJSON_AddStringToObject(model, "continuing_subword_prefix", "");
        cJSON_AddStringToObject(model, "end_of_word_suffix", "");
        cJSON_AddBoolToObject(model, "fuse_unk", 0);
        cJSON_AddBoolToObject(model, "byte_fallback", 0);
        cJSON_AddBoolToObject(model, "ignore_merges", 0);
        cJSON *vocab = cJSON_AddObjectToObject(model, "vocab");
        for (int s = 0; s < n_sym; s++) cJSON_AddNumberToObject(vocab, str[s], s);
        cJSON *ml = cJSON_AddArrayToObject(model, "merges");
        for (int s = 256; s < n_sym; s++) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateString(str[pair_of[s][0]]));
            cJSON_AddItemToArray(pair, cJSON_CreateString(str[pair_of[s][1]]));
            cJSON_AddItemToArray(ml, pair);
        }
        char *text = cJSON_Print(j);
        cJSON_Delete(j);
        char path[4200];
        snprintf(path, sizeof path, "%s/tokenizer.json", dir);
        rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
        free(text);
    }
    if (!rc) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "tokenizer_class", "PreTrainedTokenizerFast");
        cJSON_AddNullToObject(c, "bos_token");
        cJSON_AddStringToObject(c, "eos_token", "<|im_end|>");
        cJSON_AddStringToObject(c, "pad_token", "<|endoftext|>");
        cJSON_AddBoolToObject(c, "clean_up_tokenization_spaces", 0);
        cJSON_AddNumberToObject(c, "model_max_length", 2048);
        cJSON_AddStringToObject(c, "chat_template", WMSS_CHATML_TEMPLATE);
        cJSON *dec = cJSON_AddObjectToObject(c, "added_tokens_decoder");
        for (int k = 0; k < 3; k++) {
            char id[16];
            snprintf(id, sizeof id, "%d", n_sym + k);
            cJSON *t = cJSON_AddObjectToObject(dec, id);
            cJSON_AddStringToObject(t, "content", SPECIAL[k]);
            cJSON_AddBoolToObject(t, "lstrip", 0);
            cJSON_AddBoolToObject(t, "normalized", 0);
            cJSON_AddBoolToObject(t, "rstrip", 0);
            cJSON_AddBoolToObject(t, "single_word", 0);
            cJSON_AddBoolToObject(t, "special", 1);
        }
        char *text = cJSON_Print(c);
        cJSON_Delete(c);
        char path[4200];
        snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
        rc = text ? wmss_write_file_atomic(path, text, strlen(text), e) : wmss_fail(e, "out of memory");
        free(text);
    }
    for (int s = 0; str && s < n_sym; s++) free(str[s]);
    free(str);
    free(pair_of);
    for (int i = 0; i < W.n; i++) {
        free(W.w[i].key);
        free(W.w[i].sym);
    }
    free(W.w);
    free(W.table);
    return rc;
}
