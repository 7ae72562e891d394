// Qwen chat templates (ChatML with <|im_start|> / <|im_end|>): Qwen3, whose template
// renders <think> blocks for the assistant turns after the last user query and honours
// enable_thinking, and Qwen2.5, which inserts a default system prompt.
#include <string.h>

#include "chat_internal.h"

#define ADD(s) do { if (chat_buf_adds(&st->out, (s), e)) return -1; } while (0)
#define ADD_STR(v) do { if (chat_buf_add_str(&st->out, (v), e)) return -1; } while (0)

// A tool message: consecutive tool results are gathered into one user turn.
static int render_tool(const wmss_chat_message *m, size_t n, size_t i, chat_render_state *st,
                       wmss_error *e) {
    if (i == 0 || m[i - 1].role != WMSS_CHAT_TOOL) ADD("<|im_start|>user");
    ADD("\n<tool_response>\n");
    ADD(m[i].content);
    ADD("\n</tool_response>");
    if (i + 1 == n || m[i + 1].role != WMSS_CHAT_TOOL) ADD("<|im_end|>\n");
    return 0;
}

// `<|im_start|>role\ncontent<|im_end|>\n`
static int render_plain(const wmss_chat_message *msg, chat_render_state *st, wmss_error *e) {
    ADD("<|im_start|>");
    ADD(wmss_chat_role_name(msg->role));
    ADD("\n");
    ADD(msg->content);
    ADD("<|im_end|>\n");
    return 0;
}

// Qwen3 splits "<think>reasoning</think>answer" content unless reasoning_content is given.
static void qwen3_split_thinking(const wmss_chat_message *msg, chat_str *content,
                                 chat_str *reasoning) {
    chat_str c = chat_str_of(msg->content);
    *content = c;
    *reasoning = chat_str_of("");
    if (msg->reasoning_content) {
        *reasoning = chat_str_of(msg->reasoning_content);
        return;
    }
    const char *first = chat_find(c, "</think>"), *last = chat_find_last(c, "</think>");
    if (!first) return;
    const char *after = last + strlen("</think>");
    *content = chat_lstrip_char((chat_str){after, (size_t)(c.p + c.n - after)}, '\n');
    chat_str r = chat_rstrip_char((chat_str){c.p, (size_t)(first - c.p)}, '\n');
    const char *open = chat_find_last(r, "<think>");
    if (open) {
        const char *rs = open + strlen("<think>");
        r = (chat_str){rs, (size_t)(r.p + r.n - rs)};
    }
    *reasoning = chat_lstrip_char(r, '\n');
}

int chat_render_qwen3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                      const wmss_chat_options *opt, chat_render_state *st, wmss_error *e) {
    (void)t;
    if (n == 0) return wmss_fail(e, "no messages (the template reads messages[0])");
    if (m[0].role == WMSS_CHAT_SYSTEM) {
        ADD("<|im_start|>system\n");
        ADD(m[0].content);
        ADD("<|im_end|>\n");
    }
    // The last user message that is not a bare <tool_response>: thinking is rendered for
    // the assistant turns after it.
    size_t last_query = n - 1;
    for (size_t i = n; i-- > 0;) {
        chat_str c = chat_str_of(m[i].content);
        if (m[i].role == WMSS_CHAT_USER &&
            !(chat_starts_with(c, "<tool_response>") && chat_ends_with(c, "</tool_response>"))) {
            last_query = i;
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const wmss_chat_message *msg = &m[i];
        if (msg->role == WMSS_CHAT_USER || (msg->role == WMSS_CHAT_SYSTEM && i > 0)) {
            if (render_plain(msg, st, e)) return -1;
        } else if (msg->role == WMSS_CHAT_ASSISTANT) {
            chat_str content, reasoning;
            qwen3_split_thinking(msg, &content, &reasoning);
            ADD("<|im_start|>assistant\n");
            size_t begin = st->out.len;
            if (i > last_query && (i + 1 == n || reasoning.n > 0)) {
                ADD("<think>\n");
                ADD_STR(chat_strip_char(reasoning, '\n'));
                ADD("\n</think>\n\n");
                ADD_STR(chat_lstrip_char(content, '\n'));
            } else {
                ADD_STR(content);
            }
            ADD("<|im_end|>");
            if (chat_span_add(st, i, begin, st->out.len, e)) return -1;
            ADD("\n");
        } else if (msg->role == WMSS_CHAT_TOOL) {
            if (render_tool(m, n, i, st, e)) return -1;
        }
    }
    if (opt->add_generation_prompt) {
        ADD("<|im_start|>assistant\n");
        if (opt->enable_thinking == 0) ADD("<think>\n\n</think>\n\n");
    }
    return 0;
}

int chat_render_qwen2_5(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                        const wmss_chat_options *opt, chat_render_state *st, wmss_error *e) {
    if (n == 0) return wmss_fail(e, "no messages (the template reads messages[0])");
    ADD("<|im_start|>system\n");
    ADD(m[0].role == WMSS_CHAT_SYSTEM ? m[0].content : t->default_system ? t->default_system : "");
    ADD("<|im_end|>\n");
    for (size_t i = 0; i < n; i++) {
        const wmss_chat_message *msg = &m[i];
        if (msg->role == WMSS_CHAT_USER || (msg->role == WMSS_CHAT_SYSTEM && i > 0)) {
            if (render_plain(msg, st, e)) return -1;
        } else if (msg->role == WMSS_CHAT_ASSISTANT) {
            ADD("<|im_start|>assistant\n");
            size_t begin = st->out.len;
            ADD(msg->content);
            ADD("<|im_end|>");
            if (chat_span_add(st, i, begin, st->out.len, e)) return -1;
            ADD("\n");
        } else if (msg->role == WMSS_CHAT_TOOL) {
            if (render_tool(m, n, i, st, e)) return -1;
        }
    }
    if (opt->add_generation_prompt) ADD("<|im_start|>assistant\n");
    return 0;
}
