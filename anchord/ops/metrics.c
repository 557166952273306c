/* metrics.c -- Prometheus counters, gauges and a histogram behind one mutex. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/io/file.h"
#include "anchord/ops/metrics.h"

#define MAX_FAMILIES 32
#define MAX_SERIES   32     /* label values per family; bounded so bad input cannot grow it */
#define NBUCKETS     12

static const double buckets[NBUCKETS] = {0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};

typedef struct series {
    char value[48];         /* label value, "" when the family has no label */
    double v;
} series;

typedef struct family {
    char name[64], help[160], label[32];
    int type;
    series s[MAX_SERIES];
    int ns;
    double bucket[NBUCKETS], sum, count;   /* histograms (cumulative at render) */
} family;

static family fams[MAX_FAMILIES];
static int nfams;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static family *findLocked(const char *name) {
    for (int i = 0; i < nfams; i++) if (!strcmp(fams[i].name, name)) return &fams[i];
    return NULL;
}

int metricsRegister(const char *name, int type, const char *help, const char *label) {
    pthread_mutex_lock(&mu);
    int rc = 0;
    if (!findLocked(name)) {
        if (nfams == MAX_FAMILIES) rc = -1;
        else {
            family *f = &fams[nfams++];
            memset(f, 0, sizeof *f);
            snprintf(f->name, sizeof f->name, "%s", name);
            snprintf(f->help, sizeof f->help, "%s", help);
            snprintf(f->label, sizeof f->label, "%s", label ? label : "");
            f->type = type;
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void metricsInit(void) {
    metricsRegister("events_received_total", METRIC_COUNTER, "Events accepted and queued.", NULL);
    metricsRegister("events_rejected_total", METRIC_COUNTER, "Events refused, by reason.", "reason");
    metricsRegister("dids_registered_total", METRIC_COUNTER, "Genesis logs queued for anchoring.", NULL);
    metricsRegister("batches_anchored_total", METRIC_COUNTER, "Batches whose root is anchored and published.", NULL);
    metricsRegister("anchor_latency_seconds", METRIC_HISTOGRAM, "Time from anchor transaction sent to confirmed.", NULL);
    metricsRegister("queue_depth", METRIC_GAUGE, "Entries waiting in a Redis stream.", "stream");
    metricsRegister("s3_conflicts_total", METRIC_COUNTER, "Conditional writes refused (412/409) by the store.", NULL);
    metricsRegister("rpc_errors_total", METRIC_COUNTER, "Ethereum JSON-RPC errors, by kind.", "kind");
    metricsRegister("http_requests_total", METRIC_COUNTER, "Ingest API responses, by status code.", "code");
    metricsRegister("ingest_commit_rounds_total", METRIC_COUNTER, "Redis round trips of the ingest group commit.", NULL);
    metricsRegister("ingest_commit_events_total", METRIC_COUNTER, "Events sent in them (mean group = events / rounds).", NULL);
    metricsRegister("queue_oldest_age_seconds", METRIC_GAUGE, "Age of the oldest entry waiting in a Redis stream (0 = empty).", "stream");
    metricsRegister("batches_open", METRIC_GAUGE, "Unfinished batches in the journal.", NULL);
    metricsRegister("batch_oldest_open_age_seconds", METRIC_GAUGE, "Age of the oldest unfinished batch (0 = none).", NULL);
    metricsRegister("batches_failed_total", METRIC_COUNTER, "anchord run attempts that ended with the batch unfinished.", NULL);
    metricsRegister("batch_last_success_timestamp_seconds", METRIC_GAUGE, "When anchord run last finished a batch or found nothing to do.", NULL);
}

/* seriesLocked: the series for a label value, created on first use; when a
 * family is full, further values share the "other" series. */
static series *seriesLocked(family *f, const char *value) {
    if (!value || !f->label[0]) value = "";
    for (int i = 0; i < f->ns; i++) if (!strcmp(f->s[i].value, value)) return &f->s[i];
    if (f->ns >= MAX_SERIES - 1 && strcmp(value, "other")) return seriesLocked(f, "other");
    if (f->ns >= MAX_SERIES) return &f->s[MAX_SERIES - 1];
    series *s = &f->s[f->ns++];
    snprintf(s->value, sizeof s->value, "%s", value);
    s->v = 0;
    return s;
}

static void update(const char *name, const char *value, double v, int set) {
    pthread_mutex_lock(&mu);
    family *f = findLocked(name);
    if (f && f->type != METRIC_HISTOGRAM) {
        series *s = seriesLocked(f, value);
        if (set) s->v = v;
        else s->v += v;
    }
    pthread_mutex_unlock(&mu);
}

void metricsInc(const char *name, const char *labelValue, double by) { update(name, labelValue, by, 0); }
void metricsSet(const char *name, const char *labelValue, double v) { update(name, labelValue, v, 1); }

void metricsObserve(const char *name, double v) {
    pthread_mutex_lock(&mu);
    family *f = findLocked(name);
    if (f && f->type == METRIC_HISTOGRAM && !isnan(v)) {
        for (int i = 0; i < NBUCKETS; i++) if (v <= buckets[i]) { f->bucket[i]++; break; }
        f->sum += v;
        f->count++;
    }
    pthread_mutex_unlock(&mu);
}

double metricsGet(const char *name, const char *labelValue) {
    double v = 0;
    pthread_mutex_lock(&mu);
    family *f = findLocked(name);
    if (f && f->type == METRIC_HISTOGRAM) v = f->count;
    else if (f)
        for (int i = 0; i < f->ns; i++)
            if (!strcmp(f->s[i].value, labelValue && f->label[0] ? labelValue : "")) v = f->s[i].v;
    pthread_mutex_unlock(&mu);
    return v;
}

/* putLabelValue: label value with \\, \" and \n escaped (exposition format). */
static int putLabelValue(buf *out, const char *v) {
    for (; *v; v++) {
        int rc = *v == '\\' ? bufPuts(out, "\\\\") : *v == '"' ? bufPuts(out, "\\\"")
               : *v == '\n' ? bufPuts(out, "\\n") : bufPutc(out, *v);
        if (rc < 0) return -1;
    }
    return 0;
}

/* putNum: Prometheus float form (+Inf, integers without exponent). */
static int putNum(buf *out, double v) {
    if (isinf(v)) return bufPuts(out, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 1e15) return bufPrintf(out, "%.0f", v);
    return bufPrintf(out, "%.15g", v);
}

static int renderFamily(buf *out, const family *f) {
    static const char *const types[] = {"counter", "gauge", "histogram"};
    int rc = bufPrintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, types[f->type]);
    if (f->type == METRIC_HISTOGRAM) {
        double cum = 0;
        for (int i = 0; i < NBUCKETS && rc == 0; i++) {
            cum += f->bucket[i];
            rc |= bufPrintf(out, "%s_bucket{le=\"", f->name) | putNum(out, buckets[i]) |
                  bufPuts(out, "\"} ") | putNum(out, cum) | bufPutc(out, '\n');
        }
        rc |= bufPrintf(out, "%s_bucket{le=\"+Inf\"} ", f->name) | putNum(out, f->count) | bufPutc(out, '\n');
        rc |= bufPrintf(out, "%s_sum ", f->name) | putNum(out, f->sum) | bufPutc(out, '\n');
        rc |= bufPrintf(out, "%s_count ", f->name) | putNum(out, f->count) | bufPutc(out, '\n');
        return rc ? -1 : 0;
    }
    if (f->ns == 0 && !f->label[0]) return rc | bufPrintf(out, "%s 0\n", f->name);
    for (int i = 0; i < f->ns && rc == 0; i++) {
        rc |= bufPuts(out, f->name);
        if (f->label[0])
            rc |= bufPrintf(out, "{%s=\"", f->label) | putLabelValue(out, f->s[i].value) | bufPuts(out, "\"}");
        rc |= bufPutc(out, ' ') | putNum(out, f->s[i].v) | bufPutc(out, '\n');
    }
    return rc ? -1 : 0;
}

int metricsRender(buf *out) {
    int rc = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nfams && rc == 0; i++) rc = renderFamily(out, &fams[i]);
    pthread_mutex_unlock(&mu);
    return rc;
}

int metricsWriteTextfile(const char *path, char *err) {
    buf b = BUF_INIT;
    if (metricsRender(&b) < 0) { bufFree(&b); return errSet(err, "metrics: out of memory"); }
    int rc = fileWrite(path, b.p, b.len, 0644, err);
    bufFree(&b);
    return rc;
}
