/* btrace.c -- the spans of a batch's events (btrace.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "anchord/pipeline/btrace.h"

void btraceLinks(span *s, const batch *b) {
    if (!s->recording) return;
    spanAttrStr(s, "wa.batch.id", b->j.id);
    spanAttrInt(s, "wa.shard", b->shard);
    spanAttrInt(s, "wa.events", (long long)b->events.n);
    spanAttrInt(s, "wa.dids", (long long)b->dids.n);
    for (size_t i = 0; i < b->events.n; i++) {
        traceCtx t;
        if (b->events.e[i].traceparent && traceparentParse(b->events.e[i].traceparent, &t) == 0) spanLink(s, &t);
    }
}

static int bySid(const void *a, const void *b) {
    return strcmp((*(const queueEntry *const *)a)->sid, (*(const queueEntry *const *)b)->sid);
}

/* traced: b's events with a trace context, sorted by stream id (*n of them; NULL none). */
static const queueEntry **traced(const batch *b, size_t *n) {
    *n = 0;
    const queueEntry **v = malloc((b->events.n ? b->events.n : 1) * sizeof *v);
    for (size_t i = 0; v && i < b->events.n; i++)
        if (b->events.e[i].traceparent) v[(*n)++] = &b->events.e[i];
    if (v && *n) qsort(v, *n, sizeof *v, bySid);
    return v;
}

static const queueEntry *find(const queueEntry **v, size_t n, const char *sid) {
    queueEntry key;
    snprintf(key.sid, sizeof key.sid, "%s", sid);
    const queueEntry *kp = &key, **hit = bsearch(&kp, v, n, sizeof *v, bySid);
    return hit ? *hit : NULL;
}

/* eventSpan: the span of event e with outcome (vid, or an error), ended now. */
static void eventSpan(const batch *b, const span *bs, const queueEntry *e, const char *vid, int published,
                      const char *error) {
    traceCtx parent;
    if (traceparentParse(e->traceparent, &parent) < 0) return;
    span s;
    spanStart(&s, "event", SPAN_CONSUMER, &parent);
    spanStartFrom(&s, bs);
    spanLink(&s, &bs->ctx);
    spanAttrStr(&s, "wa.event.id", e->id);
    spanAttrStr(&s, "wa.scid", e->scid);
    spanAttrStr(&s, "wa.batch.id", b->j.id);
    spanAttrStr(&s, "wa.outcome", published ? "published" : error ? "rejected" : "requeued");
    if (published) {
        char tx[67];
        hexEncode0x(b->txHash, 32, tx);
        spanAttrStr(&s, "wa.version_id", vid);
        spanAttrInt(&s, "wa.chain.batch_id", (long long)b->batchId);
        spanAttrStr(&s, "eth.tx_hash", tx);
    }
    if (error) spanError(&s, error);
    spanEnd(&s);
}

void btraceEvents(const batch *b, const span *bs) {
    if (!bs->recording && !traceOn()) return;
    size_t n;
    const queueEntry **v = traced(b, &n);
    if (!v) return;
    for (size_t i = 0; n && i < b->nw; i++) {
        const didWork *w = &b->w[i];
        for (size_t k = 0; k < w->nne; k++) {
            const queueEntry *e = w->ne[k].genesis ? NULL : find(v, n, w->ne[k].sid);
            if (e) eventSpan(b, bs, e, w->ne[k].versionId, !w->unused, w->unused && w->overBudget ? w->err : NULL);
        }
        for (size_t k = 0; k < w->nrej; k++)
            if (!w->rej[k].genesis && w->rej[k].e->traceparent)
                eventSpan(b, bs, w->rej[k].e, NULL, 0, w->rej[k].reason);
    }
    free(v);
}
