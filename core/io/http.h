/* http.h -- the one HTTP client (libcurl): bounded bodies, timeouts, one global init, one
 * request or many in flight on a connection cache (docs/io.md, "HTTP").
 *
 * Users: DID resolution and didverify's fetches (httpGet), bulk POSTs (seed/post.c,
 * test-tool loadgen: httpRun with a feed), the object stores (an httpClient kept per
 * store: httpDo, httpRun with retries scheduled by the store) and the Ethereum JSON-RPC
 * transport (an httpClient kept per ethRpc: httpDo), the OTLP trace exporter (one httpClient on
 * its thread, anchord/ops/trace.c: httpDo).
 * libcurl is initialised once per process (pthread_once) by whichever client comes first;
 * no program calls curl_global_init. This file is the only one that calls curl_easy_init.
 * Thread safety: an httpClient is used by one thread at a time; clients are independent
 * and may be used by different threads at once.
 * Errors: 0 / -1 + err when a call could not even start. What happened to a request is its
 * rc and status (answers are not errors: a 404 is rc HTTP_OK, status 404). */
#ifndef WA_HTTP_H
#define WA_HTTP_H
#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

#define HTTP_CAPTURE_MAX  4        /* response headers one request may keep */
#define HTTP_HEADER_MAX   96       /* room for one captured value + NUL */
#define HTTP_PARALLEL_MAX 1024     /* requests one client keeps in flight at most */
#define HTTP_ERRBODY_DEFAULT 16384 /* a non-2xx body is kept up to this when maxErrBody is 0 */

/* The transport outcome of one attempt (httpReq.rc). */
enum {
    HTTP_OK = 0,          /* a complete response arrived, whatever its status */
    HTTP_NOCONN = 1,      /* nothing was sent (cannot resolve or connect): safe to resend anything */
    HTTP_FAILED = 2,      /* sent, no complete answer (timeout, reset, TLS): the server may have acted on it */
    HTTP_TOO_LARGE = 3,   /* a 2xx body passed maxBody: the transfer was stopped, body is empty */
    HTTP_SETUP = 4        /* not sent: the request could not be set up (out of memory, start() refused) */
};

typedef struct httpReq {
    /* in: borrowed, valid until the request is settled */
    const char *method;                  /* "GET" "HEAD" "PUT" "POST" "DELETE" (others: custom, body as POST) */
    const char *url;
    const char *const *headers;          /* "Name: value" lines, NULL-terminated, sent exactly as given */
    const void *data; size_t len;        /* the PUT/POST body; resent from its start when curl rewinds */
    size_t maxBody;                      /* largest 2xx body kept; more is HTTP_TOO_LARGE */
    int discardBody;                     /* 1: a 2xx body is read and dropped (PUT, DELETE answers) */
    size_t maxErrBody;                   /* a non-2xx body is kept up to this, the rest dropped (0: 16 KiB) */
    const char *const *capture;          /* response header names to keep, NULL-terminated, <= HTTP_CAPTURE_MAX */
    long connectTimeoutMs;               /* 0: 10 s */
    long timeoutMs;                      /* the whole exchange; 0: none, then a stall ends it (lowSpeedSecs) */
    long lowSpeedSecs;                   /* less than 1 byte/s for this long ends the exchange; 0: 30 */
    int allowHttp;                       /* 0: https:// only; redirects are never followed */
    int noExpect;                        /* never send "Expect: 100-continue" (adds an empty "Expect:";
                                            not for SigV4, which would sign it) */
    const char *userAgent;               /* NULL: no User-Agent header */
    const char *sigv4;                   /* "aws:amz:REGION:s3": sign with user/password (libcurl), or NULL */
    const char *user, *password;         /* SigV4 key id and secret (the caller wipes them) */
    void *ctx;                           /* the caller's */
    /* out, reset at each attempt */
    int rc;                              /* HTTP_* */
    long status;                         /* the HTTP status when one arrived (rc HTTP_OK), else 0 or partial */
    buf body;                            /* the 2xx body, or the cut non-2xx body; free with httpReqFree */
    char got[HTTP_CAPTURE_MAX][HTTP_HEADER_MAX];   /* captured values (trimmed), "" when absent or too long;
                                                      cleared at each status line (after a 100 Continue) */
    char err[ERR_MAX];                   /* why, when rc != HTTP_OK (libcurl's words) */
    long newConnections;                 /* connections this attempt opened (0: a kept-alive one was reused) */
    int attempts;                        /* times httpRun sent it (1 after the first attempt) */
} httpReq;

typedef struct httpClient httpClient;

/* httpClientNew: a client with a connection cache for up to maxParallel (1..HTTP_PARALLEL_MAX)
 * requests at once; connections stay open between calls. NULL + err. */
httpClient *httpClientNew(int maxParallel, char *err);

/* httpClientFree: close every connection; NULL is fine. */
void httpClientFree(httpClient *c);

/* httpDo: one request on c, reusing its connections; fills r's outputs (one attempt).
 * 0 when r->rc is a transport outcome (HTTP_OK .. HTTP_TOO_LARGE); -1 + err (r->rc
 * HTTP_SETUP) when it could not be set up. */
int httpDo(httpClient *c, httpReq *r, char *err);

/* httpFeed: where httpRun takes requests from and reports them to. */
typedef struct httpFeed {
    /* next: a request to start now, or NULL for none now. Asked again whenever a slot is
     * free; NULL while nothing is in flight or waiting to be resent ends the run. */
    httpReq *(*next)(void *ctx);
    /* start (may be NULL): called just before each attempt of r is sent (sign it now: r's
     * headers may be changed). 0, or -1 with r->err set: that attempt ends as HTTP_SETUP. */
    int (*start)(httpReq *r, void *ctx);
    /* done (may be NULL: each request is sent once): r's attempt finished. 0 = settled, or a
     * pause in ms after which r is sent again; the pause does not hold up the other requests. */
    long (*done)(httpReq *r, void *ctx);
    void *ctx;
} httpFeed;

/* httpRun: keep up to `parallel` requests of f in flight on c (at most c's maxParallel)
 * until next() has nothing more and every request it gave is settled. Each request given
 * is reported to done at least once and settled exactly once. 0, or -1 + err when the
 * client itself failed (requests then end as HTTP_SETUP). */
int httpRun(httpClient *c, const httpFeed *f, int parallel, char *err);

/* httpRunMany: httpRun over reqs[0..n) in order (done and start as in httpFeed; NULL: each
 * sent once). */
int httpRunMany(httpClient *c, httpReq **reqs, size_t n, int parallel, long (*done)(httpReq *r, void *ctx),
                void *ctx, char *err);

/* httpGet: one GET with a short-lived client: at most max body bytes (whatever the status),
 * no redirects, 10 s to connect, 30 s in all, https only unless allowHttp, User-Agent
 * didlog/1.0; *status = the HTTP status. 0 when a response arrived (any status), -1 + err
 * otherwise (transport error, body larger than max). */
int httpGet(const char *url, size_t max, int allowHttp, buf *out, long *status, char *err);

/* httpReqFree: release r's outputs (its body); r can be sent again. */
void httpReqFree(httpReq *r);

#endif
