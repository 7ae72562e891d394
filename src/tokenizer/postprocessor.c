// Post-processors: what add_special_tokens adds around an encoded sequence.
// TemplateProcessing (its "single" template), BertProcessing / RobertaProcessing
// ([cls] A [sep]), ByteLevel (offsets only: nothing to do for ids) and Sequence (templates
// compose: a later template wraps the output of an earlier one).
#include <stdlib.h>
#include <string.h>

#include "tokenizer/internal.h"

typedef struct {
    tok_template_item *v;
    size_t n;
} item_list;

static void list_free(item_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].ids);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int list_push(item_list *l, int is_sequence, const int32_t *ids, size_t n, wmss_error *e) {
    tok_template_item *v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) return wmss_fail(e, "out of memory");
    l->v = v;
    tok_template_item *it = &l->v[l->n];
    it->is_sequence = is_sequence;
    it->n_ids = n;
    it->ids = NULL;
    if (n) {
        it->ids = malloc(n * sizeof *ids);
        if (!it->ids) return wmss_fail(e, "out of memory");
        memcpy(it->ids, ids, n * sizeof *ids);
    }
    l->n++;
    return 0;
}

// Appends `cur` (the template so far) where a template has its sequence.
static int list_push_current(item_list *l, const item_list *cur, wmss_error *e) {
    for (size_t i = 0; i < cur->n; i++)
        if (list_push(l, cur->v[i].is_sequence, cur->v[i].ids, cur->v[i].n_ids, e)) return -1;
    return 0;
}

static int parse_template(const cJSON *j, const item_list *cur, item_list *out, const char *where, wmss_error *e) {
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(j, "single");
    const cJSON *specials = cJSON_GetObjectItemCaseSensitive(j, "special_tokens");
    if (!cJSON_IsArray(single)) return wmss_fail(e, "%s: TemplateProcessing without a \"single\" list", where);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, single) {
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(it, "SpecialToken");
        const cJSON *sq = cJSON_GetObjectItemCaseSensitive(it, "Sequence");
        if (sq) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(sq, "id");
            if (!cJSON_IsString(id) || strcmp(id->valuestring, "A"))
                return wmss_fail(e, "%s.single[%d]: a single-sequence template can only hold sequence A", where, i);
            if (list_push_current(out, cur, e)) return -1;
        } else if (sp) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(sp, "id");
            if (!cJSON_IsString(name)) return wmss_fail(e, "%s.single[%d]: SpecialToken without an \"id\"", where, i);
            const cJSON *def = cJSON_GetObjectItemCaseSensitive(specials, name->valuestring);
            const cJSON *ids = cJSON_GetObjectItemCaseSensitive(def, "ids");
            if (!cJSON_IsArray(ids))
                return wmss_fail(e, "%s.special_tokens: no entry with \"ids\" for '%s'", where, name->valuestring);
            int32_t buf[64];
            size_t n = 0;
            const cJSON *x;
            cJSON_ArrayForEach(x, ids) {
                if (!cJSON_IsNumber(x) || x->valuedouble < 0 || n == 64)
                    return wmss_fail(e, "%s.special_tokens['%s'].ids: bad id list", where, name->valuestring);
                buf[n++] = (int32_t)x->valuedouble;
            }
            if (list_push(out, 0, buf, n, e)) return -1;
        } else {
            return wmss_fail(e, "%s.single[%d]: expected SpecialToken or Sequence", where, i);
        }
        i++;
    }
    return 0;
}

static int parse_cls_sep(const cJSON *j, const item_list *cur, item_list *out, const char *where, wmss_error *e) {
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(j, "cls");
    const cJSON *sep = cJSON_GetObjectItemCaseSensitive(j, "sep");
    if (!cJSON_IsArray(cls) || !cJSON_IsArray(sep) || !cJSON_IsNumber(cJSON_GetArrayItem(cls, 1)) ||
        !cJSON_IsNumber(cJSON_GetArrayItem(sep, 1)))
        return wmss_fail(e, "%s: expected \"cls\" and \"sep\" as [token, id]", where);
    int32_t c = (int32_t)cJSON_GetArrayItem(cls, 1)->valuedouble, s = (int32_t)cJSON_GetArrayItem(sep, 1)->valuedouble;
    if (list_push(out, 0, &c, 1, e) || list_push_current(out, cur, e) || list_push(out, 0, &s, 1, e)) return -1;
    return 0;
}

static int apply_processor(const cJSON *j, item_list *cur, const char *where, wmss_error *e) {
    if (!cJSON_IsObject(j)) return wmss_fail(e, "%s: expected an object", where);
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(j, "type");
    if (!cJSON_IsString(ty)) return wmss_fail(e, "%s: missing \"type\"", where);
    const char *type = ty->valuestring;
    if (!strcmp(type, "ByteLevel")) return 0;
    if (!strcmp(type, "Sequence")) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "processors");
        if (!cJSON_IsArray(list)) return wmss_fail(e, "%s: Sequence without a \"processors\" list", where);
        int i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, list) {
            char w[512];
            snprintf(w, sizeof w, "%s.processors[%d]", where, i++);
            if (apply_processor(it, cur, w, e)) return -1;
        }
        return 0;
    }
    item_list out = {0};
    int rc;
    if (!strcmp(type, "TemplateProcessing")) rc = parse_template(j, cur, &out, where, e);
    else if (!strcmp(type, "BertProcessing") || !strcmp(type, "RobertaProcessing")) rc = parse_cls_sep(j, cur, &out, where, e);
    else
        rc = wmss_fail(e,
                       "%s: unsupported post_processor type '%s' (supported: TemplateProcessing, ByteLevel, "
                       "BertProcessing, RobertaProcessing, Sequence)",
                       where, type);
    if (rc) {
        list_free(&out);
        return -1;
    }
    list_free(cur);
    *cur = out;
    return 0;
}

static void post_free(wmss_tokenizer *t) {
    item_list l = {t->post, t->n_post};
    list_free(&l);
    t->post = NULL;
    t->n_post = 0;
}

int tok_post_parse(wmss_tokenizer *t, const cJSON *j, const char *where, wmss_error *e) {
    post_free(t);
    if (!j || cJSON_IsNull(j)) return 0;
    item_list cur = {0};
    if (list_push(&cur, 1, NULL, 0, e) || apply_processor(j, &cur, where, e)) {
        list_free(&cur);
        return -1;
    }
    // A template that is just the sequence adds nothing.
    if (cur.n == 1 && cur.v[0].is_sequence) {
        list_free(&cur);
        return 0;
    }
    t->post = cur.v;
    t->n_post = cur.n;
    return 0;
}

int tok_post_set_bos_eos(wmss_tokenizer *t, int32_t bos, int32_t eos, wmss_error *e) {
    post_free(t);
    item_list cur = {0};
    if ((bos >= 0 && list_push(&cur, 0, &bos, 1, e)) || list_push(&cur, 1, NULL, 0, e) ||
        (eos >= 0 && list_push(&cur, 0, &eos, 1, e))) {
        list_free(&cur);
        return -1;
    }
    t->post = cur.v;
    t->n_post = cur.n;
    return 0;
}

void tok_post_free(wmss_tokenizer *t) { post_free(t); }
