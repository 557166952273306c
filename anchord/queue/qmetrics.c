/* qmetrics.c -- queue depth, oldest entry age and open batches as gauges. */
#include "anchord/ops/metrics.h"
#include "anchord/queue/qmetrics.h"

static const char *const streams[] = {"events", "dids", "dead"};
#define NSTREAMS (sizeof streams / sizeof *streams)

/* ageSeconds: seconds since ms (0 when ms is 0 = nothing waiting). */
static double ageSeconds(long long nowMs, long long ms) {
    return ms > 0 && nowMs > ms ? (double)(nowMs - ms) / 1000.0 : 0;
}

int qmetricsUpdate(queue *q, long long nowMs, char *err) {
    long long depth[NSTREAMS] = {0}, oldest[NSTREAMS] = {0}, open = 0, openOldest = 0;
    for (int sh = 0; sh < queueShards(q); sh++) {
        for (size_t i = 0; i < NSTREAMS; i++) {
            long long d = queueDepth(q, sh, streams[i], err), o = d > 0 ? queueOldestMs(q, sh, streams[i], err) : 0;
            if (d < 0 || o < 0) return -1;
            depth[i] += d;
            if (o && (!oldest[i] || o < oldest[i])) oldest[i] = o;
        }
        long long n, o;
        if (journalOpenStats(q, sh, &n, &o, err) < 0) return -1;
        open += n;
        if (o && (!openOldest || o < openOldest)) openOldest = o;
    }
    for (size_t i = 0; i < NSTREAMS; i++) {
        metricsSet("queue_depth", streams[i], (double)depth[i]);
        metricsSet("queue_oldest_age_seconds", streams[i], ageSeconds(nowMs, oldest[i]));
    }
    metricsSet("batches_open", NULL, (double)open);
    metricsSet("batch_oldest_open_age_seconds", NULL, ageSeconds(nowMs, openOldest));
    return 0;
}
