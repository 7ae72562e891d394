// libFuzzer target: config.json parsing on arbitrary bytes. Accepted configs must be
// usable: the parameter layout builds and the sizes are within the promised bounds.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (!root) return 0;
    wmss_config c;
    wmss_error e;
    if (wmss_config_from_json(root, "fuzz/config.json", &c, &e) == 0) {
        if (c.num_heads % c.num_kv_heads || c.head_dim % 2 || c.hidden_size <= 0 || c.vocab_size <= 0) abort();
        if (c.num_layers <= 64) {
            wmss_layout lo;
            if (wmss_layout_build(&c, &lo, &e) == 0) wmss_layout_free(&lo);
        }
        wmss_config_free(&c);
    }
    cJSON_Delete(root);
    return 0;
}
