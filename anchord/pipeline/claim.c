/* claim.c -- the claim phase: the stream entries of a new batch (a dead worker's first,
 * then new ones) journaled "claimed", and those of a journaled batch claimed again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/io/clock.h"
#include "anchord/pipeline/batch.h"

/* joinSids: the stream ids of es, comma separated, into out. */
static int joinSids(const queueEntries *es, buf *out) {
    bufReset(out);
    if (bufPuts(out, "") < 0) return -1;
    for (size_t i = 0; i < es->n; i++)
        if ((i && bufPutc(out, ',') < 0) || bufPuts(out, es->e[i].sid) < 0) return -1;
    return 0;
}

int batchClaim(pipeCtx *c, int shard, const char *token, batch *b, char *err) {
    memset(b, 0, sizeof *b);
    b->shard = shard;
    size_t max = (size_t)c->cfg->batchMaxEvents;
    if (queueGroupEnsure(c->q, shard, "dids", err) < 0 || queueGroupEnsure(c->q, shard, "events", err) < 0) return -1;
    /* A dead worker's entries first (pending longer than WA_RECLAIM_IDLE, no journal). */
    if (queueReclaim(c->q, shard, "dids", c->consumer, c->cfg->reclaimIdleMs, max, &b->dids, err) < 0) return -1;
    if (b->dids.n < max &&
        queueReclaim(c->q, shard, "events", c->consumer, c->cfg->reclaimIdleMs, max - b->dids.n, &b->events, err) < 0)
        return -1;
    int64_t deadline = clockMonoMs() + c->cfg->batchMaxWaitMs;
    for (;;) {
        size_t have = b->dids.n + b->events.n;
        if (have < max && queueReadNew(c->q, shard, "dids", c->consumer, max - have, 0, &b->dids, err) < 0) return -1;
        have = b->dids.n + b->events.n;
        if (have < max && queueReadNew(c->q, shard, "events", c->consumer, max - have, 0, &b->events, err) < 0) return -1;
        if (b->dids.n + b->events.n > 0) break;
        int64_t left = deadline - clockMonoMs();
        if (left <= 0 || *c->stop) return 0;
        clockSleepMs(left < 100 ? left : 100);
    }
    buf es = BUF_INIT, ds = BUF_INIT;
    char ne[24], nd[24];
    snprintf(ne, sizeof ne, "%zu", b->events.n);
    snprintf(nd, sizeof nd, "%zu", b->dids.n);
    int rc = -1;
    if (joinSids(&b->events, &es) < 0 || joinSids(&b->dids, &ds) < 0) errSet(err, "out of memory");
    else {
        const char *kv[] = {"dsids", (char *)ds.p, "events", ne, "dids", nd, "consumer", c->consumer};
        rc = journalCreate(c->q, shard, token, (char *)es.p, kv, 8, &b->j, err);
    }
    bufFree(&es);
    bufFree(&ds);
    return rc < 0 ? -1 : 1;
}
/* claimField: XCLAIM the stream entries a journal field lists (resuming a batch). */
static int claimField(pipeCtx *c, batch *b, const char *field, const char *stream, queueEntries *out, char *err) {
    char *copy;
    const char **sids;
    size_t n;
    if (batchSids(b, field, &copy, &sids, &n, err) < 0) return -1;
    int rc = n ? queueClaimIds(c->q, b->shard, stream, c->consumer, sids, n, out, err) : 0;
    free(sids);
    free(copy);
    return rc < 0 ? -1 : 0;
}

int batchReclaim(pipeCtx *c, batch *b, char *err) {
    queueEntriesFree(&b->dids);
    queueEntriesFree(&b->events);
    if (queueGroupEnsure(c->q, b->shard, "dids", err) < 0 || queueGroupEnsure(c->q, b->shard, "events", err) < 0)
        return -1;
    if (claimField(c, b, "dsids", "dids", &b->dids, err) < 0) return -1;
    return claimField(c, b, "sids", "events", &b->events, err);
}
