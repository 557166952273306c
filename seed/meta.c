/* meta.c -- seed.json, index.jsonl and argument parsing shared by the seed subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/json.h"
#include "core/rfc3339.h"
#include "core/io/clock.h"
#include "core/io/file.h"
#include "core/io/opt.h"
#include "didlog/webvh.h"
#include "seed/meta.h"
#include "seed/product.h"

#define SEED_INDEX_MAX (256u << 20)

json_t *seedMetaJson(const seedMeta *m) {
    char t[RFC3339_MAX];
    rfc3339Format(m->time, t);
    char sd[24];
    snprintf(sd, sizeof sd, "%llu", (unsigned long long)m->seed);   /* a string: seeds may exceed 2^53 */
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "profile", m->profile, "seed", sd,
                     "countPerKind", (json_int_t)m->count, "domain", m->domain, "prefix", m->prefix, "time", t,
                     "publisher", m->publisher, "witness", m->witness);
}

static int copyField(char *dst, size_t cap, const json_t *j, const char *k, char *err) {
    const char *s = jsonGetStr(j, k);
    if (!s) return errSet(err, "seed.json: \"%s\" is missing", k);
    if (strlen(s) >= cap) return errSet(err, "seed.json: \"%s\" is too long", k);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

int seedMetaParse(const json_t *j, seedMeta *m, char *err) {
    char sd[24], t[40];
    int64_t c;
    rfc3339Time tt;
    memset(m, 0, sizeof *m);
    if (copyField(m->profile, sizeof m->profile, j, "profile", err) < 0 || copyField(sd, sizeof sd, j, "seed", err) < 0 ||
        copyField(m->domain, sizeof m->domain, j, "domain", err) < 0 ||
        copyField(m->prefix, sizeof m->prefix, j, "prefix", err) < 0 || copyField(t, sizeof t, j, "time", err) < 0 ||
        copyField(m->publisher, sizeof m->publisher, j, "publisher", err) < 0 ||
        copyField(m->witness, sizeof m->witness, j, "witness", err) < 0)
        return -1;
    if (optU64(sd, &m->seed) < 0) return errSet(err, "seed.json: bad seed");
    if (jsonGetInt(j, "countPerKind", &c) < 0 || c < 1) return errSet(err, "seed.json: bad countPerKind");
    if (rfc3339Parse(t, &tt) < 0) return errSet(err, "seed.json: bad time");
    if (!productProfileByName(m->profile)) return errSet(err, "seed.json: unknown profile %s", m->profile);
    m->count = c;
    m->time = tt.sec;
    return 0;
}

int seedPath(const seedIndex *ix, const char *rel, char out[SEED_PATH_MAX]) {
    size_t a = strlen(ix->dir), b = strlen(rel);
    if (a + 1 + b >= SEED_PATH_MAX) return -1;
    memcpy(out, ix->dir, a);
    out[a] = '/';
    memcpy(out + a + 1, rel, b + 1);
    return 0;
}

/* itemParse: one index line; relative paths must stay inside the directory. */
static int itemParse(json_t *o, const productProfile *p, seedItem *it, char *err) {
    int64_t n;
    memset(it, 0, sizeof *it);
    it->obj = o;
    it->kind = jsonGetStr(o, "kind"), it->did = jsonGetStr(o, "did"), it->scid = jsonGetStr(o, "scid");
    it->vm = jsonGetStr(o, "vm"), it->key = jsonGetStr(o, "key"), it->log = jsonGetStr(o, "log");
    it->product = json_object_get(o, "product"), it->links = json_object_get(o, "links");
    if (!it->kind || !it->did || !it->scid || !it->vm || !it->key || !it->log || !json_is_object(it->product) ||
        !json_is_object(it->links) || jsonGetInt(o, "n", &n) < 0 || n < 0)
        return errSet(err, "a member is missing or has the wrong type");
    if (strstr(it->key, "..") || strstr(it->log, "..") || it->key[0] == '/' || it->log[0] == '/')
        return errSet(err, "paths must be relative to the directory");
    it->n = n;
    it->kindIx = -1;
    for (int k = 0; k < p->nkinds; k++)
        if (!strcmp(p->kinds[k], it->kind)) it->kindIx = k;
    if (it->kindIx < 0) return errSet(err, "kind %s is not in profile %s", it->kind, p->name);
    return 0;
}

int seedIndexLoad(const char *dir, seedIndex *ix, char *err) {
    memset(ix, 0, sizeof *ix);
    if (snprintf(ix->dir, sizeof ix->dir, "%s", dir) >= (int)sizeof ix->dir) return errSet(err, "%s: path too long", dir);
    char path[SEED_PATH_MAX], e[ERR_MAX];
    buf b = BUF_INIT;
    seedPath(ix, "seed.json", path);
    if (fileRead(path, 1 << 16, &b, e) < 0) return errSet(err, "%s (is it a directory written by seed generate-identities?)", e);
    json_t *j = jsonParse((const char *)b.p, b.len, 0, 8, e);
    int rc = j ? seedMetaParse(j, &ix->meta, err) : errSet(err, "%s: %s", path, e);
    json_decref(j);
    bufReset(&b);
    seedPath(ix, "index.jsonl", path);
    if (rc == 0 && fileRead(path, SEED_INDEX_MAX, &b, err) < 0) rc = -1;
    const productProfile *p = productProfileByName(ix->meta.profile);
    size_t cap = 0, line = 0;
    const char *s = (const char *)b.p, *end = s ? s + b.len : NULL;
    while (rc == 0 && s && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        const char *cur = s;
        s += len + 1;
        line++;
        if (!len) continue;
        json_t *o = jsonParse(cur, len, 0, 16, e);
        if (!o) { rc = errSet(err, "%s line %zu: %s", path, line, e); break; }
        if (ix->n == cap) {
            seedItem *q = realloc(ix->it, (cap = cap ? cap * 2 : 1024) * sizeof *q);
            if (!q) { json_decref(o); rc = errSet(err, "out of memory"); break; }
            ix->it = q;
        }
        if (itemParse(o, p, &ix->it[ix->n], e) < 0) { json_decref(o); rc = errSet(err, "%s line %zu: %s", path, line, e); break; }
        ix->n++;
    }
    bufFree(&b);
    if (rc == 0 && ix->n == 0) rc = errSet(err, "%s: no identities", path);
    if (rc < 0) seedIndexFree(ix);
    return rc;
}

void seedIndexFree(seedIndex *ix) {
    for (size_t i = 0; i < ix->n; i++) json_decref(ix->it[i].obj);
    free(ix->it);
    ix->it = NULL;
    ix->n = 0;
}

int seedTimeArg(const char *s, long long *t, char *err) {
    if (!strncmp(s, "now", 3)) {
        long long v = 0, mul = 1;
        const char *p = s + 3;
        if (*p) {
            char *end;
            int sign = *p == '-' ? -1 : *p == '+' ? 1 : 0;
            if (!sign) return errSet(err, "time %s: want now, now-10d, now+2h or RFC 3339", s);
            v = strtoll(p + 1, &end, 10);
            mul = !strcmp(end, "d") ? 86400 : !strcmp(end, "h") ? 3600 : !strcmp(end, "m") ? 60 : !strcmp(end, "s") || !*end ? 1 : 0;
            if (!mul || end == p + 1) return errSet(err, "time %s: want now, now-10d, now+2h or RFC 3339", s);
            v *= sign;
        }
        *t = clockWallMs() / 1000 + v * mul;
        return 0;
    }
    rfc3339Time d;
    if (rfc3339Parse(s, &d) < 0) return errSet(err, "time %s: want now, now-10d, now+2h or RFC 3339 UTC", s);
    *t = d.sec;
    return 0;
}
