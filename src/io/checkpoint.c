// Checkpoints: a model directory's weights, either model.safetensors or the shards
// named by model.safetensors.index.json. Every index claim is checked against the
// shards: each named tensor is in its shard, no shard holds tensors the index does
// not name, no tensor is in two shards.
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "safetensors.h"

static int find_file_index(char **names, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

static int open_sharded(const char *dir, const char *index_path, wmss_checkpoint *ck, wmss_error *e) {
    char *text;
    size_t len;
    if (wmss_read_file(index_path, &text, &len, e)) return -1;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!root) return wmss_fail(e, "%s: not valid JSON", index_path);
    int rc = 0, n_names = 0;
    char **names = NULL;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(map) || !map->child) {
        rc = wmss_fail(e, "%s: missing or empty \"weight_map\" object", index_path);
        goto done;
    }
    int count = cJSON_GetArraySize(map);
    names = calloc(count, sizeof *names);
    if (!names) { rc = wmss_fail(e, "out of memory"); goto done; }
    for (const cJSON *it = map->child; it; it = it->next) {
        if (!cJSON_IsString(it)) { rc = wmss_fail(e, "%s: weight_map['%s'] is not a file name", index_path, it->string); goto done; }
        const char *fn = it->valuestring;
        if (!fn[0] || strchr(fn, '/') || !strcmp(fn, "..")) {
            rc = wmss_fail(e, "%s: weight_map['%s'] names an invalid file '%s'", index_path, it->string, fn);
            goto done;
        }
        if (find_file_index(names, n_names, fn) < 0) names[n_names++] = (char *)fn;
    }
    ck->files = calloc(n_names, sizeof *ck->files);
    if (!ck->files) { rc = wmss_fail(e, "out of memory"); goto done; }
    for (int i = 0; i < n_names && !rc; i++) {
        char path[4096];
        if (wmss_path_join(path, sizeof path, dir, names[i], e)) { rc = -1; break; }
        if (wmss_st_open(path, &ck->files[i], e)) {
            rc = wmss_error_prefix(e, "%s names shard %s", index_path, names[i]);
            break;
        }
        ck->n_files++;
    }
    // Every mapped tensor is in its shard ...
    int mapped = 0;
    for (const cJSON *it = map->child; it && !rc; it = it->next, mapped++) {
        int fi = find_file_index(names, n_names, it->valuestring);
        if (!wmss_st_find(&ck->files[fi], it->string))
            rc = wmss_fail(e, "%s: tensor '%s' is listed in %s but %s does not contain it", ck->files[fi].path,
                           it->string, index_path, it->valuestring);
    }
    // ... and the shards hold nothing else (so no tensor sits in two shards).
    int held = 0;
    for (int i = 0; i < ck->n_files && !rc; i++) {
        held += ck->files[i].n_tensors;
        for (int t = 0; t < ck->files[i].n_tensors && !rc; t++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(map, ck->files[i].tensors[t].name);
            if (!v || strcmp(v->valuestring, names[i]))
                rc = wmss_fail(e, "%s: holds tensor '%s' which %s %s", ck->files[i].path, ck->files[i].tensors[t].name,
                               index_path, v ? "assigns to another shard" : "does not list");
        }
    }
    if (!rc && held != mapped)
        rc = wmss_fail(e, "%s: lists %d tensors but the shards hold %d", index_path, mapped, held);
done:
    free(names);
    cJSON_Delete(root);
    if (rc) wmss_checkpoint_close(ck);
    return rc;
}

int wmss_checkpoint_open(const char *dir, wmss_checkpoint *ck, wmss_error *e) {
    memset(ck, 0, sizeof *ck);
    char single[4096], index[4096];
    if (wmss_path_join(single, sizeof single, dir, "model.safetensors", e) ||
        wmss_path_join(index, sizeof index, dir, "model.safetensors.index.json", e))
        return -1;
    if (wmss_file_exists(single)) {
        ck->files = calloc(1, sizeof *ck->files);
        if (!ck->files) return wmss_fail(e, "out of memory");
        if (wmss_st_open(single, &ck->files[0], e)) { free(ck->files); ck->files = NULL; return -1; }
        ck->n_files = 1;
        return 0;
    }
    if (wmss_file_exists(index)) return open_sharded(dir, index, ck, e);
    return wmss_fail(e, "%s: no model.safetensors or model.safetensors.index.json", dir);
}

void wmss_checkpoint_close(wmss_checkpoint *ck) {
    for (int i = 0; i < ck->n_files; i++) wmss_st_close(&ck->files[i]);
    free(ck->files);
    ck->files = NULL;
    ck->n_files = 0;
}

const wmss_st_tensor *wmss_checkpoint_find(const wmss_checkpoint *ck, const char *name, const wmss_st_file **file) {
    for (int i = 0; i < ck->n_files; i++) {
        const wmss_st_tensor *t = wmss_st_find(&ck->files[i], name);
        if (t) {
            if (file) *file = &ck->files[i];
            return t;
        }
    }
    return NULL;
}

// Removes checkpoint files of a previous save that the new layout does not use:
// the other layout's files and shards named for another shard count.
static void remove_stale(const char *dir, int keep_single, int n_shards) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, keep_single ? "model.safetensors.index.json" : "model.safetensors");
    unlink(path);
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *ent; (ent = readdir(d));) {
        int k, total, used = 0;
        if (sscanf(ent->d_name, "model-%5d-of-%5d.safetensors%n", &k, &total, &used) == 2 &&
            used == (int)strlen(ent->d_name) && total != n_shards) {
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

int wmss_checkpoint_write(const char *dir, const wmss_st_out *ts, int n, size_t max_shard_bytes, wmss_error *e) {
    size_t total = 0;
    for (int i = 0; i < n; i++) total += wmss_st_out_bytes(&ts[i]);
    char path[4096];
    if (max_shard_bytes == 0 || total <= max_shard_bytes) {
        if (wmss_path_join(path, sizeof path, dir, "model.safetensors", e)) return -1;
        if (wmss_st_write(path, ts, n, e)) return -1;
        remove_stale(dir, 1, 0);
        return 0;
    }
    // Greedy packing in order: a shard closes when the next tensor would exceed the
    // limit (a single tensor larger than the limit gets a shard of its own).
    int *shard_of = malloc((n ? n : 1) * sizeof *shard_of);
    if (!shard_of) return wmss_fail(e, "out of memory");
    int n_shards = 0;
    size_t cur = 0;
    for (int i = 0; i < n; i++) {
        size_t b = wmss_st_out_bytes(&ts[i]);
        if (n_shards == 0 || (cur > 0 && cur + b > max_shard_bytes)) { n_shards++; cur = 0; }
        shard_of[i] = n_shards - 1;
        cur += b;
    }
    if (n_shards > 99999) { free(shard_of); return wmss_fail(e, "%s: too many shards (%d)", dir, n_shards); }
    cJSON *index = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(index, "metadata");
    cJSON_AddNumberToObject(meta, "total_size", (double)total);
    cJSON *map = cJSON_AddObjectToObject(index, "weight_map");
    int rc = 0;
    for (int s = 0, first = 0; s < n_shards && !rc; s++) {
        int last = first;
        while (last < n && shard_of[last] == s) last++;
        char name[64];
        snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, n_shards);
        for (int i = first; i < last; i++) cJSON_AddStringToObject(map, ts[i].name, name);
        rc = wmss_path_join(path, sizeof path, dir, name, e) || wmss_st_write(path, ts + first, last - first, e);
        first = last;
    }
    free(shard_of);
    char *json = rc ? NULL : cJSON_Print(index);
    cJSON_Delete(index);
    if (rc) return -1;
    if (!json) return wmss_fail(e, "out of memory");
    rc = wmss_path_join(path, sizeof path, dir, "model.safetensors.index.json", e) ||
         wmss_write_file_atomic(path, json, strlen(json), e) ? -1 : 0;
    free(json);
    if (!rc) remove_stale(dir, 0, n_shards);
    return rc;
}
