/* rcache.c -- the resolver endpoint's ttl cache (rcache.h): a small table scanned in full;
 * its size is bounded by the server's setting. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "verifier/resolver/rcache.h"

typedef struct slot {
    char *did;                /* NULL: free */
    rcacheEntry e;
    int64_t expires;
} slot;

struct rcache {
    pthread_mutex_t mu;
    slot *s;
    size_t max, maxBytes, bytes;
};

rcache *rcacheNew(size_t max, size_t maxBytes) {
    rcache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (!maxBytes) max = 0;
    if (max && !(c->s = calloc(max, sizeof *c->s))) { free(c); return NULL; }
    c->max = max;
    c->maxBytes = maxBytes;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void rcacheEntryFree(rcacheEntry *e) {
    for (int i = 0; i < 3; i++) bufFree(&e->file[i]);
    bufFree(&e->anchoring);
    memset(e, 0, sizeof *e);
}

/* entryBytes: the bytes an entry holds. */
static size_t entryBytes(const rcacheEntry *e) {
    return e->file[0].len + e->file[1].len + e->file[2].len + e->anchoring.len;
}

static void slotClear(rcache *c, slot *s) {
    if (s->did) c->bytes -= entryBytes(&s->e);
    free(s->did);
    rcacheEntryFree(&s->e);
    memset(s, 0, sizeof *s);
}

void rcacheFree(rcache *c) {
    if (!c) return;
    for (size_t i = 0; i < c->max; i++) slotClear(c, &c->s[i]);
    free(c->s);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* entryCopy: dst = a copy of src. 0 / -1 (out of memory; dst freed). */
static int entryCopy(rcacheEntry *dst, const rcacheEntry *src) {
    int rc = 0;
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < 3; i++) {
        dst->have[i] = src->have[i];
        if (src->file[i].len) rc |= bufAppend(&dst->file[i], src->file[i].p, src->file[i].len);
    }
    if (src->anchoring.len) rc |= bufAppend(&dst->anchoring, src->anchoring.p, src->anchoring.len);
    if (rc) rcacheEntryFree(dst);
    return rc ? -1 : 0;
}

static slot *find(rcache *c, const char *did) {
    for (size_t i = 0; i < c->max; i++)
        if (c->s[i].did && !strcmp(c->s[i].did, did)) return &c->s[i];
    return NULL;
}

int rcacheGet(rcache *c, const char *did, int64_t nowMs, rcacheEntry *out) {
    memset(out, 0, sizeof *out);
    if (!c->max) return 0;
    pthread_mutex_lock(&c->mu);
    slot *s = find(c, did);
    int hit = s && nowMs < s->expires && entryCopy(out, &s->e) == 0;
    if (hit) out->expires = s->expires;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

/* soonest: the held slot closest to expiry (NULL when none). */
static slot *soonest(rcache *c) {
    slot *s = NULL;
    for (size_t i = 0; i < c->max; i++)
        if (c->s[i].did && (!s || c->s[i].expires < s->expires)) s = &c->s[i];
    return s;
}

void rcachePut(rcache *c, const char *did, const rcacheEntry *e, int64_t expiresMs) {
    size_t need = entryBytes(e);
    if (!c->max || need > c->maxBytes) return;
    pthread_mutex_lock(&c->mu);
    slot *s = find(c, did);
    if (s) slotClear(c, s);
    while (c->bytes + need > c->maxBytes) slotClear(c, soonest(c));   /* bytes > 0: some slot is held */
    if (!s) {   /* a free slot, else the one that expires first */
        for (size_t i = 0; i < c->max && !s; i++) if (!c->s[i].did) s = &c->s[i];
        if (!s) slotClear(c, s = soonest(c));
    }
    if ((s->did = strdup(did)) && entryCopy(&s->e, e) == 0) {
        s->expires = expiresMs;
        c->bytes += need;
    } else {
        free(s->did);
        memset(s, 0, sizeof *s);
    }
    pthread_mutex_unlock(&c->mu);
}

size_t rcacheSize(rcache *c, size_t *bytes) {
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->max; i++) n += c->s[i].did != NULL;
    if (bytes) *bytes = c->bytes;
    pthread_mutex_unlock(&c->mu);
    return n;
}
