// Generation: see generate.h.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "generate.h"
#include "rng.h"

static uint64_t next_u64(uint64_t *s) {  // splitmix64: one word of state per prompt
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_desc(const void *a, const void *b) {
    float x = ((const float *)a)[0], y = ((const float *)b)[0];
    return (x < y) - (x > y);
}

int32_t wmss_sample(const float *logits, int V, const wmss_gen_opts *o, uint64_t *rng_state, float *scratch) {
    int32_t best = 0;
    for (int v = 1; v < V; v++)
        if (logits[v] > logits[best]) best = v;
    if (o->temperature <= 0) return best;
    // (prob, id) pairs of the candidates, as floats: ids < 2^24 are exact.
    float *pairs = scratch;
    const float inv_t = 1.0f / o->temperature, mx = logits[best];
    int n = 0;
    double sum = 0;
    for (int v = 0; v < V; v++) {
        float p = expf((logits[v] - mx) * inv_t);
        pairs[2 * n] = p;
        pairs[2 * n + 1] = (float)v;
        n++;
        sum += p;
    }
    if ((o->top_k > 0 && o->top_k < n) || o->top_p < 1.0f) {
        qsort(pairs, n, 2 * sizeof(float), cmp_desc);
        if (o->top_k > 0 && o->top_k < n) n = o->top_k;
        sum = 0;
        for (int i = 0; i < n; i++) sum += pairs[2 * i];
        if (o->top_p < 1.0f) {  // smallest prefix whose mass reaches top_p
            double acc = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                acc += pairs[2 * i] / sum;
                if (acc >= o->top_p) { keep = i + 1; break; }
            }
            n = keep;
            sum = 0;
            for (int i = 0; i < n; i++) sum += pairs[2 * i];
        }
    }
    double u = (next_u64(rng_state) >> 11) * 0x1.0p-53 * sum, acc = 0;
    for (int i = 0; i < n; i++) {
        acc += pairs[2 * i];
        if (u < acc) return (int32_t)pairs[2 * i + 1];
    }
    return (int32_t)pairs[2 * (n - 1) + 1];
}

typedef struct {
    int prompt;          // index of the prompt in the slot, -1 when free
    int32_t *ids;        // generated so far
    int n, cap;
    uint64_t rng;
    int32_t next;        // the token to feed at the next decode step
} slot_state;

static int is_stop_id(const wmss_gen_opts *o, int32_t id) {
    for (int i = 0; i < o->n_stop_ids; i++)
        if (o->stop_ids[i] == id) return 1;
    return 0;
}

// Does the text of the last few generated tokens contain a stop string?
static int stop_string_hit(const wmss_gen_opts *o, const slot_state *s) {
    if (!o->tok || !o->n_stop_strings) return -1;
    const int window = s->n < 16 ? s->n : 16;
    char *text;
    size_t len;
    wmss_error e;
    if (wmss_tokenizer_decode(o->tok, s->ids + s->n - window, window, 0, &text, &len, &e)) return -1;
    int hit = -1;
    for (int k = 0; k < o->n_stop_strings && hit < 0; k++)
        if (memmem(text, len, o->stop_strings[k], strlen(o->stop_strings[k]))) hit = k;
    free(text);
    return hit;
}

// Records token `tok` for slot s; returns 1 when the slot's sequence is finished.
static int push_token(const wmss_gen_opts *o, slot_state *s, int32_t tok, wmss_gen_output *out) {
    if (is_stop_id(o, tok)) {
        out->finish = WMSS_FINISH_STOP_ID;
        return 1;
    }
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        int32_t *ni = realloc(s->ids, cap * sizeof *ni);
        if (!ni) return 1;
        s->ids = ni;
        s->cap = cap;
    }
    s->ids[s->n++] = tok;
    s->next = tok;
    int hit = stop_string_hit(o, s);
    if (hit >= 0) {
        out->finish = WMSS_FINISH_STOP_STRING;
        out->stop_string = hit;
        return 1;
    }
    if (s->n >= o->max_new_tokens) {
        out->finish = WMSS_FINISH_LENGTH;
        return 1;
    }
    return 0;
}

// Hands a finished slot's tokens to its output and frees the slot.
static void finish_slot(slot_state *s, wmss_gen_output *out, int *done, int total,
                        void (*progress)(int done, int total, void *ctx), void *progress_ctx) {
    out->ids = s->ids;
    out->n = s->n;
    s->prompt = -1;
    (*done)++;
    if (progress) progress(*done, total, progress_ctx);
}

int wmss_generate(const wmss_model *m, const int32_t *const *prompts, const int *prompt_len, int n_prompts,
                  const wmss_gen_opts *o, wmss_gen_output *out, void (*progress)(int done, int total, void *ctx),
                  void *progress_ctx, wmss_error *e) {
    memset(out, 0, n_prompts * sizeof *out);
    if (n_prompts <= 0) return 0;
    const int V = m->cfg.vocab_size;
    int longest = 0;
    for (int i = 0; i < n_prompts; i++) {
        if (prompt_len[i] <= 0) return wmss_fail(e, "generate: prompt %d is empty", i);
        if (prompt_len[i] > longest) longest = prompt_len[i];
    }
    if (o->max_new_tokens <= 0) return wmss_fail(e, "generate: max_new_tokens must be positive");
    int max_len = longest + o->max_new_tokens;
    if (max_len > m->cfg.max_position_embeddings) max_len = m->cfg.max_position_embeddings;
    if (longest >= max_len)
        return wmss_fail(e, "generate: a prompt of %d tokens leaves no room under max_position_embeddings (%d)", longest,
                         m->cfg.max_position_embeddings);
    const int S = o->batch < n_prompts ? (o->batch > 0 ? o->batch : 1) : n_prompts;
    const int chunk = o->prefill_chunk > S ? o->prefill_chunk : (S > 512 ? S : 512);
    wmss_kv_cache kv = {0};
    wmss_acts a = {0};
    slot_state *sl = calloc(S, sizeof *sl);
    float *logits = malloc((size_t)(S > 1 ? S : 1) * V * sizeof(float));
    float *scratch = malloc((size_t)2 * V * sizeof(float));
    int32_t *ids = malloc((size_t)chunk * sizeof *ids);
    int *start = malloc((S + 1) * sizeof *start), *slot_of = malloc(S * sizeof *slot_of);
    int rc = 0;
    if (!sl || !logits || !scratch || !ids || !start || !slot_of) rc = wmss_fail(e, "out of memory");
    if (!rc) rc = wmss_kv_create(&m->cfg, S, max_len, &kv, e);
    if (!rc) rc = wmss_acts_create(&m->cfg, chunk, max_len, 0, &a, e);
    int next_prompt = 0, done = 0;
    for (int s = 0; s < S; s++) sl[s].prompt = -1;
    while (!rc && done < n_prompts) {
        // Fill free slots: prefill their prompts (in pieces of at most `chunk` tokens).
        for (int s = 0; s < S && !rc; s++) {
            if (sl[s].prompt >= 0 || next_prompt >= n_prompts) continue;
            const int p = next_prompt++;
            sl[s] = (slot_state){.prompt = p, .ids = NULL, .n = 0, .cap = 0};
            sl[s].rng = o->seed * 0x9E3779B97F4A7C15ull ^ (uint64_t)p;
            kv.len[s] = 0;
            const int len = prompt_len[p];  // < max_len, checked above
            for (int off = 0; off < len && !rc; off += chunk) {
                const int piece = len - off < chunk ? len - off : chunk;
                int st[2] = {0, piece};
                wmss_batch b = {.ids = (const int *)prompts[p] + off, .start = st, .B = 1};
                rc = wmss_forward_cached(m, &a, &kv, &b, &s, logits, e);
            }
            if (rc) break;
            int32_t tok = wmss_sample(logits, V, o, &sl[s].rng, scratch);
            if (push_token(o, &sl[s], tok, &out[p]) || kv.len[s] >= max_len) {
                finish_slot(&sl[s], &out[p], &done, n_prompts, progress, progress_ctx);
                s--;  // refill this slot
            }
        }
        if (rc) break;
        // One decode step for every active slot.
        int B = 0;
        start[0] = 0;
        for (int s = 0; s < S; s++)
            if (sl[s].prompt >= 0) {
                ids[B] = sl[s].next;
                slot_of[B] = s;
                start[B + 1] = B + 1;
                B++;
            }
        if (B == 0) continue;
        wmss_batch b = {.ids = ids, .start = start, .B = B};
        if ((rc = wmss_forward_cached(m, &a, &kv, &b, slot_of, logits, e))) break;
        for (int r = 0; r < B; r++) {
            const int s = slot_of[r], p = sl[s].prompt;
            int32_t tok = wmss_sample(logits + (size_t)r * V, V, o, &sl[s].rng, scratch);
            if (push_token(o, &sl[s], tok, &out[p]) || kv.len[s] >= max_len)
                finish_slot(&sl[s], &out[p], &done, n_prompts, progress, progress_ctx);
        }
    }
    if (rc)
        for (int s = 0; s < S && sl; s++)
            if (sl[s].prompt >= 0) free(sl[s].ids);
    wmss_kv_free(&kv);
    wmss_acts_free(&a);
    free(sl);
    free(logits);
    free(scratch);
    free(ids);
    free(start);
    free(slot_of);
    return rc;
}
