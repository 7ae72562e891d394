// The entropy file format: see entropy_file.h.
#include "entropy_file.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "fsutil.h"
#include "jsonl.h"

int wmss_entropy_file_write(const char *path, const wmss_dataset *ds, const double *h, double *mean, wmss_error *e) {
    wmss_atomic_file af;
    if (wmss_atomic_open(&af, path, e)) return -1;
    double m = 0;
    for (int r = 0, i = 0; r < ds->n_records; r++) {
        if (i < ds->n && ds->record[i] == r) {
            if (!isfinite(h[i])) {
                wmss_atomic_abort(&af);
                return wmss_fail(e, "%s: not written: the entropy of data record %d (line %d of the non-blank lines) is "
                                    "not finite (%g): the model gives non-finite logits", path, r + 1, r + 1, h[i]);
            }
            fprintf(af.f, "{\"index\": %d, \"entropy\": %.9g, \"tokens\": %d", r, h[i], ds->n_targets[i]);
            if (ds->id[i]) fprintf(af.f, ", \"id\": %s", ds->id[i]);
            fprintf(af.f, "}\n");
            m += h[i] / ds->n;
            i++;
        } else {
            fprintf(af.f, "{\"index\": %d, \"entropy\": null, \"tokens\": 0}\n", r);
        }
    }
    if (wmss_atomic_commit(&af, e)) return -1;
    if (mean) *mean = m;
    return 0;
}

int wmss_entropy_file_read(const char *path, int n, double *h, wmss_error *e) {
    wmss_lines L;
    char *seen = calloc(n > 0 ? n : 1, 1);
    if (!seen) return wmss_fail(e, "out of memory");
    if (wmss_lines_read(path, &L, e)) {
        free(seen);
        wmss_lines_free(&L);
        return -1;
    }
    for (int i = 0; i < n; i++) h[i] = NAN;
    int rc = 0;
    for (int k = 0; k < L.n && !rc; k++) {
        char where[4200];
        snprintf(where, sizeof where, "%s:%d", path, L.no[k]);
        wmss_error pe;
        cJSON *j = wmss_jsonl_parse(L.line[k], L.len[k], where, -1, &pe);
        if (!j) {
            rc = wmss_fail(e, "%s", pe.msg);
            break;
        }
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(j, "index"), *ent = cJSON_GetObjectItemCaseSensitive(j, "entropy");
        if (!j || !cJSON_IsNumber(idx) || !(cJSON_IsNumber(ent) || cJSON_IsNull(ent)))
            rc = wmss_fail(e, "%s: entry %d: expected {\"index\": i, \"entropy\": H, ...}", path, k + 1);
        else if (idx->valuedouble < 0 || idx->valuedouble >= n || floor(idx->valuedouble) != idx->valuedouble)
            rc = wmss_fail(e, "%s: entry %d: index %g is not an example of the data (which has %d)", path, k + 1,
                           idx->valuedouble, n);
        else if (cJSON_IsNumber(ent) && (!isfinite(ent->valuedouble) || ent->valuedouble < 0))
            rc = wmss_fail(e, "%s: entry %d: entropy %g is not a finite non-negative number", path, k + 1, ent->valuedouble);
        else if (seen[(int)idx->valuedouble]++)
            rc = wmss_fail(e, "%s: entry %d: index %d appears twice", path, k + 1, (int)idx->valuedouble);
        else if (cJSON_IsNumber(ent))
            h[(int)idx->valuedouble] = ent->valuedouble;
        cJSON_Delete(j);
    }
    for (int i = 0; i < n && !rc; i++)
        if (!seen[i])
            rc = wmss_fail(e, "%s: has no entry for example %d of the data (was it scored on another file?)", path, i);
    wmss_lines_free(&L);
    free(seen);
    return rc;
}
