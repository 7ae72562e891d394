// KV-cache generation: greedy tokens from cached decoding equal the argmax of a full
// recomputation (no cache) at every step; prompts of different lengths decoded
// together with fewer slots than prompts (continuous batching); sampling is seeded
// per prompt, so batching does not change it; stop ids end a sequence.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "generate.h"

static int tiny_model(wmss_model *m, wmss_error *e) {
    const char *json = "{\"architectures\": [\"Qwen3ForCausalLM\"], \"hidden_size\": 48, \"intermediate_size\": 96,"
                       " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
                       " \"head_dim\": 16, \"vocab_size\": 97, \"initializer_range\": 0.4, \"max_position_embeddings\": 512}";
    cJSON *j = cJSON_Parse(json);
    wmss_config c;
    int rc = wmss_config_from_json(j, "test", &c, e);
    cJSON_Delete(j);
    if (rc || wmss_model_create(&c, m, e)) return -1;
    wmss_config_free(&c);
    wmss_model_init_random(m, 11);
    return 0;
}

int main(void) {
    check_state st = {0};
    wmss_error e;
    wmss_model m;
    if (tiny_model(&m, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    enum { P = 3, STEPS = 200 };
    const int lens[P] = {3, 11, 29};
    int32_t *prompts[P];
    srand(5);
    for (int p = 0; p < P; p++) {
        prompts[p] = malloc(lens[p] * sizeof(int32_t));
        for (int t = 0; t < lens[p]; t++) prompts[p][t] = rand() % 97;
    }
    wmss_gen_opts o = {.max_new_tokens = STEPS, .temperature = 0, .top_p = 1, .batch = 2, .prefill_chunk = 8};
    wmss_gen_output out[P];
    CHECK(&st, wmss_generate(&m, (const int32_t *const *)prompts, lens, P, &o, out, NULL, NULL, &e) == 0, "generate: %s", e.msg);
    // Full recomputation at every step.
    wmss_acts a;
    const int maxN = 29 + STEPS;
    float *logits = malloc((size_t)maxN * 97 * sizeof(float));
    int *seq = malloc(maxN * sizeof(int));
    wmss_acts_create(&m.cfg, maxN, 0, 0, &a, &e);
    int mismatches = 0, ties = 0;
    for (int p = 0; p < P; p++) {
        CHECK(&st, out[p].n == STEPS && out[p].finish == WMSS_FINISH_LENGTH, "prompt %d: %d tokens", p, out[p].n);
        for (int t = 0; t < lens[p]; t++) seq[t] = prompts[p][t];
        for (int t = 0; t < out[p].n; t++) seq[lens[p] + t] = out[p].ids[t];
        const int N = lens[p] + out[p].n - 1;  // every prefix ending before the last generated token
        int startv[2] = {0, N};
        wmss_batch b = {.ids = seq, .start = startv, .B = 1};
        wmss_forward(&m, &a, &b, logits, &e);
        for (int t = 0; t < out[p].n; t++) {
            const float *row = logits + (size_t)(lens[p] - 1 + t) * 97;
            int best = 0;
            for (int v = 1; v < 97; v++)
                if (row[v] > row[best]) best = v;
            if (best != out[p].ids[t]) {
                // Only an exact tie (within float noise) may differ.
                if (fabsf(row[best] - row[out[p].ids[t]]) <= 1e-5f * fabsf(row[best])) ties++;
                else mismatches++;
            }
        }
    }
    CHECK(&st, mismatches == 0, "%d steps where cached greedy != argmax of full recomputation", mismatches);
    printf("  %d prompts x %d steps: cached greedy == full-recomputation argmax (%d float ties)\n", P, STEPS, ties);

    // Sampling: the same seed gives the same tokens whatever the batch size.
    wmss_gen_opts s1 = {.max_new_tokens = 40, .temperature = 0.9f, .top_p = 0.9f, .top_k = 20, .seed = 3, .batch = 1,
                        .prefill_chunk = 64};
    wmss_gen_opts s3 = s1;
    s3.batch = 3;
    wmss_gen_output a1[P], a3[P];
    wmss_generate(&m, (const int32_t *const *)prompts, lens, P, &s1, a1, NULL, NULL, &e);
    wmss_generate(&m, (const int32_t *const *)prompts, lens, P, &s3, a3, NULL, NULL, &e);
    for (int p = 0; p < P; p++) {
        CHECK(&st, a1[p].n == a3[p].n && !memcmp(a1[p].ids, a3[p].ids, a1[p].n * sizeof(int32_t)),
              "prompt %d: sampling depends on batching", p);
        int differs = a1[p].n != out[p].n || memcmp(a1[p].ids, out[p].ids, 40 * sizeof(int32_t));
        CHECK(&st, differs, "prompt %d: sampling at T=0.9 equals greedy", p);
        free(a1[p].ids);
        free(a3[p].ids);
    }
    // A stop id ends the sequence and is not part of the output.
    int32_t stop = out[1].ids[5];
    wmss_gen_opts so = o;
    so.stop_ids = &stop;
    so.n_stop_ids = 1;
    wmss_gen_output o2[P];
    wmss_generate(&m, (const int32_t *const *)prompts, lens, P, &so, o2, NULL, NULL, &e);
    int first = 0;
    while (first < STEPS && out[1].ids[first] != stop) first++;
    CHECK(&st, o2[1].finish == WMSS_FINISH_STOP_ID && o2[1].n == first, "stop id: finish %d, n %d, want %d", o2[1].finish,
          o2[1].n, first);
    for (int p = 0; p < P; p++) {
        free(out[p].ids);
        free(o2[p].ids);
        free(prompts[p]);
    }
    free(logits);
    free(seq);
    wmss_acts_free(&a);
    wmss_model_free(&m);
    return check_finish(&st, "test_generate");
}
