/* ingest.c -- validate, authenticate and queue events and genesis logs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/io/clock.h"
#include "anchord/ingest/budget.h"
#include "anchord/ingest/ingest.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"

/* finish: record the outcome in metrics and return. */
static void finish(ingestResult *r, rejectCode code, const char *okMetric) {
    r->code = code;
    if (code == REJ_OK) metricsInc(okMetric, NULL, 1);
    else metricsInc("events_rejected_total", rejectName(code), 1);
}

/* enqueueCode: map queueEnqueue's answer onto a refusal. */
static rejectCode enqueueCode(int rc, ingestResult *r, const char *what, const char *err) {
    if (rc == QUEUE_OK) return REJ_OK;
    if (rc == QUEUE_REPLAY) {
        errSet(r->detail, "%s %s of %s was already accepted", what, r->id, r->scid);
        return REJ_REPLAY;
    }
    if (rc == QUEUE_RATE) {
        return REJ_RATE_LIMITED;   /* the caller words the detail: it knows the limit */
    }
    if (rc == QUEUE_BUDGET) return REJ_BUDGET;   /* likewise */
    errSet(r->detail, "%s", err);
    return REJ_UNAVAILABLE;
}

/* eventDone: log and count the outcome rc of one event. */
static void eventDone(ingestResult *r, rejectCode rc) {
    if (rc != REJ_OK && rc != REJ_UNAVAILABLE && rc != REJ_INTERNAL && logEnabled(LL_DEBUG))
        logKv(LL_DEBUG, "event rejected", "{s:s,s:s,s:s}", "reason", rejectName(rc), "id", r->id, "detail", r->detail);
    if (rc == REJ_UNAVAILABLE) logKv(LL_ERROR, "redis unavailable", "{s:s}", "detail", r->detail);
    finish(r, rc, "events_received_total");
}

/* markerTtl: how long the replay marker (status hash) of an event with time timeMs must
 * live, from nowMs: until no server could accept the event any more -- its time plus
 * WA_MAX_AGE, plus WA_MAX_SKEW for servers whose clocks run behind ours. 0 (kept for ever)
 * when WA_MAX_AGE is 0: no time window ever refuses a replay then. */
static long long markerTtl(const config *cfg, long long timeMs, long long nowMs) {
    if (cfg->maxAgeMs <= 0) return 0;
    long long ttl = timeMs + cfg->maxAgeMs + cfg->maxSkewMs - nowMs;
    return ttl > 1000 ? ttl : 1000;
}

int ingestEventCheck(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r, ingestPending *p) {
    memset(r, 0, sizeof *r);
    p->canon = NULL;
    eventLimits lim = {clockWallMs(), c->cfg->maxSkewMs, c->cfg->maxAgeMs, (size_t)c->cfg->maxBody};
    event ev;
    rejectCode rc = rejectOfEvent(eventParse(body, len, &lim, &ev, r->detail));
    if (rc != REJ_OK) { finish(r, rc, NULL); return 0; }
    snprintf(r->id, sizeof r->id, "%s", ev.id);
    snprintf(r->scid, sizeof r->scid, "%s", ev.scid);
    didInfo *di = malloc(sizeof *di);
    char err[ERR_MAX];
    size_t clen = 0;
    if (!di) { errSet(r->detail, "out of memory"); rc = REJ_INTERNAL; goto out; }
    /* The queued (and published) form is the JCS one: its size is what the DID's log
     * budget pays, and it is known before any signature work. */
    if (!(p->canon = jcsDump(ev.doc, &clen, err))) { errSet(r->detail, "%s", err); rc = REJ_INTERNAL; goto out; }
    if ((long long)clen > c->cfg->maxEvent) {
        rc = rejectSay(r->detail, REJ_TOO_LARGE, "event of %zu bytes (canonical JCS form) is above WA_MAX_EVENT (%lld)",
                       clen, c->cfg->maxEvent);
        goto out;
    }
    int found = c->reg->lookup(c->reg, q, ev.scid, di, err);
    if (found < 0) { errSet(r->detail, "%s", err); rc = REJ_UNAVAILABLE; goto out; }
    /* The registered DID string is canonical; requiring equality (not just the
     * SCID) means another host or spelling cannot borrow this DID's keys. */
    if (found == 0 || strcmp(di->did, ev.did)) {
        if (found) errSet(r->detail, "%.200s is not registered here (the DID with this SCID is %.200s)", ev.did, di->did);
        else errSet(r->detail, "%.200s is not registered here", ev.did);
        rc = REJ_UNKNOWN_DID;
        goto out;
    }
    if ((rc = rejectOfEvent(eventVerify(&ev, di->keys, di->nkeys, r->detail))) != REJ_OK) goto out;
    snprintf(p->did, sizeof p->did, "%s", ev.did);
    p->item = (queueItem){.stream = "events", .scid = r->scid, .id = r->id, .did = p->did, .payload = p->canon,
                          .len = clen, .ratePerMin = c->cfg->rateLimit, .budget = c->cfg->didBudget,
                          .cost = (long long)clen + (di->vbase > 0 ? di->vbase : BUDGET_VERSION_DEFAULT),
                          .ttlMs = markerTtl(c->cfg, ev.timeMs, lim.nowMs)};
out:
    free(di);
    eventFree(&ev);
    if (rc != REJ_OK) {
        free(p->canon);
        p->canon = NULL;
        eventDone(r, rc);
    }
    return rc == REJ_OK;
}

void ingestEventDone(const ingestCtx *c, ingestPending *p, const char *qerr, ingestResult *r) {
    rejectCode rc = enqueueCode(p->item.rc, r, "event", qerr ? qerr : "redis: no answer");
    if (rc == REJ_OK) snprintf(r->sid, sizeof r->sid, "%s", p->item.sid);
    if (rc == REJ_RATE_LIMITED) {
        r->retryAfter = p->item.retryAfter;
        errSet(r->detail, "more than %lld events for this DID in one minute; retry in %llds", c->cfg->rateLimit,
               r->retryAfter);
    }
    if (rc == REJ_BUDGET)
        errSet(r->detail, "the log of %.200s holds or has queued %lld bytes; with this event (about %lld more) it "
               "would exceed WA_DID_BUDGET (%lld)", p->did, p->item.used, p->item.cost, c->cfg->didBudget);
    free(p->canon);
    p->canon = NULL;
    eventDone(r, rc);
}

void ingestEvent(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r) {
    ingestPending p;
    char err[ERR_MAX] = "", tp[TRACEPARENT_MAX];
    span s;   /* tracing on: each event starts a trace, queued with it (trace.h) */
    spanStart(&s, "ingest", SPAN_PRODUCER, NULL);
    const span *was = traceSetCurrent(&s);
    if (ingestEventCheck(c, q, body, len, r, &p)) {
        traceparentFormat(&s.ctx, tp);
        p.item.traceparent = tp[0] ? tp : NULL;
        queueEnqueueMany(q, &p.item, 1, err);
        ingestEventDone(c, &p, err, r);
    }
    traceSetCurrent(was);
    spanAttrStr(&s, "wa.outcome", r->code == REJ_OK ? "queued" : rejectName(r->code));
    if (r->id[0]) spanAttrStr(&s, "wa.event.id", r->id);
    if (r->scid[0]) spanAttrStr(&s, "wa.scid", r->scid);
    if (r->code != REJ_OK) spanError(&s, rejectName(r->code));
    spanEnd(&s);
}

void ingestDid(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r) {
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "genesis");
    char did[DOC_DID_MAX], err[ERR_MAX];
    if ((size_t)c->cfg->maxBody < len) {
        errSet(r->detail, "body of %zu bytes is above the limit of %lld", len, c->cfg->maxBody);
        finish(r, REJ_TOO_LARGE, NULL);
        return;
    }
    rejectCode rc = c->genesisCheck ? c->genesisCheck(c->genesisCtx, body, len, r->scid, did, r->detail)
                                     : rejectSay(r->detail, REJ_INTERNAL, "no genesis log check is configured");
    if (rc != REJ_OK) { finish(r, rc, NULL); return; }
    size_t need = budgetGenesisMax(did, len, (size_t)c->cfg->batchMaxEvents);
    if ((long long)need > c->cfg->didBudget) {
        errSet(r->detail, "published, this genesis log would make the DID's files about %zu bytes, above WA_DID_BUDGET "
               "(%lld)", need, c->cfg->didBudget);
        finish(r, REJ_BUDGET, NULL);
        return;
    }
    didInfo *di = malloc(sizeof *di);
    if (!di) { errSet(r->detail, "out of memory"); finish(r, REJ_INTERNAL, NULL); return; }
    int found = c->reg->lookup(c->reg, q, r->scid, di, err);
    free(di);
    if (found < 0) { errSet(r->detail, "%s", err); finish(r, REJ_UNAVAILABLE, NULL); return; }
    if (found) { errSet(r->detail, "%.200s is already registered", did); finish(r, REJ_REPLAY, NULL); return; }
    int qr = queueEnqueue(q, "dids", r->scid, "genesis", did, body, len, 0, r->sid, &r->retryAfter, err);
    finish(r, enqueueCode(qr, r, "genesis log", err), "dids_registered_total");
}
