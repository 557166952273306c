/* rcache.h -- the resolver endpoint's cache: what was fetched and checked for a DID (its
 * did.jsonl, witness.json, did-witness.json and the anchoring report), kept for the
 * log's `ttl` (did:webvh v1.0: "how long resolvers may cache the resolved DID"), capped
 * by the server's maximum, in a table of at most `max` DIDs and `maxBytes` bytes of files
 * (when full, the entries closest to expiry make room; an entry larger than maxBytes is
 * not kept): what strangers' hosts serve never grows the process past the bound.
 *
 * Thread safety: every call takes the cache's mutex; entries are copied in and out.
 * Errors: NULL (out of memory) / 0 or 1 answers. */
#ifndef WA_RCACHE_H
#define WA_RCACHE_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

typedef struct rcacheEntry {
    buf file[3];              /* did.jsonl, witness.json, did-witness.json */
    int have[3];              /* published (did.jsonl always, when cached) */
    buf anchoring;            /* the anchoring report, JSON text */
    int64_t expires;          /* rcacheGet: when the entry expires (ms, the caller's clock) */
} rcacheEntry;

typedef struct rcache rcache;

/* rcacheNew: a cache of at most max DIDs and maxBytes bytes (0: caching off). NULL when
 * out of memory. */
rcache *rcacheNew(size_t max, size_t maxBytes);
void rcacheFree(rcache *c);

/* rcacheGet: copy the entry of did into out (free with rcacheEntryFree) when it has not
 * expired at nowMs. 1 hit, 0 miss (out left empty). */
int rcacheGet(rcache *c, const char *did, int64_t nowMs, rcacheEntry *out);

/* rcachePut: keep a copy of e for did until expiresMs (replacing what was there). A
 * failed copy (out of memory) keeps nothing. */
void rcachePut(rcache *c, const char *did, const rcacheEntry *e, int64_t expiresMs);

/* rcacheSize: the entries held (expired ones included until replaced); *bytes (may be
 * NULL) the bytes they hold. */
size_t rcacheSize(rcache *c, size_t *bytes);

void rcacheEntryFree(rcacheEntry *e);

#endif
