/* storecall.h -- what the S3 and Azure stores share: their requests on the one HTTP layer
 * (core/io/http.h), retries, the conditional put's read-back, bulk runs.
 *
 * A storeCall is one HTTP exchange of an object store, attempted up to 1 + retries times.
 * storeCallRun keeps many in flight on the store's httpClient (kept-alive connections)
 * and judges every attempt (storeCallJudge, pure): nothing sent -> send again; a
 * conditional PUT that may or may not have been applied -> "ambiguous", never resent
 * blindly; other transient failures (transport, 5xx, 408, 429) -> send again after a
 * full-jitter pause that holds up nothing else. storeCallPut settles a PUT: an ambiguous
 * one is read back (HEAD) and sent again or decided (storeCallSettle, pure): "read again,
 * then retry or CONFLICT" (store.h).
 *
 * What differs between the backends comes in storeCallOps: signing each attempt (Azure's
 * x-ms-date), which 409 is a definite answer, the HEAD that tells our bytes, the status ->
 * outcome rules and messages. URLs, headers and XML stay in store_s3.c / store_az.c and
 * their pure helpers (s3.h, azrest.h). Private to anchord/store/.
 * Thread safety: as the store handle that owns the client: one thread at a time.
 * Errors: 0 / -1 + err (core/err.h); outcomes are STORE_* (store.h). */
#ifndef WA_STORECALL_H
#define WA_STORECALL_H
#include "core/io/http.h"
#include "anchord/store/store.h"

#define STORECALL_HDR_MAX  12        /* request headers of one call (Azure's Put Blob uses 9) */
#define STORECALL_MARK_MAX 48        /* a body fingerprint: hex or base64 MD5 */
#define STORECALL_CODE_MAX 64        /* a service error code ("NoSuchKey", "BlobNotFound") */
#define STORECALL_BACKOFF_BASE 200   /* ms: the first retry waits 10 + uniform[0, 200) ms, */
#define STORECALL_BACKOFF_CAP  2000  /* doubling up to 10 + uniform[0, 2000) ms (clockBackoffMs FULL) */

typedef struct storeCall storeCall;

/* What one backend tells the shared code. */
typedef struct storeCallOps {
    const char *tag;            /* "s3", "az": the first word of trace lines */
    const char *codeHeader;     /* response header holding the error code (Azure: x-ms-error-code),
                                   or NULL: the error body's <Code> only */
    /* sign (may be NULL): called before each attempt; adds the attempt's own headers with
     * storeCallLines (Azure: x-ms-date and the Shared Key Authorization). 0, or -1 with
     * c->req.err set (the attempt is not sent). */
    int (*sign)(void *be, storeCall *c);
    /* definite (may be NULL): 1 when a 409 answer to a conditional PUT is a definite lost
     * race (Azure: BlobAlreadyExists), so not ambiguous. */
    int (*definite)(const storeCall *c);
    /* head: key's ETag and the fingerprint that tells our bytes (mark: S3 the ETag in lower
     * case, Azure the Content-MD5 property). STORE_OK / STORE_NOTFOUND / STORE_ERR + err. */
    int (*head)(void *be, const char *key, char etag[STORE_ETAG_MAX], char mark[STORECALL_MARK_MAX], char *err);
    /* putInit: set up c as a PUT of data to key with its condition, the headers of the
     * backend and c->mark (the fingerprint head reports for our bytes). 0 / -1 (out of
     * memory). */
    int (*putInit)(void *be, storeCall *c, const char *key, const void *data, size_t len, storeCond cond,
                   const char *ifMatch);
    /* putOutcome: a settled, unambiguous PUT: STORE_OK (newEtag filled) / STORE_CONFLICT /
     * STORE_ERR + err. */
    int (*putOutcome)(void *be, storeCall *c, char newEtag[STORE_ETAG_MAX], char *err);
    /* error: STORE_ERR with one line in err saying why c failed. */
    int (*error)(void *be, storeCall *c, char *err);
} storeCallOps;

/* The HTTP side of one store handle. */
typedef struct storeCallClient {
    httpClient *http;           /* connections kept between calls */
    const storeCallOps *ops;
    void *be;                   /* the backend's state, passed to ops */
    int retries;                /* extra attempts after a transient failure (storeOpts) */
    int trace;                  /* 1: one stderr line per attempt */
    int *down;                  /* set to 1 when a call ends without reaching the server (nothing
                                   sent, or no complete answer), to 0 when one gets an answer;
                                   may be NULL (storeProbe tells STORE_DOWN by it) */
} storeCallClient;

/* One exchange. The caller fills req's inputs (through storeCallInit and storeCallHeader)
 * and reads its outputs after a run. */
struct storeCall {
    httpReq req;                /* method, url, body, limits; the last attempt's answer */
    const char *key;            /* for messages: the key, "(list)", "(cors)", "(service)" */
    char *url;                  /* what is sent (req.url), owned; wiped when freed (may hold a SAS) */
    char *shown;                /* the URL for messages and traces (NULL: url) */
    storeCond cond;             /* PUT only */
    buf *out;                   /* GET: where the 2xx body goes (else it stays in req.body) */
    struct { const char *name; char *value; } hdr[STORECALL_HDR_MAX];  /* names literal, values owned */
    size_t nhdr;
    char *lines[STORECALL_HDR_MAX + 3];   /* this attempt's "Name: value" lines, NULL-terminated */
    size_t nlines;
    const char *capture[4];     /* ETag, the code header, the mark header; NULL-terminated */
    char etag[STORE_ETAG_MAX];  /* after a run: the answer's ETag, unquoted ("" if none) */
    char code[STORECALL_CODE_MAX];   /* after a run: the error code ("" if none) */
    char mark[STORECALL_MARK_MAX];   /* PUT: our body's fingerprint as head() reports it */
    int ambiguous;              /* a conditional PUT whose outcome is unknown: read back */
    int settled;                /* the run is done with it */
    int noExpect;               /* never "Expect: 100-continue" (unsigned headers only) */
    char *aux;                  /* the backend's per-call string (Azure: the canonicalized
                                   resource), owned: freed with the call */
};

/* The runner's verdict on one finished attempt (storeCallJudge). */
typedef enum { STORECALL_SETTLED, STORECALL_RETRY, STORECALL_AMBIGUOUS } storeCallVerdict;

/* storeCallJudge: what one attempt of method (cond for a PUT) means, from its transport
 * outcome httpRc (HTTP_*, core/io/http.h) and HTTP status. Pure.
 *  - HTTP_NOCONN (nothing sent): RETRY, always safe, even for a conditional PUT;
 *  - a conditional PUT sent without a complete answer (HTTP_FAILED), or answered 5xx, 408,
 *    429 or 409 (unless definite: the backend knows that 409 as a lost race): AMBIGUOUS --
 *    it may have been applied, so the caller reads back instead of resending;
 *  - anything else sent without an answer, or answered 5xx, 408, 429: RETRY;
 *  - every other answer, a body over the limit (HTTP_TOO_LARGE) and a request that was
 *    never set up (HTTP_SETUP): SETTLED. */
storeCallVerdict storeCallJudge(const char *method, storeCond cond, int httpRc, long status, int definite);

/* storeCallSettle: after an ambiguous conditional PUT, what the HEAD of its key says.
 * headRc STORE_OK (etag = its ETag, ours = it holds our bytes) or STORE_NOTFOUND. Pure.
 * Returns STORE_OK (our bytes are there: our write landed, or another writer's identical
 * bytes did -- one outcome, store.h), 1 (unchanged: still absent for If-None-Match, still
 * ifMatch for If-Match: send the PUT again) or STORE_CONFLICT. */
int storeCallSettle(storeCond cond, int headRc, int ours, const char *etag, const char *ifMatch);

/* storeCallInit: c for one request: method, the URL to send (taken over: freed with c)
 * and the one to show (taken over; NULL = the same), key for messages, body for a PUT
 * (borrowed). Limits: 5 s to connect, a stall of 30 s ends an attempt, error bodies
 * 16 KiB, 2xx bodies dropped unless storeCallInto. url may be NULL (out of memory): the
 * call then fails with -1. 0 / -1. */
int storeCallInit(storeCallClient *cl, storeCall *c, const char *method, char *url, char *shown, const char *key,
                  const void *body, size_t len);

/* storeCallInto: keep the 2xx body, at most max bytes, in out (NULL: in c->req.body). */
void storeCallInto(storeCall *c, buf *out, size_t max);

/* storeCallHeader: add "name: value" to every attempt of c (name a literal; value copied).
 * 0 / -1 (out of memory, too many headers). */
int storeCallHeader(storeCall *c, const char *name, const char *value);

/* storeCallLines: this attempt's header lines: c's headers, then extra[0..n) as
 * "name: value" pairs (names at even, values at odd indexes). For ops->sign. 0 / -1. */
int storeCallLines(storeCall *c, const char *const *extra, size_t n);

/* storeCallCapture: also keep response header name (a literal) of c's answers; its value
 * is c->req.got[index] after a run. The index, or -1 when c already captures the most. */
int storeCallCapture(storeCall *c, const char *name);

/* storeCallError: STORE_ERR with one line in err saying why the finished call c failed:
 * "TAG METHOD KEY: object larger than the limit of N bytes" (HTTP_TOO_LARGE), "TAG METHOD
 * KEY: cannot reach ENDPOINT: REASON (N attempts)" (no answer), else "TAG METHOD
 * WHERE/KEY: HTTP STATUS[ CODE][: HINT][ from FROM]". tag "s3" / "az"; where the bucket
 * or container; hint (the backend's advice for c->code) and from (where the credentials
 * came from, said on an authentication failure) may be NULL. For ops->error. */
int storeCallError(const storeCall *c, const char *tag, const char *endpoint, const char *where, const char *hint,
                   const char *from, char *err);

/* storeWipeFree: zero the string p, which may hold a secret (a key, a SAS, a URL
 * carrying one), then free it. p may be NULL. */
void storeWipeFree(char *p);

/* storeCallFree: release c (header values, lines and URL wiped: they may hold secrets). */
void storeCallFree(storeCall *c);

/* storeCallRun: run calls[0..n) with up to parallel in flight, each resent on a transient
 * failure (storeCallJudge) up to cl->retries times after clockBackoffMs(attempt, 200,
 * 2000, FULL); an ambiguous conditional PUT is marked (c->ambiguous), not resent. Each
 * call ends with its last attempt's answer in c->req, c->etag, c->code; when the HTTP
 * layer fails as a whole, the calls not yet settled end as HTTP_SETUP with its reason. */
void storeCallRun(storeCallClient *cl, storeCall **calls, size_t n, int parallel);

/* storeCallRunOne: storeCallRun of one call (sequential, still on the kept connections). */
void storeCallRunOne(storeCallClient *cl, storeCall *c);

/* storeCallPut: settle a PUT that has run: while it is ambiguous, read the key back
 * (ops->head, storeCallSettle) and send it again after a pause, at most cl->retries times;
 * after such a resend a CONFLICT may be our own earlier attempt landing late, so it is
 * checked against our bytes once more. STORE_OK (newEtag) / STORE_CONFLICT / STORE_ERR. */
int storeCallPut(storeCallClient *cl, storeCall *c, const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err);

/* storeCallPutOne: storePut (store.h) through cl: ops->putInit, one run, storeCallPut. */
int storeCallPutOne(storeCallClient *cl, const char *key, const void *data, size_t len, storeCond cond,
                    const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err);

/* storeCallPutMany: storePutMany (store.h) through cl, parallel in flight: each request
 * set up by ops->putInit and settled by storeCallPut. As storeCallMany. */
int storeCallPutMany(storeCallClient *cl, int parallel, storeReq *reqs, size_t n, char *err);

/* storeCallMany: n requests of reqs (each size bytes) with s->parallel in flight: prep
 * sets up call i from request i (0 / -1 out of memory), done reads its answer back into
 * the request and returns 1 when it failed. Returns the number of failed requests, or
 * -1 + err when nothing could be started. */
int storeCallMany(storeCallClient *cl, int parallel, void *reqs, size_t size, size_t n,
                  int (*prep)(storeCallClient *cl, storeCall *c, void *req),
                  int (*done)(storeCallClient *cl, storeCall *c, void *req), char *err);

#endif
