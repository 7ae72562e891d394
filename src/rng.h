// A small, explicit random number generator (xoshiro256**, seeded by splitmix64).
// State lives in the caller's struct: no global RNG.
#ifndef WMSS_RNG_H
#define WMSS_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} wmss_rng;

void wmss_rng_seed(wmss_rng *r, uint64_t seed);
uint64_t wmss_rng_next(wmss_rng *r);
double wmss_rng_uniform(wmss_rng *r);  // [0, 1)
double wmss_rng_normal(wmss_rng *r);   // standard normal (Box-Muller)
uint64_t wmss_hash_str(const char *s); // FNV-1a, for deriving per-name streams

#endif
