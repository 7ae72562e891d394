// Generation speed, measured in one run: prefill and decode tokens/s for a small
// Qwen3-like config, one stream and batched, and the speed-up of cached decoding over
// recomputing the whole sequence for every new token (the reference, same run).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "device.h"
#include "generate.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    const int C = argc > 1 ? atoi(argv[1]) : 256, L = argc > 2 ? atoi(argv[2]) : 4, V = 32768;
    // bench_generate [hidden [layers [streams]]]; WMSS_DEVICE=cpu|cuda|auto picks the backend.
    const int PROMPT = 128, NEW = 64, STREAMS = argc > 3 ? atoi(argv[3]) : 8;
    if (STREAMS < 1 || STREAMS > 64) {
        fprintf(stderr, "bench_generate: streams must be in 1..64\n");
        return 2;
    }
    char json[1024];
    snprintf(json, sizeof json,
             "{\"architectures\": [\"Qwen3ForCausalLM\"], \"hidden_size\": %d, \"intermediate_size\": %d,"
             " \"num_hidden_layers\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"head_dim\": 64,"
             " \"vocab_size\": %d, \"tie_word_embeddings\": true}",
             C, 3 * C, L, C / 64, C / 128 > 0 ? C / 128 : 1, V);
    wmss_error e;
    if (wmss_dev_select(getenv("WMSS_DEVICE"), &e)) {
        fprintf(stderr, "bench_generate: %s\n", e.msg);
        return 1;
    }
    char dev[256];
    wmss_dev_describe(dev, sizeof dev);
    printf("device: %s\n", dev);
    wmss_config cfg;
    wmss_model m;
    cJSON *j = cJSON_Parse(json);
    if (wmss_config_from_json(j, "bench", &cfg, &e) || wmss_model_create(&cfg, &m, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    cJSON_Delete(j);
    wmss_model_init_random(&m, 1);
    int32_t *prompts[64];
    int lens[64];
    srand(2);
    for (int s = 0; s < STREAMS; s++) {
        lens[s] = PROMPT;
        prompts[s] = malloc(PROMPT * sizeof(int32_t));
        for (int t = 0; t < PROMPT; t++) prompts[s][t] = rand() % V;
    }
    wmss_gen_opts o = {.max_new_tokens = 1, .temperature = 0, .top_p = 1, .batch = 1, .prefill_chunk = 4096};
    wmss_gen_output out[64];
    // Prefill alone: generate one token.
    double t0 = now();
    wmss_generate(&m, (const int32_t *const *)prompts, lens, 1, &o, out, NULL, NULL, &e);
    double t_prefill = now() - t0;
    free(out[0].ids);
    // One stream, NEW tokens.
    o.max_new_tokens = NEW;
    t0 = now();
    wmss_generate(&m, (const int32_t *const *)prompts, lens, 1, &o, out, NULL, NULL, &e);
    double t_one = now() - t0 - t_prefill;
    free(out[0].ids);
    // STREAMS streams together.
    o.batch = STREAMS;
    t0 = now();
    wmss_generate(&m, (const int32_t *const *)prompts, lens, STREAMS, &o, out, NULL, NULL, &e);
    double t_batch = now() - t0 - STREAMS * t_prefill;
    for (int s = 0; s < STREAMS; s++) free(out[s].ids);
    // Reference: recompute the whole sequence for each new token (the cache is emptied
    // before every step, and only the last position's logits are computed, as above).
    wmss_acts a;
    wmss_kv_cache kv;
    wmss_acts_create(&m.cfg, PROMPT + NEW, PROMPT + NEW, 0, &a, &e);
    wmss_kv_create(&m.cfg, 1, PROMPT + NEW, &kv, &e);
    float *logits = malloc((size_t)V * sizeof(float));
    int *seq = malloc((PROMPT + NEW) * sizeof(int));
    for (int t = 0; t < PROMPT; t++) seq[t] = prompts[0][t];
    const int REF = 16;  // tokens timed for the reference (it is slow)
    int slot = 0;
    t0 = now();
    for (int k = 0; k < REF; k++) {
        int st[2] = {0, PROMPT + k};
        wmss_batch b = {.ids = seq, .start = st, .B = 1};
        kv.len[0] = 0;
        wmss_forward_cached(&m, &a, &kv, &b, &slot, logits, &e);
        seq[PROMPT + k] = 0;
    }
    double t_ref = (now() - t0) / REF;
    printf("model: hidden %d, layers %d, vocabulary %d; prompt %d tokens, %d new tokens\n", C, L, V, PROMPT, NEW);
    printf("prefill                 %8.0f tokens/s\n", PROMPT / t_prefill);
    printf("decode, 1 stream        %8.1f tokens/s  (%.1f ms/token)\n", NEW / t_one, 1e3 * t_one / NEW);
    printf("decode, %d streams       %8.1f tokens/s  (batched: %.2fx one stream)\n", STREAMS, STREAMS * NEW / t_batch,
           (STREAMS * NEW / t_batch) / (NEW / t_one));
    printf("recompute per token     %8.1f tokens/s  (reference; cached decoding is %.1fx faster)\n", 1 / t_ref,
           t_ref / (t_one / NEW));
    return 0;
}
