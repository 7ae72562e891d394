// Containers for the tokenizer: byte buffers, id vectors, a chunked arena and two
// open-addressing hash maps (string -> int32, uint64 -> uint64).
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

int tok_buf_reserve(tok_buf *b, size_t extra, wmss_error *e) {
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return wmss_fail(e, "out of memory allocating %zu bytes", cap);
    b->p = p;
    b->cap = cap;
    return 0;
}

int tok_buf_append(tok_buf *b, const void *data, size_t n, wmss_error *e) {
    if (tok_buf_reserve(b, n, e)) return -1;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

void tok_buf_free(tok_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static int ids_reserve(tok_ids *a, size_t extra, wmss_error *e) {
    if (a->n + extra <= a->cap) return 0;
    size_t cap = a->cap ? a->cap : 64;
    while (cap < a->n + extra) cap *= 2;
    int32_t *v = realloc(a->v, cap * sizeof *v);
    if (!v) return wmss_fail(e, "out of memory allocating %zu ids", cap);
    a->v = v;
    a->cap = cap;
    return 0;
}

int tok_ids_push(tok_ids *a, int32_t x, wmss_error *e) {
    if (a->n == a->cap && ids_reserve(a, 1, e)) return -1;
    a->v[a->n++] = x;
    return 0;
}

int tok_ids_append(tok_ids *a, const int32_t *x, size_t n, wmss_error *e) {
    if (ids_reserve(a, n, e)) return -1;
    if (n) memcpy(a->v + a->n, x, n * sizeof *x);
    a->n += n;
    return 0;
}

// ---------------------------------------------------------------------------------------

struct tok_arena_block {
    tok_arena_block *next;
    size_t used, cap;
    _Alignas(16) char data[];
};

void *tok_arena_alloc(tok_arena *a, size_t n, wmss_error *e) {
    n = (n + 15) & ~(size_t)15;
    tok_arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 60000 ? n : 60000;
        tok_arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb) {
            wmss_fail(e, "out of memory allocating %zu bytes", cap);
            return NULL;
        }
        nb->used = 0;
        nb->cap = cap;
        if (b && b->cap - b->used >= 4096) {  // big one-off block: keep filling the current one
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *tok_arena_strdup(tok_arena *a, const char *s, size_t n, wmss_error *e) {
    char *p = tok_arena_alloc(a, n + 1, e);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void tok_arena_reset(tok_arena *a) {
    tok_arena_block *b = a->head;
    if (!b) return;
    // keep the largest block at hand? keep the head, free the rest
    tok_arena_block *rest = b->next;
    while (rest) {
        tok_arena_block *n = rest->next;
        free(rest);
        rest = n;
    }
    b->next = NULL;
    b->used = 0;
}

void tok_arena_free(tok_arena *a) {
    tok_arena_block *b = a->head;
    while (b) {
        tok_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
}

// ---------------------------------------------------------------------------------------

#define mix64 tok_mix64

uint64_t tok_hash_bytes(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        h ^= k * 0xbf58476d1ce4e5b9ull;
        h = ((h << 29) | (h >> 35)) * 0x94d049bb133111ebull;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t k = 0;
        memcpy(&k, s, n);
        h ^= k * 0xbf58476d1ce4e5b9ull;
        h = ((h << 29) | (h >> 35)) * 0x94d049bb133111ebull;
    }
    return mix64(h);
}

static size_t table_size(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    return cap;
}

int tok_strmap_init(tok_strmap *m, size_t expected, wmss_error *e) {
    size_t cap = table_size(expected);
    m->slots = wmss_calloc(cap, sizeof *m->slots, e);
    if (!m->slots) return -1;
    m->mask = cap - 1;
    m->count = 0;
    return 0;
}

static int strmap_grow(tok_strmap *m, wmss_error *e) {
    size_t cap = (m->mask + 1) * 2;
    tok_strmap_slot *s = wmss_calloc(cap, sizeof *s, e);
    if (!s) return -1;
    for (size_t i = 0; i <= m->mask; i++) {
        tok_strmap_slot *o = &m->slots[i];
        if (!o->key) continue;
        size_t j = o->hash & (cap - 1);
        while (s[j].key) j = (j + 1) & (cap - 1);
        s[j] = *o;
    }
    free(m->slots);
    m->slots = s;
    m->mask = cap - 1;
    return 0;
}

int tok_strmap_put(tok_strmap *m, const char *key, size_t len, int32_t val, wmss_error *e) {
    if (!m->slots && tok_strmap_init(m, 16, e)) return -1;
    if ((m->count + 1) * 2 > m->mask + 1 && strmap_grow(m, e)) return -1;
    uint64_t h = tok_hash_bytes(key, len);
    size_t j = h & m->mask;
    for (;;) {
        tok_strmap_slot *s = &m->slots[j];
        if (!s->key) {
            s->key = key;
            s->len = (uint32_t)len;
            s->val = val;
            s->hash = h;
            m->count++;
            return 0;
        }
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) {
            s->val = val;
            return 0;
        }
        j = (j + 1) & m->mask;
    }
}

int32_t tok_strmap_get(const tok_strmap *m, const char *key, size_t len) {
    if (!m->slots) return -1;
    uint64_t h = tok_hash_bytes(key, len);
    size_t j = h & m->mask;
    for (;;) {
        const tok_strmap_slot *s = &m->slots[j];
        if (!s->key) return -1;
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len)) return s->val;
        j = (j + 1) & m->mask;
    }
}

void tok_strmap_free(tok_strmap *m) {
    free(m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}

int tok_u64map_init(tok_u64map *m, size_t expected, wmss_error *e) {
    size_t cap = table_size(expected);
    m->slots = wmss_malloc(cap * sizeof *m->slots, e);
    if (!m->slots) return -1;
    memset(m->slots, 0xff, cap * sizeof *m->slots);
    m->mask = cap - 1;
    m->count = 0;
    return 0;
}

static int u64map_grow(tok_u64map *m, wmss_error *e) {
    size_t cap = (m->mask + 1) * 2;
    tok_u64map_slot *s = wmss_malloc(cap * sizeof *s, e);
    if (!s) return -1;
    memset(s, 0xff, cap * sizeof *s);
    for (size_t i = 0; i <= m->mask; i++) {
        if (m->slots[i].key == UINT64_MAX) continue;
        size_t j = mix64(m->slots[i].key) & (cap - 1);
        while (s[j].key != UINT64_MAX) j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = cap - 1;
    return 0;
}

int tok_u64map_put(tok_u64map *m, uint64_t key, uint64_t val, wmss_error *e) {
    if (!m->slots && tok_u64map_init(m, 16, e)) return -1;
    if ((m->count + 1) * 2 > m->mask + 1 && u64map_grow(m, e)) return -1;
    size_t j = mix64(key) & m->mask;
    for (;;) {
        tok_u64map_slot *s = &m->slots[j];
        if (s->key == UINT64_MAX) {
            s->key = key;
            s->val = val;
            m->count++;
            return 0;
        }
        if (s->key == key) {
            s->val = val;
            return 0;
        }
        j = (j + 1) & m->mask;
    }
}

void tok_u64map_free(tok_u64map *m) {
    free(m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}
