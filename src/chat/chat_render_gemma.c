// Gemma 3 chat template: <start_of_turn>role\n strip(content) <end_of_turn>\n, with the
// assistant role called "model", BOS first, and a system message folded into the first
// user turn (as "system content\n\n" before it, not stripped). After the optional system
// message the roles must alternate user / non-user, starting with user.
#include "chat_internal.h"

#define ADD(s) do { if (chat_buf_adds(&st->out, (s), e)) return -1; } while (0)
#define ADD_STR(v) do { if (chat_buf_add_str(&st->out, (v), e)) return -1; } while (0)

int chat_render_gemma3(const wmss_chat_template *t, const wmss_chat_message *m, size_t n,
                       const wmss_chat_options *opt, chat_render_state *st, wmss_error *e) {
    if (n == 0) return wmss_fail(e, "no messages (the template reads messages[0])");
    if (t->bos_token) ADD(t->bos_token);
    size_t start = 0;
    const char *prefix = NULL;
    if (m[0].role == WMSS_CHAT_SYSTEM) {
        prefix = m[0].content;
        start = 1;
    }
    for (size_t i = start; i < n; i++) {
        size_t k = i - start;
        if ((m[i].role == WMSS_CHAT_USER) != (k % 2 == 0))
            return wmss_fail(e, "Conversation roles must alternate "
                                "user/assistant/user/assistant/... (message %zu is %s)",
                             i, wmss_chat_role_name(m[i].role));
        ADD("<start_of_turn>");
        ADD(m[i].role == WMSS_CHAT_ASSISTANT ? "model" : wmss_chat_role_name(m[i].role));
        ADD("\n");
        if (k == 0 && prefix) {
            ADD(prefix);
            ADD("\n\n");
        }
        size_t begin = st->out.len;
        ADD_STR(chat_py_strip(chat_str_of(m[i].content)));
        ADD("<end_of_turn>");
        if (m[i].role == WMSS_CHAT_ASSISTANT && chat_span_add(st, i, begin, st->out.len, e))
            return -1;
        ADD("\n");
    }
    if (opt->add_generation_prompt) ADD("<start_of_turn>model\n");
    return 0;
}
