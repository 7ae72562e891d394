// libFuzzer target: the safetensors header parser and validator on arbitrary bytes.
// Every accepted file must satisfy the invariants the loader relies on.
#include <stdint.h>
#include <stdlib.h>

#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wmss_st_file f;
    wmss_error e;
    if (wmss_st_parse("fuzz.safetensors", data, size, &f, &e) == 0) {
        for (int i = 0; i < f.n_tensors; i++) {
            const wmss_st_tensor *t = &f.tensors[i];
            if (t->data < data || t->data + (t->end - t->begin) > data + size) abort();
            if (t->end - t->begin != t->numel * wmss_dtype_size(t->dtype)) abort();
            if (wmss_st_find(&f, t->name) != t) abort();
            if (wmss_dtype_is_float(t->dtype) && t->numel <= 4096) {
                float buf[4096];
                wmss_st_read_f32(t, buf, f.path, &e);
            }
        }
        wmss_st_close(&f);
    }
    return 0;
}
