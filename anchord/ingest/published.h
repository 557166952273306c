/* published.h -- the status of an anchored event read from what is published, for
 * GET /events/{scid}/{id} once its status hash in Redis expired (queue.h: Redis holds what
 * is in flight, not the history). The DID's did.jsonl names the version that carries the
 * event (the first entry whose document embeds it), its witness.json that version's anchor.
 *
 * Read through the store (WA_STORE, opened at the first lookup), behind one mutex: these
 * lookups are rare next to ingest. Answers are kept in a bounded cache (PUBLISHED_SLOTS,
 * direct-mapped by SCID and id): an anchored event's version and proof never change; an
 * event not (yet) published is not cached. Thread-safe. */
#ifndef WA_PUBLISHED_H
#define WA_PUBLISHED_H
#include <jansson.h>
#include "anchord/config/config.h"

#define PUBLISHED_SLOTS 1024

typedef struct published published;

/* publishedNew: a reader for cfg's store and prefix (cfg must outlive it). NULL = out of memory. */
published *publishedNew(const config *cfg);
void publishedFree(published *p);

/* publishedStatus: the status of event id of DID scid as published: 1 and *out =
 * {"status":"anchored","versionId","batchId","txHash","witness"} (caller decrefs); 0 when
 * no published log of scid holds the event, or no anchor of its version is published;
 * -1 + err when the store cannot be opened or read, or a published file cannot be parsed. */
int publishedStatus(published *p, const char *scid, const char *id, json_t **out, char *err);

#endif
