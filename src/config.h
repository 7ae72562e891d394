// Model configuration from a Hugging Face config.json, and the table of supported
// architectures. Per-architecture differences are data in wmss_arch, not code forks:
// adding Qwen2.5, Llama 3 or Gemma 3 means a table entry plus the features it switches.
#ifndef WMSS_CONFIG_H
#define WMSS_CONFIG_H

#include <cjson/cJSON.h>

#include "dtype.h"
#include "error.h"

typedef enum { WMSS_ACT_SILU, WMSS_ACT_GELU_TANH } wmss_act;

// Hugging Face config-class defaults of an architecture (fields absent from config.json).
typedef struct {
    int hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads;
    int head_dim;             // 0: hidden_size / num_heads
    int kv_heads_follow;      // absent num_key_value_heads = num_heads (Llama) rather than the number above
    int vocab_size, max_position_embeddings;
    double rms_norm_eps, rope_theta;
    int tie_word_embeddings;
    int bos, eos, pad;        // -1: none
} wmss_arch_defaults;

typedef struct {
    const char *hf_class;    // "Qwen3ForCausalLM" (config.json "architectures")
    const char *model_type;  // "qwen3"
    int qk_norm;             // per-head RMSNorm on q and k before RoPE
    int qkv_bias;            // bias on q/k/v projections regardless of attention_bias (Qwen2)
    int mlp_bias_allowed;    // config "mlp_bias" is read (Llama)
    int norm_plus_one;       // RMSNorm scales by (1 + w) and initializes w to 0 (Gemma)
    int sandwich_norms;      // norms on the attention and MLP outputs too (Gemma 3: four per layer)
    int embed_scale;         // embeddings multiplied by sqrt(hidden_size) (Gemma)
    int sliding_layers;      // local/global layer pattern with sliding windows (Gemma 3)
    int logit_softcap;       // reads final_logit_softcapping (Gemma 3)
    wmss_act act;            // MLP activation
    const char *act_key;     // "hidden_act" or "hidden_activation"
    const char *act_name;    // its only accepted value
    const char *text_of;     // a multimodal class whose text model this is (or NULL)
    wmss_arch_defaults def;
} wmss_arch;

// RoPE frequencies: base theta, then one of the scaling rules of transformers'
// modeling_rope_utils (default, linear, llama3).
typedef enum { WMSS_ROPE_DEFAULT, WMSS_ROPE_LINEAR, WMSS_ROPE_LLAMA3 } wmss_rope_type;
typedef struct {
    float theta;
    wmss_rope_type type;
    float factor, low_freq_factor, high_freq_factor;
    int original_max_position;
} wmss_rope;

#define WMSS_MAX_LAYERS 1024

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
    wmss_rope rope;           // RoPE of full-attention layers
    wmss_rope rope_local;     // RoPE of sliding-window layers (Gemma 3: rope_local_base_freq, unscaled)
    int sliding_window;       // W (0: none); used by layers with layer_sliding[l]
    unsigned char layer_sliding[WMSS_MAX_LAYERS];  // 1: layer l attends over the last W tokens only
    float attn_scale;         // score scale: 1/sqrt(head_dim) or 1/sqrt(query_pre_attn_scalar)
    float embed_scale;        // 1, or sqrt(hidden_size) (Gemma)
    int mlp_bias;             // gate/up/down biases (Llama mlp_bias)
    float final_softcap;      // Gemma final_logit_softcapping: logits = cap * tanh(logits / cap); 0 = none
    int tie_word_embeddings;
    int attention_bias;       // q/k/v/o biases (config attention_bias)
    float initializer_range;
    wmss_dtype torch_dtype;   // the stored dtype; saves use it by default
    int bos_token_id;         // -1 if none
    int eos_token_ids[WMSS_MAX_EOS];
    int n_eos;
    int pad_token_id;         // -1 if none
    int text_only;            // read from a multimodal checkpoint: its text model only
    cJSON *json;              // the original config.json (the text model's), written back on save
} wmss_config;

// Looks an architecture up by its Hugging Face class name (a multimodal class finds its
// text model's row); NULL if unsupported.
const wmss_arch *wmss_arch_find(const char *hf_class);
const char *wmss_arch_list(void);  // the supported classes, for messages

// Fills c from a parsed config.json object (c takes a copy of the JSON). `path` names
// the file in messages. Unknown architectures and unimplemented options are errors.
int wmss_config_from_json(const cJSON *root, const char *path, wmss_config *c, wmss_error *e);
int wmss_config_load(const char *path, wmss_config *c, wmss_error *e);
// Writes config.json atomically (the original JSON with torch_dtype updated).
int wmss_config_save(const wmss_config *c, wmss_dtype stored, const char *path, wmss_error *e);
void wmss_config_free(wmss_config *c);
int wmss_config_copy(wmss_config *dst, const wmss_config *src, wmss_error *e);

#endif
