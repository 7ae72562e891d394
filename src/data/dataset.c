// JSONL training data -> tokens and completion masks (see dataset.h).
//
// Tokenization is by segment: the prompt part and the trained part of an example are
// encoded separately and concatenated. This is what the model sees at inference (the
// prompt is tokenized alone, the model then produces the completion's tokens), and it
// makes the mask exact: no token straddles the boundary.
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dataset.h"
#include "jsonl.h"

// Growing token and mask arrays for the whole dataset.
typedef struct {
    int32_t *ids;
    uint8_t *mask;
    int64_t len, cap;
} tokbuf;

static int tb_push(tokbuf *b, const int32_t *ids, size_t n, uint8_t m, wmss_error *e) {
    if (b->len + (int64_t)n > b->cap) {
        int64_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (int64_t)n) cap *= 2;
        int32_t *ni = realloc(b->ids, cap * sizeof *ni);
        if (ni) b->ids = ni;
        uint8_t *nm = realloc(b->mask, cap);
        if (nm) b->mask = nm;
        if (!ni || !nm) return wmss_fail(e, "out of memory reading the dataset");
        b->cap = cap;
    }
    memcpy(b->ids + b->len, ids, n * sizeof *ids);
    memset(b->mask + b->len, m, n);
    b->len += (int64_t)n;
    return 0;
}

static int encode_into(const wmss_data_opts *o, tokbuf *b, const char *text, size_t len, unsigned flags, uint8_t m,
                       const char *where, wmss_error *e) {
    int32_t *ids;
    size_t n;
    if (wmss_tokenizer_encode(o->tok, text, len, flags, &ids, &n, e)) return wmss_error_prefix(e, "%s", where);
    int rc = tb_push(b, ids, n, m, e);
    free(ids);
    return rc;
}

static int valid_utf8(const char *s, size_t len, size_t *bad_at) {
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0 || cp < 0) {
            *bad_at = i;
            return 0;
        }
        i += (size_t)k;
    }
    return 1;
}

static int need_tokenizer(const wmss_data_opts *o, const char *where, const char *what, wmss_error *e) {
    if (!o->tok) return wmss_fail(e, "%s: %s data needs a tokenizer (none found in the model directory)", where, what);
    return 0;
}

static int append_eos(const wmss_data_opts *o, tokbuf *b, int64_t start, const char *where, wmss_error *e) {
    int32_t eos = wmss_tokenizer_eos_id(o->tok);
    if (eos < 0) return wmss_fail(e, "%s: the tokenizer has no eos_token to end the example with", where);
    if (b->len > start && b->ids[b->len - 1] == eos) {
        b->mask[b->len - 1] = 1;  // an EOS already there is trained like an appended one
        return 0;
    }
    return tb_push(b, &eos, 1, 1, e);
}

static int example_text(const wmss_data_opts *o, const cJSON *j, tokbuf *b, int64_t start, const char *where,
                        wmss_error *e) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "text");
    if (!cJSON_IsString(t)) return wmss_fail(e, "%s: \"text\" must be a string", where);
    if (!t->valuestring[0]) return wmss_fail(e, "%s: empty \"text\"", where);
    if (need_tokenizer(o, where, "text", e) ||
        encode_into(o, b, t->valuestring, strlen(t->valuestring), WMSS_ENCODE_ADD_SPECIAL | WMSS_ENCODE_PARSE_SPECIAL, 1,
                    where, e))
        return -1;
    return append_eos(o, b, start, where, e);
}

// Renders messages and encodes them segment by segment: assistant spans trained.
static int encode_rendered(const wmss_data_opts *o, const wmss_chat_rendered *r, tokbuf *b, size_t first_trained,
                           const char *where, wmss_error *e) {
    size_t at = 0;
    for (size_t s = 0; s < r->n_spans; s++) {
        const wmss_chat_span *sp = &r->spans[s];
        if (sp->message < first_trained) continue;
        if (sp->begin > at && encode_into(o, b, r->text + at, sp->begin - at, WMSS_ENCODE_PARSE_SPECIAL, 0, where, e))
            return -1;
        if (encode_into(o, b, r->text + sp->begin, sp->end - sp->begin, WMSS_ENCODE_PARSE_SPECIAL, 1, where, e)) return -1;
        at = sp->end;
    }
    if (r->len > at && encode_into(o, b, r->text + at, r->len - at, WMSS_ENCODE_PARSE_SPECIAL, 0, where, e)) return -1;
    return 0;
}

static int example_messages(const wmss_data_opts *o, const cJSON *msgs_json, size_t first_trained, tokbuf *b,
                            const char *where, wmss_error *e) {
    if (need_tokenizer(o, where, "conversational", e)) return -1;
    if (!o->chat)
        return wmss_fail(e, "%s: conversational data needs a chat template: %s", where,
                         o->chat_error ? o->chat_error : "none given");
    wmss_chat_message *msgs;
    size_t n;
    if (wmss_chat_messages_from_json(msgs_json, where, &msgs, &n, e)) return -1;
    wmss_chat_options co = WMSS_CHAT_OPTIONS_DEFAULT;
    co.enable_thinking = o->enable_thinking;
    wmss_chat_rendered r;
    int rc = wmss_chat_render(o->chat, msgs, n, &co, &r, e);
    free(msgs);
    if (rc) return wmss_error_prefix(e, "%s", where);
    rc = encode_rendered(o, &r, b, first_trained, where, e);
    wmss_chat_rendered_free(&r);
    return rc;
}

static int example_prompt_completion(const wmss_data_opts *o, const cJSON *j, tokbuf *b, int64_t start,
                                     const char *where, wmss_error *e) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "prompt"), *c = cJSON_GetObjectItemCaseSensitive(j, "completion");
    if (!c) return wmss_fail(e, "%s: \"prompt\" without \"completion\"", where);
    if (!p) return wmss_fail(e, "%s: \"completion\" without \"prompt\"", where);
    if (cJSON_IsString(p) && cJSON_IsString(c)) {
        if (!c->valuestring[0]) return wmss_fail(e, "%s: empty \"completion\"", where);
        if (need_tokenizer(o, where, "prompt-completion", e) ||
            encode_into(o, b, p->valuestring, strlen(p->valuestring), WMSS_ENCODE_ADD_SPECIAL | WMSS_ENCODE_PARSE_SPECIAL,
                        0, where, e) ||
            encode_into(o, b, c->valuestring, strlen(c->valuestring), WMSS_ENCODE_PARSE_SPECIAL, 1, where, e))
            return -1;
        return append_eos(o, b, start, where, e);
    }
    if (cJSON_IsArray(p) && cJSON_IsArray(c)) {
        if (cJSON_GetArraySize(c) == 0) return wmss_fail(e, "%s: empty \"completion\" message list", where);
        // prompt + completion as one conversation; train the completion's assistant turns.
        cJSON *all = cJSON_Duplicate(p, 1);
        for (const cJSON *m = c->child; m; m = m->next) cJSON_AddItemToArray(all, cJSON_Duplicate(m, 1));
        int rc = example_messages(o, all, (size_t)cJSON_GetArraySize(p), b, where, e);
        cJSON_Delete(all);
        return rc;
    }
    return wmss_fail(e, "%s: \"prompt\" and \"completion\" must both be strings or both be message lists", where);
}

static int example_pretokenized(const wmss_data_opts *o, const cJSON *j, tokbuf *b, const char *where, wmss_error *e) {
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(j, "input_ids");
    const cJSON *mask = cJSON_GetObjectItemCaseSensitive(j, "completion_mask");
    if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0)
        return wmss_fail(e, "%s: \"input_ids\" must be a non-empty array of token ids", where);
    int n = cJSON_GetArraySize(ids);
    if (mask && (!cJSON_IsArray(mask) || cJSON_GetArraySize(mask) != n))
        return wmss_fail(e, "%s: \"completion_mask\" must be an array as long as \"input_ids\" (%d)", where, n);
    const cJSON *mi = mask ? mask->child : NULL;
    int t = 0;
    for (const cJSON *it = ids->child; it; it = it->next, t++) {
        double v = cJSON_IsNumber(it) ? it->valuedouble : -1;
        if (v < 0 || v != (double)(int32_t)v || (o->vocab_size && v >= o->vocab_size))
            return wmss_fail(e, "%s: input_ids[%d] is not a token id in [0, %d)", where, t, o->vocab_size);
        int m = 1;
        if (mi) {
            if (!cJSON_IsNumber(mi) || (mi->valuedouble != 0 && mi->valuedouble != 1))
                return wmss_fail(e, "%s: completion_mask[%d] must be 0 or 1", where, t);
            m = mi->valuedouble == 1;
            mi = mi->next;
        }
        int32_t id = (int32_t)v;
        if (tb_push(b, &id, 1, (uint8_t)m, e)) return -1;
    }
    return 0;
}

// Skips a JSON string / value starting at p (valid JSON: cJSON accepted the line);
// returns the position after it.
static const char *skip_string(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return end;
}

static const char *skip_value(const char *p, const char *end) {
    if (p < end && *p == '"') return skip_string(p, end);
    if (p < end && (*p == '{' || *p == '[')) {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skip_string(p, end);
                continue;
            }
            if (*p == '{' || *p == '[') depth++;
            else if ((*p == '}' || *p == ']') && --depth == 0) return p + 1;
            p++;
        }
        return end;
    }
    while (p < end && !strchr(",}] \t\r\n", *p)) p++;  // a number, true, false or null
    return p;
}

// The raw text of the top-level member "id" of a JSON object line (so that ids such as
// 9007199254740993 survive exactly); NULL when there is none.
static char *raw_id(const char *line, size_t len) {
    const char *p = line, *end = line + len;
    while (p < end && *p != '{') p++;
    p++;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')) p++;
        if (p >= end || *p != '"') return NULL;
        const char *key = p + 1;
        const char *kend = skip_value(p, end) - 1;  // the closing quote
        p = kend + 1;
        while (p < end && (*p == ' ' || *p == '\t' || *p == ':')) p++;
        const char *vend = skip_value(p, end);
        if (kend - key == 2 && key[0] == 'i' && key[1] == 'd') return strndup(p, (size_t)(vend - p));
        p = vend;
    }
    return NULL;
}

// Parses one line into b (appending one example). Returns 0, or -1 with e set.
static int parse_line(const wmss_data_opts *o, const char *line, size_t len, tokbuf *b, const char *where, char **id,
                      wmss_error *e) {
    *id = NULL;
    size_t bad;
    if (!valid_utf8(line, len, &bad)) return wmss_fail(e, "%s: invalid UTF-8 at byte %zu", where, bad + 1);
    cJSON *j = wmss_jsonl_parse(line, len, where, -1, e);
    if (!j) return -1;
    int rc;
    int64_t start = b->len;
    if (!cJSON_IsObject(j)) rc = wmss_fail(e, "%s: expected a JSON object", where);
    else if (cJSON_HasObjectItem(j, "input_ids")) rc = example_pretokenized(o, j, b, where, e);
    else if (cJSON_HasObjectItem(j, "messages"))
        rc = example_messages(o, cJSON_GetObjectItemCaseSensitive(j, "messages"), 0, b, where, e);
    else if (cJSON_HasObjectItem(j, "prompt") || cJSON_HasObjectItem(j, "completion"))
        rc = example_prompt_completion(o, j, b, start, where, e);
    else if (cJSON_HasObjectItem(j, "text")) rc = example_text(o, j, b, start, where, e);
    else rc = wmss_fail(e, "%s: no \"messages\", \"prompt\"/\"completion\", \"text\" or \"input_ids\" field", where);
    const cJSON *idj = rc ? NULL : cJSON_GetObjectItemCaseSensitive(j, "id");
    if (idj && !(*id = raw_id(line, len))) *id = cJSON_PrintUnformatted(idj);  // an escaped key: reprint
    cJSON_Delete(j);
    if (rc) b->len = start;  // drop a half-built example
    if (!rc && o->vocab_size)
        for (int64_t i = start; i < b->len; i++)
            if (b->ids[i] >= o->vocab_size) {
                b->len = start;
                free(*id);
                *id = NULL;
                return wmss_fail(e, "%s: token id %d is outside the model's vocabulary (%d): tokenizer and model disagree",
                                 where, b->ids[i], o->vocab_size);
            }
    return rc;
}

// Prints the first few warnings of a kind (count is how many of that kind so far).
static void warn(const wmss_data_opts *o, int count, const char *where, const char *what) {
    if (!o->log || count > 5) return;
    fprintf(o->log, "warning: %s: %s\n", where, what);
    if (count == 5) fprintf(o->log, "  (further warnings of this kind not shown; the summary counts them)\n");
}

typedef struct {
    int64_t *offset;
    int *line, *record, *n_targets;
    char **id;
    int n, cap;
} exlist;

static int ex_push(exlist *x, int64_t end, int line, int record, int n_targets, char *id, wmss_error *e) {
    if (x->n + 1 >= x->cap) {
        int cap = x->cap ? x->cap * 2 : 1024;
        int64_t *no = realloc(x->offset, (cap + 1) * sizeof *no);
        if (no) x->offset = no;
        int *nl = realloc(x->line, cap * sizeof *nl);
        if (nl) x->line = nl;
        int *nr = realloc(x->record, cap * sizeof *nr);
        if (nr) x->record = nr;
        int *nt = realloc(x->n_targets, cap * sizeof *nt);
        if (nt) x->n_targets = nt;
        char **ni = realloc(x->id, cap * sizeof *ni);
        if (ni) x->id = ni;
        if (!no || !nl || !nr || !nt || !ni) {
            free(id);
            return wmss_fail(e, "out of memory reading the dataset");
        }
        x->cap = cap;
    }
    x->line[x->n] = line;
    x->record[x->n] = record;
    x->n_targets[x->n] = n_targets;
    x->id[x->n] = id;
    x->offset[++x->n] = end;
    return 0;
}

static void ex_free(exlist *x) {
    for (int i = 0; i < x->n; i++) free(x->id[i]);
    free(x->offset);
    free(x->line);
    free(x->record);
    free(x->n_targets);
    free(x->id);
}

int wmss_dataset_load(const char *path, const wmss_data_opts *o, wmss_dataset *ds, wmss_error *e) {
    memset(ds, 0, sizeof *ds);
    snprintf(ds->path, sizeof ds->path, "%s", path);
    wmss_jsonl rd;
    if (wmss_jsonl_open(&rd, path, e)) return -1;
    tokbuf b = {0};
    exlist x = {0};
    int rc = 0;
    x.offset = malloc(sizeof *x.offset);
    if (!x.offset) rc = wmss_fail(e, "out of memory");
    else x.offset[0] = 0;
    const char *line;
    size_t len;
    char where[4200];
    int record = -1, got;
    while (!rc && (got = wmss_jsonl_next_line(&rd, &line, &len, e)) != 0) {
        if (got < 0) {  // a read error or an over-long line: never the end of the data
            rc = -1;
            break;
        }
        ds->n_lines++;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == len) continue;  // blank lines are allowed
        record++;
        ds->n_records = record + 1;
        snprintf(where, sizeof where, "%s:%d", path, ds->n_lines);
        int64_t start = b.len;
        wmss_error le = {{0}};
        char *id = NULL;
        if (parse_line(o, line, len, &b, where, &id, &le)) {
            if (o->on_bad == WMSS_BAD_STOP) {
                *e = le;
                wmss_error_prefix(e, "bad example (use --bad-data skip to skip such lines)");
                rc = -1;
                break;
            }
            ds->n_bad++;
            warn(o, ds->n_bad, "skipped", le.msg);
            continue;
        }
        int64_t n = b.len - start;
        if (o->max_len > 0 && n > o->max_len) {
            if (o->on_long == WMSS_LONG_DROP) {
                ds->n_dropped_long++;
                b.len = start;
                warn(o, ds->n_dropped_long, where, "dropped, longer than --max-len");
                free(id);
                continue;
            }
            ds->n_truncated++;
            warn(o, ds->n_truncated, where, "truncated to --max-len");
            b.len = start + o->max_len;
        }
        if (o->loss_on_all)  // the whole sequence: every token that has a predecessor
            for (int64_t t = start + 1; t < b.len; t++) b.mask[t] = 1;
        int targets = 0;
        for (int64_t t = start + 1; t < b.len; t++) targets += b.mask[t];
        if (targets == 0) {
            ds->n_no_target++;
            warn(o, ds->n_no_target, where, "dropped, no completion token left to train on");
            b.len = start;
            free(id);
            continue;
        }
        rc = ex_push(&x, b.len, ds->n_lines, record, targets, id, e);
    }
    wmss_jsonl_close(&rd);
    if (!rc && x.n == 0) rc = wmss_fail(e, "%s: no usable examples (%d lines read)", path, ds->n_lines);
    if (rc) {
        free(b.ids);
        free(b.mask);
        ex_free(&x);
        return -1;
    }
    ds->n = x.n;
    ds->n_tokens = b.len;
    ds->ids = b.ids;
    ds->mask = b.mask;
    ds->offset = x.offset;
    ds->line = x.line;
    ds->record = x.record;
    ds->id = x.id;
    ds->n_targets = x.n_targets;
    return 0;
}

void wmss_dataset_free(wmss_dataset *ds) {
    for (int i = 0; i < ds->n; i++) free(ds->id[i]);
    free(ds->id);
    free(ds->record);
    free(ds->ids);
    free(ds->mask);
    free(ds->offset);
    free(ds->line);
    free(ds->n_targets);
    memset(ds, 0, sizeof *ds);
}
