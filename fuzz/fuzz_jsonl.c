// libFuzzer target: the strict JSON-lines reader (src/jsonl.c) on arbitrary bytes. Each
// line goes through wmss_jsonl_parse; a value it accepts must be valid UTF-8 without a
// NUL and hold exactly one JSON value (checked again here); nothing may crash or hang.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data, *end = text + size;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
        wmss_error e;
        cJSON *j = wmss_jsonl_parse(p, (size_t)(stop - p), "fuzz:1", (long long)(p - text), &e);
        if (j) {
            size_t bad;
            if (!wmss_utf8_valid(p, (size_t)(stop - p), &bad) || memchr(p, '\0', (size_t)(stop - p))) abort();
            char *again = cJSON_PrintUnformatted(j);
            if (again) {  // a value that prints must parse back
                cJSON *k = wmss_jsonl_parse(again, strlen(again), "fuzz:reprint", -1, &e);
                if (!k) abort();
                cJSON_Delete(k);
                free(again);
            }
            cJSON_Delete(j);
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}
