/* batch_int.h -- between the files of the pipeline (objects.c and build.c); not for
 * callers of batch.h. Same error convention: 0 / -1 + err. */
#ifndef WA_BATCH_INT_H
#define WA_BATCH_INT_H
#include "anchord/pipeline/batch.h"

/* batchReadRegistry: the registry record of works [from, to) of b into w->reg (NULL:
 * not registered), w->est from its size. A damaged record marks its DID unread
 * (UNREAD_REGISTRY) and the rest go on. -1 + err when Redis fails. */
int batchReadRegistry(pipeCtx *c, batch *b, size_t from, size_t to, char *err);

/* batchReadAndBuild: the registry records (batchReadRegistry) and objects of every DID
 * read (batchReadObjects' rules) by a reader thread, in chunks bounded by WA_BATCH_MEMORY
 * (objects.c "Memory"), while c->threads build threads call build(c, b, i) for
 * each DID whose objects are in. b->tRead = until the last read, b->tBuild = the building
 * left after it (seconds from t0, a clockMonoMs value). 0 / -1 + err (the store failed:
 * nothing more was built). */
int batchReadAndBuild(pipeCtx *c, batch *b, int64_t t0, void (*build)(pipeCtx *c, batch *b, size_t i), char *err);

/* batchStoreDown: the reads that failed (UNREAD_STORE) are the store's, not their DIDs':
 * -1 + err when the store does not answer storePing, else 0. */
int batchStoreDown(pipeCtx *c, const batch *b, char *err);

#endif
