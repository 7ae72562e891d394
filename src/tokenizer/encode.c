// The encode / decode pipeline of the public API:
//   encode: UTF-8 check -> added tokens (raw text) -> normalizers -> added tokens
//           (normalized text) -> pre-tokenizers -> BPE per piece -> post-processor
//   decode: ids -> token strings (skipping special tokens if asked) -> decoders
// plus batch encoding over OpenMP threads, each with its own scratch state and word cache.
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

int tok_scratch_init(tok_scratch *s, wmss_error *e) {
    memset(s, 0, sizeof *s);
    return tok_matcher_init(&s->matcher, e);
}

void tok_scratch_free(tok_scratch *s) {
    tok_matcher_free(&s->matcher);
    free(s->seg);
    tok_arena_free(&s->arena);
    for (int i = 0; i < 2; i++) {
        tok_buf_free(&s->norm[i]);
        free(s->pieces[i].v);
    }
    free(s->ranges.r);
    free(s->sym);
    free(s->heap);
    tok_word_cache_free(s->cache);
    memset(s, 0, sizeof *s);
}

// A normalized section: pre-tokenize and run the model on each piece.
static int encode_model(const wmss_tokenizer *t, tok_scratch *s, const char *p, size_t n, int at_origin, tok_ids *out,
                        wmss_error *e) {
    if (!n) return 0;
    int which;
    int rc = tok_pretokenize(t, s, p, n, at_origin, &which, e);
    for (size_t i = 0; !rc && i < s->pieces[which].n; i++) {
        const tok_piece *pc = &s->pieces[which].v[i];
        rc = tok_bpe_encode_word(t, s, pc->p, pc->len, out, e);
    }
    tok_arena_reset(&s->arena);
    return rc;
}

// Raw text between added tokens: normalize, then cut out the normalized added tokens.
static int encode_section(const wmss_tokenizer *t, tok_scratch *s, const char *p, size_t n, int at_origin,
                          int parse_special, tok_ids *out, wmss_error *e) {
    const char *q;
    size_t qn;
    if (tok_normalize(t, s, p, n, &q, &qn, e)) return -1;
    if (!t->added.has_normalized) return encode_model(t, s, q, qn, at_origin, out, e);
    // The normalized text lives in a scratch buffer that the pieces below do not touch
    // (normalizers run only here), so it stays valid through the loop.
    size_t pos = 0, st, en;
    const tok_added_token *tok;
    while (tok_added_find(&t->added, &t->added.normalized, q, qn, pos, parse_special, &st, &en, &tok)) {
        if (encode_model(t, s, q + pos, st - pos, at_origin && pos == 0, out, e) || tok_ids_push(out, tok->id, e))
            return -1;
        pos = en;
    }
    return encode_model(t, s, q + pos, qn - pos, at_origin && pos == 0, out, e);
}

static int encode_text(const wmss_tokenizer *t, tok_scratch *s, const char *text, size_t len, unsigned flags,
                       tok_ids *out, wmss_error *e) {
    size_t bad = tok_utf8_validate(text, len);
    if (bad != len) return wmss_fail(e, "invalid UTF-8 at byte %zu", bad);
    int parse_special = (flags & WMSS_ENCODE_PARSE_SPECIAL) != 0;
    tok_ids body = {0};
    tok_ids *dst = (flags & WMSS_ENCODE_ADD_SPECIAL) && t->post ? &body : out;
    size_t pos = 0, st, en;
    const tok_added_token *tok;
    int rc = 0;
    while (!rc && tok_added_find(&t->added, &t->added.raw, text, len, pos, parse_special, &st, &en, &tok)) {
        if (st > pos) rc = encode_section(t, s, text + pos, st - pos, pos == 0, parse_special, dst, e);
        if (!rc) rc = tok_ids_push(dst, tok->id, e);
        pos = en;
    }
    if (!rc && pos < len) rc = encode_section(t, s, text + pos, len - pos, pos == 0, parse_special, dst, e);
    if (!rc && dst == &body)
        for (size_t i = 0; i < t->n_post && !rc; i++) {
            const tok_template_item *it = &t->post[i];
            rc = it->is_sequence ? tok_ids_append(out, body.v, body.n, e) : tok_ids_append(out, it->ids, it->n_ids, e);
        }
    free(body.v);
    return rc;
}

static int encode_alloc(const wmss_tokenizer *t, tok_scratch *s, const char *text, size_t len, unsigned flags,
                        int32_t **ids, size_t *n, wmss_error *e) {
    *ids = NULL;
    *n = 0;
    tok_ids out = {0};
    if (encode_text(t, s, text, len, flags, &out, e)) {
        free(out.v);
        return -1;
    }
    if (!out.v && !(out.v = malloc(sizeof *out.v))) return wmss_fail(e, "out of memory");
    *ids = out.v;
    *n = out.n;
    return 0;
}

int wmss_tokenizer_encode(const wmss_tokenizer *t, const char *text, size_t len, unsigned flags, int32_t **ids,
                          size_t *n, wmss_error *e) {
    *ids = NULL;
    *n = 0;
    tok_scratch s;
    if (tok_scratch_init(&s, e)) return -1;
    int rc = encode_alloc(t, &s, text, len, flags, ids, n, e);
    tok_scratch_free(&s);
    return rc;
}

struct wmss_tokenizer_encoder {
    const wmss_tokenizer *t;
    tok_scratch s;
};

int wmss_tokenizer_encoder_new(const wmss_tokenizer *t, wmss_tokenizer_encoder **out, wmss_error *e) {
    *out = NULL;
    wmss_tokenizer_encoder *enc = wmss_calloc(1, sizeof *enc, e);
    if (!enc) return -1;
    enc->t = t;
    if (tok_scratch_init(&enc->s, e)) {
        free(enc);
        return -1;
    }
    *out = enc;
    return 0;
}

int wmss_tokenizer_encoder_encode(wmss_tokenizer_encoder *enc, const char *text, size_t len, unsigned flags,
                                  int32_t **ids, size_t *n, wmss_error *e) {
    return encode_alloc(enc->t, &enc->s, text, len, flags, ids, n, e);
}

void wmss_tokenizer_encoder_free(wmss_tokenizer_encoder *enc) {
    if (!enc) return;
    tok_scratch_free(&enc->s);
    free(enc);
}

int wmss_tokenizer_encode_batch(const wmss_tokenizer *t, const char *const *texts, const size_t *lens, size_t count,
                                unsigned flags, int32_t **out, size_t *counts, size_t *failed_index, wmss_error *e) {
    for (size_t i = 0; i < count; i++) {
        out[i] = NULL;
        counts[i] = 0;
    }
    size_t fail = (size_t)-1;
    wmss_error first = {{0}};
#pragma omp parallel
    {
        tok_scratch s;
        wmss_error le = {{0}};
        int ok = tok_scratch_init(&s, &le) == 0;
#pragma omp for schedule(dynamic, 4)
        for (long i = 0; i < (long)count; i++) {
            int rc = -1;
            if (ok) {
                tok_ids v = {0};
                rc = encode_text(t, &s, texts[i], lens[i], flags, &v, &le);
                if (!rc && !v.v && !(v.v = malloc(sizeof *v.v))) rc = wmss_fail(&le, "out of memory");
                if (!rc) {
                    out[i] = v.v;
                    counts[i] = v.n;
                } else {
                    free(v.v);
                }
            }
            if (rc) {
#pragma omp critical(wmss_tokenizer_batch_error)
                if ((size_t)i < fail) {
                    fail = (size_t)i;
                    first = le;
                }
            }
        }
        tok_scratch_free(&s);
    }
    if (fail == (size_t)-1) return 0;
    for (size_t i = 0; i < count; i++) {
        free(out[i]);
        out[i] = NULL;
        counts[i] = 0;
    }
    if (failed_index) *failed_index = fail;
    return wmss_fail(e, "text %zu: %s", fail, first.msg);
}

// ---------------------------------------------------------------------------------------

static int replace_all(tok_buf *b, const char *from, const char *to, tok_buf *tmp, wmss_error *e) {
    size_t fl = strlen(from), tl = strlen(to);
    if (!memmem(b->p, b->len, from, fl)) return 0;
    tmp->len = 0;
    size_t i = 0;
    while (i < b->len) {
        const char *hit = memmem(b->p + i, b->len - i, from, fl);
        size_t at = hit ? (size_t)(hit - b->p) : b->len;
        if (tok_buf_append(tmp, b->p + i, at - i, e)) return -1;
        if (!hit) break;
        if (tok_buf_append(tmp, to, tl, e)) return -1;
        i = at + fl;
    }
    b->len = 0;
    return tok_buf_append(b, tmp->p ? tmp->p : "", tmp->len, e);
}

// transformers' clean_up_tokenization.
static int clean_up(tok_buf *b, wmss_error *e) {
    static const char *const pairs[][2] = {{" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},
                                           {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},   {" 's", "'s"},
                                           {" 've", "'ve"}, {" 're", "'re"}};
    tok_buf tmp = {0};
    int rc = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0] && !rc; i++) rc = replace_all(b, pairs[i][0], pairs[i][1], &tmp, e);
    tok_buf_free(&tmp);
    return rc;
}

int wmss_tokenizer_decode(const wmss_tokenizer *t, const int32_t *ids, size_t n, unsigned flags, char **text,
                          size_t *len, wmss_error *e) {
    *text = NULL;
    if (len) *len = 0;
    const char **toks = malloc((n ? n : 1) * sizeof *toks);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    if (!toks || !lens) {
        free(toks);
        free(lens);
        return wmss_fail(e, "out of memory decoding %zu ids", n);
    }
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id < 0 || (size_t)id >= t->n_ids || !t->pieces[id]) {
            rc = wmss_fail(e, "id %d (position %zu) is not in the vocabulary (size %zu)", id, i, t->n_ids);
            break;
        }
        if ((flags & WMSS_DECODE_SKIP_SPECIAL) && (t->id_flags[id] & TOK_ID_SPECIAL)) continue;
        toks[k] = t->pieces[id];
        lens[k] = t->piece_len[id];
        k++;
    }
    tok_buf out = {0};
    if (!rc) rc = tok_decode_chain(t, toks, lens, k, &out, e);
    if (!rc && (flags & WMSS_DECODE_CLEAN_UP_SPACES)) rc = clean_up(&out, e);
    if (!rc && !out.p) rc = tok_buf_append(&out, "", 0, e);
    free(toks);
    free(lens);
    if (rc) {
        tok_buf_free(&out);
        return -1;
    }
    *text = out.p;
    if (len) *len = out.len;
    return 0;
}
