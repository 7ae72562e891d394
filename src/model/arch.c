// The architecture table. One row per supported Hugging Face class: the features it
// switches on in the one transformer implementation, and its config class's defaults.
#include <string.h>

#include "config.h"

static const wmss_arch ARCHS[] = {
    {.hf_class = "Qwen3ForCausalLM", .model_type = "qwen3", .qk_norm = 1, .act = WMSS_ACT_SILU,
     .act_key = "hidden_act", .act_name = "silu",
     .def = {.hidden_size = 4096, .intermediate_size = 22016, .num_layers = 32, .num_heads = 32, .num_kv_heads = 32,
             .head_dim = 128, .vocab_size = 151936, .max_position_embeddings = 32768, .rms_norm_eps = 1e-6,
             .rope_theta = 10000.0, .bos = -1, .eos = -1, .pad = -1}},
    {.hf_class = "Qwen2ForCausalLM", .model_type = "qwen2", .qkv_bias = 1, .act = WMSS_ACT_SILU,
     .act_key = "hidden_act", .act_name = "silu",
     .def = {.hidden_size = 4096, .intermediate_size = 22016, .num_layers = 32, .num_heads = 32, .num_kv_heads = 32,
             .vocab_size = 151936, .max_position_embeddings = 32768, .rms_norm_eps = 1e-6, .rope_theta = 10000.0,
             .bos = -1, .eos = -1, .pad = -1}},
    {.hf_class = "LlamaForCausalLM", .model_type = "llama", .mlp_bias_allowed = 1, .act = WMSS_ACT_SILU,
     .act_key = "hidden_act", .act_name = "silu",
     .def = {.hidden_size = 4096, .intermediate_size = 11008, .num_layers = 32, .num_heads = 32, .kv_heads_follow = 1,
             .vocab_size = 32000, .max_position_embeddings = 2048, .rms_norm_eps = 1e-6, .rope_theta = 10000.0,
             .bos = 1, .eos = 2, .pad = -1}},
    {.hf_class = "Gemma3ForCausalLM", .model_type = "gemma3_text", .qk_norm = 1, .norm_plus_one = 1,
     .sandwich_norms = 1, .embed_scale = 1, .sliding_layers = 1, .logit_softcap = 1, .act = WMSS_ACT_GELU_TANH,
     .act_key = "hidden_activation", .act_name = "gelu_pytorch_tanh", .text_of = "Gemma3ForConditionalGeneration",
     .def = {.hidden_size = 2304, .intermediate_size = 9216, .num_layers = 26, .num_heads = 8, .num_kv_heads = 4,
             .head_dim = 256, .vocab_size = 262208, .max_position_embeddings = 131072, .rms_norm_eps = 1e-6,
             .rope_theta = 1000000.0, .tie_word_embeddings = 1, .bos = 2, .eos = 1, .pad = 0}},
};

const wmss_arch *wmss_arch_find(const char *hf_class) {
    for (size_t i = 0; i < sizeof ARCHS / sizeof ARCHS[0]; i++)
        if (!strcmp(ARCHS[i].hf_class, hf_class) || (ARCHS[i].text_of && !strcmp(ARCHS[i].text_of, hf_class)))
            return &ARCHS[i];
    return NULL;
}

const char *wmss_arch_list(void) {
    return "Qwen3ForCausalLM, Qwen2ForCausalLM, LlamaForCausalLM, Gemma3ForCausalLM (and the text model of "
           "Gemma3ForConditionalGeneration)";
}
