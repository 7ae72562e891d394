// Llama 3 chat templates: <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|>.
// Llama 3 (3.0) puts BOS before the first message; Llama 3.1 / 3.2 / 3.3 start with a
// system header carrying "Cutting Knowledge Date" and "Today Date" and fold the system
// message into it. All trim message contents (Python's str.strip()).
#include <stdio.h>
#include <time.h>

#include "chat_internal.h"

#define ADD(s) do { if (chat_buf_adds(&st->out, (s), e)) return -1; } while (0)
#define ADD_STR(v) do { if (chat_buf_add_str(&st->out, (v), e)) return -1; } while (0)

// <|start_header_id|>role<|end_header_id|>\n\n strip(content) <|eot_id|>, with the span of
// an assistant turn recorded.
static int render_turn(const wmss_chat_message *m, size_t i, chat_render_state *st,
                       wmss_error *e) {
    ADD("<|start_header_id|>");
    ADD(wmss_chat_role_name(m[i].role));
    ADD("<|end_header_id|>\n\n");
    size_t begin = st->out.len;
    ADD_STR(chat_py_strip(chat_str_of(m[i].content)));
    ADD("<|eot_id|>");
    if (m[i].role == WMSS_CHAT_ASSISTANT && chat_span_add(st, i, begin, st->out.len, e)) return -1;
    return 0;
}

int chat_render_llama3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                       const wmss_chat_options *opt, chat_render_state *st, wmss_error *e) {
    if (n > 0 && !t->bos_token)
        return wmss_fail(e, "%s: no bos_token, which the llama3 template puts first",
                         t->source);
    for (size_t i = 0; i < n; i++) {
        if (i == 0) ADD(t->bos_token);
        if (render_turn(m, i, st, e)) return -1;
    }
    if (opt->add_generation_prompt || t->gen_prompt_always)
        ADD("<|start_header_id|>assistant<|end_header_id|>\n\n");
    return 0;
}

int chat_render_llama3_1(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                         const wmss_chat_options *opt, chat_render_state *st, wmss_error *e) {
    if (n == 0)
        return wmss_fail(e, "no messages (the template reads messages[0])");
    char today[64];
    const char *date = opt->date_string;
    if (!date && t->family == WMSS_CHAT_LLAMA3_1) date = "26 Jul 2024";
    if (!date) {  // Llama 3.2: strftime_now("%d %b %Y"), as transformers provides it
        time_t now = time(NULL);
        struct tm tm;
        if (!localtime_r(&now, &tm) || !strftime(today, sizeof today, "%d %b %Y", &tm))
            return wmss_fail(e, "cannot format today's date");
        date = today;
    }
    if (t->bos_token) ADD(t->bos_token);
    size_t start = 0;
    chat_str system = chat_str_of("");
    if (m[0].role == WMSS_CHAT_SYSTEM) {
        system = chat_py_strip(chat_str_of(m[0].content));
        start = 1;
    }
    ADD("<|start_header_id|>system<|end_header_id|>\n\n");
    ADD("Cutting Knowledge Date: December 2023\n");
    ADD("Today Date: ");
    ADD(date);
    ADD("\n\n");
    ADD_STR(system);
    ADD("<|eot_id|>");
    for (size_t i = start; i < n; i++) {
        if (m[i].role == WMSS_CHAT_TOOL) {  // `content is iterable` holds for strings: tojson
            ADD("<|start_header_id|>ipython<|end_header_id|>\n\n");
            if (chat_buf_add_json_string(&st->out, chat_str_of(m[i].content), e)) return -1;
            ADD("<|eot_id|>");
        } else if (render_turn(m, i, st, e)) {
            return -1;
        }
    }
    if (opt->add_generation_prompt) ADD("<|start_header_id|>assistant<|end_header_id|>\n\n");
    return 0;
}
