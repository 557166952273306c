/* btrace.h -- the traces of one batch of `anchord run` (docs/tracing.md).
 *
 * A batch serves events of many traces, so it is a trace of its own: a root span "batch"
 * with children claim, build, stage, anchor, confirm, publish and ack, and span links to
 * the ingest spans of its events (their W3C context, queued with each event: stream field
 * "tp"). And in each event's own trace, a span "event" (child of its ingest span, linked
 * to the batch span) that ends when the event is published -- or dead-lettered, or
 * re-queued -- with its version id and the anchoring transaction: one event is followed
 * from its POST to the anchored file within its trace, the batch's work in the linked one.
 * Everything here does nothing while tracing is off (trace.h). */
#ifndef WA_BTRACE_H
#define WA_BTRACE_H
#include "anchord/ops/trace.h"
#include "anchord/pipeline/batch.h"

/* btraceLinks: link s to the ingest span of every claimed event of b that has one (at
 * most SPAN_LINKS_MAX); set the batch's attributes. */
void btraceLinks(span *s, const batch *b);

/* btraceEvents: one span "event" per event of b with a trace context, each in its own
 * trace, started when bs started and linked to bs; the outcome per event: published
 * (version id, tx hash), rejected (dead letter, with the reason) or re-queued. */
void btraceEvents(const batch *b, const span *bs);

#endif
