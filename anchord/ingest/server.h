/* server.h -- the ingest HTTP API on libmicrohttpd: POST /events, POST /dids,
 * GET /events/{scid}/{id}, GET /health, GET /metrics, GET /openapi.yaml and
 * GET /schemas/NAME.json (the embedded API description, apidocs.h; docs/api.md).
 *
 * Bodies are bounded (413 from Content-Length before reading; chunked bodies are cut off
 * at the limit), request framing that a proxy could read otherwise is refused (RFC 9112),
 * slow clients time out, connections are capped in all and per address. Every error is
 * {"error": reason, "detail": text}; nothing is queued on error. The enqueue of an event
 * goes through the group commit (anchord/ingest/commit.h): its 202 is sent only after
 * Redis accepted that very event. Threads: libmicrohttpd's pool (WA_HTTP_THREADS) and the
 * committer; each request takes a Redis connection from a small pool. */
#ifndef WA_SERVER_H
#define WA_SERVER_H
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"

/* serverRun: serve cfg (WA_LISTEN and the other ingest settings) until SIGINT or SIGTERM,
 * checking the genesis logs of POST /dids with genesisCheck (NULL: ingestDid refuses them).
 * Blocks SIGINT/SIGTERM in the calling thread (the server's threads inherit the mask)
 * and waits for one with sigwait; answers what the committer holds before it returns.
 * 0 after a clean shutdown; -1 + err when it cannot start (the group committer, the
 * listening socket). */
int serverRun(const config *cfg, genesisCheckFn genesisCheck, void *genesisCtx, char *err);

#endif
