// Model configuration from a Hugging Face config.json, and the table of supported
// architectures. Per-architecture differences are data in wmss_arch, not code forks:
// adding Qwen2.5, Llama 3 or Gemma 3 means a table entry plus the features it switches.
#ifndef WMSS_CONFIG_H
#define WMSS_CONFIG_H

#include <cjson/cJSON.h>

#include "dtype.h"
#include "error.h"

typedef struct {
    const char *hf_class;    // "Qwen3ForCausalLM" (config.json "architectures")
    const char *model_type;  // "qwen3"
    int qk_norm;             // per-head RMSNorm on q and k before RoPE
    int qkv_bias;            // bias on q/k/v projections regardless of attention_bias (Qwen2)
    const char *hidden_act;  // the only activation the architecture's MLP accepts here
} wmss_arch;

#define WMSS_MAX_EOS 8

typedef struct {
    const wmss_arch *arch;
    int hidden_size;          // C
    int intermediate_size;    // I
    int num_layers;           // L
    int num_heads;            // H
    int num_kv_heads;         // KV (H % KV == 0)
    int head_dim;             // D (may differ from C / H)
    int vocab_size;           // V
    int max_position_embeddings;
    float rms_norm_eps;
    float rope_theta;
    int tie_word_embeddings;
    int attention_bias;       // q/k/v/o biases (Qwen3, Llama: config attention_bias)
    float initializer_range;
    wmss_dtype torch_dtype;   // the stored dtype; saves use it by default
    int bos_token_id;         // -1 if none
    int eos_token_ids[WMSS_MAX_EOS];
    int n_eos;
    int pad_token_id;         // -1 if none
    cJSON *json;              // the original config.json, written back on save
} wmss_config;

// Looks an architecture up by its Hugging Face class name; NULL if unsupported.
const wmss_arch *wmss_arch_find(const char *hf_class);

// Fills c from a parsed config.json object (c takes a copy of the JSON). `path` names
// the file in messages. Unknown architectures and unimplemented options are errors.
int wmss_config_from_json(const cJSON *root, const char *path, wmss_config *c, wmss_error *e);
int wmss_config_load(const char *path, wmss_config *c, wmss_error *e);
// Writes config.json atomically (the original JSON with torch_dtype updated).
int wmss_config_save(const wmss_config *c, wmss_dtype stored, const char *path, wmss_error *e);
void wmss_config_free(wmss_config *c);
int wmss_config_copy(wmss_config *dst, const wmss_config *src, wmss_error *e);

#endif
