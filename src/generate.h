// Text generation with a KV cache: prefill, then incremental decoding; greedy or
// sampled (temperature, top-k, top-p, seeded per prompt so results do not depend on
// batching); stops on stop token ids, stop strings and a token budget. Several prompts
// are decoded together (continuous batching: a finished slot takes the next prompt).
#ifndef WMSS_GENERATE_H
#define WMSS_GENERATE_H

#include <stdint.h>

#include "model.h"
#include "tokenizer.h"

typedef struct {
    int max_new_tokens;
    float temperature;          // <= 0: greedy
    float top_p;                // 1: off
    int top_k;                  // 0: off
    uint64_t seed;
    int batch;                  // sequences decoded together (KV cache slots)
    int prefill_chunk;          // most tokens per prefill forward
    const int32_t *stop_ids;    // end-of-sequence / end-of-turn ids (not part of the output)
    int n_stop_ids;
    const char *const *stop_strings;  // output is cut before the first one (needs tok)
    int n_stop_strings;
    const wmss_tokenizer *tok;
} wmss_gen_opts;

typedef enum { WMSS_FINISH_LENGTH = 0, WMSS_FINISH_STOP_ID, WMSS_FINISH_STOP_STRING } wmss_finish;

typedef struct {
    int32_t *ids;        // generated ids (malloc'd), stop id excluded
    int n;
    wmss_finish finish;
    int stop_string;     // which stop string matched (WMSS_FINISH_STOP_STRING)
} wmss_gen_output;

// Generates for prompts[i] (prompt_len[i] ids each). out (n_prompts) is filled; free
// each out[i].ids (also after a failure: unfinished ones are NULL). A sequence also ends
// when it reaches max_position_embeddings. Progress (prompts done) goes to `progress` when not NULL.
int wmss_generate(const wmss_model *m, const int32_t *const *prompts, const int *prompt_len, int n_prompts,
                  const wmss_gen_opts *o, wmss_gen_output *out, void (*progress)(int done, int total, void *ctx),
                  void *progress_ctx, wmss_error *e);

// Samples one token from logits (V) as o says (greedy when temperature <= 0). scratch:
// (2V) floats/ints workspace.
int32_t wmss_sample(const float *logits, int V, const wmss_gen_opts *o, uint64_t *rng_state, float *scratch);

#endif
