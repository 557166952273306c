/* meta.h -- the identities directory that generate-identities writes and the other steps read.
 *
 *   DIR/seed.json      what was generated: profile, seed, counts, domain, prefix, time,
 *                      the publisher's update key and the witness (JCS, one object)
 *   DIR/index.jsonl    one line per DID, in generation order: n, kind, did, scid, vm
 *                      (the assertionMethod id), key (relative path of its 0600 key
 *                      file), log (relative path of did.jsonl), product, links
 *   DIR/keys/<scid>.json                   the DID's own Ed25519 key (mode 0600)
 *   DIR/public/<prefix>/<scid>/did.jsonl  the genesis log, in the bucket layout */
#ifndef WA_SEED_META_H
#define WA_SEED_META_H
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "core/multiformat.h"

#define SEED_DID_MAX 512
#define SEED_PATH_MAX 1024

typedef struct seedMeta {
    char profile[16];
    uint64_t seed;
    long long count;                 /* groups (= DIDs per kind) */
    char domain[256], prefix[256];
    long long time;                  /* genesis versionTime, Unix seconds */
    char publisher[MULTIKEY_PUB_MAX];
    char witness[DIDKEY_MAX];
} seedMeta;

typedef struct seedItem {
    long long n;                     /* group number, 0-based */
    int kindIx;                      /* index into the profile's kinds */
    const char *kind, *did, *scid, *vm, *key, *log;   /* borrowed from obj */
    json_t *product, *links;         /* borrowed from obj */
    json_t *obj;                     /* the index line (owned) */
} seedItem;

typedef struct seedIndex {
    seedMeta meta;
    seedItem *it;
    size_t n;
    char dir[SEED_PATH_MAX];
} seedIndex;

/* seedMetaJson / seedMetaParse: seed.json to and from a seedMeta. */
json_t *seedMetaJson(const seedMeta *m);
int seedMetaParse(const json_t *j, seedMeta *m, char *err);

/* seedIndexLoad: read DIR/seed.json and DIR/index.jsonl (bounded). 0 / -1 + err. */
int seedIndexLoad(const char *dir, seedIndex *ix, char *err);
void seedIndexFree(seedIndex *ix);

/* seedPath: DIR/rel into out. 0 / -1 when too long. */
int seedPath(const seedIndex *ix, const char *rel, char out[SEED_PATH_MAX]);

/* seedTimeArg: "now", "now-10d", "now+2h" (s, m, h, d) or RFC 3339 UTC into Unix seconds. */
int seedTimeArg(const char *s, long long *t, char *err);

#endif
