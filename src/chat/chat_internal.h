// Internals shared by the src/chat/*.c files: a growable byte buffer, the Python string
// operations the templates use (str.strip and friends), the JSON string encoding of
// Python's json.dumps(ensure_ascii=False), and the per-family renderers.
#ifndef WMSS_CHAT_INTERNAL_H
#define WMSS_CHAT_INTERNAL_H

#include <stddef.h>

#include "chat.h"
#include "error.h"

typedef struct {
    char *data;   // NUL-terminated while data != NULL
    size_t len, cap;
} chat_buf;

int chat_buf_add(chat_buf *b, const char *s, size_t n, wmss_error *e);
int chat_buf_adds(chat_buf *b, const char *s, wmss_error *e);
void chat_buf_free(chat_buf *b);

// A view of bytes [p, p + n).
typedef struct {
    const char *p;
    size_t n;
} chat_str;

chat_str chat_str_of(const char *s);
// Python's s.strip() / s.lstrip() / s.rstrip(): Unicode whitespace as str.isspace() has it.
chat_str chat_py_strip(chat_str s);
// Python's s.strip(c) / s.lstrip(c) / s.rstrip(c) for one ASCII character c.
chat_str chat_strip_char(chat_str s, char c);
chat_str chat_lstrip_char(chat_str s, char c);
chat_str chat_rstrip_char(chat_str s, char c);
// First / last occurrence of needle in s (NULL if none).
const char *chat_find(chat_str s, const char *needle);
const char *chat_find_last(chat_str s, const char *needle);
int chat_starts_with(chat_str s, const char *prefix);
int chat_ends_with(chat_str s, const char *suffix);
int chat_buf_add_str(chat_buf *b, chat_str s, wmss_error *e);
// Appends json.dumps(s, ensure_ascii=False) of the string s.
int chat_buf_add_json_string(chat_buf *b, chat_str s, wmss_error *e);

// Span bookkeeping while rendering.
typedef struct {
    chat_buf out;
    wmss_chat_span *spans;
    size_t n_spans, cap_spans;
} chat_render_state;

int chat_span_add(chat_render_state *st, size_t message, size_t begin, size_t end,
                  wmss_error *e);

int chat_render_qwen3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                      const wmss_chat_options *opt, chat_render_state *st, wmss_error *e);
int chat_render_qwen2_5(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                        const wmss_chat_options *opt, chat_render_state *st, wmss_error *e);
int chat_render_llama3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                       const wmss_chat_options *opt, chat_render_state *st, wmss_error *e);
int chat_render_llama3_1(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                         const wmss_chat_options *opt, chat_render_state *st, wmss_error *e);
int chat_render_gemma3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                       const wmss_chat_options *opt, chat_render_state *st, wmss_error *e);

#endif
