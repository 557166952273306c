/* events.c -- sort, number, sign and write generated events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "core/io/file.h"
#include "didlog/key.h"
#include "seed/events.h"
#include "seed/product.h"
#include "verifier/event/event.h"

int evAdd(evList *l, size_t item, long long time, const char *type, json_t *data) {
    if (!data) return -1;
    if (l->n == l->cap) {
        evDraft *v = realloc(l->v, (l->cap = l->cap ? l->cap * 2 : 4096) * sizeof *v);
        if (!v) { json_decref(data); return -1; }
        l->v = v;
    }
    l->v[l->n] = (evDraft){.item = item, .time = time, .type = type, .data = data, .seq = l->n};
    l->n++;
    return 0;
}

void evListFree(evList *l) {
    for (size_t i = 0; i < l->n; i++) json_decref(l->v[i].data), free(l->v[i].line);
    free(l->v);
    *l = (evList){0};
}

long eventsItem(const seedIndex *ix, long long n, int k) {
    const productProfile *p = productProfileByName(ix->meta.profile);
    size_t i = (size_t)n * (size_t)p->nkinds + (size_t)k;
    if (i >= ix->n || ix->it[i].n != n || ix->it[i].kindIx != k) return -1;
    return (long)i;
}

static int byTime(const void *a, const void *b) {
    const evDraft *x = a, *y = b;
    if (x->time != y->time) return x->time < y->time ? -1 : 1;
    if (x->item != y->item) return x->item < y->item ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* uuidOf: a UUID (version 8, RFC 9562 §5.8: custom) from SHA-256 of id: the same event
 * id always gives the same credential id. */
static void uuidOf(const char *id, char out[37]) {
    uint8_t h[32];
    sha256(id, strlen(id), h);
    h[6] = (uint8_t)(0x80 | (h[6] & 0x0f));
    h[8] = (uint8_t)(0x80 | (h[8] & 0x3f));
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        p += sprintf(p, "%02x", h[i]);
    }
}

/* signOne: the event {"id","did","type","time","data"} of d signed by the DID's key
 * (eventSign), proof.created = its time; or its credential form (eventSignCredential). */
static int signOne(const seedItem *it, evDraft *d, size_t k, const edKey *key, int credential, char *err) {
    char id[128], t[RFC3339_MAX], uuid[37];
    const char *serial = jsonGetStr(it->product, "serial");
    snprintf(id, sizeof id, "%s.e%zu", serial ? serial : it->scid, k);
    rfc3339Format(d->time, t);
    if (!credential) {
        eventDraft e = {.id = id, .did = it->did, .type = d->type, .time = t, .data = d->data, .vm = it->vm, .created = t};
        return (d->line = eventSignLine(&e, key->sk, &d->len, err)) ? 0 : -1;
    }
    uuidOf(id, uuid);
    json_t *cs = eventSubjectOf(d->type, it->did, t, d->data);
    credDraft c = {.uuid = uuid, .did = it->did, .validFrom = t, .subject = cs, .vm = it->vm, .created = t};
    json_t *vc = cs ? eventSignCredential(&c, key->sk, err) : NULL;
    if (!cs) errSet(err, "out of memory");
    d->line = vc ? jcsDump(vc, &d->len, err) : NULL;
    json_decref(vc);
    json_decref(cs);
    return d->line ? 0 : -1;
}

int eventsSign(const seedIndex *ix, evList *l, char *err) {
    qsort(l->v, l->n, sizeof *l->v, byTime);
    size_t *count = calloc(ix->n, sizeof *count);
    edKey *keys = calloc(ix->n, sizeof *keys);
    unsigned char *loaded = calloc(ix->n, 1);
    int rc = count && keys && loaded ? 0 : errSet(err, "out of memory");
    char path[SEED_PATH_MAX], e[ERR_MAX];
    for (size_t i = 0; rc == 0 && i < l->n; i++) {
        evDraft *d = &l->v[i];
        const seedItem *it = &ix->it[d->item];
        if (!loaded[d->item]) {
            if (seedPath(ix, it->key, path) < 0 || keyFileRead(path, &keys[d->item], e) < 0) {
                rc = errSet(err, "%s: %s", it->did, e);
                break;
            }
            loaded[d->item] = 1;
        }
        if (signOne(it, d, ++count[d->item], &keys[d->item], l->credential, e) < 0) rc = errSet(err, "%s: signing: %s", it->did, e);
    }
    for (size_t i = 0; keys && i < ix->n; i++) edKeyWipe(&keys[i]);
    free(keys);
    free(loaded);
    free(count);
    return rc;
}

int eventsWrite(const evList *l, const char *path, char *err) {
    buf b = BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++)
        if (bufAppend(&b, l->v[i].line, l->v[i].len) < 0 || bufPutc(&b, '\n') < 0) rc = errSet(err, "out of memory");
    if (rc == 0) rc = fileWrite(path, b.p, b.len, 0644, err);
    bufFree(&b);
    return rc;
}
