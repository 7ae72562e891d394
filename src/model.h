// The decoder-only transformer: parameter layout (one contiguous float32 buffer with a
// table of named views, as llm.c does), loading and saving Hugging Face model
// directories, random initialization, and the CPU forward pass.
//
// Notation: N tokens in a batch (several sequences packed one after another), C hidden
// size, L layers, H query heads, KV key/value heads, D head dim, I intermediate size,
// V vocabulary.
#ifndef WMSS_MODEL_H
#define WMSS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "safetensors.h"

// How a parameter is initialized (as transformers' _init_weights does).
typedef enum { WMSS_INIT_NORMAL, WMSS_INIT_ONES, WMSS_INIT_ZEROS } wmss_init_kind;

typedef struct {
    char name[96];      // the Hugging Face tensor name
    int ndim;           // 1 or 2
    int64_t shape[2];
    size_t offset;      // in floats, inside the parameter buffer
    size_t numel;
    wmss_init_kind init;
} wmss_param_spec;

typedef struct {
    wmss_param_spec *specs;
    int n_specs;
    size_t n_floats;    // size of the whole buffer
} wmss_layout;

// Named views into one parameter (or gradient) buffer. NULL where the architecture
// has no such tensor (e.g. biases).
typedef struct {
    float *ln1;         // (C)      input_layernorm
    float *wq, *bq;     // (H*D, C), (H*D)
    float *wk, *bk;     // (KV*D, C), (KV*D)
    float *wv, *bv;     // (KV*D, C), (KV*D)
    float *q_norm;      // (D)
    float *k_norm;      // (D)
    float *wo, *bo;     // (C, H*D), (C)
    float *attn_out_norm;  // (C) Gemma 3: post_attention_layernorm, on the attention output
    float *ln2;         // (C)      the MLP's input norm: post_attention_layernorm (Gemma 3: pre_feedforward_layernorm)
    float *w_gate, *b_gate;  // (I, C), (I)
    float *w_up, *b_up;      // (I, C), (I)
    float *w_down, *b_down;  // (C, I), (C)
    float *mlp_out_norm;   // (C) Gemma 3: post_feedforward_layernorm, on the MLP output
} wmss_layer_weights;

typedef struct {
    float *embed;       // (V, C)
    wmss_layer_weights *layers;  // (L)
    float *final_norm;  // (C)
    float *lm_head;     // (V, C); == embed when tied
} wmss_weights;

int wmss_layout_build(const wmss_config *c, wmss_layout *lo, wmss_error *e);
void wmss_layout_free(wmss_layout *lo);
// Describes the tensors of a buffer laid out by lo for the safetensors writer, each name
// prefixed by `prefix` ("" for the plain Hugging Face names). One allocation: free() it.
wmss_st_out *wmss_layout_describe(const wmss_layout *lo, const float *base, wmss_dtype dtype, const char *prefix,
                                  wmss_error *e);
// Points w's views into base (a buffer of lo->n_floats floats). w->layers is
// allocated here and freed by wmss_weights_free.
int wmss_weights_bind(const wmss_config *c, const wmss_layout *lo, float *base, wmss_weights *w, wmss_error *e);
void wmss_weights_free(wmss_weights *w);

typedef struct {
    wmss_config cfg;
    wmss_layout layout;
    float *params;      // (layout.n_floats) on the device (device.h): what the ops read and AdamW updates
    float *host;        // (layout.n_floats) the host copy that loading, saving and initializing use;
                        // the same buffer as params where device memory is host memory (CPU backend)
    wmss_weights w;     // named views into params
} wmss_model;

// After writing m->host: copies it to the device (nothing to do on the CPU backend).
void wmss_model_upload(wmss_model *m);
// Before reading m->host: copies the device's parameters to it (nothing on the CPU backend).
void wmss_model_download(const wmss_model *m);

// Allocates a model for a config (parameters zeroed). Takes a copy of cfg.
int wmss_model_create(const wmss_config *cfg, wmss_model *m, wmss_error *e);
void wmss_model_free(wmss_model *m);
// normal(0, initializer_range) for matrices and embeddings, ones for norms, zeros for
// biases (and for the pad token's embedding row). Deterministic by seed.
void wmss_model_init_random(wmss_model *m, uint64_t seed);

// Loads dir/config.json and the checkpoint (single file or sharded). Every expected
// tensor must be present with the shape the config implies; unexpected tensors are
// an error (they would mean the config is misread).
int wmss_model_load(const char *dir, wmss_model *m, wmss_error *e);
// A stored NaN or infinity is an error naming the tensor, unless allowed (for inspection:
// process-wide, off by default).
void wmss_model_allow_nonfinite(int allow);

typedef struct {
    wmss_dtype dtype;        // stored dtype (F32, BF16, F16)
    size_t max_shard_bytes;  // 0 = one file
    const char *copy_from;   // a directory whose tokenizer / generation files are copied (or NULL)
} wmss_save_opts;
// Writes config.json and the weights into dir (created if needed), atomically per file.
int wmss_model_save(const wmss_model *m, const char *dir, const wmss_save_opts *o, wmss_error *e);

// ---------------------------------------------------------------------------------
// Forward pass.

// A batch: B sequences packed into N tokens; sequence b is ids[start[b] .. start[b+1]).
// Positions restart at 0 in every sequence; attention never crosses sequences.
typedef struct {
    const int *ids;     // (N)
    const int *start;   // (B+1), start[0] = 0, start[B] = N
    int B;
    float noise_alpha;  // NEFTune (training only): > 0 adds embedding_noise (ops.h) of this
                        // alpha and noise_seed to the input embeddings; 0 (scoring,
                        // evaluation, generation): none. Not with a KV cache.
    uint64_t noise_seed;
} wmss_batch;

// Index arrays of a batch, for up to N tokens (views into one buffer).
typedef struct {
    int64_t *kv_row;    // (N) the key/value row of the token's sequence position 0 (see attention_forward)
    int64_t *cache_row; // (N) with a KV cache: the cache row the token's key/value goes to
    int64_t *last_row;  // (N) each sequence's last token (logits of the last tokens only)
    int *ids;           // (N) token ids
    int *pos;           // (N) position of each token within its sequence
    int *seq_start;     // (N+1) the sequences' token offsets
} wmss_batch_index;

// Activations, one device buffer with named views. With keep_layers every layer's
// activations are kept (for the backward pass); otherwise one layer's slot is reused.
typedef struct {
    int max_tokens, max_keys, keep_layers, vocab;
    float *buf;
    size_t n_floats;
    float *resid;       // (L+1, N, C) residual stream entering each layer; [L] = final
    float *ln1, *ln1_rstd;     // (L, N, C), (L, N)
    float *q, *k, *v;          // (L, N, H*D), (L, N, KV*D) x2: after q/k norm and RoPE
    float *q_raw, *k_raw;      // (L, N, H*D), (L, N, KV*D): projections before q/k norm
    float *qn_rstd, *kn_rstd;  // (L, N, H), (L, N, KV)
    float *att, *att_lse;      // (L, N, H*D), (L, N, H): attention output, log-sum-exp
    float *att_proj, *att_proj_rstd;  // Gemma 3: (L, N, C), (L, N) o_proj output before its norm
    float *mlp_proj, *mlp_proj_rstd;  // Gemma 3: (L, N, C), (L, N) down_proj output before its norm
    float *resid_mid;          // (L, N, C) residual after attention: input of post_attention_layernorm
    float *ln2, *ln2_rstd;     // (L, N, C), (L, N)
    float *gate, *up, *mlp_act;  // (L, N, I) each
    float *final_norm, *final_rstd;  // (N, C), (N)
    float *tmp;         // (N, C) projection outputs before they join the residual
    float *last_rows;   // (B max = N, C): final hidden rows of each sequence's last token
    float *rope_inv_freq;        // (D/2) RoPE frequencies of full-attention layers
    float *rope_inv_freq_local;  // (D/2) and of sliding-window layers
    // The batch's index arrays, planned on the host (ixh) and uploaded (ix) in one copy.
    wmss_batch_index ix, ixh;
    void *ix_buf, *ixh_buf;
    size_t ix_bytes;
    float *logits;      // (logits_rows, V) device logits when the caller wants them; made on first use
    int logits_rows;
} wmss_acts;

// max_keys: the most keys one token attends to (a KV cache's max_len; 0 = max_tokens).
int wmss_acts_create(const wmss_config *c, int max_tokens, int max_keys, int keep_layers, wmss_acts *a, wmss_error *e);
void wmss_acts_free(wmss_acts *a);
// The device buffer for `rows` rows of logits (grown on demand), or NULL with e set.
float *wmss_acts_logits(wmss_acts *a, int rows, wmss_error *e);

// Runs the transformer over the batch; leaves the normed final hidden states in
// a->final_norm (N, C, device). If logits is not NULL, also writes logits (N, V) to
// that host buffer.
int wmss_forward(const wmss_model *m, wmss_acts *a, const wmss_batch *batch, float *logits, wmss_error *e);

// A key/value cache for incremental decoding: `slots` independent sequences of up to
// max_len tokens. Rows hold keys after q/k norm and RoPE, as attention reads them.
typedef struct {
    int L, slots, max_len, kvd;  // kvd = KV * D
    float *k, *v;                // (L, slots, max_len, KV*D) on the device
    int *len;                    // (slots) tokens cached per slot (host)
} wmss_kv_cache;

int wmss_kv_create(const wmss_config *c, int slots, int max_len, wmss_kv_cache *kv, wmss_error *e);
void wmss_kv_free(wmss_kv_cache *kv);

// Appends each sequence b of the batch to cache slot slot[b] (its tokens continue the
// slot's positions) and writes the logits of each sequence's last token to the host
// buffer logits_last (B, V). Prefill and decoding are the same call.
int wmss_forward_cached(const wmss_model *m, wmss_acts *a, wmss_kv_cache *kv, const wmss_batch *batch, const int *slot,
                        float *logits_last, wmss_error *e);

// ---------------------------------------------------------------------------------
// Backward pass.

// Gradients of activations for one layer at a time (reused across layers), on the device.
typedef struct {
    float *buf;
    float *d_final;   // (N, C) dL/d(final normed hidden states): the loss writes it
    float *d_resid;   // (N, C) dL/d(residual stream), carried down the layers
    float *d_ln;      // (N, C)
    float *d_att;     // (N, H*D)
    float *d_q, *d_k, *d_v;    // (N, H*D), (N, KV*D), (N, KV*D): after norm + RoPE
    float *d_q_raw, *d_k_raw;  // (N, H*D), (N, KV*D): before q/k norm
    float *d_gate, *d_up, *d_act;  // (N, I)
    float *d_proj;    // (N, C) Gemma 3: dL/d(o_proj or down_proj output), before the output norms
} wmss_grad_acts;

int wmss_grad_acts_create(const wmss_config *c, int max_tokens, wmss_grad_acts *g, wmss_error *e);
void wmss_grad_acts_free(wmss_grad_acts *g);

// Backpropagates g->d_final through the model whose forward over `batch` left its
// activations in a (created with keep_layers). Accumulates into grads (a gradient
// buffer bound with the model's layout; a tied head shares the embedding's gradient).
void wmss_backward(const wmss_model *m, const wmss_acts *a, wmss_grad_acts *g, const wmss_batch *batch,
                   const wmss_weights *grads);

#endif
