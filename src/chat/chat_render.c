// Rendering entry point: dispatches to the family's renderer, and the `none` mode for
// base models without a chat template (contents concatenated as they are, no separators,
// no special tokens, no generation prompt; each assistant span is its content).
#include <stdlib.h>
#include <string.h>

#include "chat_internal.h"

static const char *const FAMILY_NAMES[] = {
    [WMSS_CHAT_NONE] = "none",       [WMSS_CHAT_QWEN3] = "qwen3",
    [WMSS_CHAT_QWEN2_5] = "qwen2.5", [WMSS_CHAT_LLAMA3] = "llama3",
    [WMSS_CHAT_LLAMA3_1] = "llama3.1", [WMSS_CHAT_LLAMA3_2] = "llama3.2",
    [WMSS_CHAT_GEMMA3] = "gemma3",   [WMSS_CHAT_CHATML] = "chatml",
};
#define N_FAMILIES (sizeof FAMILY_NAMES / sizeof FAMILY_NAMES[0])

const char *wmss_chat_family_name(wmss_chat_family f) {
    return (size_t)f < N_FAMILIES ? FAMILY_NAMES[f] : "?";
}

int wmss_chat_family_parse(const char *name, wmss_chat_family *f, wmss_error *e) {
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (!strcmp(name, FAMILY_NAMES[i])) {
            *f = (wmss_chat_family)i;
            return 0;
        }
    return wmss_fail(e, "unknown chat template '%s' (known: auto, none, qwen3, qwen2.5, llama3, "
                        "llama3.1, llama3.2, gemma3, chatml)", name);
}

const char *wmss_chat_role_name(wmss_chat_role r) {
    switch (r) {
    case WMSS_CHAT_SYSTEM: return "system";
    case WMSS_CHAT_USER: return "user";
    case WMSS_CHAT_ASSISTANT: return "assistant";
    case WMSS_CHAT_TOOL: return "tool";
    }
    return "?";
}

// ChatML: <|im_start|>ROLE\nCONTENT<|im_end|>\n per message; the assistant span runs from
// after its header to the end of <|im_end|>.
static int render_chatml(const wmss_chat_message *m, size_t n, const wmss_chat_options *opt,
                         chat_render_state *st, wmss_error *e) {
    for (size_t i = 0; i < n; i++) {
        if (chat_buf_adds(&st->out, "<|im_start|>", e) ||
            chat_buf_adds(&st->out, wmss_chat_role_name(m[i].role), e) || chat_buf_adds(&st->out, "\n", e))
            return -1;
        size_t begin = st->out.len;
        if (chat_buf_adds(&st->out, m[i].content, e) || chat_buf_adds(&st->out, "<|im_end|>", e)) return -1;
        if (m[i].role == WMSS_CHAT_ASSISTANT && chat_span_add(st, i, begin, st->out.len, e)) return -1;
        if (chat_buf_adds(&st->out, "\n", e)) return -1;
    }
    return opt->add_generation_prompt ? chat_buf_adds(&st->out, "<|im_start|>assistant\n", e) : 0;
}

static int render_none(const wmss_chat_message *m, size_t n, chat_render_state *st,
                       wmss_error *e) {
    for (size_t i = 0; i < n; i++) {
        size_t begin = st->out.len;
        if (chat_buf_adds(&st->out, m[i].content, e)) return -1;
        if (m[i].role == WMSS_CHAT_ASSISTANT && chat_span_add(st, i, begin, st->out.len, e))
            return -1;
    }
    return 0;
}

int wmss_chat_render(const wmss_chat_template *t, const wmss_chat_message *messages,
                     size_t n, const wmss_chat_options *opt, wmss_chat_rendered *out,
                     wmss_error *e) {
    memset(out, 0, sizeof *out);
    wmss_chat_options defaults = WMSS_CHAT_OPTIONS_DEFAULT;
    if (!opt) opt = &defaults;
    for (size_t i = 0; i < n; i++)
        if (!messages[i].content || (unsigned)messages[i].role > WMSS_CHAT_TOOL)
            return wmss_fail(e, "chat render: message %zu has no content or a bad role", i);
    chat_render_state st = {0};
    int rc;
    switch (t->family) {
    case WMSS_CHAT_NONE: rc = render_none(messages, n, &st, e); break;
    case WMSS_CHAT_QWEN3: rc = chat_render_qwen3(t, messages, n, opt, &st, e); break;
    case WMSS_CHAT_QWEN2_5: rc = chat_render_qwen2_5(t, messages, n, opt, &st, e); break;
    case WMSS_CHAT_LLAMA3: rc = chat_render_llama3(t, messages, n, opt, &st, e); break;
    case WMSS_CHAT_LLAMA3_1:
    case WMSS_CHAT_LLAMA3_2: rc = chat_render_llama3_1(t, messages, n, opt, &st, e); break;
    case WMSS_CHAT_GEMMA3: rc = chat_render_gemma3(t, messages, n, opt, &st, e); break;
    case WMSS_CHAT_CHATML: rc = render_chatml(messages, n, opt, &st, e); break;
    default: rc = wmss_fail(e, "chat render: bad template family %d", (int)t->family);
    }
    if (rc == 0 && !st.out.data) rc = chat_buf_add(&st.out, "", 0, e);  // "" for nothing
    if (rc) {
        chat_buf_free(&st.out);
        free(st.spans);
        return -1;
    }
    out->text = st.out.data;
    out->len = st.out.len;
    out->spans = st.spans;
    out->n_spans = st.n_spans;
    return 0;
}

void wmss_chat_rendered_free(wmss_chat_rendered *r) {
    if (!r) return;
    free(r->text);
    free(r->spans);
    memset(r, 0, sizeof *r);
}
