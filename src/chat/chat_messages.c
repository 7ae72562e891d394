// Conversation input: {"messages": [...]} or a bare array of {"role", "content"} objects
// (TRL's conversational format), read from parsed JSON into wmss_chat_message records
// that borrow the JSON's strings.
#include <stdlib.h>
#include <string.h>

#include "chat_internal.h"

static int parse_role(const char *s, wmss_chat_role *r) {
    static const struct { const char *name; wmss_chat_role role; } ROLES[] = {
        {"system", WMSS_CHAT_SYSTEM}, {"user", WMSS_CHAT_USER},
        {"assistant", WMSS_CHAT_ASSISTANT}, {"tool", WMSS_CHAT_TOOL},
    };
    for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (!strcmp(s, ROLES[i].name)) {
            *r = ROLES[i].role;
            return 0;
        }
    return -1;
}

static int parse_message(const cJSON *item, const char *where, size_t i, wmss_chat_message *m,
                         wmss_error *e) {
    if (!cJSON_IsObject(item))
        return wmss_fail(e, "%s: messages[%zu]: expected an object with \"role\" and \"content\"",
                         where, i);
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(item, "role");
    if (!role) return wmss_fail(e, "%s: messages[%zu]: missing \"role\"", where, i);
    if (!cJSON_IsString(role))
        return wmss_fail(e, "%s: messages[%zu].role: expected a string", where, i);
    if (parse_role(role->valuestring, &m->role))
        return wmss_fail(e, "%s: messages[%zu].role: unknown role '%.100s' (expected system, "
                            "user, assistant or tool)", where, i, role->valuestring);
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(item, "content");
    if (!content) return wmss_fail(e, "%s: messages[%zu]: missing \"content\"", where, i);
    if (!cJSON_IsString(content))
        return wmss_fail(e, "%s: messages[%zu].content: expected a string (content lists and "
                            "null content are not supported)", where, i);
    m->content = content->valuestring;
    m->reasoning_content = NULL;
    const cJSON *reasoning = cJSON_GetObjectItemCaseSensitive(item, "reasoning_content");
    if (reasoning && !cJSON_IsNull(reasoning)) {
        if (!cJSON_IsString(reasoning))
            return wmss_fail(e, "%s: messages[%zu].reasoning_content: expected a string", where, i);
        m->reasoning_content = reasoning->valuestring;
    }
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(item, "tool_calls");
    if (calls && !cJSON_IsNull(calls) && !(cJSON_IsArray(calls) && cJSON_GetArraySize(calls) == 0))
        return wmss_fail(e, "%s: messages[%zu].tool_calls: tool calls are not supported", where, i);
    return 0;
}

int wmss_chat_messages_from_json(const cJSON *json, const char *where,
                                 wmss_chat_message **messages, size_t *n, wmss_error *e) {
    *messages = NULL;
    *n = 0;
    const cJSON *list = json;
    if (cJSON_IsObject(json)) {
        list = cJSON_GetObjectItemCaseSensitive(json, "messages");
        if (!list) return wmss_fail(e, "%s: missing \"messages\"", where);
        if (!cJSON_IsArray(list)) return wmss_fail(e, "%s: \"messages\" must be an array", where);
    } else if (!cJSON_IsArray(json)) {
        return wmss_fail(e, "%s: expected {\"messages\": [...]} or an array of messages", where);
    }
    size_t count = (size_t)cJSON_GetArraySize(list);
    wmss_chat_message *m = wmss_calloc(count, sizeof *m, e);
    if (!m) return -1;
    size_t i = 0;
    for (const cJSON *item = list->child; item; item = item->next, i++)
        if (parse_message(item, where, i, &m[i], e)) {
            free(m);
            return -1;
        }
    *messages = m;
    *n = count;
    return 0;
}
