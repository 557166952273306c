/* httpd.c -- the one HTTP server layer on libmicrohttpd (httpd.h). */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/err.h"
#include "core/io/httpd.h"
#include "core/io/net.h"

/* ---- request framing (RFC 9112) ----
 * libmicrohttpd 0.9.75 (Debian 12) is lenient where that lets the bytes after one
 * request be read as another (request smuggling through a proxy that frames them
 * otherwise): it takes the first of two Content-Length headers, lets Transfer-Encoding
 * override Content-Length, keeps "Transfer-Encoding :" as a header of another name
 * (its only check of whitespace before the colon runs at MHD_OPTION_STRICT_FOR_CLIENT
 * -1, which is also its most lenient level for everything else), reads a body of an
 * unknown transfer coding until the client closes, and decodes "%00" in the path
 * (POST /events%00.json is routed as /events). It has no MHD_OPTION_CLIENT_DISCIPLINE_LVL
 * (0.9.77+). So a handler's first call checks the headers and the raw target (seen
 * by the URI log callback, before decoding) and answers 400 with the connection closed. */

/* tokenChar: RFC 9110 §5.6.2 tchar. */
static int tokenChar(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

typedef struct hdrScan {
    int badName, nLength, badLength, nCoding;
    const char *coding;
} hdrScan;

/* scanHeader: MHD_get_connection_values callback over the request headers. */
static enum MHD_Result scanHeader(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    hdrScan *h = cls;
    const unsigned char *k = (const unsigned char *)key;
    (void)kind;
    if (!*k) h->badName = 1;
    for (; *k; k++) if (!tokenChar(*k)) h->badName = 1;
    if (!strcasecmp(key, "Content-Length")) {
        h->nLength++;
        if (!value || !*value || strspn(value, "0123456789") != strlen(value)) h->badLength = 1;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        h->nCoding++;
        h->coding = value ? value : "";
    }
    return MHD_YES;
}

const char *httpdFramingBad(struct MHD_Connection *c, const char *version, int badTarget) {
    if (badTarget)
        return "the request target has a malformed %-escape or encodes a control character (such as %00)";
    hdrScan h = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, scanHeader, &h);
    if (h.badName) return "a header field name is not a token (whitespace before the colon?) (RFC 9112 5.1)";
    if (h.nLength > 1 || h.badLength) return "Content-Length must be given once, as digits (RFC 9112 6.3)";
    if (h.nCoding && h.nLength) return "Transfer-Encoding and Content-Length together (RFC 9112 6.3)";
    if (h.nCoding > 1 || (h.nCoding && strcasecmp(h.coding, "chunked")))
        return "the only transfer coding accepted is one Transfer-Encoding: chunked (RFC 9112 6.1)";
    if (h.nCoding && version && !strcmp(version, "HTTP/1.0"))
        return "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)";
    return NULL;
}

int httpdTargetBad(const char *t) {
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f) return 1;
        if (*p != '%') continue;
        if (!isxdigit(p[1]) || !isxdigit(p[2])) return 1;
        char hex[3] = {(char)p[1], (char)p[2], 0};
        long v = strtol(hex, NULL, 16);
        if (v < 0x20 || v == 0x7f) return 1;
        p += 2;
    }
    return 0;
}

/* ---- the daemon and the signals ---- */

static void signalSet(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void httpdBlockSignals(void) {
    sigset_t set;
    signalSet(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int httpdWaitSignal(void) {
    sigset_t set;
    int sig = 0;
    signalSet(&set);
    sigwait(&set, &sig);
    return sig;
}

struct MHD_Daemon *httpdStart(const httpdOpts *o, MHD_AccessHandlerCallback handler, void *cls,
                              MHD_RequestCompletedCallback completed, void *(*uriLog)(void *, const char *, struct MHD_Connection *),
                              unsigned *port, char *err) {
    struct sockaddr_storage ss;
    if (netListenParse(o->listen, &ss, err) < 0) return NULL;
    unsigned timeout = (unsigned)((o->timeoutMs + 999) / 1000);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     (o->suspend ? MHD_ALLOW_SUSPEND_RESUME : 0);
    /* NOTIFY_COMPLETED and URI_LOG_CALLBACK with a NULL function are ignored by MHD */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, cls,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, o->threads,
        MHD_OPTION_CONNECTION_LIMIT, o->maxConns,
        /* slowloris: one address that trickles bytes keeps its connections alive past
         * the idle timeout; the cap keeps it from taking every slot */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->maxConnsPerIp,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        /* headers + read buffer (bodies go to the handler's own bounded buffer); MHD zeroes
         * the pool between keep-alive requests: 64 KB made that 3 % of the server's CPU */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, completed, cls,
        MHD_OPTION_URI_LOG_CALLBACK, uriLog, cls,
        MHD_OPTION_END);
    if (!d) {
        errSet(err, "cannot listen on %s", o->listen);
        return NULL;
    }
    if (port) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        *port = info ? info->port : 0;
    }
    return d;
}
