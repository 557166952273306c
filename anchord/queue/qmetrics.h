/* qmetrics.h -- the queue's state as Prometheus gauges, read from Redis at scrape time.
 *
 * Sets queue_depth{stream}, queue_oldest_age_seconds{stream} (events, dids, dead),
 * batches_open and batch_oldest_open_age_seconds, summed / maxed over all shards.
 * Computed from Redis, not from process memory, so any stateless `anchord serve`
 * shows the whole system, and the alerts in docs/alerts.yml need nothing from the
 * short-lived `anchord run` processes. */
#ifndef WA_QMETRICS_H
#define WA_QMETRICS_H
#include "anchord/queue/queue.h"

/* qmetricsUpdate: read the numbers and set the gauges; on a Redis error the
 * previous values stay and -1 + err is returned. */
int qmetricsUpdate(queue *q, long long nowMs, char *err);

#endif
