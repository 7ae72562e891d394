// The architecture table. One row per supported Hugging Face class.
#include <string.h>

#include "config.h"

static const wmss_arch ARCHS[] = {
    {.hf_class = "Qwen3ForCausalLM", .model_type = "qwen3", .qk_norm = 1, .qkv_bias = 0, .hidden_act = "silu"},
};

const wmss_arch *wmss_arch_find(const char *hf_class) {
    for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0]; i++)
        if (!strcmp(ARCHS[i].hf_class, hf_class)) return &ARCHS[i];
    return NULL;
}
