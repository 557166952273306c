/* rfetch.h -- fetching from untrusted sources for the resolver endpoint (did:webvh v1.0
 * "Security and Privacy Considerations"; docs/resolver.md): the URL a DID or its #files
 * service names is the controller's choice, and the resolver is a server that fetches it.
 *
 * Rules, each refused with its reason before or instead of the request:
 *   - https:// only (the test origin below excepted);
 *   - the host is a DNS name: no IP literal (IPv4 in any spelling a URL parser accepts,
 *     "[…]" IPv6), no single-label name ("localhost", an intranet name), no userinfo;
 *   - no redirect is followed (a 3xx is an upstream error);
 *   - a body larger than the limit stops the transfer; connect and total time are bounded.
 * Test origin: "http://127.0.0.1:PORT" or "http://localhost:PORT" only (loopback): every
 * URL's https://host[:port] is replaced by it, and the single label "localhost" is
 * accepted as a host; nothing else changes (a test-only option, `--test-origin`).
 *
 * Thread safety: an rfetchRules is read-only once set up; rfetchGet uses its own client.
 * Errors: RFETCH_* outcomes, with one line in err. */
#ifndef WA_RFETCH_H
#define WA_RFETCH_H
#include <stddef.h>
#include "core/buf.h"

typedef struct rfetchRules {
    size_t maxBytes;          /* largest body (did.jsonl, did-witness.json, a file) */
    long timeoutMs;           /* the whole exchange */
    long connectTimeoutMs;
    const char *testOrigin;   /* NULL, or the loopback origin that replaces every https origin */
} rfetchRules;

enum {
    RFETCH_OK = 0,            /* 200: body in out */
    RFETCH_NOTFOUND = 1,      /* 404 or 410 (or 403, S3's answer for a missing key) */
    RFETCH_REFUSED = 2,       /* the URL breaks a rule: not fetched */
    RFETCH_UPSTREAM = 3       /* fetched, but no usable answer: another status (a redirect), too large,
                                 too slow, connection failed */
};

/* rfetchTestOrigin: o is an acceptable test origin ("http://127.0.0.1:PORT" or
 * "http://localhost:PORT", no path). 0 / -1 + err. */
int rfetchTestOrigin(const char *o, char *err);

/* rfetchCheckUrl: url passes the rules (scheme, DNS host) for r. 0 / -1 + err. */
int rfetchCheckUrl(const rfetchRules *r, const char *url, char *err);

/* rfetchGet: GET url under r into out (reset first); *status the HTTP status when one
 * arrived (0 otherwise). RFETCH_*; err says why for anything but RFETCH_OK. */
int rfetchGet(const rfetchRules *r, const char *url, buf *out, long *status, char *err);

#endif
