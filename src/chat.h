// Chat templates: renders a conversation the way transformers renders a model's own Jinja
// chat template, for the template families we know (no general Jinja interpreter).
//
//   family     template it reproduces                                  detected by
//   qwen3      Qwen3 (hybrid thinking: <think> blocks, enable_thinking)  template text
//   qwen2.5    Qwen2.5 Instruct (default system prompt when none given)  template text
//   llama3     Llama 3 Instruct (headers, BOS on the first message)       template text
//   llama3.1   Llama 3.1 / 3.3 Instruct (date header, 26 Jul 2024)       template text
//   llama3.2   Llama 3.2 Instruct (date header, today's date)             template text
//   gemma3     Gemma 3 (system folded into the first user turn, "model") template text
//   chatml     the generic ChatML template (<|im_start|>role\n...<|im_end|>\n per
//              message; wmss's own demo tokenizer uses it: WMSS_CHATML_TEMPLATE)  template text
//   none       no template (base models): the contents concatenated, nothing added
//
// Detection canonicalizes the template text (whitespace, comments, quote style, x['k']
// vs x.k, whitespace-control dashes) and looks for every fragment that shapes the output
// of a text conversation, so reformatted copies of a template are recognized and a
// template that would render differently is not. See src/chat/chat_detect.c.
//
// Rendering also reports, for each assistant message, the byte span of what the model
// is to produce: from just after the assistant header to the end of the end-of-turn
// marker (<|im_end|>, <|eot_id|>, <end_of_turn>), thinking block included; the newline
// the templates put after the marker is not in the span. The trainer masks the loss to
// these spans. In `none` mode the span is the assistant content itself.
//
// Messages are text: roles system / user / assistant / tool (tool results render as each
// template renders them), content a string; Qwen3 assistant turns may carry
// reasoning_content. Tool calls (assistant "tool_calls") and tool definitions are not
// supported and are reported as errors. Render errors name the message at fault; the
// caller adds where the conversation came from.
#ifndef WMSS_CHAT_H
#define WMSS_CHAT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "error.h"

typedef enum {
    WMSS_CHAT_NONE = 0,
    WMSS_CHAT_QWEN3,
    WMSS_CHAT_QWEN2_5,
    WMSS_CHAT_LLAMA3,
    WMSS_CHAT_LLAMA3_1,
    WMSS_CHAT_LLAMA3_2,
    WMSS_CHAT_GEMMA3,
    WMSS_CHAT_CHATML,
} wmss_chat_family;

// The generic ChatML template text, as written into tokenizer_config.json files.
#define WMSS_CHATML_TEMPLATE                                                                          \
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + " \
    "'<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}" \
    "{%- endif %}"

// A chat template resolved to a family plus what the family's rendering needs.
typedef struct {
    wmss_chat_family family;
    char *bos_token;         // from tokenizer_config.json; NULL when it has none
    char *eos_token;         // idem
    char *default_system;    // qwen2.5: the system prompt used when none is given
    int gen_prompt_always;   // llama3: the template appends the assistant header even
                             // without add_generation_prompt (some Llama 3 uploads do)
    char source[4200];       // where the template came from (for messages)
} wmss_chat_template;

typedef enum {
    WMSS_CHAT_SYSTEM = 0,
    WMSS_CHAT_USER,
    WMSS_CHAT_ASSISTANT,
    WMSS_CHAT_TOOL,
} wmss_chat_role;

// One message. Strings are borrowed (NUL-terminated UTF-8) and must outlive the render.
typedef struct {
    wmss_chat_role role;
    const char *content;            // never NULL ("" for an empty message)
    const char *reasoning_content;  // qwen3 assistant turns: optional, NULL when absent
} wmss_chat_message;

typedef struct {
    int add_generation_prompt;   // append the header that opens an assistant turn
    int enable_thinking;         // qwen3: -1 unset (template default), 0 false, 1 true
    const char *date_string;     // llama3.1/3.2 "Today Date": NULL = the template's default
                                 // (3.1: "26 Jul 2024"; 3.2: today, "%d %b %Y", local time)
} wmss_chat_options;

#define WMSS_CHAT_OPTIONS_DEFAULT ((wmss_chat_options){0, -1, NULL})

// Byte offsets [begin, end) into the rendered text of one assistant turn (see above).
typedef struct {
    size_t message;   // index of the assistant message in the input list
    size_t begin, end;
} wmss_chat_span;

typedef struct {
    char *text;              // NUL-terminated; len bytes
    size_t len;
    wmss_chat_span *spans;   // one per assistant message, in order
    size_t n_spans;
} wmss_chat_rendered;

// Family names: "qwen3", "qwen2.5", "llama3", "llama3.1", "llama3.2", "gemma3", "chatml", "none".
const char *wmss_chat_family_name(wmss_chat_family f);
int wmss_chat_family_parse(const char *name, wmss_chat_family *f, wmss_error *e);
const char *wmss_chat_role_name(wmss_chat_role r);

// Recognizes the family of a Jinja template text. Fills t->family, t->default_system and
// t->gen_prompt_always (t's other fields are left alone). Fails, naming `where` and
// `--chat-template NAME`, when the template is not one we reproduce exactly.
int wmss_chat_detect(const char *template_text, const char *where, wmss_chat_template *t,
                     wmss_error *e);

// Loads the template of a tokenizer. path: a tokenizer_config.json, a tokenizer.json or
// other file (tokenizer_config.json beside it is used) or a model directory. The
// template is chat_template.jinja beside tokenizer_config.json when present (as
// transformers does), else tokenizer_config.json's "chat_template" (a string, or a list
// of {name, template}: "default" is used). name: NULL or "auto" detects the family
// from the template text; another family name forces it ("none" needs no template).
// bos_token / eos_token are read from tokenizer_config.json (strings or {"content":..}).
int wmss_chat_template_load(wmss_chat_template *t, const char *path, const char *name,
                            wmss_error *e);

// The same from values already in memory (template_text may be NULL for name "none";
// bos / eos may be NULL). where names the source in messages.
int wmss_chat_template_init(wmss_chat_template *t, const char *template_text,
                            const char *bos_token, const char *eos_token,
                            const char *name, const char *where, wmss_error *e);

void wmss_chat_template_free(wmss_chat_template *t);

// Renders messages[0..n) with t. Conditions that make the real template raise (Gemma 3
// roles out of order, no messages where the template reads messages[0], ...) are
// errors here too. out is owned by the caller (wmss_chat_rendered_free).
int wmss_chat_render(const wmss_chat_template *t, const wmss_chat_message *messages,
                     size_t n, const wmss_chat_options *opt, wmss_chat_rendered *out,
                     wmss_error *e);

void wmss_chat_rendered_free(wmss_chat_rendered *r);

// Reads a message list from parsed JSON: either {"messages": [...]} or a bare array of
// {"role": "system"|"user"|"assistant"|"tool", "content": "...",
//  "reasoning_content": "..." (optional)}. Strings point into json (keep it alive).
// where names the source (file, line) in messages, e.g. "data.jsonl:12".
int wmss_chat_messages_from_json(const cJSON *json, const char *where,
                                 wmss_chat_message **messages, size_t *n, wmss_error *e);

#endif
