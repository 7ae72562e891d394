// Recognizes a chat template's family from its text. The template is put in canonical
// form (chat_canon.c) and must contain every fragment of a family's rule: together the
// fragments cover each statement that shapes the output of a conversation of text
// messages (system header, turns, thinking blocks, tool results, generation prompt), so a
// reformatted copy is recognized and a template that would render differently is not.
// A fragment may list alternatives (equivalent forms); the Llama 3 generation prompt uses
// this to tell the conditional form from the unconditional one.
#include <stdlib.h>
#include <string.h>

#include "chat_canon.h"

#define MAX_ALTS 3
#define MAX_FRAGS 12

typedef struct {
    const char *alt[MAX_ALTS];  // any one of them
} fragment;

typedef struct {
    wmss_chat_family family;
    fragment frags[MAX_FRAGS];
    const char *absent[4];      // fragments that must not be there
    size_t max_outputs;         // {{ }} statements in the known template: a copy with more
                                // may output something the renderer does not
} family_rule;

// ---- Qwen3 ------------------------------------------------------------------------------
#define QWEN3_SYSTEM \
    "{%if messages[0].role=='system'%}{{'<|im_start|>system\\n'+messages[0].content+'<|im_end|>\\n'}}{%endif%}"
#define QWEN3_LAST_QUERY \
    "{%set ns=namespace(multi_step_tool=true,last_query_index=messages|length-1)%}" \
    "{%for message in messages[::-1]%}{%set index=(messages|length-1)-loop.index0%}" \
    "{%if ns.multi_step_tool and message.role=='user'and not(message.content.startswith('<tool_response>')" \
    "and message.content.endswith('</tool_response>'))%}{%set ns.multi_step_tool=false%}" \
    "{%set ns.last_query_index=index%}{%endif%}{%endfor%}"
#define QWEN3_TURN \
    "{%if(message.role=='user')or(message.role=='system'and not loop.first)%}" \
    "{{'<|im_start|>'+message.role+'\\n'+message.content+'<|im_end|>'+'\\n'}}{%elif message.role=='assistant'%}"
#define QWEN3_REASONING \
    "{%if message.reasoning_content is defined and message.reasoning_content is not none%}" \
    "{%set reasoning_content=message.reasoning_content%}{%else%}{%if'</think>'in message.content%}" \
    "{%set content=message.content.split('</think>')[-1].lstrip('\\n')%}" \
    "{%set reasoning_content=message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n')%}" \
    "{%endif%}{%endif%}"
#define QWEN3_THINK \
    "{%if loop.index0>ns.last_query_index%}{%if loop.last or(not loop.last and reasoning_content)%}" \
    "{{'<|im_start|>'+message.role+'\\n<think>\\n'+reasoning_content.strip('\\n')+'\\n</think>\\n\\n'+content.lstrip('\\n')}}" \
    "{%else%}{{'<|im_start|>'+message.role+'\\n'+content}}{%endif%}" \
    "{%else%}{{'<|im_start|>'+message.role+'\\n'+content}}{%endif%}"
#define QWEN3_TOOL \
    "{{'<|im_end|>\\n'}}{%elif message.role=='tool'%}" \
    "{%if loop.first or(messages[loop.index0-1].role!='tool')%}{{'<|im_start|>user'}}{%endif%}" \
    "{{'\\n<tool_response>\\n'}}{{message.content}}{{'\\n</tool_response>'}}" \
    "{%if loop.last or(messages[loop.index0+1].role!='tool')%}{{'<|im_end|>\\n'}}{%endif%}{%endif%}{%endfor%}"
#define QWEN3_GEN \
    "{%if add_generation_prompt%}{{'<|im_start|>assistant\\n'}}" \
    "{%if enable_thinking is defined and enable_thinking is false%}{{'<think>\\n\\n</think>\\n\\n'}}{%endif%}{%endif%}"

// ---- Qwen2.5 ----------------------------------------------------------------------------
#define QWEN25_SYSTEM_HEAD \
    "{%if messages[0].role=='system'%}{{'<|im_start|>system\\n'+messages[0].content+'<|im_end|>\\n'}}" \
    "{%else%}{{'<|im_start|>system\\n"
#define QWEN25_SYSTEM_TAIL "<|im_end|>\\n'}}{%endif%}"
#define QWEN25_TURN \
    "{%for message in messages%}{%if(message.role=='user')or(message.role=='system'and not loop.first)" \
    "or(message.role=='assistant'and not message.tool_calls)%}" \
    "{{'<|im_start|>'+message.role+'\\n'+message.content+'<|im_end|>'+'\\n'}}"
#define QWEN25_TOOL \
    "{%elif message.role=='tool'%}{%if(loop.index0==0)or(messages[loop.index0-1].role!='tool')%}" \
    "{{'<|im_start|>user'}}{%endif%}{{'\\n<tool_response>\\n'}}{{message.content}}{{'\\n</tool_response>'}}" \
    "{%if loop.last or(messages[loop.index0+1].role!='tool')%}{{'<|im_end|>\\n'}}{%endif%}{%endif%}{%endfor%}"
#define QWEN25_GEN "{%endfor%}{%if add_generation_prompt%}{{'<|im_start|>assistant\\n'}}{%endif%}"

// ---- Llama 3 ----------------------------------------------------------------------------
#define LLAMA3_LOOP \
    "{%set loop_messages=messages%}{%for message in loop_messages%}" \
    "{%set content='<|start_header_id|>'+message.role+'<|end_header_id|>\\n\\n'+message.content|trim+'<|eot_id|>'%}" \
    "{%if loop.index0==0%}{%set content=bos_token+content%}{%endif%}{{content}}{%endfor%}"
#define LLAMA3_GEN_IF \
    "{%endfor%}{%if add_generation_prompt%}{{'<|start_header_id|>assistant<|end_header_id|>\\n\\n'}}{%endif%}"
#define LLAMA3_GEN_ALWAYS "{%endfor%}{{'<|start_header_id|>assistant<|end_header_id|>\\n\\n'}}"

// ---- Llama 3.1 / 3.2 / 3.3 --------------------------------------------------------------
#define LLAMA31_DATE "{%if not date_string is defined%}{%set date_string='26 Jul 2024'%}{%endif%}"
#define LLAMA32_DATE \
    "{%if not date_string is defined%}{%if strftime_now is defined%}" \
    "{%set date_string=strftime_now('%d %b %Y')%}{%else%}{%set date_string='26 Jul 2024'%}{%endif%}{%endif%}"
#define LLAMA31_TOOLS_NONE "{%if not tools is defined%}{%set tools=none%}{%endif%}"
#define LLAMA31_SYSTEM \
    "{%if messages[0].role=='system'%}{%set system_message=messages[0].content|trim%}" \
    "{%set messages=messages[1:]%}{%else%}{%set system_message=''%}{%endif%}" \
    "{{'<|start_header_id|>system<|end_header_id|>\\n\\n'}}"
#define LLAMA31_HEADER \
    "{%endif%}{{'Cutting Knowledge Date: December 2023\\n'}}{{'Today Date: '+date_string+'\\n\\n'}}"
#define LLAMA31_SYSTEM_END \
    "{%endif%}{{system_message}}{{'<|eot_id|>'}}{%if tools_in_user_message and not tools is none%}"
#define LLAMA31_TURN \
    "{%for message in messages%}{%if not(message.role=='ipython'or message.role=='tool'or'tool_calls'in message)%}" \
    "{{'<|start_header_id|>'+message.role+'<|end_header_id|>\\n\\n'+message.content|trim+'<|eot_id|>'}}"
#define LLAMA31_TOOL_GEN \
    "{%elif message.role=='tool'or message.role=='ipython'%}{{'<|start_header_id|>ipython<|end_header_id|>\\n\\n'}}" \
    "{%if message.content is mapping or message.content is iterable%}{{message.content|tojson}}" \
    "{%else%}{{message.content}}{%endif%}{{'<|eot_id|>'}}{%endif%}{%endfor%}" \
    "{%if add_generation_prompt%}{{'<|start_header_id|>assistant<|end_header_id|>\\n\\n'}}{%endif%}"

// ---- Gemma 3 ----------------------------------------------------------------------------
#define GEMMA3_SYSTEM \
    "{{bos_token}}{%if messages[0].role=='system'%}{%if messages[0].content is string%}" \
    "{%set first_user_prefix=messages[0].content+'\\n\\n'%}"
#define GEMMA3_LOOP_MESSAGES \
    "{%set loop_messages=messages[1:]%}{%else%}{%set first_user_prefix=''%}" \
    "{%set loop_messages=messages%}{%endif%}"
#define GEMMA3_TURN \
    "{%for message in loop_messages%}{%if(message.role=='user')!=(loop.index0%2==0)%}" \
    "{{raise_exception('Conversation roles must alternate user/assistant/user/assistant/...')}}{%endif%}" \
    "{%if(message.role=='assistant')%}{%set role='model'%}{%else%}{%set role=message.role%}{%endif%}" \
    "{{'<start_of_turn>'+role+'\\n'+(first_user_prefix if loop.first else'')}}" \
    "{%if message.content is string%}{{message.content|trim}}"
#define GEMMA3_END \
    "{{'<end_of_turn>\\n'}}{%endfor%}{%if add_generation_prompt%}{{'<start_of_turn>model\\n'}}{%endif%}"

// ---- ChatML (generic) -------------------------------------------------------------------
#define CHATML_LOOP \
    "{%for message in messages%}{{'<|im_start|>'+message.role+'\\n'+message.content+'<|im_end|>'+'\\n'}}{%endfor%}"
#define CHATML_GEN "{%if add_generation_prompt%}{{'<|im_start|>assistant\\n'}}{%endif%}"

static const family_rule RULES[] = {
    {WMSS_CHAT_QWEN3,
     {{{QWEN3_SYSTEM}}, {{QWEN3_LAST_QUERY}}, {{QWEN3_TURN}}, {{QWEN3_REASONING}}, {{QWEN3_THINK}},
      {{QWEN3_TOOL}}, {{QWEN3_GEN}}},
     {NULL}, 26},
    {WMSS_CHAT_QWEN2_5,
     {{{QWEN25_SYSTEM_HEAD}}, {{QWEN25_TURN}}, {{QWEN25_TOOL}}, {{QWEN25_GEN}}},
     {"enable_thinking", "<think>", NULL}, 24},
    {WMSS_CHAT_LLAMA3, {{{LLAMA3_LOOP}}, {{LLAMA3_GEN_IF, LLAMA3_GEN_ALWAYS}}}, {NULL}, 2},
    {WMSS_CHAT_LLAMA3_1,
     {{{"{{bos_token}}"}}, {{LLAMA31_DATE}}, {{LLAMA31_TOOLS_NONE}}, {{LLAMA31_SYSTEM}},
      {{LLAMA31_HEADER}}, {{LLAMA31_SYSTEM_END}}, {{LLAMA31_TURN}}, {{LLAMA31_TOOL_GEN}}},
     {NULL}, 41},
    {WMSS_CHAT_LLAMA3_2,
     {{{"{{bos_token}}"}}, {{LLAMA32_DATE}}, {{LLAMA31_TOOLS_NONE}}, {{LLAMA31_SYSTEM}},
      {{LLAMA31_HEADER}}, {{LLAMA31_SYSTEM_END}}, {{LLAMA31_TURN}}, {{LLAMA31_TOOL_GEN}}},
     {NULL}, 34},
    {WMSS_CHAT_GEMMA3,
     {{{GEMMA3_SYSTEM}}, {{GEMMA3_LOOP_MESSAGES}}, {{GEMMA3_TURN}}, {{GEMMA3_END}}},
     {NULL}, 9},
    {WMSS_CHAT_CHATML, {{{CHATML_LOOP}}, {{CHATML_GEN}}}, {NULL}, 2},
};
#define N_RULES (sizeof RULES / sizeof RULES[0])

// Number of fragments of r present in canon; *missing = the first absent one.
static size_t count_present(const family_rule *r, const char *canon, const char **missing) {
    size_t present = 0;
    *missing = NULL;
    for (size_t i = 0; i < MAX_FRAGS && r->frags[i].alt[0]; i++) {
        int found = 0;
        for (size_t a = 0; a < MAX_ALTS && r->frags[i].alt[a] && !found; a++)
            found = strstr(canon, r->frags[i].alt[a]) != NULL;
        if (found) present++;
        else if (!*missing) *missing = r->frags[i].alt[0];
    }
    for (size_t i = 0; i < 4 && r->absent[i]; i++)
        if (strstr(canon, r->absent[i]) && !*missing) *missing = r->absent[i];
    return present;
}

static size_t count_outputs(const char *canon) {
    size_t n = 0;
    for (const char *p = canon; (p = strstr(p, "{{")); p += 2) n++;
    return n;
}

static size_t count_frags(const family_rule *r) {
    size_t n = 0;
    while (n < MAX_FRAGS && r->frags[n].alt[0]) n++;
    return n;
}

// Qwen2.5 family: the system prompt used when the conversation has none.
static int extract_default_system(const char *canon, wmss_chat_template *t, wmss_error *e) {
    const char *head = strstr(canon, QWEN25_SYSTEM_HEAD);
    if (!head) return 0;
    const char *start = head + strlen(QWEN25_SYSTEM_HEAD);
    const char *end = strstr(start, QWEN25_SYSTEM_TAIL);
    if (!end) return 0;
    chat_buf lit = {0}, dec = {0};
    int rc = -1;
    if (chat_buf_add(&lit, "'", 1, e) || chat_buf_add(&lit, start, (size_t)(end - start), e) ||
        chat_buf_add(&lit, "'", 1, e) || chat_unquote(lit.data, lit.len, &dec, e))
        goto done;
    free(t->default_system);
    t->default_system = dec.data;
    dec.data = NULL;
    rc = 0;
done:
    chat_buf_free(&lit);
    chat_buf_free(&dec);
    return rc;
}

// Family parameters that the template text fixes: the Qwen2.5 default system prompt and
// whether a Llama 3 template appends the generation prompt unconditionally.
static int extract_params(const char *canon, wmss_chat_template *t, wmss_error *e) {
    if (t->family == WMSS_CHAT_LLAMA3)
        t->gen_prompt_always = !strstr(canon, LLAMA3_GEN_IF) && strstr(canon, LLAMA3_GEN_ALWAYS);
    if (t->family == WMSS_CHAT_QWEN2_5) return extract_default_system(canon, t, e);
    return 0;
}

int chat_template_params(const char *template_text, wmss_chat_template *t, wmss_error *e) {
    chat_buf canon = {0};
    int rc = chat_canonicalize(template_text, &canon, e);
    if (rc == 0) rc = extract_params(canon.data, t, e);
    chat_buf_free(&canon);
    return rc;
}

int wmss_chat_detect(const char *template_text, const char *where, wmss_chat_template *t,
                     wmss_error *e) {
    chat_buf canon = {0};
    if (chat_canonicalize(template_text, &canon, e)) {
        wmss_error_prefix(e, "%s: chat template not readable (pass --chat-template NAME to choose "
                             "how to render)", where);
        chat_buf_free(&canon);
        return -1;
    }
    const family_rule *best = NULL, *match = NULL;
    const char *best_missing = NULL;
    size_t best_score = 0, outputs = count_outputs(canon.data);
    for (size_t i = 0; i < N_RULES && !match; i++) {
        const char *missing;
        size_t present = count_present(&RULES[i], canon.data, &missing);
        if (!missing && outputs <= RULES[i].max_outputs) match = &RULES[i];
        else if (2 * present >= count_frags(&RULES[i]) && present >= best_score) {
            best = &RULES[i];
            best_score = present;
            best_missing = missing;
        }
    }
    int rc = 0;
    if (!match && best && !best_missing)
        rc = wmss_fail(e, "%s: chat template not recognized: it has every part of the %s template but "
                          "%zu output statements where that has %zu (a variant we do not reproduce "
                          "exactly); pass --chat-template NAME (qwen3, qwen2.5, llama3, llama3.1, "
                          "llama3.2, gemma3, chatml, none) to choose how to render", where,
                       wmss_chat_family_name(best->family), outputs, best->max_outputs);
    else if (!match && best)
        rc = wmss_fail(e, "%s: chat template not recognized: it resembles %s but lacks or has "
                          "'%.120s' (a variant we do not reproduce exactly); pass --chat-template "
                          "NAME (qwen3, qwen2.5, llama3, llama3.1, llama3.2, gemma3, chatml, none) to "
                          "choose how to render", where, wmss_chat_family_name(best->family),
                       best_missing);
    else if (!match)
        rc = wmss_fail(e, "%s: chat template not recognized (known: qwen3, qwen2.5, llama3, "
                          "llama3.1, llama3.2, gemma3, chatml); pass --chat-template NAME to choose how "
                          "to render, or --chat-template none for plain text", where);
    else {
        t->family = match->family;
        rc = extract_params(canon.data, t, e);
    }
    chat_buf_free(&canon);
    return rc;
}
