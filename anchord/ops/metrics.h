/* metrics.h -- a small thread-safe Prometheus registry: counters and gauges
 * with at most one label, one histogram type, text exposition format 0.0.4.
 *
 * The families anchord uses are registered by metricsInit (names from the
 * rollout plan): events_received_total, events_rejected_total{reason},
 * dids_registered_total, batches_anchored_total, anchor_latency_seconds
 * (histogram), queue_depth{stream}, s3_conflicts_total, rpc_errors_total{kind},
 * http_requests_total{code}, ingest_commit_rounds_total, ingest_commit_events_total
 * (anchord/ingest/commit.c), queue_oldest_age_seconds{stream}, batches_open,
 * batch_oldest_open_age_seconds (anchord/queue/qmetrics.c, read from Redis at scrape
 * time), batches_failed_total and batch_last_success_timestamp_seconds (set by
 * anchord run, written to its textfile). s3_conflicts_total is counted by the
 * store (once per conditional write that lost; not the start-up probe's deliberate
 * ones) and rpc_errors_total{kind} (transport, http, malformed, node,
 * unreachable) by the RPC client, so callers never count them again. */
#ifndef WA_METRICS_H
#define WA_METRICS_H
#include "core/buf.h"

enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* metricsInit: register the standard families (idempotent). */
void metricsInit(void);

/* metricsRegister: add a family; label names its one label (NULL = none).
 * Histograms use the default buckets (seconds: 0.1 .. 3600). 0 / -1 if full. */
int metricsRegister(const char *name, int type, const char *help, const char *label);

/* metricsInc / metricsSet: add to a counter / set a gauge for one label value
 * (NULL when the family has no label). Unknown names are ignored. */
void metricsInc(const char *name, const char *labelValue, double by);
void metricsSet(const char *name, const char *labelValue, double v);
/* metricsObserve: one histogram sample. */
void metricsObserve(const char *name, double v);
/* metricsGet: current value of a counter/gauge series (0 if none); tests. */
double metricsGet(const char *name, const char *labelValue);

/* metricsRender: the text exposition format into out. 0 / -1. */
int metricsRender(buf *out);
/* metricsWriteTextfile: render and write atomically (node-exporter textfile
 * collector reads *.prom files; a half-written file is never seen). */
int metricsWriteTextfile(const char *path, char *err);

#endif
