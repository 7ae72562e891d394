// Chat rendering through the library API (as the data pipeline calls it): messages from
// parsed JSON, forced families, assistant spans, errors. Byte parity with the real Jinja
// templates is tests/py/test_chat_templates.py; these are hand-checked small cases.
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "check.h"

typedef struct {
    wmss_chat_rendered r;
    int rc;
    wmss_error e;
} result;

static result render(const char *family, const char *json, int gen, int thinking) {
    result res = {{0}, -1, {{0}}};
    wmss_chat_template t;
    if (wmss_chat_template_init(&t, NULL, "<B>", "<E>", family, "test", &res.e)) return res;
    cJSON *j = cJSON_Parse(json);
    wmss_chat_message *m = NULL;
    size_t n = 0;
    wmss_chat_options opt = WMSS_CHAT_OPTIONS_DEFAULT;
    opt.add_generation_prompt = gen;
    opt.enable_thinking = thinking;
    opt.date_string = "01 Jan 2025";
    if (!wmss_chat_messages_from_json(j, "test.json", &m, &n, &res.e))
        res.rc = wmss_chat_render(&t, m, n, &opt, &res.r, &res.e);
    free(m);
    cJSON_Delete(j);
    wmss_chat_template_free(&t);
    return res;
}

// The text of span i.
static char *span_text(const wmss_chat_rendered *r, size_t i) {
    static char buf[256];
    size_t n = r->spans[i].end - r->spans[i].begin;
    if (n >= sizeof buf) n = sizeof buf - 1;
    memcpy(buf, r->text + r->spans[i].begin, n);
    buf[n] = 0;
    return buf;
}

static void expect(check_state *st, const char *family, const char *json, int gen, int thinking,
                   const char *text, const char *span0) {
    result res = render(family, json, gen, thinking);
    CHECK(st, res.rc == 0, "%s: %s", family, res.e.msg);
    if (res.rc) return;
    CHECK(st, res.r.len == strlen(res.r.text) && !strcmp(res.r.text, text), "%s: got [%s] want [%s]",
          family, res.r.text, text);
    if (span0) {
        CHECK(st, res.r.n_spans >= 1, "%s: no span", family);
        if (res.r.n_spans >= 1)
            CHECK(st, !strcmp(span_text(&res.r, 0), span0), "%s: span [%s] want [%s]", family,
                  span_text(&res.r, 0), span0);
    }
    wmss_chat_rendered_free(&res.r);
}

static void expect_error(check_state *st, const char *family, const char *json, const char *needle) {
    result res = render(family, json, 0, -1);
    CHECK(st, res.rc != 0 && strstr(res.e.msg, needle), "%s: %s: rc %d, msg [%s]", family, json,
          res.rc, res.e.msg);
    wmss_chat_rendered_free(&res.r);
}

int main(void) {
    check_state st = {0};
    const char *conv = "{\"messages\":[{\"role\":\"system\",\"content\":\" S \"},"
                       "{\"role\":\"user\",\"content\":\"\\u3000Q\\n\"},"
                       "{\"role\":\"assistant\",\"content\":\"<think>\\nR\\n</think>\\n\\nA \"}]}";
    expect(&st, "qwen3", conv, 1, 0,
           "<|im_start|>system\n S <|im_end|>\n<|im_start|>user\n\xe3\x80\x80Q\n<|im_end|>\n"
           "<|im_start|>assistant\n<think>\nR\n</think>\n\nA <|im_end|>\n"
           "<|im_start|>assistant\n<think>\n\n</think>\n\n",
           "<think>\nR\n</think>\n\nA <|im_end|>");
    expect(&st, "qwen2.5", "[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]",
           0, -1,
           "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
           "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nyo<|im_end|>\n",
           "yo<|im_end|>");
    expect(&st, "llama3", conv, 0, -1,
           "<B><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
           "<|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n<think>\nR\n</think>\n\nA<|eot_id|>",
           "<think>\nR\n</think>\n\nA<|eot_id|>");
    expect(&st, "llama3.1", conv, 1, -1,
           "<B><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
           "Today Date: 01 Jan 2025\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n<think>\nR\n</think>\n\nA<|eot_id|>"
           "<|start_header_id|>assistant<|end_header_id|>\n\n",
           "<think>\nR\n</think>\n\nA<|eot_id|>");
    expect(&st, "gemma3", conv, 1, -1,
           "<B><start_of_turn>user\n S \n\nQ<end_of_turn>\n"
           "<start_of_turn>model\n<think>\nR\n</think>\n\nA<end_of_turn>\n<start_of_turn>model\n",
           "<think>\nR\n</think>\n\nA<end_of_turn>");
    expect(&st, "none", conv, 1, -1, " S \xe3\x80\x80Q\n<think>\nR\n</think>\n\nA ",
           "<think>\nR\n</think>\n\nA ");
    // Qwen3 drops the reasoning of turns before the last user query.
    expect(&st, "qwen3",
           "[{\"role\":\"user\",\"content\":\"q1\"},{\"role\":\"assistant\",\"content\":\"<think>r</think>a1\"},"
           "{\"role\":\"user\",\"content\":\"q2\"}]",
           0, -1,
           "<|im_start|>user\nq1<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n<|im_start|>user\nq2<|im_end|>\n",
           "a1<|im_end|>");
    expect_error(&st, "gemma3", "[{\"role\":\"assistant\",\"content\":\"x\"}]", "alternate");
    expect_error(&st, "qwen3", "[]", "no messages");
    expect_error(&st, "qwen3", "[{\"role\":\"robot\",\"content\":\"x\"}]", "test.json: messages[0].role");
    expect_error(&st, "qwen3", "[{\"role\":\"user\",\"content\":null}]", "messages[0].content");
    expect_error(&st, "qwen3", "{\"msgs\":[]}", "missing \"messages\"");

    wmss_chat_template t;
    wmss_error e = {{0}};
    CHECK(&st, wmss_chat_template_init(&t, "{{ messages }}", NULL, NULL, NULL, "x.json", &e) != 0 &&
                   strstr(e.msg, "--chat-template") && strstr(e.msg, "x.json"),
          "unknown template: %s", e.msg);
    CHECK(&st, wmss_chat_template_init(&t, NULL, NULL, NULL, "auto", "y.json", &e) != 0 &&
                   strstr(e.msg, "--chat-template"),
          "no template: %s", e.msg);
    CHECK(&st, wmss_chat_template_init(&t, NULL, NULL, NULL, "qwen4", "y.json", &e) != 0, "bad name");
    return check_finish(&st, "test_chat");
}
