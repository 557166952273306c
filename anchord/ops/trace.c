/* trace.c -- W3C trace context, spans and the OTLP/HTTP JSON exporter (trace.h). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include "core/version.h"
#include "core/io/clock.h"
#include "core/io/http.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"

#define HEADERS_MAX 16

enum { SAMPLE_ON, SAMPLE_OFF, SAMPLE_RATIO };

/* The exporter: settings read once by traceInit, then the queue shared with the thread. */
static struct {
    int on;
    int root, parentBased;           /* SAMPLE_* for roots; 1: children follow the parent's flag */
    double ratio;
    char url[1024];
    char *headers[HEADERS_MAX + 2];  /* "Name: value" lines + Content-Type, NULL-terminated */
    json_t *resource;                /* OTLP resource object */
    long timeoutMs, delayMs;
    size_t maxQueue, maxBatch;
    pthread_mutex_t mu;
    pthread_cond_t cv, idle;
    json_t **q;                      /* ended spans, FIFO ring */
    size_t head, n;
    int busy;                        /* the thread holds spans it took */
    int stopping;
    pthread_t th;
} ex = {.mu = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local const span *current;

/* ---- trace context ---- */

static int lowerHex(const char *s, size_t n) {
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return 0;
        nonzero |= s[i] != '0';
    }
    return nonzero ? 1 : -1;   /* -1: all zeros */
}

int traceparentParse(const char *s, traceCtx *out) {
    memset(out, 0, sizeof *out);
    if (!s) return -1;
    size_t n = strlen(s);
    if (n < 55 || lowerHex(s, 2) == 0 || !strncmp(s, "ff", 2) || s[2] != '-' || s[35] != '-' || s[52] != '-')
        return -1;
    if (!strncmp(s, "00", 2) ? n != 55 : (n > 55 && s[55] != '-')) return -1;
    if (lowerHex(s + 3, 32) != 1 || lowerHex(s + 36, 16) != 1 || lowerHex(s + 53, 2) == 0) return -1;
    memcpy(out->traceId, s + 3, 32);
    memcpy(out->spanId, s + 36, 16);
    unsigned flags = 0;
    sscanf(s + 53, "%2x", &flags);
    out->sampled = flags & 1;
    return 0;
}

void traceparentFormat(const traceCtx *c, char out[TRACEPARENT_MAX]) {
    if (!c || !c->traceId[0]) { out[0] = 0; return; }
    snprintf(out, TRACEPARENT_MAX, "00-%s-%s-%02x", c->traceId, c->spanId, c->sampled ? 1 : 0);
}

/* randomHex: n random bytes as 2n hex digits, never all zero. */
static void randomHex(char *out, size_t n) {
    uint8_t b[16] = {0};
    do {
        if (getrandom(b, n, 0) != (ssize_t)n) for (size_t i = 0; i < n; i++) b[i] = (uint8_t)rand();
    } while (!memcmp(b, (uint8_t[16]){0}, n));
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* ratioSampled: the trace id's last 16 hex digits as a number below ratio * 2^64. */
static int ratioSampled(const char *traceId, double ratio) {
    if (ratio >= 1) return 1;
    if (ratio <= 0) return 0;
    unsigned long long v = strtoull(traceId + 16, NULL, 16);
    return (double)v < ratio * 18446744073709551616.0;
}

/* ---- spans ---- */

void spanStart(span *s, const char *name, int kind, const traceCtx *parent) {
    memset(s, 0, sizeof *s);
    if (!ex.on) return;
    int child = parent && parent->traceId[0];
    if (child) {
        s->ctx = *parent;
        snprintf(s->parent, sizeof s->parent, "%s", parent->spanId);
    } else randomHex(s->ctx.traceId, 16);
    randomHex(s->ctx.spanId, 8);
    int mode = child && ex.parentBased ? -1 : ex.root;
    s->ctx.sampled = mode == -1 ? parent->sampled : mode == SAMPLE_ON ? 1 : mode == SAMPLE_OFF ? 0
                     : ratioSampled(s->ctx.traceId, ex.ratio);
    if (!s->ctx.sampled) return;
    s->recording = 1;
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->startNs = clockWallMs() * 1000000;
    s->startMono = clockMonoNs();
    s->attrs = json_array();
    s->links = json_array();
}

void spanStartFrom(span *s, const span *from) {
    if (!s->recording || !from->startNs) return;
    s->startNs = from->startNs;
    s->startMono = from->startMono;
}

void spanDiscard(span *s) {
    if (current == s) current = NULL;
    json_decref(s->attrs);
    json_decref(s->links);
    memset(s, 0, sizeof *s);
}

static void attr(json_t *arr, const char *key, json_t *value) {
    json_array_append_new(arr, json_pack("{s:s,s:o}", "key", key, "value", value));
}

void spanAttrStr(span *s, const char *key, const char *v) {
    if (s->recording && v) attr(s->attrs, key, json_pack("{s:s}", "stringValue", v));
}

void spanAttrInt(span *s, const char *key, long long v) {
    char n[24];
    snprintf(n, sizeof n, "%lld", v);   /* OTLP JSON: 64-bit integers as decimal strings */
    if (s->recording) attr(s->attrs, key, json_pack("{s:s}", "intValue", n));
}

void spanLink(span *s, const traceCtx *to) {
    if (!s->recording || !to || !to->traceId[0] || json_array_size(s->links) >= SPAN_LINKS_MAX) return;
    json_array_append_new(s->links, json_pack("{s:s,s:s}", "traceId", to->traceId, "spanId", to->spanId));
}

void spanError(span *s, const char *message) {
    if (!s->recording) return;
    s->error = 1;
    snprintf(s->message, sizeof s->message, "%s", message ? message : "");
}

/* enqueue: hand one OTLP span object to the thread, or drop it when the queue is full. */
static void enqueue(json_t *o) {
    pthread_mutex_lock(&ex.mu);
    if (ex.n == ex.maxQueue || ex.stopping) {
        pthread_mutex_unlock(&ex.mu);
        json_decref(o);
        metricsInc("otel_spans_dropped_total", "queue_full", 1);
        return;
    }
    ex.q[(ex.head + ex.n++) % ex.maxQueue] = o;
    if (ex.n >= ex.maxBatch) pthread_cond_signal(&ex.cv);
    pthread_mutex_unlock(&ex.mu);
}

void spanEnd(span *s) {
    if (current == s) current = NULL;
    if (!s->recording) { memset(s, 0, sizeof *s); return; }
    char st[24], en[24];
    snprintf(st, sizeof st, "%lld", (long long)s->startNs);
    snprintf(en, sizeof en, "%lld", (long long)(s->startNs + (clockMonoNs() - s->startMono)));
    json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:o,s:o}", "traceId", s->ctx.traceId, "spanId", s->ctx.spanId,
                          "name", s->name, "kind", s->kind, "startTimeUnixNano", st, "endTimeUnixNano", en,
                          "attributes", s->attrs, "links", s->links);
    s->attrs = s->links = NULL;
    if (o && s->parent[0]) json_object_set_new(o, "parentSpanId", json_string(s->parent));
    if (o && s->error) json_object_set_new(o, "status", json_pack("{s:i,s:s}", "code", 2, "message", s->message));
    memset(s, 0, sizeof *s);
    if (o) enqueue(o);
}

const span *traceSetCurrent(const span *s) {
    const span *prev = current;
    current = s;
    return prev;
}

const span *traceCurrent(void) { return current; }

/* ---- export thread ---- */

#define FAIL_LOG_MS 60000   /* a collector that stays down: one warn line a minute, not one an export */

/* post: one ExportTraceServiceRequest of spans[0..n) (taken: freed here). */
static void post(httpClient *c, json_t **spans, size_t n) {
    static int64_t lastFailLog;      /* the export thread's: 0 after a success */
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, spans[i]);
    json_t *req = json_pack("{s:[{s:O,s:[{s:{s:s,s:s},s:o}]}]}", "resourceSpans", "resource", ex.resource,
                            "scopeSpans", "scope", "name", "anchord", "version", waVersion(), "spans", arr);
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    httpReq r = {.method = "POST", .url = ex.url, .headers = (const char *const *)ex.headers, .data = body,
                 .len = body ? strlen(body) : 0, .maxBody = 65536, .discardBody = 1, .timeoutMs = ex.timeoutMs,
                 .connectTimeoutMs = ex.timeoutMs, .allowHttp = 1, .noExpect = 1, .userAgent = "anchord-otlp"};
    char err[ERR_MAX];
    int ok = body && httpDo(c, &r, err) == 0 && r.rc == HTTP_OK && r.status >= 200 && r.status < 300;
    if (ok) {
        metricsInc("otel_spans_exported_total", NULL, (double)n);
        lastFailLog = 0;
    } else {
        metricsInc("otel_spans_dropped_total", "export_failed", (double)n);
        if (!lastFailLog || clockMonoMs() - lastFailLog >= FAIL_LOG_MS) {
            lastFailLog = clockMonoMs();
            /* no trace ids on this line: the export thread has no current span */
            logKv(LL_WARN, "trace export failed; spans dropped", "{s:I,s:I,s:s}", "spans", (json_int_t)n, "status",
                  (json_int_t)r.status, "detail", body ? (r.rc == HTTP_OK ? "collector refused" : r.err) : "out of memory");
        }
    }
    httpReqFree(&r);
    free(body);
}

static void *exportRun(void *arg) {
    (void)arg;
    char err[ERR_MAX];
    httpClient *c = httpClientNew(1, err);
    json_t **batch = malloc(ex.maxBatch * sizeof *batch);
    pthread_mutex_lock(&ex.mu);
    for (;;) {
        if (ex.n < ex.maxBatch && !ex.stopping) clockCondWaitMs(&ex.cv, &ex.mu, ex.delayMs);
        size_t n = 0;
        while (ex.n && n < ex.maxBatch) {
            batch[n++] = ex.q[ex.head];
            ex.head = (ex.head + 1) % ex.maxQueue;
            ex.n--;
        }
        if (!n) {
            pthread_cond_broadcast(&ex.idle);
            if (ex.stopping) break;
            continue;
        }
        ex.busy = 1;
        pthread_mutex_unlock(&ex.mu);
        if (c && batch) post(c, batch, n);
        else {
            for (size_t i = 0; i < n; i++) json_decref(batch[i]);
            metricsInc("otel_spans_dropped_total", "export_failed", (double)n);
        }
        pthread_mutex_lock(&ex.mu);
        ex.busy = 0;
        if (!ex.n) pthread_cond_broadcast(&ex.idle);
    }
    pthread_mutex_unlock(&ex.mu);
    free(batch);
    httpClientFree(c);
    return NULL;
}

int traceFlush(int64_t ms) {
    if (!ex.on) return 0;
    int64_t end = clockMonoMs() + ms;
    pthread_mutex_lock(&ex.mu);
    pthread_cond_signal(&ex.cv);
    while ((ex.n || ex.busy) && clockMonoMs() < end) {
        pthread_cond_signal(&ex.cv);
        clockCondWaitMs(&ex.idle, &ex.mu, end - clockMonoMs());
    }
    int rc = ex.n || ex.busy ? -1 : 0;
    pthread_mutex_unlock(&ex.mu);
    return rc;
}

void traceShutdown(void) {
    if (!ex.on) return;
    traceFlush(ex.timeoutMs);
    pthread_mutex_lock(&ex.mu);
    ex.stopping = 1;
    size_t left = ex.n;   /* not sent within the flush: counted, not waited for */
    while (ex.n) { json_decref(ex.q[ex.head]); ex.head = (ex.head + 1) % ex.maxQueue; ex.n--; }
    pthread_cond_signal(&ex.cv);
    pthread_mutex_unlock(&ex.mu);
    if (left) metricsInc("otel_spans_dropped_total", "shutdown", (double)left);
    pthread_join(ex.th, NULL);
    ex.on = 0;
}

/* ---- settings ---- */

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* envLong: a whole number setting in [lo, hi], def when unset. */
static int envLong(const char *name, long def, long lo, long hi, long *out, char *err) {
    const char *v = env(name);
    *out = def;
    if (!v) return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi) return errSet(err, "%s: %.40s is not a number in %ld..%ld", name, v, lo, hi);
    *out = x;
    return 0;
}

/* pctDecode: %XX escapes of s (W3C baggage octets) in place. 0 / -1 on a bad escape. */
static int pctDecode(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '%') { *w++ = *r; continue; }
        unsigned x;
        if (!isxdigit((unsigned char)r[1]) || !isxdigit((unsigned char)r[2]) || sscanf(r + 1, "%2x", &x) != 1) return -1;
        *w++ = (char)x;
        r += 2;
    }
    *w = 0;
    return 0;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    for (size_t n = strlen(s); n && isspace((unsigned char)s[n - 1]);) s[--n] = 0;
    return s;
}

/* kvList: "k=v,k2=v2" (values percent-decoded) -> fn(k, v) for each. 0 / -1 + err. */
static int kvList(const char *name, const char *list, int (*fn)(const char *k, const char *v, char *err), char *err) {
    char *copy = strdup(list), *save = NULL;
    if (!copy) return errSet(err, "out of memory");
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq) { rc = errSet(err, "%s: \"%.40s\" is not key=value", name, t); break; }
        *eq = 0;
        char *k = trim(t), *v = trim(eq + 1);
        if (!*k || pctDecode(v) < 0 || strpbrk(v, "\r\n") || strpbrk(k, "\r\n: "))
            rc = errSet(err, "%s: bad entry \"%.40s\"", name, k);
        else rc = fn(k, v, err);
    }
    free(copy);
    return rc;
}

static int addHeader(const char *k, const char *v, char *err) {
    size_t n = 0;
    while (ex.headers[n]) n++;
    if (n >= HEADERS_MAX) return errSet(err, "OTEL_EXPORTER_OTLP_HEADERS: more than %d headers", HEADERS_MAX - 1);
    size_t len = strlen(k) + strlen(v) + 3;
    if (!(ex.headers[n] = malloc(len))) return errSet(err, "out of memory");
    snprintf(ex.headers[n], len, "%s: %s", k, v);
    return 0;
}

static int addResource(const char *k, const char *v, char *err) {
    (void)err;
    json_t *a = json_object_get(ex.resource, "attributes");
    for (size_t i = 0; i < json_array_size(a); i++)   /* a later value of a key wins */
        if (!strcmp(json_string_value(json_object_get(json_array_get(a, i), "key")), k)) json_array_remove(a, i--);
    attr(a, k, json_pack("{s:s}", "stringValue", v));
    return 0;
}

/* sampler: OTEL_TRACES_SAMPLER (default parentbased_always_on) and its _ARG. */
static int sampler(char *err) {
    const char *s = env("OTEL_TRACES_SAMPLER") ? env("OTEL_TRACES_SAMPLER") : "parentbased_always_on";
    const char *base = !strncmp(s, "parentbased_", 12) ? s + 12 : s;
    ex.parentBased = base != s;
    if (!strcmp(base, "always_on")) ex.root = SAMPLE_ON;
    else if (!strcmp(base, "always_off")) ex.root = SAMPLE_OFF;
    else if (!strcmp(base, "traceidratio")) ex.root = SAMPLE_RATIO;
    else return errSet(err, "OTEL_TRACES_SAMPLER: %.40s is not always_on, always_off, traceidratio or their "
                            "parentbased_ forms", s);
    ex.ratio = 1;
    const char *a = env("OTEL_TRACES_SAMPLER_ARG");
    if (ex.root == SAMPLE_RATIO && a) {
        char *end;
        ex.ratio = strtod(a, &end);
        if (*end || end == a || !(ex.ratio >= 0 && ex.ratio <= 1))
            return errSet(err, "OTEL_TRACES_SAMPLER_ARG: %.40s is not a number in 0..1", a);
    }
    return 0;
}

/* endpoint: the traces URL (the per-signal one as is, the general one + /v1/traces). */
static int endpoint(char *err) {
    const char *t = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), *g = env("OTEL_EXPORTER_OTLP_ENDPOINT");
    const char *name = t ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT", *u = t ? t : g;
    if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
        return errSet(err, "%s: %.80s is not an http:// or https:// URL", name, u);
    size_t n = strlen(u);
    int slash = n && u[n - 1] == '/';
    if (snprintf(ex.url, sizeof ex.url, "%.*s%s", (int)(n - (slash && !t)), u, t ? "" : "/v1/traces") >= (int)sizeof ex.url)
        return errSet(err, "%s: too long", name);
    return 0;
}

static int settings(const char *service, char *err) {
    const char *proto = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ? env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                                                                   : env("OTEL_EXPORTER_OTLP_PROTOCOL");
    if (proto && strcmp(proto, "http/json"))
        return errSet(err, "OTEL_EXPORTER_OTLP_PROTOCOL: %.40s is not supported (anchord sends http/json)", proto);
    long timeout, delay, maxQueue, maxBatch;
    if (endpoint(err) < 0 || sampler(err) < 0 ||
        envLong(env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
                                                          : "OTEL_EXPORTER_OTLP_TIMEOUT", 10000, 1, 600000, &timeout, err) < 0 ||
        envLong("OTEL_BSP_SCHEDULE_DELAY", 5000, 1, 600000, &delay, err) < 0 ||
        envLong("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, 1000000, &maxQueue, err) < 0 ||
        envLong("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, 1000000, &maxBatch, err) < 0)
        return -1;
    ex.timeoutMs = timeout;
    ex.delayMs = delay;
    ex.maxQueue = (size_t)maxQueue;
    ex.maxBatch = (size_t)(maxBatch < maxQueue ? maxBatch : maxQueue);
    ex.headers[0] = strdup("Content-Type: application/json");
    if (!ex.headers[0]) return errSet(err, "out of memory");
    const char *h = env("OTEL_EXPORTER_OTLP_TRACES_HEADERS") ? env("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
                                                              : env("OTEL_EXPORTER_OTLP_HEADERS");
    if (h && kvList("OTEL_EXPORTER_OTLP_HEADERS", h, addHeader, err) < 0) return -1;
    ex.resource = json_pack("{s:[]}", "attributes");
    const char *ra = env("OTEL_RESOURCE_ATTRIBUTES");
    if (ra && kvList("OTEL_RESOURCE_ATTRIBUTES", ra, addResource, err) < 0) return -1;
    addResource("service.name", env("OTEL_SERVICE_NAME") ? env("OTEL_SERVICE_NAME") : service, err);
    addResource("service.version", waVersion(), err);
    return 0;
}

static void settingsFree(void) {
    for (int i = 0; ex.headers[i]; i++) { free(ex.headers[i]); ex.headers[i] = NULL; }
    json_decref(ex.resource);
    ex.resource = NULL;
}

int traceInit(const char *service, char *err) {
    metricsRegister("otel_spans_exported_total", METRIC_COUNTER, "Trace spans sent to the OTLP collector.", NULL);
    metricsRegister("otel_spans_dropped_total", METRIC_COUNTER,
                    "Trace spans dropped: queue_full (the bounded queue), export_failed (collector down or refusing) or shutdown (unsent at exit).",
                    "reason");
    const char *dis = env("OTEL_SDK_DISABLED"), *exp = env("OTEL_TRACES_EXPORTER");
    if (ex.on || (dis && !strcasecmp(dis, "true"))) return 0;
    if (exp && strcmp(exp, "none") && strcmp(exp, "otlp"))
        return errSet(err, "OTEL_TRACES_EXPORTER: %.40s is not otlp or none", exp);
    if ((exp && !strcmp(exp, "none")) || (!env("OTEL_EXPORTER_OTLP_ENDPOINT") && !env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")))
        return 0;
    if (settings(service, err) < 0) { settingsFree(); return -1; }
    if (!(ex.q = calloc(ex.maxQueue, sizeof *ex.q))) { settingsFree(); return errSet(err, "out of memory"); }
    clockCondInit(&ex.cv);
    clockCondInit(&ex.idle);
    ex.head = ex.n = 0;
    ex.stopping = 0;
    json_object_seed(0);   /* before another thread builds JSON */
    if (pthread_create(&ex.th, NULL, exportRun, NULL)) {
        free(ex.q);
        settingsFree();
        return errSet(err, "cannot start the trace export thread");
    }
    ex.on = 1;
    return 0;
}

int traceOn(void) { return ex.on; }
