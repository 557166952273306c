/* resolver.h -- the DID resolver endpoint of `didverify serve`: the DID Resolution HTTP(S)
 * binding (GET /1.0/identifiers/{did-or-did-url}) for did:webvh, as a Universal Resolver
 * driver, with the anchoring verdict of every version in the metadata (docs/resolver.md).
 *
 * Resolution and dereferencing are didlog's (resolution.h, deref.h); the verdicts are
 * verifier/verify.h's against the given roots; fetches follow rfetch.h's rules for
 * untrusted sources; what was fetched is cached by the log's ttl (rcache.h). The server
 * is core/io/httpd's.
 *
 * Thread safety: the server's threads share the cache (locked) and the roots source
 * (one request at a time asks it). Errors: -1 + err when the server cannot start. */
#ifndef WA_RESOLVER_H
#define WA_RESOLVER_H
#include <stddef.h>
#include <stdint.h>
#include "verifier/roots.h"
#include "verifier/resolver/rfetch.h"

typedef struct resolverOpts {
    const char *listen;              /* "host:port" */
    unsigned threads, maxConns, maxConnsPerIp;
    long long idleTimeoutMs;
    rfetchRules fetch;               /* limits and the test origin */
    size_t cacheMax;                 /* DIDs kept at most (0: no cache) */
    size_t cacheBytes;               /* bytes of files kept at most (0: no cache) */
    long long cacheMaxTtl;           /* seconds: the log's ttl is capped by this */
    uint64_t staleBatches;           /* manifests of later batches read for STALE (0: no scan) */
} resolverOpts;

/* resolverRun: serve until SIGINT or SIGTERM, reading roots from src (borrowed, opened).
 * Prints "listening on http://ADDR:PORT" on stderr once it accepts. 0 after a clean
 * shutdown; -1 + err when it cannot start. */
int resolverRun(const resolverOpts *o, rootsSrc *src, char *err);

#endif
