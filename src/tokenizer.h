// Tokenizer: Hugging Face `tokenizer.json` (BPE models) in C, with the ids Hugging Face's
// `tokenizers` produces.
//
// Supported components (anything else is an error naming the component and the file):
//   model           BPE: merges as "a b" strings or ["a","b"] pairs, ignore_merges,
//                   byte_fallback, unk_token, fuse_unk, continuing_subword_prefix,
//                   end_of_word_suffix (dropout must be null or 0)
//   normalizer      NFC, NFD, NFKC, NFKD (utf8proc), Replace, Prepend, Lowercase, Sequence
//   pre_tokenizer   ByteLevel, Split (String or Regex pattern; behavior Removed /
//                   Isolated / MergedWithPrevious / MergedWithNext / Contiguous; invert),
//                   Metaspace, Digits, WhitespaceSplit, Sequence
//   post_processor  TemplateProcessing (single template), ByteLevel (no effect on ids),
//                   Sequence
//   decoder         ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence
//   added_tokens    special, lstrip, rstrip, single_word, normalized
// Regexes run on PCRE2 (UTF + UCP, JIT when available) with the shorthand classes \s \S
// \w \W \d \D rewritten to Oniguruma's Unicode definitions, which the Rust crate uses.
//
// tokenizer_config.json next to tokenizer.json, when present, supplies bos/eos/pad/unk
// token names, clean_up_tokenization_spaces and the chat template; for the Llama and Gemma
// tokenizer classes its add_bos_token / add_eos_token rebuild the post-processor as
// transformers' LlamaTokenizerFast / GemmaTokenizerFast do, so WMSS_ENCODE_ADD_SPECIAL adds
// what transformers adds with add_special_tokens=True.
//
// Input text must be valid UTF-8: anything else is an error that gives the byte offset.
// A loaded tokenizer is immutable: encode/decode may be called from many threads at once.
//
// Parity: tests/js/test_tokenizer_parity.mjs compares ids and decoded text with
// transformers.js on the real Qwen3, Qwen2.5, Llama 3 and Gemma 3 files. Known differences:
//   - U+0085 and U+FEFF: we follow Oniguruma (and so the Rust crate), where U+0085 is \s and
//     U+FEFF is not; transformers.js (JavaScript's \s) has it the other way round.
//   - "'ſ" followed by letters: Oniguruma's (?i:'s) matches the long s, as ours does;
//     transformers.js rewrites the group to [sS] and does not.
//   - Letters and digits new in Unicode 15 (e.g. CJK extension H): PCRE2 10.42 (Debian 12)
//     has Unicode 14 tables, so \p{L} / \p{N} do not match them there.
//   - Decoding: tokens go through the decoder as in the Rust crate (transformers.js passes
//     added tokens around the ByteLevel decoder; the text is the same for real files);
//     byte-fallback tokens that do not form valid UTF-8 give one U+FFFD per byte, as in the
//     crate (transformers.js: one per maximal invalid sequence); an id outside the
//     vocabulary is an error (the crate skips it silently).
//   - truncation / padding settings in tokenizer.json are ignored (they shape batches of
//     tensors, not the ids of a text); BPE dropout is refused.
#ifndef WMSS_TOKENIZER_H
#define WMSS_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct wmss_tokenizer wmss_tokenizer;

// Encode flags.
enum {
    // Text such as "<|im_end|>" becomes the special token (Hugging Face's default). Without
    // it, special tokens are not recognized in the text and it is encoded as ordinary
    // characters (transformers' split_special_tokens=True); non-special added tokens such as
    // Qwen's "<think>" are still recognized, as Hugging Face does.
    WMSS_ENCODE_PARSE_SPECIAL = 1,
    // Add what the post-processor adds (e.g. Llama 3 / Gemma 3 BOS): add_special_tokens=True.
    WMSS_ENCODE_ADD_SPECIAL = 2,
};

// Decode flags.
enum {
    WMSS_DECODE_SKIP_SPECIAL = 1,  // drop special tokens (skip_special_tokens=True)
    // Apply transformers' clean_up_tokenization (" ." -> "." etc.). Off by default so that
    // decode(encode(x)) == x; transformers applies it when tokenizer_config.json says
    // clean_up_tokenization_spaces: true (wmss_tokenizer_clean_up_spaces tells).
    WMSS_DECODE_CLEAN_UP_SPACES = 2,
};

// Loads PATH: a tokenizer.json file or a directory that holds one (a model directory).
int wmss_tokenizer_load(const char *path, wmss_tokenizer **out, wmss_error *e);
void wmss_tokenizer_free(wmss_tokenizer *t);

// Encodes text[0..len) (UTF-8; NUL bytes are ordinary characters). On success *ids is a
// malloc'd array of *n ids (the caller frees it; it may be non-NULL with *n == 0).
int wmss_tokenizer_encode(const wmss_tokenizer *t, const char *text, size_t len, unsigned flags, int32_t **ids,
                          size_t *n, wmss_error *e);

// A reusable encoding state for one thread: it keeps the BPE word cache and work buffers
// across calls, which makes many short calls several times faster than
// wmss_tokenizer_encode (which sets one up and drops it on every call). Same results.
// Not shareable between threads at the same time: one per thread.
typedef struct wmss_tokenizer_encoder wmss_tokenizer_encoder;
int wmss_tokenizer_encoder_new(const wmss_tokenizer *t, wmss_tokenizer_encoder **out, wmss_error *e);
int wmss_tokenizer_encoder_encode(wmss_tokenizer_encoder *enc, const char *text, size_t len, unsigned flags,
                                  int32_t **ids, size_t *n, wmss_error *e);
void wmss_tokenizer_encoder_free(wmss_tokenizer_encoder *enc);

// Batch encoding over OpenMP threads (each thread keeps a word cache across its texts,
// so batches are faster per byte than single calls). texts[i] / lens[i] in; out[i] gets a
// malloc'd array and counts[i] its length. On failure nothing is returned (all freed),
// *failed_index (if not NULL) is the index of the first failing text and e names it.
int wmss_tokenizer_encode_batch(const wmss_tokenizer *t, const char *const *texts, const size_t *lens, size_t count,
                                unsigned flags, int32_t **out, size_t *counts, size_t *failed_index, wmss_error *e);

// Decodes ids into a malloc'd NUL-terminated UTF-8 string (*len bytes, not counting the
// NUL; the text may itself contain NUL characters). Invalid byte sequences produced by the
// ids become U+FFFD as in Hugging Face. An id that is not in the vocabulary is an error.
int wmss_tokenizer_decode(const wmss_tokenizer *t, const int32_t *ids, size_t n, unsigned flags, char **text,
                          size_t *len, wmss_error *e);

// Vocabulary.
size_t wmss_tokenizer_vocab_size(const wmss_tokenizer *t);  // largest id + 1
int32_t wmss_tokenizer_token_to_id(const wmss_tokenizer *t, const char *token, size_t len);  // -1: none
const char *wmss_tokenizer_id_to_token(const wmss_tokenizer *t, int32_t id, size_t *len);  // NULL: none
int wmss_tokenizer_is_special(const wmss_tokenizer *t, int32_t id);  // an added token with special: true

// From tokenizer_config.json (-1 / NULL when not given or not in the vocabulary).
int32_t wmss_tokenizer_bos_id(const wmss_tokenizer *t);
int32_t wmss_tokenizer_eos_id(const wmss_tokenizer *t);
int32_t wmss_tokenizer_pad_id(const wmss_tokenizer *t);
const char *wmss_tokenizer_chat_template(const wmss_tokenizer *t);
int wmss_tokenizer_clean_up_spaces(const wmss_tokenizer *t);
const char *wmss_tokenizer_path(const wmss_tokenizer *t);  // the tokenizer.json that was loaded

#endif
