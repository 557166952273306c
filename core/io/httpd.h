/* httpd.h -- the one HTTP server layer (libmicrohttpd): what every server of ours shares --
 * the daemon with its limits, the request-framing checks (RFC 9112) and the wait for
 * SIGINT/SIGTERM. Users: `anchord serve` (anchord/ingest/server.c) and `didverify serve`
 * (verifier/resolver/resolver.c); each keeps its own routes and answers.
 *
 * Thread safety: libmicrohttpd's pool calls the handler from several threads at once.
 * Errors: NULL / -1 + err. */
#ifndef WA_HTTPD_H
#define WA_HTTPD_H
#include <stddef.h>
#include <microhttpd.h>

typedef struct httpdOpts {
    const char *listen;              /* "host:port" (core/io/net.h) */
    unsigned threads;                /* MHD's thread pool */
    unsigned maxConns, maxConnsPerIp;
    long long timeoutMs;             /* an idle connection is closed after this (rounded up to s) */
    int suspend;                     /* the handler suspends connections (MHD_ALLOW_SUSPEND_RESUME) */
} httpdOpts;

/* httpdStart: listen on o->listen and serve with handler(cls) from an internal thread pool;
 * MHD_OPTION_NOTIFY_COMPLETED completed(cls) and MHD_OPTION_URI_LOG_CALLBACK uriLog(cls)
 * when non-NULL (uriLog sees the raw request target before MHD decodes it: its return
 * value is the request's *state). Per-connection memory is 16 KiB (headers and the read
 * buffer; bodies go to the handler's own bounded buffer). Call httpdBlockSignals first
 * so the server's threads inherit the mask. *port = the bound port (may be NULL).
 * The daemon, or NULL + err. */
struct MHD_Daemon *httpdStart(const httpdOpts *o, MHD_AccessHandlerCallback handler, void *cls,
                              MHD_RequestCompletedCallback completed, void *(*uriLog)(void *, const char *, struct MHD_Connection *),
                              unsigned *port, char *err);

/* httpdBlockSignals: block SIGINT and SIGTERM in the calling thread (threads started later
 * inherit it) and ignore SIGPIPE. */
void httpdBlockSignals(void);

/* httpdWaitSignal: wait for SIGINT or SIGTERM (blocked by httpdBlockSignals); the signal. */
int httpdWaitSignal(void);

/* httpdTargetBad: the raw request target (before %-decoding) has a byte outside visible
 * ASCII, a '%' not followed by two hex digits, or an escape of a control character. 1 / 0. */
int httpdTargetBad(const char *target);

/* httpdFramingBad: why the request's framing cannot be trusted (RFC 9112 §5.1, §6.1, §6.3:
 * a header name that is not a token, Content-Length twice or not digits, Transfer-Encoding
 * with Content-Length or other than one "chunked", Transfer-Encoding in HTTP/1.0), or the
 * raw target was bad (badTarget, from httpdTargetBad); NULL when it can. The caller answers
 * 400 and closes the connection, so its remaining bytes are never read as a request. */
const char *httpdFramingBad(struct MHD_Connection *c, const char *version, int badTarget);

#endif
