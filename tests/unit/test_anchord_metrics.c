/* test_anchord_metrics.c -- Prometheus text exposition (format 0.0.4) and JSON log lines. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "t.h"
#include "core/err.h"
#include "core/io/file.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"

int main(void) {
    metricsInit();
    metricsInit();   /* idempotent */
    metricsInc("events_received_total", NULL, 1);
    metricsInc("events_received_total", NULL, 2);
    metricsInc("events_rejected_total", "bad_signature", 1);
    metricsInc("events_rejected_total", "we\"ird\\\n", 1);
    metricsSet("queue_depth", "events", 42);
    metricsObserve("anchor_latency_seconds", 0.05);
    metricsObserve("anchor_latency_seconds", 12);
    metricsObserve("anchor_latency_seconds", 99999);
    buf b = BUF_INIT;
    T_CHECK(metricsRender(&b) == 0, "render");
    const char *t = (const char *)b.p;
    T_CHECK(strstr(t, "# TYPE events_received_total counter\nevents_received_total 3\n"), "counter");
    T_CHECK(strstr(t, "events_rejected_total{reason=\"bad_signature\"} 1\n"), "labelled counter");
    T_CHECK(strstr(t, "events_rejected_total{reason=\"we\\\"ird\\\\\\n\"} 1\n"), "label escaping");
    T_CHECK(strstr(t, "# TYPE queue_depth gauge\nqueue_depth{stream=\"events\"} 42\n"), "gauge");
    T_CHECK(strstr(t, "anchor_latency_seconds_bucket{le=\"0.1\"} 1\n"), "bucket 0.1");
    T_CHECK(strstr(t, "anchor_latency_seconds_bucket{le=\"15\"} 2\n"), "bucket cumulative");
    T_CHECK(strstr(t, "anchor_latency_seconds_bucket{le=\"3600\"} 2\n"), "bucket top");
    T_CHECK(strstr(t, "anchor_latency_seconds_bucket{le=\"+Inf\"} 3\n"), "+Inf");
    T_CHECK(strstr(t, "anchor_latency_seconds_count 3\n"), "count");
    T_CHECK(strstr(t, "batches_anchored_total 0\n"), "zero counter still exposed");
    T_CHECK(metricsGet("events_received_total", NULL) == 3, "get");
    /* label cardinality is bounded */
    for (int i = 0; i < 100; i++) {
        char v[16];
        snprintf(v, sizeof v, "r%d", i);
        metricsInc("events_rejected_total", v, 1);
    }
    bufReset(&b);
    metricsRender(&b);
    T_CHECK(strstr((char *)b.p, "reason=\"other\"") && !strstr((char *)b.p, "reason=\"r99\""), "bounded labels");
    char path[] = "/tmp/wa-metrics.XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char err[ERR_MAX];
    buf rd = BUF_INIT;
    T_CHECK(metricsWriteTextfile(path, err) == 0 && fileRead(path, 1 << 20, &rd, err) == 0 &&
            rd.len == b.len, "textfile");
    unlink(path);
    bufFree(&rd);
    bufFree(&b);

    /* logs: one JSON object per line, level filter, escaping */
    char lp[] = "/tmp/wa-log.XXXXXX";
    int lfd = mkstemp(lp);
    logSetFd(lfd);
    logSetLevel(LL_INFO);
    logKv(LL_DEBUG, "hidden", NULL);
    logKv(LL_INFO, "batch claimed", "{s:s,s:I,s:f}", "batch", "b\"1\n", "events", (json_int_t)12, "seconds", 1.5);
    logKv(LL_WARN, "bad fmt", "{s:", "x");
    close(lfd);
    logSetFd(2);
    char *all = t_slurp(lp, NULL);
    unlink(lp);
    T_CHECK(all && !strstr(all, "hidden"), "level filter");
    char *nl = all ? strchr(all, '\n') : NULL;
    json_error_t je;
    json_t *o = nl ? json_loadb(all, (size_t)(nl - all), 0, &je) : NULL;
    T_CHECK(o && !strcmp(json_string_value(json_object_get(o, "msg")), "batch claimed") &&
            json_integer_value(json_object_get(o, "events")) == 12 &&
            !strcmp(json_string_value(json_object_get(o, "batch")), "b\"1\n") &&
            !strcmp(json_string_value(json_object_get(o, "level")), "info") &&
            strlen(json_string_value(json_object_get(o, "ts"))) == 24, "log line fields");
    T_CHECK(nl && strstr(nl + 1, "logError") && strstr(nl + 1, "\"bad fmt\""), "bad format still logged");
    json_decref(o);
    free(all);
    return T_DONE();
}
