// Pre-tokenizers: split a normalized section into pieces (words) for the model.
// ByteLevel, Split, Metaspace, Digits, WhitespaceSplit and Sequence, with the split
// behaviours of the Rust crate's NormalizedString::split.
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

// GPT-2's pre-tokenization regex (ByteLevel with use_regex: true).
#define GPT2_REGEX "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

static int get_bool(const cJSON *j, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return dflt;
}

static int parse_behavior(const cJSON *j, tok_split_behavior *b, const char *where, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "behavior");
    if (!cJSON_IsString(v)) return wmss_fail(e, "%s: Split without a \"behavior\"", where);
    const char *s = v->valuestring;
    if (!strcmp(s, "Removed")) *b = TOK_SPLIT_REMOVED;
    else if (!strcmp(s, "Isolated")) *b = TOK_SPLIT_ISOLATED;
    else if (!strcmp(s, "MergedWithPrevious")) *b = TOK_SPLIT_MERGED_WITH_PREVIOUS;
    else if (!strcmp(s, "MergedWithNext")) *b = TOK_SPLIT_MERGED_WITH_NEXT;
    else if (!strcmp(s, "Contiguous")) *b = TOK_SPLIT_CONTIGUOUS;
    else return wmss_fail(e, "%s: unknown split behavior '%s'", where, s);
    return 0;
}

static int parse_prepend_scheme(const cJSON *j, tok_prepend_scheme *ps, const char *where, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "prepend_scheme");
    if (cJSON_IsString(v)) {
        if (!strcmp(v->valuestring, "always")) *ps = TOK_PREPEND_ALWAYS;
        else if (!strcmp(v->valuestring, "first")) *ps = TOK_PREPEND_FIRST;
        else if (!strcmp(v->valuestring, "never")) *ps = TOK_PREPEND_NEVER;
        else return wmss_fail(e, "%s: unknown prepend_scheme '%s'", where, v->valuestring);
        return 0;
    }
    // legacy form: add_prefix_space
    *ps = get_bool(j, "add_prefix_space", 1) ? TOK_PREPEND_ALWAYS : TOK_PREPEND_NEVER;
    return 0;
}

// The Metaspace replacement character (one character, UTF-8).
int tok_parse_replacement(const cJSON *j, char out[8], size_t *len, const char *where, wmss_error *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "replacement");
    const char *s = cJSON_IsString(v) ? v->valuestring : "\xe2\x96\x81";
    size_t n = strlen(s);
    if (n == 0 || n > 4 || tok_utf8_char_len((unsigned char)s[0]) != n)
        return wmss_fail(e, "%s: \"replacement\" must be one character", where);
    memcpy(out, s, n);
    out[n] = 0;
    *len = n;
    return 0;
}

static int add_pre(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: expected an object", where);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(ty)) return wmss_fail(e, "%s: missing \"type\"", where);
    const char *type = ty->valuestring;
    if (!strcmp(type, "Sequence")) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "pretokenizers");
        if (!cJSON_IsArray(list)) return wmss_fail(e, "%s: Sequence without a \"pretokenizers\" list", where);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, list) {
            char w[512];
            snprintf(w, sizeof w, "%s.pretokenizers[%d]", where, i++);
            if (add_pre(t, it, w, e)) return -1;
        }
        return 0;
    }
    tok_pretokenizer p;
    memset(&p, 0, sizeof p);
    if (!strcmp(type, "Split")) {
        p.type = TOK_PRE_SPLIT;
        char w[512];
        snprintf(w, sizeof w, "%s.pattern", where);
        if (parse_behavior(j, &p.behavior, where, e)) return -1;
        if (tok_pattern_parse(cJSON_GetObjectItemCaseSensitive(j, "pattern"), &p.pattern, w, e)) return -1;
        p.invert = get_bool(j, "invert", 0);
    } else if (!strcmp(type, "ByteLevel")) {
        p.type = TOK_PRE_BYTELEVEL;
        p.add_prefix_space = get_bool(j, "add_prefix_space", 1);
        p.use_regex = get_bool(j, "use_regex", 1);
        if (p.use_regex && tok_pattern_compile_regex(&p.pattern, GPT2_REGEX, where, e)) return -1;
    } else if (!strcmp(type, "Metaspace")) {
        p.type = TOK_PRE_METASPACE;
        if (tok_parse_replacement(j, p.repl, &p.repl_len, where, e)) return -1;
        if (parse_prepend_scheme(j, &p.prepend, where, e)) return -1;
        p.split = get_bool(j, "split", 1);
    } else if (!strcmp(type, "Digits")) {
        p.type = TOK_PRE_DIGITS;
        p.individual_digits = get_bool(j, "individual_digits", 0);
    } else if (!strcmp(type, "WhitespaceSplit")) {
        p.type = TOK_PRE_WHITESPACE_SPLIT;
    } else {
        return wmss_fail(e,
                         "%s: unsupported pre_tokenizer type '%s' (supported: ByteLevel, Split, Metaspace, Digits, "
                         "WhitespaceSplit, Sequence)",
                         where, type);
    }
    tok_pretokenizer *v = realloc(t->pretoks, (t->n_pretoks + 1) * sizeof *v);
    if (!v) {
        tok_pattern_free(&p.pattern);
        return wmss_fail(e, "out of memory");
    }
    t->pretoks = v;
    t->pretoks[t->n_pretoks++] = p;
    return 0;
}

int tok_pretokenizers_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    if (!j || cJSON_IsNull(j)) return 0;
    return add_pre(t, j, where, e);
}

// ---------------------------------------------------------------------------------------
// Splitting

int tok_pieces_push(tok_pieces *a, const char *p, size_t len, int at_origin, wmss_error *e) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        tok_piece *v = realloc(a->v, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory allocating %zu pieces", cap);
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n].p = p;
    a->v[a->n].len = len;
    a->v[a->n].at_origin = at_origin;
    a->n++;
    return 0;
}

static int seg_push(tok_scratch *s, size_t start, size_t end, int is_match, wmss_error *e) {
    if (s->seg_n == s->seg_cap) {
        size_t cap = s->seg_cap ? s->seg_cap * 2 : 64;
        tok_seg *v = realloc(s->seg, cap * sizeof *v);
        if (!v) return wmss_fail(e, "out of memory allocating %zu segments", cap);
        s->seg = v;
        s->seg_cap = cap;
    }
    s->seg[s->seg_n].start = start;
    s->seg[s->seg_n].end = end;
    s->seg[s->seg_n].is_match = is_match;
    s->seg_n++;
    return 0;
}

// Turns the matches in s->ranges into the covering list of segments (Pattern::find_matches).
static int segments_from_ranges(tok_scratch *s, size_t n, int invert, wmss_error *e) {
    s->seg_n = 0;
    if (n == 0) return seg_push(s, 0, 0, invert, e);
    size_t prev = 0;
    for (size_t i = 0; i < s->ranges.n; i++) {
        size_t st = s->ranges.r[i].start, en = s->ranges.r[i].end;
        if (prev != st && seg_push(s, prev, st, invert, e)) return -1;
        if (seg_push(s, st, en, !invert, e)) return -1;
        prev = en;
    }
    if (prev != n && seg_push(s, prev, n, invert, e)) return -1;
    return 0;
}

// Matches of a character predicate: each matching character is one match.
static int ranges_from_predicate(tok_scratch *s, const char *p, size_t n, int (*pred)(uint32_t), wmss_error *e) {
    s->ranges.n = 0;
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t bad, k = tok_utf8_next(u + i, n - i, &cp, &bad);
        if (!k) k = bad, cp = 0xfffd;
        if (pred(cp) && tok_ranges_push(&s->ranges, i, i + k, e)) return -1;
        i += k;
    }
    return 0;
}

// Applies a split behaviour to s->seg (in place) and pushes the resulting non-empty pieces.
static int emit_split(tok_scratch *s, const tok_piece *pc, tok_split_behavior b, tok_pieces *dst, wmss_error *e) {
    tok_seg *sg = s->seg;
    size_t n = s->seg_n, m = 0;
    switch (b) {
    case TOK_SPLIT_ISOLATED:
        for (size_t i = 0; i < n; i++) sg[i].is_match = 0;
        m = n;
        break;
    case TOK_SPLIT_REMOVED:
        m = n;
        break;
    case TOK_SPLIT_CONTIGUOUS: {
        int prev = 0;
        for (size_t i = 0; i < n; i++) {
            int cur = sg[i].is_match;
            if (cur == prev && m > 0) sg[m - 1].end = sg[i].end;
            else sg[m++] = (tok_seg){sg[i].start, sg[i].end, 0};
            prev = cur;
        }
        break;
    }
    case TOK_SPLIT_MERGED_WITH_PREVIOUS: {
        int prev = 0;
        for (size_t i = 0; i < n; i++) {
            int cur = sg[i].is_match;
            if (cur && !prev && m > 0) sg[m - 1].end = sg[i].end;
            else sg[m++] = (tok_seg){sg[i].start, sg[i].end, 0};
            prev = cur;
        }
        break;
    }
    case TOK_SPLIT_MERGED_WITH_NEXT: {
        // Walk backwards, collecting into the tail of the array, then emit in order.
        int prev = 0;
        size_t top = n;  // collected segments live in sg[top..n)
        for (size_t i = n; i-- > 0;) {
            int cur = sg[i].is_match;
            tok_seg x = sg[i];
            if (cur && !prev && top < n) sg[top].start = x.start;
            else sg[--top] = (tok_seg){x.start, x.end, 0};
            prev = cur;
        }
        for (size_t i = top; i < n; i++) sg[m++] = sg[i];
        break;
    }
    }
    for (size_t i = 0; i < m; i++) {
        if (sg[i].is_match || sg[i].end == sg[i].start) continue;
        if (tok_pieces_push(dst, pc->p + sg[i].start, sg[i].end - sg[i].start, pc->at_origin && sg[i].start == 0, e))
            return -1;
    }
    return 0;
}

static int split_by_pattern(tok_scratch *s, const tok_pattern *pat, const tok_piece *pc, tok_split_behavior b,
                            int invert, tok_pieces *dst, wmss_error *e) {
    if (tok_pattern_find(pat, &s->matcher, pc->p, pc->len, &s->ranges, e)) return -1;
    if (segments_from_ranges(s, pc->len, invert, e)) return -1;
    return emit_split(s, pc, b, dst, e);
}

static int bytelevel_map(tok_scratch *s, const char *p, size_t n, int at_origin, tok_pieces *dst, wmss_error *e) {
    char *out = tok_arena_alloc(&s->arena, 2 * n + 1, e);
    if (!out) return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += tok_utf8_encode(tok_bytelevel_char((unsigned char)p[i]), out + k);
    return tok_pieces_push(dst, out, k, at_origin, e);
}

static int apply_bytelevel(tok_scratch *s, const tok_pretokenizer *pt, const tok_piece *pc, tok_pieces *dst,
                           wmss_error *e) {
    tok_piece x = *pc;
    if (pt->add_prefix_space && !(x.len && x.p[0] == ' ')) {
        char *q = tok_arena_alloc(&s->arena, x.len + 2, e);
        if (!q) return -1;
        q[0] = ' ';
        memcpy(q + 1, x.p, x.len);
        x.p = q;
        x.len++;
    }
    if (!pt->use_regex) return x.len ? bytelevel_map(s, x.p, x.len, x.at_origin, dst, e) : 0;
    if (tok_pattern_find(&pt->pattern, &s->matcher, x.p, x.len, &s->ranges, e)) return -1;
    if (segments_from_ranges(s, x.len, 0, e)) return -1;
    for (size_t i = 0; i < s->seg_n; i++) {
        tok_seg g = s->seg[i];
        if (g.end > g.start && bytelevel_map(s, x.p + g.start, g.end - g.start, x.at_origin && g.start == 0, dst, e))
            return -1;
    }
    return 0;
}

static int apply_metaspace(tok_scratch *s, const tok_pretokenizer *pt, const tok_piece *pc, tok_pieces *dst,
                           wmss_error *e) {
    size_t spaces = 0;
    for (size_t i = 0; i < pc->len; i++) spaces += pc->p[i] == ' ';
    char *q = tok_arena_alloc(&s->arena, pc->len + spaces * pt->repl_len + pt->repl_len + 1, e);
    if (!q) return -1;
    size_t k = 0;
    for (size_t i = 0; i < pc->len; i++) {
        if (pc->p[i] == ' ') {
            memcpy(q + k, pt->repl, pt->repl_len);
            k += pt->repl_len;
        } else {
            q[k++] = pc->p[i];
        }
    }
    int starts = k >= pt->repl_len && !memcmp(q, pt->repl, pt->repl_len);
    int prepend = !starts && (pt->prepend == TOK_PREPEND_ALWAYS || (pt->prepend == TOK_PREPEND_FIRST && pc->at_origin));
    if (prepend) {
        memmove(q + pt->repl_len, q, k);
        memcpy(q, pt->repl, pt->repl_len);
        k += pt->repl_len;
    }
    tok_piece x = {q, k, pc->at_origin};
    if (!pt->split) return k ? tok_pieces_push(dst, q, k, pc->at_origin, e) : 0;
    tok_pattern lit = {0};
    lit.lit = (char *)pt->repl;
    lit.lit_len = pt->repl_len;
    return split_by_pattern(s, &lit, &x, TOK_SPLIT_MERGED_WITH_NEXT, 0, dst, e);
}

static int apply_one(tok_scratch *s, const tok_pretokenizer *pt, const tok_piece *pc, tok_pieces *dst,
                     wmss_error *e) {
    switch (pt->type) {
    case TOK_PRE_SPLIT:
        return split_by_pattern(s, &pt->pattern, pc, pt->behavior, pt->invert, dst, e);
    case TOK_PRE_BYTELEVEL:
        return apply_bytelevel(s, pt, pc, dst, e);
    case TOK_PRE_METASPACE:
        return apply_metaspace(s, pt, pc, dst, e);
    case TOK_PRE_DIGITS:
        if (ranges_from_predicate(s, pc->p, pc->len, tok_is_numeric, e)) return -1;
        if (segments_from_ranges(s, pc->len, 0, e)) return -1;
        return emit_split(s, pc, pt->individual_digits ? TOK_SPLIT_ISOLATED : TOK_SPLIT_CONTIGUOUS, dst, e);
    case TOK_PRE_WHITESPACE_SPLIT:
        if (ranges_from_predicate(s, pc->p, pc->len, tok_is_whitespace, e)) return -1;
        if (segments_from_ranges(s, pc->len, 0, e)) return -1;
        return emit_split(s, pc, TOK_SPLIT_REMOVED, dst, e);
    }
    return 0;
}

int tok_pretokenize(const wmss_tokenizer *t, tok_scratch *s, const char *p, size_t n, int at_origin, int *which,
                    wmss_error *e) {
    int cur = 0;
    s->pieces[0].n = 0;
    if (n && tok_pieces_push(&s->pieces[0], p, n, at_origin, e)) return -1;
    for (size_t k = 0; k < t->n_pretoks; k++) {
        tok_pieces *src = &s->pieces[cur], *dst = &s->pieces[cur ^ 1];
        dst->n = 0;
        for (size_t i = 0; i < src->n; i++) {
            tok_piece pc = src->v[i];
            if (apply_one(s, &t->pretoks[k], &pc, dst, e)) return -1;
        }
        cur ^= 1;
    }
    *which = cur;
    return 0;
}
