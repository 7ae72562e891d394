// wmss tokenize / wmss detokenize: text <-> token ids with a Hugging Face tokenizer.json.
//   tokenize:   one JSON array of ids per input (--text STR, or --jsonl FILE with one JSON
//               string per line); batches are encoded on all cores.
//   detokenize: one JSON array of ids per line in (stdin or --jsonl FILE), one JSON string
//               per line out.
// Bad input (malformed JSON, invalid UTF-8, an id outside the vocabulary) is an error that
// names the file and line, with exit status 1.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "args.h"
#include "commands.h"
#include "fsutil.h"
#include "tokenizer.h"

#define BATCH_LINES 4096

static int print_ids(FILE *f, const int32_t *ids, size_t n) {
    char buf[4096];
    size_t k = 0;
    buf[k++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof buf - 16) {
            fwrite(buf, 1, k, f);
            k = 0;
        }
        if (i) buf[k++] = ',';
        char d[12];
        int m = 0;
        uint32_t v = (uint32_t)ids[i];
        do d[m++] = (char)('0' + v % 10); while ((v /= 10));
        while (m) buf[k++] = d[--m];
    }
    buf[k++] = ']';
    buf[k++] = '\n';
    fwrite(buf, 1, k, f);
    return ferror(f) ? -1 : 0;
}

// Writes s[0..n) as a JSON string (UTF-8 passes through; NUL and control characters are
// escaped).
static void print_json_string(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        fwrite(s + run, 1, i - run, f);
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default: fprintf(f, "\\u%04x", c); break;
        }
        run = i + 1;
    }
    fwrite(s + run, 1, n - run, f);
    fputs("\"\n", f);
}

// cJSON strings are NUL-terminated, so a JSON "\u0000" would silently cut the text short:
// find it in the raw line and refuse it.
static int has_nul_escape(const char *s) {
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != '\\' || !s[i + 1]) continue;
        if (s[i + 1] == 'u' && !strncmp(s + i + 2, "0000", 4)) return 1;
        i++;
    }
    return 0;
}

static int is_blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
    return 1;
}

typedef struct {
    const char *file;
    size_t line;
} line_ref;

// --stats: what was encoded and how long the encoding itself took (not loading, parsing
// or printing).
typedef struct {
    size_t texts, bytes, tokens;
    double seconds;
} encode_stats;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int encode_batch(const wmss_tokenizer *t, unsigned flags, cJSON **docs, const line_ref *refs, size_t n,
                        encode_stats *st) {
    const char **texts = calloc(n ? n : 1, sizeof *texts);
    size_t *lens = calloc(n ? n : 1, sizeof *lens), *counts = malloc((n ? n : 1) * sizeof *counts);
    int32_t **ids = malloc((n ? n : 1) * sizeof *ids);
    int rc = 1;
    if (!texts || !lens || !counts || !ids) {
        fprintf(stderr, "wmss tokenize: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        texts[i] = docs[i]->valuestring;
        lens[i] = strlen(texts[i]);
    }
    wmss_error e = {{0}};
    size_t bad = 0;
    double t0 = now_s();
    int failed = wmss_tokenizer_encode_batch(t, texts, lens, n, flags, ids, counts, &bad, &e);
    st->seconds += now_s() - t0;
    if (failed) {
        const char *msg = strchr(e.msg, ':');  // drop the "text N" prefix: we name the line
        fprintf(stderr, "wmss tokenize: %s:%zu:%s\n", refs[bad].file, refs[bad].line, msg ? msg + 1 : e.msg);
        goto done;
    }
    rc = 0;
    st->texts += n;
    for (size_t i = 0; i < n; i++) {
        st->bytes += lens[i];
        st->tokens += counts[i];
        if (!rc && print_ids(stdout, ids[i], counts[i])) {
            fprintf(stderr, "wmss tokenize: writing output: %s\n", strerror(errno));
            rc = 1;
        }
        free(ids[i]);
    }
done:
    free(texts);
    free(lens);
    free(counts);
    free(ids);
    return rc;
}

static int tokenize_jsonl(const wmss_tokenizer *t, unsigned flags, const char *path, encode_stats *st) {
    char *data;
    size_t len;
    wmss_error e = {{0}};
    if (wmss_read_file(path, &data, &len, &e)) {
        fprintf(stderr, "wmss tokenize: %s\n", e.msg);
        return 1;
    }
    cJSON *docs[BATCH_LINES];
    line_ref refs[BATCH_LINES];
    size_t nd = 0, line = 0;
    int rc = 0;
    char *p = data, *end = data + len;
    while (p < end && !rc) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        line++;
        *stop = 0;  // wmss_read_file leaves a NUL after the data, so end is writable
        if (memchr(p, 0, (size_t)(stop - p))) {
            fprintf(stderr, "wmss tokenize: %s:%zu: NUL byte in the line\n", path, line);
            rc = 1;
            break;
        }
        if (is_blank(p)) {
            fprintf(stderr, "wmss tokenize: %s:%zu: empty line (expected a JSON string)\n", path, line);
            rc = 1;
            break;
        }
        cJSON *doc = cJSON_ParseWithOpts(p, NULL, 1);
        if (!cJSON_IsString(doc)) {
            fprintf(stderr, "wmss tokenize: %s:%zu: %s\n", path, line,
                    doc ? "expected a JSON string" : "malformed JSON (expected one JSON string)");
            cJSON_Delete(doc);
            rc = 1;
            break;
        }
        if (has_nul_escape(p)) {
            fprintf(stderr, "wmss tokenize: %s:%zu: the string contains U+0000, which is not supported\n", path, line);
            cJSON_Delete(doc);
            rc = 1;
            break;
        }
        docs[nd] = doc;
        refs[nd] = (line_ref){path, line};
        nd++;
        if (nd == BATCH_LINES) {
            rc = encode_batch(t, flags, docs, refs, nd, st);
            for (size_t i = 0; i < nd; i++) cJSON_Delete(docs[i]);
            nd = 0;
        }
        p = nl ? nl + 1 : end;
    }
    if (!rc && nd) rc = encode_batch(t, flags, docs, refs, nd, st);
    for (size_t i = 0; i < nd; i++) cJSON_Delete(docs[i]);
    free(data);
    return rc;
}

int cmd_tokenize(int argc, char **argv) {
    const char *tok_path = NULL, *text = NULL, *jsonl = NULL;
    int special = 0, add_special = 0, stats = 0, done;
    const cli_opt opts[] = {
        {"--tokenizer", "PATH", "tokenizer.json, or a model directory that holds one (required)", &tok_path, NULL},
        {"--text", "STR", "encode this text", &text, NULL},
        {"--jsonl", "FILE", "encode each line of FILE (one JSON string per line)", &jsonl, NULL},
        {"--special", NULL, "text such as <|im_end|> encodes as the special token (Hugging Face's default)", NULL,
         &special},
        {"--add-special", NULL, "add the post-processor's tokens (BOS/EOS), as add_special_tokens=True", NULL,
         &add_special},
        {"--stats", NULL, "print texts, bytes, tokens and encoding speed to standard error", NULL, &stats},
    };
    int rc = cli_parse("tokenize", "--tokenizer PATH [--special] [--add-special] [--stats] (--text STR | --jsonl FILE)", argc,
                       argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!tok_path || (!text) == (!jsonl)) {
        fprintf(stderr, "wmss tokenize: --tokenizer PATH and exactly one of --text STR / --jsonl FILE are required\n");
        return 2;
    }
    wmss_error e = {{0}};
    wmss_tokenizer *t;
    if (wmss_tokenizer_load(tok_path, &t, &e)) {
        fprintf(stderr, "wmss tokenize: %s\n", e.msg);
        return 1;
    }
    unsigned flags = (special ? WMSS_ENCODE_PARSE_SPECIAL : 0) | (add_special ? WMSS_ENCODE_ADD_SPECIAL : 0);
    rc = 0;
    encode_stats st = {0};
    if (text) {
        int32_t *ids;
        size_t n;
        double t0 = now_s();
        int failed = wmss_tokenizer_encode(t, text, strlen(text), flags, &ids, &n, &e);
        st.seconds = now_s() - t0;
        if (failed) {
            fprintf(stderr, "wmss tokenize: --text: %s\n", e.msg);
            rc = 1;
        } else {
            st = (encode_stats){1, strlen(text), n, st.seconds};
            rc = print_ids(stdout, ids, n) ? 1 : 0;
            free(ids);
        }
    } else {
        rc = tokenize_jsonl(t, flags, jsonl, &st);
    }
    if (stats && !rc)
        fprintf(stderr, "wmss tokenize: %zu texts, %zu bytes, %zu tokens, encoded in %.6f s (%.2f MB/s)\n", st.texts,
                st.bytes, st.tokens, st.seconds, st.seconds > 0 ? (double)st.bytes / 1e6 / st.seconds : 0.0);
    wmss_tokenizer_free(t);
    if (fflush(stdout)) {
        fprintf(stderr, "wmss tokenize: writing output: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}

// ---------------------------------------------------------------------------------------

static int detok_line(const wmss_tokenizer *t, unsigned flags, char *line, const char *file, size_t lineno,
                      int32_t **buf, size_t *cap) {
    cJSON *doc = cJSON_ParseWithOpts(line, NULL, 1);
    if (!cJSON_IsArray(doc)) {
        fprintf(stderr, "wmss detokenize: %s:%zu: %s\n", file, lineno,
                doc ? "expected a JSON array of ids" : "malformed JSON (expected an array of ids)");
        cJSON_Delete(doc);
        return 1;
    }
    size_t n = (size_t)cJSON_GetArraySize(doc), k = 0;
    if (n > *cap) {
        int32_t *v = realloc(*buf, n * sizeof *v);
        if (!v) {
            cJSON_Delete(doc);
            fprintf(stderr, "wmss detokenize: out of memory\n");
            return 1;
        }
        *buf = v;
        *cap = n;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, doc) {
        double d = cJSON_IsNumber(it) ? it->valuedouble : -1.0;
        if (!cJSON_IsNumber(it) || d < 0 || d > 2147483647.0 || d != (double)(int32_t)d) {
            fprintf(stderr, "wmss detokenize: %s:%zu: element %zu is not a token id (a non-negative integer)\n", file,
                    lineno, k);
            cJSON_Delete(doc);
            return 1;
        }
        (*buf)[k++] = (int32_t)d;
    }
    cJSON_Delete(doc);
    wmss_error e = {{0}};
    char *text;
    size_t len;
    if (wmss_tokenizer_decode(t, *buf, k, flags, &text, &len, &e)) {
        fprintf(stderr, "wmss detokenize: %s:%zu: %s\n", file, lineno, e.msg);
        return 1;
    }
    print_json_string(stdout, text, len);
    free(text);
    return 0;
}

int cmd_detokenize(int argc, char **argv) {
    const char *tok_path = NULL, *jsonl = NULL;
    int skip = 0, clean = 0, done;
    const cli_opt opts[] = {
        {"--tokenizer", "PATH", "tokenizer.json, or a model directory that holds one (required)", &tok_path, NULL},
        {"--jsonl", "FILE", "read the id arrays from FILE instead of standard input", &jsonl, NULL},
        {"--skip-special", NULL, "leave special tokens out of the text", NULL, &skip},
        {"--clean-up-spaces", NULL, "apply transformers' clean_up_tokenization (\" .\" -> \".\" etc.)", NULL, &clean},
    };
    int rc = cli_parse("detokenize", "--tokenizer PATH [--skip-special] [--clean-up-spaces] [--jsonl FILE] < ids.jsonl",
                       argc, argv, opts, sizeof opts / sizeof opts[0], &done);
    if (done) return rc;
    if (!tok_path) {
        fprintf(stderr, "wmss detokenize: --tokenizer PATH is required\n");
        return 2;
    }
    FILE *in = stdin;
    const char *name = "<stdin>";
    if (jsonl) {
        in = fopen(jsonl, "rb");
        if (!in) {
            fprintf(stderr, "wmss detokenize: %s: %s\n", jsonl, strerror(errno));
            return 1;
        }
        name = jsonl;
    }
    wmss_error e = {{0}};
    wmss_tokenizer *t;
    if (wmss_tokenizer_load(tok_path, &t, &e)) {
        fprintf(stderr, "wmss detokenize: %s\n", e.msg);
        if (in != stdin) fclose(in);
        return 1;
    }
    unsigned flags = (skip ? WMSS_DECODE_SKIP_SPECIAL : 0) | (clean ? WMSS_DECODE_CLEAN_UP_SPACES : 0);
    char *line = NULL;
    size_t cap = 0, idcap = 0, lineno = 0;
    int32_t *ids = NULL;
    ssize_t got;
    rc = 0;
    while (!rc && (got = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n') line[--n] = 0;
        if (memchr(line, 0, n)) {
            fprintf(stderr, "wmss detokenize: %s:%zu: NUL byte in the line\n", name, lineno);
            rc = 1;
            break;
        }
        if (is_blank(line)) {
            fprintf(stderr, "wmss detokenize: %s:%zu: empty line (expected a JSON array of ids)\n", name, lineno);
            rc = 1;
            break;
        }
        rc = detok_line(t, flags, line, name, lineno, &ids, &idcap);
    }
    if (!rc && ferror(in)) {
        fprintf(stderr, "wmss detokenize: %s: read error\n", name);
        rc = 1;
    }
    free(line);
    free(ids);
    wmss_tokenizer_free(t);
    if (in != stdin) fclose(in);
    if (fflush(stdout)) {
        fprintf(stderr, "wmss detokenize: writing output: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}
