/* ingest.h -- the one path every event and genesis log takes into the queue,
 * shared by `anchord serve` (HTTP) and `anchord submit` (JSONL files):
 * size -> JSON -> schema -> DID registry -> signature -> rate/replay + XADD.
 * Nothing is written to Redis unless every check passes. */
#ifndef WA_INGEST_H
#define WA_INGEST_H
#include <stddef.h>
#include "core/err.h"
#include "anchord/config/config.h"
#include "anchord/queue/didreg.h"
#include "verifier/event/event.h"
#include "anchord/queue/queue.h"
#include "anchord/ingest/reject.h"

/* genesisCheckFn: verify a genesis did.jsonl (its entries and proofs, signed
 * by the publisher's update key) and report its SCID and DID.
 * REJ_OK or REJ_INVALID / REJ_BAD_SIGNATURE + detail. */
typedef rejectCode (*genesisCheckFn)(void *ctx, const char *log, size_t len, char scid[WEBVH_SCID_LEN + 1],
                                     char did[DOC_DID_MAX], char *detail);

typedef struct ingestCtx {
    const config *cfg;
    const didRegistry *reg;          /* assertion keys per DID */
    genesisCheckFn genesisCheck;     /* POST /dids, submit --dids (genesis.h genesisCheck); NULL: refused */
    void *genesisCtx;
} ingestCtx;

typedef struct ingestResult {
    rejectCode code;
    char detail[ERR_MAX];
    char id[EVENT_ID_MAX + 1];       /* event id ("genesis" for logs), when known */
    char scid[WEBVH_SCID_LEN + 1];
    char sid[QUEUE_SID_MAX];         /* stream id when queued */
    long long retryAfter;            /* seconds, for REJ_RATE_LIMITED */
} ingestResult;

/* ingestEvent: check one event and queue it. Result in r (REJ_OK = queued).
 * Updates events_received_total / events_rejected_total{reason}. With tracing on
 * (trace.h) each event starts a trace (span "ingest") queued with it (`anchord submit`;
 * serve uses the two halves below and continues the request's traceparent). */
void ingestEvent(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r);

/* ingestPending: an event that passed every check but Redis' (replay, rate, XADD). */
typedef struct ingestPending {
    queueItem item;                  /* what to enqueue; points into this struct */
    char *canon;                     /* the JCS body queued (owned) */
    char did[DOC_DID_MAX];
} ingestPending;

/* ingestEventCheck / ingestEventDone: ingestEvent in two halves, so that the
 * enqueues of many requests can share one Redis round trip (queueEnqueueMany).
 * Check: 1 = p is ready to enqueue (r->id/scid set; p->item points into r and p),
 * 0 = refused and finished (r says why). Done: r from p->item's answer, or from
 * qerr when it has none (rc -1); frees p's buffers. */
int ingestEventCheck(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r, ingestPending *p);
void ingestEventDone(const ingestCtx *c, ingestPending *p, const char *qerr, ingestResult *r);

/* ingestDid: check a genesis log with c->genesisCheck and queue it on the "dids"
 * stream; a SCID already registered or queued is REJ_REPLAY; without a check every
 * log is refused (REJ_INTERNAL). */
void ingestDid(const ingestCtx *c, queue *q, const char *body, size_t len, ingestResult *r);

#endif
