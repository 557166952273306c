/* trace.h -- OpenTelemetry traces: W3C trace context, spans, and an OTLP/HTTP JSON
 * exporter on a background thread (docs/tracing.md).
 *
 * Off by default: traceInit turns it on only when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (and OTEL_SDK_DISABLED is not "true",
 * OTEL_TRACES_EXPORTER not "none"). While off, spanStart gives an empty span (no ids, no
 * cost) and every other call on it does nothing.
 *
 * Ended spans go to a bounded queue (OTEL_BSP_MAX_QUEUE_SIZE); one thread sends them in
 * batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, every OTEL_BSP_SCHEDULE_DELAY ms) with the one
 * HTTP client (core/io/http). spanEnd never blocks and never fails: a full queue or a
 * collector that refuses or does not answer costs counted drops
 * (otel_spans_dropped_total{reason="queue_full"|"export_failed"}), sent spans count in
 * otel_spans_exported_total. Thread-safe; a span is used by one thread at a time. */
#ifndef WA_TRACE_H
#define WA_TRACE_H
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"

#define TRACE_ID_HEX    33    /* 32 lowercase hex digits + NUL */
#define SPAN_ID_HEX     17    /* 16 + NUL */
#define TRACEPARENT_MAX 56    /* "00-<32>-<16>-<2>" + NUL */
#define SPAN_LINKS_MAX  128   /* links one span keeps (the SDK default); more are dropped */

/* traceCtx: a W3C trace context; traceId "" = none. */
typedef struct traceCtx {
    char traceId[TRACE_ID_HEX];
    char spanId[SPAN_ID_HEX];
    int sampled;                     /* trace-flags bit 0 */
} traceCtx;

/* traceparentParse: a W3C `traceparent` header value (version 00 exactly 55 characters;
 * a later version at least that, its extra fields after a '-' ignored; version ff, upper
 * case hex, all-zero ids refused). 0 / -1 (out emptied). */
int traceparentParse(const char *s, traceCtx *out);
/* traceparentFormat: "00-<trace-id>-<span-id>-<flags>", "" when c has no trace. */
void traceparentFormat(const traceCtx *c, char out[TRACEPARENT_MAX]);

enum { SPAN_INTERNAL = 1, SPAN_SERVER = 2, SPAN_CLIENT = 3, SPAN_PRODUCER = 4, SPAN_CONSUMER = 5 };

typedef struct span {
    traceCtx ctx;                    /* this span's context (empty while tracing is off) */
    char parent[SPAN_ID_HEX];        /* parent span id, "" for a root */
    int recording;                   /* sampled and tracing on: attributes are kept, spanEnd exports */
    int kind;
    char name[64];
    int64_t startNs, startMono;      /* wall ns at start; monotonic ns for the duration */
    json_t *attrs, *links;           /* OTLP JSON arrays (recording only) */
    int error;
    char message[160];
} span;

/* traceInit: read the OTEL_* environment and, when an endpoint is set, start the export
 * thread; service is the default service.name (OTEL_SERVICE_NAME wins). Registers the
 * otel_* metrics. 0 (on or off), -1 + err naming the setting when one is malformed. */
int traceInit(const char *service, char *err);
/* traceOn: whether traceInit turned tracing on. */
int traceOn(void);
/* traceFlush: wait up to ms for the queue to be sent (or dropped). 0 empty, -1 not yet. */
int traceFlush(int64_t ms);
/* traceShutdown: flush (at most one export timeout), drop what is left (counted:
 * shutdown), stop the thread (after the export in flight: at most another timeout). */
void traceShutdown(void);

/* spanStart: a span named name; parent NULL or empty starts a new trace (the sampler
 * decides), otherwise a child in parent's trace (parentbased samplers follow its flag). */
void spanStart(span *s, const char *name, int kind, const traceCtx *parent);
/* spanStartFrom: s's start time is from's (a span made afterwards for work that began then). */
void spanStartFrom(span *s, const span *from);
void spanAttrStr(span *s, const char *key, const char *v);
void spanAttrInt(span *s, const char *key, long long v);
/* spanLink: a link to another span (e.g. a batch to the events it serves). */
void spanLink(span *s, const traceCtx *to);
/* spanError: status ERROR with a message (no secrets). */
void spanError(span *s, const char *message);
/* spanDiscard: forget s unsent (nothing happened worth a span). */
void spanDiscard(span *s);
/* spanEnd: end s and queue it for export; s is empty afterwards (ending twice is fine). */
void spanEnd(span *s);

/* traceSetCurrent: the span this thread's log lines name (trace_id, span_id); NULL none.
 * Returns the previous one. traceCurrent: this thread's (NULL or a span without ids). */
const span *traceSetCurrent(const span *s);
const span *traceCurrent(void);

#endif
