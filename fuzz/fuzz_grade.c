// libFuzzer target: answer extraction and checking on arbitrary model output, for each
// checker kind, against a few fixed gold answers. Must never crash or hang.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *out = malloc(size + 1);
    if (!out) return 0;
    memcpy(out, data, size);
    out[size] = '\0';
    static const char *const GOLD[3] = {"18", "C", "\\frac{3}{4}"};
    const char *q = "Pick one. Answer Choices: (A) 1 (B) 2 (C) 3/4 (D) 4 (E) 5";
    for (int k = 0; k < 3; k++) {
        wmss_grade_result r;
        wmss_error e;
        wmss_grade_item((wmss_bench_kind)k, out, GOLD[k], q, &r, &e);
        wmss_grade_equal((wmss_bench_kind)k, out, GOLD[k], q);
    }
    free(out);
    return 0;
}
