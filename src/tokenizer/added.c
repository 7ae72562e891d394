// Added tokens (tokenizer.json "added_tokens"): special and non-special tokens that are
// cut out of the text before normalization and pre-tokenization, as the Rust crate's
// AddedVocabulary does: leftmost-longest matching (a byte trie), tokens with
// normalized: false matched on the raw text, normalized: true on the normalized text, and
// the lstrip / rstrip / single_word options. With parse_special off, special tokens are
// skipped where they match (the crate's encode_special_tokens), so their text goes
// through the model as ordinary characters.
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

static int flag(const cJSON *j, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

int tok_added_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsArray(j)) return wmss_fail(e, "%s: expected a list", where);
    size_t n = (size_t)cJSON_GetArraySize(j);
    t->added.tokens = wmss_calloc(n, sizeof *t->added.tokens, e);
    if (!t->added.tokens) return -1;
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "content");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (!cJSON_IsString(c) || !cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > 2147483646.0 ||
            id->valuedouble != (double)(int32_t)id->valuedouble)
            return wmss_fail(e, "%s[%d]: expected {\"id\": integer, \"content\": string, ...}", where, i);
        tok_added_token *a = &t->added.tokens[t->added.n];
        a->len = strlen(c->valuestring);
        if (!(a->content = tok_arena_strdup(&t->strings, c->valuestring, a->len, e))) return -1;
        a->special = flag(it, "special", 0);
        a->lstrip = flag(it, "lstrip", 0);
        a->rstrip = flag(it, "rstrip", 0);
        a->single_word = flag(it, "single_word", 0);
        a->normalized = flag(it, "normalized", !a->special);
        // The crate gives a token that is already in the model vocabulary the model's id.
        int32_t vid = tok_strmap_get(&t->bpe.vocab, a->content, a->len);
        a->id = vid >= 0 ? vid : (int32_t)id->valuedouble;
        i++;
        if (a->len == 0) continue;  // the crate ignores empty tokens
        t->added.n++;
        if (tok_set_piece(t, a->id, a->content, a->len, e)) return -1;
        t->id_flags[a->id] |= TOK_ID_ADDED | (a->special ? TOK_ID_SPECIAL : 0);
    }
    return 0;
}

// ---------------------------------------------------------------------------------------
// Trie

static int trie_new_node(tok_trie *tr, wmss_error *e) {
    if (tr->n_nodes == tr->cap_nodes) {
        size_t cap = tr->cap_nodes ? tr->cap_nodes * 2 : 256;
        int32_t *v = realloc(tr->terminal, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory building the added-token trie");
        tr->terminal = v;
        tr->cap_nodes = cap;
    }
    tr->terminal[tr->n_nodes] = -1;
    return (int)tr->n_nodes++;
}

static int trie_insert(tok_trie *tr, const char *s, size_t n, int32_t token, wmss_error *e) {
    if (!tr->n_nodes && trie_new_node(tr, e) < 0) return -1;
    uint64_t node = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = (node << 8) | (unsigned char)s[i], child;
        if (!tok_u64map_get(&tr->children, key, &child)) {
            int c = trie_new_node(tr, e);
            if (c < 0 || tok_u64map_put(&tr->children, key, (uint64_t)c, e)) return -1;
            child = (uint64_t)c;
        }
        node = child;
    }
    if (tr->terminal[node] < 0) tr->terminal[node] = token;  // first token with this content wins
    tr->root_has[(unsigned char)s[0]] = 1;
    if (n > tr->max_len) tr->max_len = n;
    return 0;
}

int tok_added_build(wmss_tokenizer *t, wmss_error *e) {
    tok_added *a = &t->added;
    tok_buf nb = {0};
    // Special tokens first, then the others, as the crate orders its patterns.
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < a->n; i++) {
            const tok_added_token *k = &a->tokens[i];
            if (k->special != (pass == 0)) continue;
            if (!k->normalized) {
                if (trie_insert(&a->raw, k->content, k->len, (int32_t)i, e)) goto fail;
                continue;
            }
            if (tok_normalize_string(t, k->content, k->len, &nb, e)) goto fail;
            if (nb.len && trie_insert(&a->normalized, nb.p, nb.len, (int32_t)i, e)) goto fail;
            a->has_normalized = 1;
        }
    tok_buf_free(&nb);
    return 0;
fail:
    tok_buf_free(&nb);
    return -1;
}

void tok_added_free(tok_added *a) {
    free(a->tokens);
    tok_u64map_free(&a->raw.children);
    tok_u64map_free(&a->normalized.children);
    free(a->raw.terminal);
    free(a->normalized.terminal);
    memset(a, 0, sizeof *a);
}

// ---------------------------------------------------------------------------------------
// Matching

// Longest token starting at s[i], or -1.
static int32_t longest_at(const tok_trie *tr, const char *s, size_t n, size_t i, size_t *len) {
    uint64_t node = 0;
    int32_t best = -1;
    for (size_t j = i; j < n; j++) {
        uint64_t child;
        if (!tok_u64map_get(&tr->children, (node << 8) | (unsigned char)s[j], &child)) break;
        node = child;
        if (tr->terminal[node] >= 0) {
            best = tr->terminal[node];
            *len = j + 1 - i;
        }
    }
    return best;
}

static uint32_t char_before(const char *s, size_t at) {
    size_t i = at;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) i--;
    if (i > 0) i--;
    uint32_t cp;
    size_t bad;
    if (!tok_utf8_next((const unsigned char *)s + i, at - i, &cp, &bad)) return 0xfffd;
    return cp;
}

static size_t char_start_before(const char *s, size_t at) {
    size_t i = at - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) i--;
    return i;
}

int tok_added_find(const tok_added *a, const tok_trie *trie, const char *s, size_t n, size_t from,
                   int parse_special, size_t *start, size_t *end, const tok_added_token **tok) {
    if (!trie->n_nodes) return 0;
    size_t i = from;
    while (i < n) {
        if (!trie->root_has[(unsigned char)s[i]]) {
            i++;
            continue;
        }
        size_t len = 0;
        int32_t k = longest_at(trie, s, n, i, &len);
        if (k < 0) {
            i++;
            continue;
        }
        const tok_added_token *t = &a->tokens[k];
        size_t st = i, en = i + len;
        if (!parse_special && t->special) {  // not recognized: the search goes on after it
            i = en;
            continue;
        }
        if (t->single_word) {
            uint32_t cp;
            size_t bad;
            int word_before = st > 0 && tok_is_word_char(char_before(s, st));
            int word_after = en < n && tok_utf8_next((const unsigned char *)s + en, n - en, &cp, &bad) &&
                             tok_is_word_char(cp);
            if (word_before || word_after) {
                i = en;
                continue;
            }
        }
        if (t->lstrip) {
            size_t ns = st;
            while (ns > from && tok_is_whitespace(char_before(s, ns))) ns = char_start_before(s, ns);
            st = ns;
        }
        if (t->rstrip) {
            while (en < n) {
                uint32_t cp;
                size_t bad, k2 = tok_utf8_next((const unsigned char *)s + en, n - en, &cp, &bad);
                if (!k2 || !tok_is_whitespace(cp)) break;
                en += k2;
            }
        }
        *start = st;
        *end = en;
        *tok = t;
        return 1;
    }
    return 0;
}
