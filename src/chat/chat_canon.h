// Canonical form of a Jinja template text (see chat_canon.c), used to recognize
// template families whatever their formatting.
#ifndef WMSS_CHAT_CANON_H
#define WMSS_CHAT_CANON_H

#include "chat_internal.h"

int chat_canonicalize(const char *tmpl, chat_buf *out, wmss_error *e);
// Decodes a canonical single-quoted literal s[0..n) (starting with ') into out.
int chat_unquote(const char *s, size_t n, chat_buf *out, wmss_error *e);

// Fills the family parameters that t->family takes from a template text (Qwen2.5's
// default system prompt, Llama 3's unconditional generation prompt), where present.
int chat_template_params(const char *template_text, wmss_chat_template *t, wmss_error *e);

#endif
