/* group.c -- the claimed stream entries grouped by DID (batchGroup): one work per DID,
 * genesis registrations first, then DIDs in order of their first event; entries that
 * name no valid DID set aside as dead letters. No I/O (unit-tested: test_batch_group.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/fnv.h"
#include "anchord/pipeline/batch.h"

typedef struct didMap {
    size_t *slot;     /* index + 1 into b->w, 0 = empty */
    size_t cap;
} didMap;

/* workFor: the work of scid, created when absent (NULL on out of memory). */
static didWork *workFor(batch *b, didMap *m, const char *scid, size_t capw) {
    size_t i = fnv1a32(scid) & (m->cap - 1);
    for (; m->slot[i]; i = (i + 1) & (m->cap - 1))
        if (!strcmp(b->w[m->slot[i] - 1].scid, scid)) return &b->w[m->slot[i] - 1];
    if (b->nw == capw) return NULL;
    didWork *w = &b->w[b->nw++];
    memset(w, 0, sizeof *w);
    snprintf(w->scid, sizeof w->scid, "%s", scid);
    m->slot[i] = b->nw;
    return w;
}
/* entryJunk: why a stream entry cannot even be grouped by DID, or NULL. The queue is
 * not trusted, and an entry's scid becomes part of store keys. */
static const char *entryJunk(const queueEntry *e) {
    if (!*e->scid || !*e->id || !*e->did || !e->len) return "malformed: the stream entry lacks scid, id, did or body";
    if (!didScidValid(e->scid)) return "malformed: the stream entry's scid is not a SCID";
    return NULL;
}

/* addJunk: e becomes a dead letter without a DID work. 0 / -1 (out of memory). */
static int addJunk(batch *b, const queueEntry *e, int genesis, const char *why) {
    rejected *r = realloc(b->junk, (b->njunk + 1) * sizeof *r);
    if (!r) return -1;
    b->junk = r;
    r[b->njunk].e = e;
    r[b->njunk].genesis = genesis;
    snprintf(r[b->njunk].reason, sizeof r[b->njunk].reason, "%s", why);
    b->njunk++;
    return 0;
}

int batchGroup(batch *b, char *err) {
    size_t capw = b->dids.n + b->events.n;
    didMap m = {NULL, 16};
    while (m.cap < capw * 2) m.cap <<= 1;
    m.slot = calloc(m.cap, sizeof *m.slot);
    b->w = calloc(capw ? capw : 1, sizeof *b->w);
    if (!m.slot || !b->w) { free(m.slot); return errSet(err, "out of memory"); }
    const char *why;
    for (size_t i = 0; i < b->dids.n; i++) {
        const queueEntry *e = &b->dids.e[i];
        if ((why = entryJunk(e))) {
            if (addJunk(b, e, 1, why) < 0) { free(m.slot); return errSet(err, "out of memory"); }
            continue;
        }
        didWork *w = workFor(b, &m, e->scid, capw);
        if (w->genesis) {
            if (batchAddRej(w, e, 1, "", "duplicate registration of this DID in one batch") < 0) {
                free(m.slot);
                return errSet(err, "out of memory");
            }
        }
        else { w->isNew = 1; w->genesis = e; snprintf(w->did, sizeof w->did, "%s", e->did); }
    }
    for (size_t i = 0; i < b->events.n; i++) {
        const queueEntry *e = &b->events.e[i];
        if ((why = entryJunk(e))) {
            if (addJunk(b, e, 0, why) < 0) { free(m.slot); return errSet(err, "out of memory"); }
            continue;
        }
        didWork *w = workFor(b, &m, e->scid, capw);
        if (!w->did[0]) snprintf(w->did, sizeof w->did, "%s", e->did);   /* for messages until the registry's */
        if (w->nev == w->capev) {
            size_t cap = w->capev ? w->capev * 2 : 4;
            const queueEntry **v = realloc(w->ev, cap * sizeof *v);
            if (!v) { free(m.slot); return errSet(err, "out of memory"); }
            w->ev = v; w->capev = cap;
        }
        w->ev[w->nev++] = e;
    }
    for (size_t i = 0; i < b->nw; i++) b->w[i].maxLeaves = capw;
    free(m.slot);
    return 0;
}
