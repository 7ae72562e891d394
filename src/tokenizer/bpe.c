// The BPE model: vocabulary and merges from tokenizer.json, and the encoding of one
// pre-tokenized word exactly as the Rust crate's BPE::merge_word + Word::merge_all do it:
// characters -> symbols (unknown characters through byte_fallback or unk/fuse_unk), then
// repeatedly the adjacent pair with the lowest merge rank (leftmost on ties) is merged,
// using a binary heap over a linked list of symbols: O(n log n) per word, no recursion.
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

// ---------------------------------------------------------------------------------------
// Loading

static int get_opt_string(const cJSON *j, const char *key, const char **out, const char *where, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v)) return wmss_fail(e, "%s.%s: expected a string or null", where, key);
    *out = v->valuestring;
    return 0;
}

static int get_bool(const cJSON *j, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsTrue(v);
}

static int parse_merges(wmss_tokenizer *t, const cJSON *merges, const char *where, wmss_error *e) {
    tok_bpe *b = &t->bpe;
    if (tok_u64map_init(&b->merges, (size_t)cJSON_GetArraySize(merges), e)) return -1;
    tok_buf cat = {0};
    uint32_t rank = 0;
    const cJSON *m;
    int rc = 0;
    cJSON_ArrayForEach(m, merges) {
        const char *l, *r;
        size_t ll, rl;
        if (cJSON_IsString(m)) {
            const char *s = m->valuestring;
            const char *sp = strchr(s, ' ');
            if (!sp || strchr(sp + 1, ' ')) {
                rc = wmss_fail(e, "%s.merges[%u]: expected \"left right\" (one space), got \"%s\"", where, rank, s);
                break;
            }
            l = s;
            ll = (size_t)(sp - s);
            r = sp + 1;
            rl = strlen(r);
        } else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(cJSON_GetArrayItem(m, 0)) &&
                   cJSON_IsString(cJSON_GetArrayItem(m, 1))) {
            l = cJSON_GetArrayItem(m, 0)->valuestring;
            r = cJSON_GetArrayItem(m, 1)->valuestring;
            ll = strlen(l);
            rl = strlen(r);
        } else {
            rc = wmss_fail(e, "%s.merges[%u]: expected a string \"a b\" or a pair [\"a\", \"b\"]", where, rank);
            break;
        }
        int32_t a = tok_strmap_get(&b->vocab, l, ll), c = tok_strmap_get(&b->vocab, r, rl);
        if (a < 0 || c < 0) {
            rc = wmss_fail(e, "%s.merges[%u]: token '%.*s' is not in the vocabulary", where, rank,
                           (int)(a < 0 ? ll : rl), a < 0 ? l : r);
            break;
        }
        size_t skip = b->prefix_len && rl >= b->prefix_len && !memcmp(r, b->prefix, b->prefix_len) ? b->prefix_len : 0;
        cat.len = 0;
        if (tok_buf_append(&cat, l, ll, e) || tok_buf_append(&cat, r + skip, rl - skip, e)) {
            rc = -1;
            break;
        }
        int32_t id = tok_strmap_get(&b->vocab, cat.p, cat.len);
        if (id < 0) {
            rc = wmss_fail(e, "%s.merges[%u]: merged token '%s' is not in the vocabulary", where, rank, cat.p);
            break;
        }
        if (tok_u64map_put(&b->merges, ((uint64_t)(uint32_t)a << 32) | (uint32_t)c, ((uint64_t)rank << 32) | (uint32_t)id,
                           e)) {
            rc = -1;
            break;
        }
        rank++;
    }
    tok_buf_free(&cat);
    return rc;
}

int tok_bpe_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    tok_bpe *b = &t->bpe;
    b->unk_id = -1;
    for (int i = 0; i < 256; i++) b->byte_id[i] = -1;
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: missing or not an object", where);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (cJSON_IsString(ty) && strcmp(ty->valuestring, "BPE"))
        return wmss_fail(e, "%s: unsupported model type '%s' (supported: BPE)", where, ty->valuestring);
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(j, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(j, "merges");
    if (!cJSON_IsObject(vocab)) return wmss_fail(e, "%s.vocab: missing or not an object", where);
    if (!cJSON_IsArray(merges)) return wmss_fail(e, "%s.merges: missing or not a list", where);
    const cJSON *dropout = cJSON_GetObjectItemCaseSensitive(j, "dropout");
    if (cJSON_IsNumber(dropout) && dropout->valuedouble != 0.0)
        return wmss_fail(e, "%s.dropout: BPE dropout (%g) is not supported", where, dropout->valuedouble);

    const char *prefix, *suffix, *unk;
    if (get_opt_string(j, "continuing_subword_prefix", &prefix, where, e) ||
        get_opt_string(j, "end_of_word_suffix", &suffix, where, e) || get_opt_string(j, "unk_token", &unk, where, e))
        return -1;
    if (prefix && *prefix) {
        b->prefix_len = strlen(prefix);
        if (!(b->prefix = tok_arena_strdup(&t->strings, prefix, b->prefix_len, e))) return -1;
    }
    if (suffix && *suffix) {
        b->suffix_len = strlen(suffix);
        if (!(b->suffix = tok_arena_strdup(&t->strings, suffix, b->suffix_len, e))) return -1;
    }
    b->byte_fallback = get_bool(j, "byte_fallback");
    b->fuse_unk = get_bool(j, "fuse_unk");
    b->ignore_merges = get_bool(j, "ignore_merges");

    if (tok_strmap_init(&b->vocab, (size_t)cJSON_GetArraySize(vocab), e)) return -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, vocab) {
        double d = cJSON_IsNumber(it) ? it->valuedouble : -1;
        if (d < 0 || d > 2147483646.0 || d != (double)(int32_t)d)
            return wmss_fail(e, "%s.vocab[\"%s\"]: expected a non-negative integer id", where, it->string);
        size_t n = strlen(it->string);
        char *s = tok_arena_strdup(&t->strings, it->string, n, e);
        if (!s || tok_strmap_put(&b->vocab, s, n, (int32_t)d, e) || tok_set_piece(t, (int32_t)d, s, n, e)) return -1;
    }
    if (unk) {
        b->unk_id = tok_strmap_get(&b->vocab, unk, strlen(unk));
        if (b->unk_id < 0) return wmss_fail(e, "%s.unk_token: '%s' is not in the vocabulary", where, unk);
    }
    for (int i = 0; i < 256; i++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", i);
        b->byte_id[i] = tok_strmap_get(&b->vocab, name, 6);
    }
    if (!b->prefix && !b->suffix) {
        for (uint32_t cp = 0; cp < 2048; cp++) {
            char u[4];
            size_t k = tok_utf8_encode(cp, u);
            b->small_char_id[cp] = tok_strmap_get(&b->vocab, u, k);
        }
        b->small_char_ok = 1;
    }
    return parse_merges(t, merges, where, e);
}

// ---------------------------------------------------------------------------------------
// Word cache (per scratch, i.e. per thread): words of up to CACHE_MAX_WORD bytes.

#define CACHE_MAX_WORD 128
#define CACHE_MIN_SLOTS (1u << 10)
#define CACHE_MAX_SLOTS (1u << 17)

typedef struct {
    uint64_t hash;
    const char *key;  // NULL: empty
    uint32_t len, n_ids;
    const int32_t *ids;
} cache_slot;

struct tok_word_cache {
    cache_slot *slots;
    size_t count, mask;  // the table grows from CACHE_MIN_SLOTS to CACHE_MAX_SLOTS, then starts over
    tok_arena arena;
};

void tok_word_cache_free(struct tok_word_cache *c) {
    if (!c) return;
    free(c->slots);
    tok_arena_free(&c->arena);
    free(c);
}

static const cache_slot *cache_get(const struct tok_word_cache *c, const char *w, size_t n, uint64_t h) {
    size_t j = h & c->mask;
    for (;;) {
        const cache_slot *s = &c->slots[j];
        if (!s->key) return NULL;
        if (s->hash == h && s->len == n && !memcmp(s->key, w, n)) return s;
        j = (j + 1) & c->mask;
    }
}

static void cache_insert(cache_slot *slots, size_t mask, cache_slot x) {
    size_t j = x.hash & mask;
    while (slots[j].key) j = (j + 1) & mask;
    slots[j] = x;
}

static int cache_put(struct tok_word_cache *c, const char *w, size_t n, uint64_t h, const int32_t *ids, size_t k,
                     wmss_error *e) {
    if (2 * (c->count + 1) > c->mask + 1) {
        if (c->mask + 1 >= CACHE_MAX_SLOTS) {  // full: start over
            memset(c->slots, 0, (c->mask + 1) * sizeof *c->slots);
            tok_arena_reset(&c->arena);
            c->count = 0;
        } else {
            size_t cap = 2 * (c->mask + 1);
            cache_slot *ns = calloc(cap, sizeof *ns);
            if (!ns) return wmss_fail(e, "out of memory growing the BPE cache");
            for (size_t i = 0; i <= c->mask; i++)
                if (c->slots[i].key) cache_insert(ns, cap - 1, c->slots[i]);
            free(c->slots);
            c->slots = ns;
            c->mask = cap - 1;
        }
    }
    int32_t *v = tok_arena_alloc(&c->arena, k * sizeof *v + n + 1, e);
    if (!v) return -1;
    memcpy(v, ids, k * sizeof *v);
    char *key = (char *)(v + k);
    memcpy(key, w, n);
    cache_insert(c->slots, c->mask, (cache_slot){h, key, (uint32_t)n, (uint32_t)k, v});
    c->count++;
    return 0;
}

// ---------------------------------------------------------------------------------------
// Merging

static int ensure_capacity(tok_scratch *s, size_t n, wmss_error *e) {
    if (n > s->sym_cap) {
        size_t cap = s->sym_cap ? s->sym_cap : 64;
        while (cap < n) cap *= 2;
        tok_symbol *v = realloc(s->sym, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory allocating %zu BPE symbols", cap);
        s->sym = v;
        s->sym_cap = cap;
    }
    return 0;
}

static int heap_push(tok_scratch *s, size_t *hn, tok_merge_cand c, wmss_error *e) {
    if (*hn == s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        tok_merge_cand *v = realloc(s->heap, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory allocating the BPE merge queue");
        s->heap = v;
        s->heap_cap = cap;
    }
    tok_merge_cand *h = s->heap;
    size_t i = (*hn)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].rank < c.rank || (h[p].rank == c.rank && h[p].pos < c.pos)) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = c;
    return 0;
}

static tok_merge_cand heap_pop(tok_merge_cand *h, size_t *hn) {
    tok_merge_cand top = h[0], last = h[--*hn];
    size_t n = *hn, i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n) break;
        size_t m = l;
        if (l + 1 < n && (h[l + 1].rank < h[l].rank || (h[l + 1].rank == h[l].rank && h[l + 1].pos < h[l].pos)))
            m = l + 1;
        if (last.rank < h[m].rank || (last.rank == h[m].rank && last.pos < h[m].pos)) break;
        h[i] = h[m];
        i = m;
    }
    if (n) h[i] = last;
    return top;
}

static int lookup_merge(const tok_bpe *b, int32_t a, int32_t c, uint32_t *rank, int32_t *id) {
    uint64_t v;
    if (!tok_u64map_get(&b->merges, ((uint64_t)(uint32_t)a << 32) | (uint32_t)c, &v)) return 0;
    *rank = (uint32_t)(v >> 32);
    *id = (int32_t)(uint32_t)v;
    return 1;
}

static void add_symbol(tok_scratch *s, size_t *n, int32_t id, uint32_t len) {
    tok_symbol *y = &s->sym[*n];
    y->id = id;
    y->len = len;
    y->prev = (int32_t)*n - 1;
    y->next = (int32_t)*n + 1;
    (*n)++;
}

// Vocabulary id of the character w[i..i+k) with the prefix / suffix rules, or -1.
static int32_t char_id(const tok_bpe *b, const char *w, size_t n, size_t i, size_t k, uint32_t cp, tok_buf *tmp,
                       wmss_error *e, int *err) {
    if (b->small_char_ok) {
        if (cp < 2048) return b->small_char_id[cp];
        return tok_strmap_get(&b->vocab, w + i, k);
    }
    tmp->len = 0;
    if ((i > 0 && b->prefix && tok_buf_append(tmp, b->prefix, b->prefix_len, e)) || tok_buf_append(tmp, w + i, k, e) ||
        (i + k == n && b->suffix && tok_buf_append(tmp, b->suffix, b->suffix_len, e))) {
        *err = 1;
        return -1;
    }
    return tok_strmap_get(&b->vocab, tmp->p, tmp->len);
}

int tok_bpe_encode_word(const wmss_tokenizer *t, tok_scratch *s, const char *w, size_t n, tok_ids *out,
                        wmss_error *e) {
    const tok_bpe *b = &t->bpe;
    if (n == 0) return 0;
    if (b->ignore_merges) {
        int32_t id = tok_strmap_get(&b->vocab, w, n);
        if (id >= 0) return tok_ids_push(out, id, e);
    }
    uint64_t h = 0;
    if (n <= CACHE_MAX_WORD) {
        if (!s->cache) {
            s->cache = calloc(1, sizeof *s->cache);
            if (!s->cache || !(s->cache->slots = calloc(CACHE_MIN_SLOTS, sizeof(cache_slot)))) {
                tok_word_cache_free(s->cache);
                s->cache = NULL;
                return wmss_fail(e, "out of memory allocating the BPE cache");
            }
            s->cache->mask = CACHE_MIN_SLOTS - 1;
        }
        h = tok_hash_bytes(w, n);
        const cache_slot *c = cache_get(s->cache, w, n, h);
        if (c) return tok_ids_append(out, c->ids, c->n_ids, e);
    }

    // 1. characters -> symbols: at most one per byte, or with a prefix / suffix, one per
    // byte of the decorated character (byte fallback)
    if (ensure_capacity(s, n * (1 + b->prefix_len) + b->suffix_len + 2, e)) return -1;
    size_t ns = 0;
    int32_t unk_pending = -1;
    uint32_t unk_len = 0;
    tok_buf tmp = {0};
    const unsigned char *u = (const unsigned char *)w;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t bad, k = tok_utf8_next(u + i, n - i, &cp, &bad);
        if (!k) {  // cannot happen on validated input; treat the bytes as one unknown character
            k = bad;
            cp = 0xfffd;
        }
        int err = 0;
        int32_t id = char_id(b, w, n, i, k, cp, &tmp, e, &err);
        if (err) {
            tok_buf_free(&tmp);
            return -1;
        }
        if (id >= 0) {
            if (unk_pending >= 0) {
                add_symbol(s, &ns, unk_pending, unk_len);
                unk_pending = -1;
            }
            add_symbol(s, &ns, id, (uint32_t)k);
        } else {
            int done = 0;
            if (b->byte_fallback) {
                // Rust looks the bytes of the (prefixed / suffixed) string up; without those
                // the character's own bytes.
                const char *bytes = b->small_char_ok ? w + i : tmp.p;
                size_t nb = b->small_char_ok ? k : tmp.len;
                size_t j = 0;
                while (j < nb && b->byte_id[(unsigned char)bytes[j]] >= 0) j++;
                if (j == nb) {
                    // As in Rust, a pending unk is not flushed before byte-fallback symbols.
                    for (j = 0; j < nb; j++) add_symbol(s, &ns, b->byte_id[(unsigned char)bytes[j]], 1);
                    done = 1;
                }
            }
            if (!done && b->unk_id >= 0) {
                if (unk_pending >= 0 && b->fuse_unk) {
                    unk_len += (uint32_t)k;
                } else {
                    if (unk_pending >= 0) add_symbol(s, &ns, unk_pending, unk_len);
                    unk_pending = b->unk_id;
                    unk_len = (uint32_t)k;
                }
            }
        }
        i += k;
    }
    tok_buf_free(&tmp);
    if (unk_pending >= 0) add_symbol(s, &ns, unk_pending, unk_len);
    if (ns == 0) return 0;
    s->sym[ns - 1].next = -1;

    // 2. merges, lowest rank first, leftmost on ties
    size_t hn = 0;
    for (size_t i = 0; i + 1 < ns; i++) {
        uint32_t rank;
        int32_t id;
        if (lookup_merge(b, s->sym[i].id, s->sym[i + 1].id, &rank, &id) &&
            heap_push(s, &hn, (tok_merge_cand){rank, (uint32_t)i, id, s->sym[i].id, s->sym[i + 1].id}, e))
            return -1;
    }
    tok_symbol *y = s->sym;
    while (hn) {
        tok_merge_cand top = heap_pop(s->heap, &hn);
        tok_symbol *cur = &y[top.pos];
        // Stale entry: the symbol was merged away, or its pair changed since the entry was
        // made. (The crate re-looks the pair up and compares the merged id; a changed pair
        // always concatenates to a longer string, so the two tests agree.)
        if (cur->len == 0 || cur->next < 0 || cur->id != top.left || y[cur->next].id != top.right) continue;
        int32_t nx = cur->next;
        uint32_t rank;
        int32_t id;
        cur->id = top.new_id;
        cur->len += y[nx].len;
        cur->next = y[nx].next;
        y[nx].len = 0;
        if (cur->next >= 0) y[cur->next].prev = (int32_t)top.pos;
        if (cur->prev >= 0 && lookup_merge(b, y[cur->prev].id, cur->id, &rank, &id) &&
            heap_push(s, &hn, (tok_merge_cand){rank, (uint32_t)cur->prev, id, y[cur->prev].id, cur->id}, e))
            return -1;
        if (cur->next >= 0 && lookup_merge(b, cur->id, y[cur->next].id, &rank, &id) &&
            heap_push(s, &hn, (tok_merge_cand){rank, top.pos, id, cur->id, y[cur->next].id}, e))
            return -1;
    }

    // 3. output (symbol 0 is never merged away: merges only remove right-hand symbols)
    size_t start = out->n;
    for (int32_t i = 0; i >= 0; i = y[i].next)
        if (tok_ids_push(out, y[i].id, e)) return -1;
    if (n <= CACHE_MAX_WORD && cache_put(s->cache, w, n, h, out->v + start, out->n - start, e)) return -1;
    return 0;
}
