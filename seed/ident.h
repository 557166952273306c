/* ident.h -- `seed generate-identities`: the DIDs, their keys and genesis logs.
 *
 * Each DID gets its own Ed25519 key (derived from --seed, kind and number) as its
 * assertionMethod "#key-1", and a did:webvh v1.0 genesis entry signed by the
 * publisher's update key (custodial model, DESIGN.md §3) naming the witness. Parts
 * (glass pane, frame) are created after their window and link to it with an
 * "IsPartOf" service; the index records the links both ways. Output layout: meta.h. */
#ifndef WA_SEED_IDENT_H
#define WA_SEED_IDENT_H
#include <stddef.h>
#include "core/edkey.h"
#include "seed/meta.h"

typedef struct identOpts {
    seedMeta meta;           /* profile, seed, count, domain, prefix, time, publisher, witness */
    const edKey *publisher;  /* the update key that signs every genesis entry */
    const char *outDir;      /* must not hold a previous run (seed.json) */
    int jobs;                /* worker threads (file writes are fsync-bound) */
} identOpts;

/* identGenerate: write every identity of o->meta into o->outDir; *ndids = how many.
 * Output is byte-for-byte the same for the same options. 0 / -1 + err. */
int identGenerate(const identOpts *o, size_t *ndids, char *err);

#endif
