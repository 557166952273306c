/* test_http.c -- core/io/http against a real HTTP server in this process (libmicrohttpd
 * on 127.0.0.1, a free port): bounded bodies (2xx cut = HTTP_TOO_LARGE, error bodies
 * kept up to their bound), nothing sent = HTTP_NOCONN on a closed port, a timeout =
 * HTTP_FAILED, header capture, headers sent as given and the empty Expect, uploads (PUT
 * rewindable, POST), SigV4 signing, no redirects, https-only by default, connection
 * reuse, many in flight, retries scheduled by done() without holding up the others,
 * start() before each attempt, and clients in two threads (plan R13). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "core/fnv.h"
#include "core/io/clock.h"
#include "core/io/http.h"
#include "tests/unit/t.h"

/* ---- the server ---- */

static int port;
static pthread_mutex_t flakyMu = PTHREAD_MUTEX_INITIALIZER;
static int flakyCount[8];

typedef struct upload { buf body; } upload;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body, size_t len,
                             const char *const *hdrs) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    for (const char *const *h = hdrs; h && *h; h += 2) MHD_add_response_header(r, h[0], h[1]);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static const char *hdr(struct MHD_Connection *c, const char *name) {
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v ? v : "-";
}

static const char *arg(struct MHD_Connection *c, const char *name) {
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

static enum MHD_Result onRequest(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *data, size_t *size, void **state) {
    (void)cls; (void)version;
    upload *u = *state;
    if (!u) { *state = u = calloc(1, sizeof *u); return MHD_YES; }
    if (*size) { bufAppend(&u->body, data, *size); *size = 0; return MHD_YES; }
    char out[1024];
    if (!strcmp(url, "/hello")) {
        static const char *h[] = {"ETag", "\"abc\"", "X-Test", "  spaced value  ", "X-Long",
            "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
            NULL};
        return reply(c, 200, "hello world", 11, h);
    }
    if (!strcmp(url, "/big")) {
        size_t n = (size_t)atol(arg(c, "n"));
        char *b = malloc(n + 1);
        memset(b, 'x', n);
        enum MHD_Result rc = reply(c, 200, b, n, NULL);
        free(b);
        return rc;
    }
    if (!strcmp(url, "/missing")) {
        char *b = malloc(50000);
        memset(b, 'e', 50000);
        enum MHD_Result rc = reply(c, 404, b, 50000, NULL);
        free(b);
        return rc;
    }
    if (!strcmp(url, "/echo")) {
        int l = snprintf(out, sizeof out, " method=%s len=%zu fnv=%08x expect=%s auth=%.16s attempt=%s ua=%s ct=%s x=%s",
                         method, u->body.len, fnv1a32Buf(u->body.p, u->body.len), hdr(c, "Expect"),
                         hdr(c, "Authorization"), hdr(c, "X-Attempt"), hdr(c, "User-Agent"), hdr(c, "Content-Type"),
                         hdr(c, "X-Exact"));
        return reply(c, 200, out, (size_t)l, NULL);
    }
    if (!strcmp(url, "/flaky")) {
        int k = atoi(arg(c, "k")) & 7, n;
        pthread_mutex_lock(&flakyMu);
        n = ++flakyCount[k];
        pthread_mutex_unlock(&flakyMu);
        return n <= 2 ? reply(c, 503, "busy", 4, NULL) : reply(c, 200, "ok", 2, NULL);
    }
    if (!strcmp(url, "/slow")) {
        clockSleepMs(atol(arg(c, "ms")));
        return reply(c, 200, "slow", 4, NULL);
    }
    if (!strcmp(url, "/redirect")) {
        static const char *h[] = {"Location", "/hello", NULL};
        return reply(c, 302, "", 0, h);
    }
    return reply(c, 400, "?", 1, NULL);
}

static void onDone(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t) {
    (void)cls; (void)c; (void)t;
    upload *u = *state;
    if (u) { bufFree(&u->body); free(u); }
    *state = NULL;
}

static struct MHD_Daemon *serverStart(void) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                                            NULL, onRequest, NULL, MHD_OPTION_SOCK_ADDR, &a,
                                            MHD_OPTION_NOTIFY_COMPLETED, onDone, NULL, MHD_OPTION_END);
    if (d) port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return d;
}

/* closedPort: a port nothing listens on (bound, then closed). */
static int closedPort(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static char *urlOf(const char *path) {
    static char u[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(u[k], sizeof u[k], "http://127.0.0.1:%d%s", port, path);
    return u[k];
}

/* ---- tests ---- */

static void testBodies(httpClient *c) {
    char err[ERR_MAX];
    httpReq r = {.method = "GET", .url = urlOf("/hello"), .maxBody = 11, .allowHttp = 1};
    T_CHECK(httpDo(c, &r, err) == 0 && r.rc == HTTP_OK && r.status == 200 && r.body.len == 11 &&
            !memcmp(r.body.p, "hello world", 11), "GET /hello (body exactly maxBody): rc %d status %ld", r.rc, r.status);
    r.maxBody = 10;
    T_CHECK(httpDo(c, &r, err) == 0 && r.rc == HTTP_TOO_LARGE && r.body.len == 0, "maxBody 10: TOO_LARGE (rc %d)", r.rc);
    httpReq b = {.method = "GET", .url = urlOf("/big?n=3000000"), .maxBody = 1 << 20, .allowHttp = 1};
    T_CHECK(httpDo(c, &b, err) == 0 && b.rc == HTTP_TOO_LARGE && b.body.len == 0, "3 MB past a 1 MiB bound: TOO_LARGE");
    b.maxBody = 4 << 20;
    T_CHECK(httpDo(c, &b, err) == 0 && b.rc == HTTP_OK && b.body.len == 3000000, "3 MB within 4 MiB: %zu", b.body.len);
    b.discardBody = 1;
    b.maxBody = 0;
    T_CHECK(httpDo(c, &b, err) == 0 && b.rc == HTTP_OK && b.body.len == 0, "discardBody: OK, nothing kept");
    httpReq m = {.method = "GET", .url = urlOf("/missing"), .maxBody = 10, .allowHttp = 1};
    T_CHECK(httpDo(c, &m, err) == 0 && m.rc == HTTP_OK && m.status == 404 && m.body.len == HTTP_ERRBODY_DEFAULT,
            "404 body cut at 16 KiB: %zu", m.body.len);
    m.maxErrBody = 100;
    T_CHECK(httpDo(c, &m, err) == 0 && m.status == 404 && m.body.len == 100, "404 body cut at maxErrBody 100");
    httpReq d = {.method = "GET", .url = urlOf("/redirect"), .maxBody = 100, .allowHttp = 1};
    T_CHECK(httpDo(c, &d, err) == 0 && d.rc == HTTP_OK && d.status == 302, "a redirect is not followed: %ld", d.status);
    httpReqFree(&r); httpReqFree(&b); httpReqFree(&m); httpReqFree(&d);
}

static void testTransport(httpClient *c) {
    char err[ERR_MAX], u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/hello", closedPort());
    httpReq r = {.method = "GET", .url = u, .maxBody = 100, .allowHttp = 1};
    T_CHECK(httpDo(c, &r, err) == 0 && r.rc == HTTP_NOCONN && r.err[0], "closed port: NOCONN (rc %d: %s)", r.rc, r.err);
    httpReq s = {.method = "GET", .url = urlOf("/slow?ms=1500"), .maxBody = 100, .allowHttp = 1, .timeoutMs = 300};
    int64_t t0 = clockMonoMs();
    T_CHECK(httpDo(c, &s, err) == 0 && s.rc == HTTP_FAILED && clockMonoMs() - t0 < 1400,
            "timeout 300 ms on a 1.5 s answer: FAILED (rc %d after %lld ms)", s.rc, (long long)(clockMonoMs() - t0));
    httpReq h = {.method = "GET", .url = urlOf("/hello"), .maxBody = 100};
    T_CHECK(httpDo(c, &h, err) == 0 && h.rc != HTTP_OK, "http:// refused without allowHttp (rc %d)", h.rc);
    httpReq bad = {.method = "GET", .url = "http://127.0.0.1:1/x", .maxBody = 1, .allowHttp = 1,
                   .headers = (const char *const[]){"X: y", NULL}};
    T_CHECK(httpDo(c, &bad, err) == 0 && bad.rc == HTTP_NOCONN, "port 1: NOCONN");
    httpReqFree(&r); httpReqFree(&s); httpReqFree(&h); httpReqFree(&bad);
    T_CHECK(httpClientNew(0, err) == NULL && httpClientNew(HTTP_PARALLEL_MAX + 1, err) == NULL, "parallel out of range");
    httpClientFree(NULL);
}

static void testCaptureAndReuse(httpClient *c) {
    char err[ERR_MAX];
    static const char *const cap[] = {"etag", "X-Test", "X-Long", "X-Absent", NULL};
    httpReq r = {.method = "GET", .url = urlOf("/hello"), .maxBody = 100, .allowHttp = 1, .capture = cap};
    T_CHECK(httpDo(c, &r, err) == 0 && r.rc == HTTP_OK, "GET with capture");
    T_CHECK(!strcmp(r.got[0], "\"abc\"") && !strcmp(r.got[1], "spaced value") && r.got[2][0] == 0 && r.got[3][0] == 0,
            "captured: [%s] [%s] long [%s] absent [%s]", r.got[0], r.got[1], r.got[2], r.got[3]);
    T_CHECK(httpDo(c, &r, err) == 0 && r.newConnections == 0, "the next request reuses the connection (%ld new)",
            r.newConnections);
    httpClient *fresh = httpClientNew(1, err);
    T_CHECK(fresh && httpDo(fresh, &r, err) == 0 && r.newConnections == 1, "a new client opens one (%ld)", r.newConnections);
    httpClientFree(fresh);
    httpReqFree(&r);
}

/* field: the value of "name=" in an /echo answer. */
static const char *field(const httpReq *r, const char *name, char *out, size_t cap) {
    char key[32];
    snprintf(key, sizeof key, " %s=", name);
    const char *p = r->body.p ? strstr((const char *)r->body.p, key) : NULL;
    out[0] = 0;
    if (p) snprintf(out, cap, "%.*s", (int)strcspn(p + strlen(key), " "), p + strlen(key));
    return out;
}

static void testUploads(httpClient *c) {
    char err[ERR_MAX], v[128], want[16];
    size_t n = 2u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++) data[i] = (char)(i * 7 + 3);
    snprintf(want, sizeof want, "%08x", fnv1a32Buf(data, n));
    static const char *const hs[] = {"Content-Type: application/octet-stream", "X-Exact: as-given", NULL};
    httpReq p = {.method = "PUT", .url = urlOf("/echo"), .data = data, .len = n, .maxBody = 1000, .allowHttp = 1,
                 .headers = hs, .userAgent = "wa-test/1"};
    T_CHECK(httpDo(c, &p, err) == 0 && p.status == 200, "PUT 2 MiB: status %ld", p.status);
    T_CHECK(!strcmp(field(&p, "len", v, sizeof v), "2097152") && !strcmp(field(&p, "fnv", v, sizeof v), want),
            "PUT body intact (%s)", (char *)p.body.p);
    T_CHECK(!strcmp(field(&p, "x", v, sizeof v), "as-given") && !strcmp(field(&p, "ua", v, sizeof v), "wa-test/1") &&
            !strcmp(field(&p, "ct", v, sizeof v), "application/octet-stream"), "headers and User-Agent sent as given: %s", (char *)p.body.p);
    T_CHECK(!strcmp(field(&p, "expect", v, sizeof v), "100-continue"), "a big PUT asks 100-continue by default (%s)", v);
    p.noExpect = 1;
    T_CHECK(httpDo(c, &p, err) == 0 && !strcmp(field(&p, "expect", v, sizeof v), "-") &&
            !strcmp(field(&p, "fnv", v, sizeof v), want), "noExpect: no Expect header, body intact");
    httpReq q = {.method = "POST", .url = urlOf("/echo"), .data = "{\"a\":1}", .len = 7, .maxBody = 1000,
                 .allowHttp = 1, .noExpect = 1, .headers = (const char *const[]){"Content-Type: application/json", NULL}};
    T_CHECK(httpDo(c, &q, err) == 0 && !strcmp(field(&q, "method", v, sizeof v), "POST") &&
            !strcmp(field(&q, "len", v, sizeof v), "7") && !strcmp(field(&q, "ct", v, sizeof v), "application/json"),
            "POST: %s", (char *)q.body.p);
    httpReq d = {.method = "DELETE", .url = urlOf("/echo"), .maxBody = 1000, .allowHttp = 1};
    T_CHECK(httpDo(c, &d, err) == 0 && !strcmp(field(&d, "method", v, sizeof v), "DELETE"), "DELETE");
    httpReq h = {.method = "HEAD", .url = urlOf("/hello"), .maxBody = 0, .allowHttp = 1};
    T_CHECK(httpDo(c, &h, err) == 0 && h.rc == HTTP_OK && h.status == 200 && h.body.len == 0, "HEAD");
    httpReq s = {.method = "GET", .url = urlOf("/echo"), .maxBody = 1000, .allowHttp = 1,
                 .sigv4 = "aws:amz:us-east-1:s3", .user = "AKIDEXAMPLE", .password = "secret"};
    T_CHECK(httpDo(c, &s, err) == 0 && !strcmp(field(&s, "auth", v, sizeof v), "AWS4-HMAC-SHA256"), "SigV4: %s", v);
    free(data);
    httpReqFree(&p); httpReqFree(&q); httpReqFree(&d); httpReqFree(&h); httpReqFree(&s);
}

/* Retries: /flaky answers 503 twice, then 200; done() asks for a resend after a pause. */
typedef struct retryCtx { int64_t slowDoneAt, fastDoneAt; } retryCtx;

static long retryDone(httpReq *r, void *ctx) {
    retryCtx *x = ctx;
    if (r->rc == HTTP_OK && r->status == 503 && r->attempts < 5) return 300;
    if (strstr(r->url, "flaky")) x->slowDoneAt = clockMonoMs();
    else x->fastDoneAt = clockMonoMs();
    return 0;
}

static void testRetries(httpClient *c) {
    char err[ERR_MAX];
    retryCtx x = {0, 0};
    httpReq a = {.method = "GET", .url = urlOf("/flaky?k=1"), .maxBody = 100, .allowHttp = 1};
    httpReq b = {.method = "GET", .url = urlOf("/hello"), .maxBody = 100, .allowHttp = 1};
    httpReq *rs[] = {&a, &b};
    int64_t t0 = clockMonoMs();
    T_CHECK(httpRunMany(c, rs, 2, 2, retryDone, &x, err) == 0, "httpRunMany: %s", err);
    T_CHECK(a.rc == HTTP_OK && a.status == 200 && a.attempts == 3, "flaky: 200 after 3 attempts (%ld, %d)", a.status,
            a.attempts);
    T_CHECK(b.status == 200 && b.attempts == 1, "the other request: one attempt");
    T_CHECK(x.fastDoneAt - t0 < 250 && x.slowDoneAt - t0 >= 600, "the pauses did not hold up the other request "
            "(fast %lld ms, slow %lld ms)", (long long)(x.fastDoneAt - t0), (long long)(x.slowDoneAt - t0));
    httpReqFree(&a);
    httpReqFree(&b);
}

/* A feed: n requests to /flaky?k=3 and /echo; start() signs each attempt with a header
 * naming the attempt; one request is refused by start() (HTTP_SETUP, nothing sent). */
typedef struct feedCtx {
    httpReq r[3];
    char hdr[3][32];
    const char *hv[3][2];
    int given, starts, dones, setupSeen;
} feedCtx;

static httpReq *feedNext(void *ctx) {
    feedCtx *f = ctx;
    return f->given < 3 ? &f->r[f->given++] : NULL;
}

static int feedStart(httpReq *r, void *ctx) {
    feedCtx *f = ctx;
    int i = (int)(r - f->r);
    f->starts++;
    if (i == 2) { errSet(r->err, "refused"); return -1; }
    snprintf(f->hdr[i], sizeof f->hdr[i], "X-Attempt: %d", r->attempts);
    f->hv[i][0] = f->hdr[i];
    f->hv[i][1] = NULL;
    r->headers = f->hv[i];
    return 0;
}

static long feedDone(httpReq *r, void *ctx) {
    feedCtx *f = ctx;
    f->dones++;
    if (r->rc == HTTP_SETUP) f->setupSeen++;
    return r->rc == HTTP_OK && r->status == 503 ? 20 : 0;
}

static void testFeed(httpClient *c) {
    char err[ERR_MAX], v[64];
    feedCtx f;
    memset(&f, 0, sizeof f);
    for (int i = 0; i < 3; i++) f.r[i] = (httpReq){.method = "GET", .maxBody = 1000, .allowHttp = 1};
    f.r[0].url = urlOf("/flaky?k=3");
    f.r[1].url = urlOf("/echo");
    f.r[2].url = urlOf("/echo");
    httpFeed feed = {feedNext, feedStart, feedDone, &f};
    T_CHECK(httpRun(c, &feed, 4, err) == 0, "httpRun: %s", err);
    T_CHECK(f.r[0].status == 200 && f.r[0].attempts == 3, "flaky via the feed: %ld after %d", f.r[0].status,
            f.r[0].attempts);
    T_CHECK(!strcmp(field(&f.r[1], "attempt", v, sizeof v), "1"), "start() set the header of the attempt: %s", v);
    T_CHECK(f.r[2].rc == HTTP_SETUP && !strcmp(f.r[2].err, "refused") && f.setupSeen == 1,
            "start() refusal: HTTP_SETUP, reported once (rc %d)", f.r[2].rc);
    T_CHECK(f.starts == 5 && f.dones == 5, "start and done once per attempt (%d, %d)", f.starts, f.dones);
    for (int i = 0; i < 3; i++) httpReqFree(&f.r[i]);
}

/* Many in flight: 16 answers of 200 ms each with 16 in flight take ~200 ms, not 3.2 s. */
static void testParallel(httpClient *c) {
    char err[ERR_MAX];
    httpReq r[16], *p[16];
    for (int i = 0; i < 16; i++) {
        r[i] = (httpReq){.method = "GET", .url = urlOf("/slow?ms=200"), .maxBody = 100, .allowHttp = 1};
        p[i] = &r[i];
    }
    int64_t t0 = clockMonoMs();
    T_CHECK(httpRunMany(c, p, 16, 16, NULL, NULL, err) == 0, "run 16");
    int64_t d = clockMonoMs() - t0;
    int ok = 0;
    for (int i = 0; i < 16; i++) { ok += r[i].status == 200; httpReqFree(&r[i]); }
    T_CHECK(ok == 16 && d < 1600, "16 x 200 ms in parallel: %d ok in %lld ms", ok, (long long)d);
    T_CHECK(httpRunMany(c, p, 0, 4, NULL, NULL, err) == 0, "an empty run");
}

/* Two threads, a client each, at once (libcurl's global init happens once). */
static void *threadRun(void *arg) {
    int *ok = arg;
    char err[ERR_MAX];
    httpClient *c = httpClientNew(4, err);
    for (int i = 0; c && i < 20; i++) {
        httpReq r = {.method = "GET", .url = urlOf("/hello"), .maxBody = 100, .allowHttp = 1};
        if (httpDo(c, &r, err) == 0 && r.status == 200) (*ok)++;
        httpReqFree(&r);
    }
    httpClientFree(c);
    return NULL;
}

static void testThreads(void) {
    pthread_t t[2];
    int ok[2] = {0, 0};
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, threadRun, &ok[i]);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    T_CHECK(ok[0] == 20 && ok[1] == 20, "two threads: %d and %d of 20", ok[0], ok[1]);
}

/* httpGet: the short-lived GET of DID resolution. */
static void testGet(void) {
    char err[ERR_MAX];
    buf b = BUF_INIT;
    long st = 0;
    T_CHECK(httpGet(urlOf("/hello"), 100, 1, &b, &st, err) == 0 && st == 200 && b.len == 11, "httpGet: %s", err);
    T_CHECK(httpGet(urlOf("/hello"), 10, 1, &b, &st, err) == -1, "httpGet past max: -1");
    T_CHECK(httpGet(urlOf("/missing"), 100000, 1, &b, &st, err) == 0 && st == 404 && b.len == 50000,
            "httpGet 404: 0, status and body (%zu)", b.len);
    T_CHECK(httpGet(urlOf("/missing"), 1000, 1, &b, &st, err) == -1, "httpGet 404 past max: -1 (as before)");
    T_CHECK(httpGet(urlOf("/hello"), 100, 0, &b, &st, err) == -1, "httpGet http:// without allowHttp: -1");
    bufFree(&b);
}

int main(void) {
    struct MHD_Daemon *d = serverStart();
    if (!d) { fprintf(stderr, "cannot start libmicrohttpd on 127.0.0.1\n"); return 1; }
    char err[ERR_MAX];
    httpClient *c = httpClientNew(16, err);
    if (!c) { fprintf(stderr, "%s\n", err); return 1; }
    testBodies(c);
    testTransport(c);
    testCaptureAndReuse(c);
    testUploads(c);
    testRetries(c);
    testFeed(c);
    testParallel(c);
    httpClientFree(c);
    testThreads();
    testGet();
    MHD_stop_daemon(d);
    return T_DONE();
}
