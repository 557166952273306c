/* ethrpc.h -- Ethereum JSON-RPC: timeouts, retries with back-off, fail-over across
 * several node URLs, strict bounded response parsing, the node's error kinds.
 * The transport is HTTP unless a test sets its own (ethRpcSetTransport).
 * Thread safety: an ethRpc is used by one thread at a time. Errors: 0 / -1 + err, and
 * ethRpcCall's ETH_RPC_* codes. */
#ifndef WA_ETHRPC_H
#define WA_ETHRPC_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/buf.h"
#include "core/io/clock.h"

#define ETH_RPC_MAX_URLS 8
#define ETH_RPC_BODY_MAX (2u << 20)     /* 2 MiB: receipts of one tx are far smaller */
#define ETH_RPC_MSG_MAX 160             /* node error messages are truncated to this */

#define ETH_RPC_SHOWN_MAX 96

/* The kind of a node's JSON-RPC error answer (rpcClassify): what the callers switch on. */
typedef enum {
    RPC_NODE_OTHER = 0,     /* any other error */
    RPC_NODE_REVERT,        /* the call reverted (code 3, revert data, or the node says so) */
    RPC_NODE_KNOWN,         /* the transaction is already in the node's pool: it was sent */
    RPC_NODE_NONCE_LOW,     /* the nonce is used already */
    RPC_NODE_UNDERPRICED,   /* fees too low: for a replacement, or for the pool */
    RPC_NODE_FUNDS          /* the sender cannot pay gas * max fee */
} rpcNodeClass;

/* Return codes of ethRpcCall (besides 0). */
#define ETH_RPC_EDOWN  -1   /* no URL answered (all attempts failed): transport */
#define ETH_RPC_ENODE  -2   /* a node answered with a JSON-RPC error object */

/* ethRpcPostFn: how one JSON-RPC request body reaches url: 0 with the answer's body in
 * resp (reset first; at most ETH_RPC_BODY_MAX bytes) and its HTTP status in *status,
 * whatever the status; -1 + err when no answer came (cannot connect, timed out, body
 * too large). The default is HTTP; a unit test passes a scripted node
 * (tests/unit/fake_node.c). */
typedef int (*ethRpcPostFn)(void *ctx, const char *url, const char *body, size_t len, buf *resp, long *status,
                            char *err);

typedef struct ethRpc {
    char *urls[ETH_RPC_MAX_URLS];
    int nurls;
    int cur;                 /* the URL that answered last; tried first */
    long timeoutMs;          /* whole request */
    long connectTimeoutMs;
    int attempts;            /* rounds over all URLs before giving up */
    long backoffMs;          /* first pause between rounds; doubles, capped at 10 s */
    long nextId;
    struct httpClient *http; /* core/io/http.h: one connection cache per ethRpc */
    int lastCode;            /* JSON-RPC error code of the last ETH_RPC_ENODE */
    buf lastData;            /* its error.data when a hex string (revert data), else empty */
    rpcNodeClass lastClass;  /* its kind (rpcClassify) */
    void (*onError)(const char *kind);  /* optional: counts failures (transport, http,
                                           malformed, node, unreachable) -- anchord's metrics */
    ethRpcPostFn post;       /* NULL = HTTP */
    void *postCtx;
    const clockSrc *clock;   /* the pause between rounds; NULL = clockReal */
} ethRpc;

/* ethRpcInit: urls is comma-separated (http:// or https:// only, at most
 * ETH_RPC_MAX_URLS), and the HTTP client. Defaults: 10 s timeout, 3 s to connect,
 * 3 attempts, 250 ms back-off. */
int ethRpcInit(ethRpc *r, const char *urls, char *err);
/* ethRpcUrls: ethRpcInit without the HTTP handle: only the URL list is
 * checked and stored (configuration validation). Free with ethRpcFree. */
int ethRpcUrls(ethRpc *r, const char *urls, char *err);
/* ethRpcFree: the URLs zeroed (they may hold user:password@ or a key in the path)
 * and freed, the HTTP client and lastData freed. */
void ethRpcFree(ethRpc *r);
/* ethRpcSetTransport: send r's requests through fn with ctx (NULL = HTTP again). */
void ethRpcSetTransport(ethRpc *r, ethRpcPostFn fn, void *ctx);

/* ethRpcCall: call method with params (a JSON array, stolen; NULL = []).
 * 0 and *result (caller decrefs) on success; ETH_RPC_ENODE with the node's
 * message in err (and lastCode/lastData set) when the node answered an error;
 * ETH_RPC_EDOWN when no node could be reached or answered garbage. Transport
 * errors, HTTP 429/5xx and malformed answers fail over to the next URL and are
 * retried with back-off; JSON-RPC errors are answers and are not retried. */
int ethRpcCall(ethRpc *r, const char *method, json_t *params, json_t **result, char *err);

/* ethRpcShowUrl: the URL as it may appear in messages and logs: scheme and
 * host only, since providers put API keys in the path or user:password@. */
void ethRpcShowUrl(const char *url, char out[ETH_RPC_SHOWN_MAX]);

/* ethRpcParse: parse one JSON-RPC 2.0 response body for request id. 0 and
 * *result; ETH_RPC_ENODE with *code, data, *cls and err (message sanitised to printable
 * ASCII; cls may be NULL); -1 + err for anything malformed. Never trusts the body's
 * size, nesting or types. (Exposed for the fuzz target.) */
int ethRpcParse(const char *body, size_t len, long id, json_t **result, int *code, buf *data,
                rpcNodeClass *cls, char *err);

/* rpcClassify: the kind of a node's JSON-RPC error from its code, its raw message and
 * the length of its hex error.data. The one place that reads a node's words: nodes
 * answer -32000 (or their own codes) for all of these and differ only in wording
 * (geth, anvil, Erigon, Besu, Nethermind, OpenEthereum spellings, case-insensitive;
 * each is listed in tests/unit/test_chain_rpc.c). Code 3 or revert data is
 * RPC_NODE_REVERT whatever the message says. */
rpcNodeClass rpcClassify(int code, const char *message, size_t dataLen);

/* Ethereum quantities and data as JSON strings. */
int ethQty(const json_t *v, uint64_t *out, char *err);              /* "0x1a" -> 26; <= 64 bits */
void ethQtyStr(uint64_t v, char out[19]);                           /* 26 -> "0x1a" */
int ethDataFixed(const json_t *v, uint8_t *out, size_t n, char *err); /* "0x" + 2n hex */
int ethData(const json_t *v, buf *out, char *err);                  /* "0x" + any even hex */
json_t *ethDataJson(const uint8_t *p, size_t n);                    /* bytes -> "0x..." string */

#endif
