/* ethrpc.c -- Ethereum JSON-RPC client (read by didverify, used by anchord): one HTTP client kept per ethRpc, bounded bodies, fail-over and back-off. */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "verifier/chain/ethrpc.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/io/http.h"

#define BACKOFF_CAP_MS 10000

/* wipeStr: zero the string s and free it (NULL is fine): URLs may carry user:password@. */
static void wipeStr(char *s) {
    if (!s) return;
    sodium_memzero(s, strlen(s));
    free(s);
}

/* notHttp: the error for the n bytes at p that are not an http(s) URL, the URL shown
 * only in ethRpcShowUrl's form (no user:password@, no path). Returns -1. */
static int notHttp(const char *p, size_t n, char *err) {
    char *u = strndup(p, n), shown[ETH_RPC_SHOWN_MAX];
    if (!u) return errSet(err, "out of memory");
    ethRpcShowUrl(u, shown);
    wipeStr(u);
    return errSet(err, "WA_RPC_URLS: '%s' is not an http:// or https:// URL", shown);
}

int ethRpcUrls(ethRpc *r, const char *urls, char *err) {
    memset(r, 0, sizeof *r);
    r->timeoutMs = 10000;
    r->connectTimeoutMs = 3000;
    r->attempts = 3;
    r->backoffMs = 250;
    r->nextId = 1;
    const char *p = urls ? urls : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) { p++; n--; }
        while (n && isspace((unsigned char)p[n - 1])) n--;
        if (n) {
            if (r->nurls == ETH_RPC_MAX_URLS) { ethRpcFree(r); return errSet(err, "WA_RPC_URLS: more than %d URLs", ETH_RPC_MAX_URLS); }
            if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) {
                ethRpcFree(r);
                return notHttp(p, n, err);
            }
            if (!(r->urls[r->nurls++] = strndup(p, n))) { ethRpcFree(r); return errSet(err, "out of memory"); }
        }
        p = e ? e + 1 : p + strlen(p);
    }
    if (!r->nurls) return errSet(err, "WA_RPC_URLS: no RPC URL configured");
    return 0;
}

/* rpcCount: report one failure of the given kind to the owner's hook. */
static void rpcCount(const ethRpc *r, const char *kind) {
    if (r->onError) r->onError(kind);
}

int ethRpcInit(ethRpc *r, const char *urls, char *err) {
    if (ethRpcUrls(r, urls, err) < 0) return -1;
    if (!(r->http = httpClientNew(1, err))) { ethRpcFree(r); return -1; }
    return 0;
}

void ethRpcFree(ethRpc *r) {
    for (int i = 0; i < r->nurls; i++) { wipeStr(r->urls[i]); r->urls[i] = NULL; }
    r->nurls = 0;
    httpClientFree(r->http);
    r->http = NULL;
    bufFree(&r->lastData);
}

void ethRpcShowUrl(const char *url, char out[ETH_RPC_SHOWN_MAX]) {
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *at = strchr(host, '@'), *slash = strchr(host, '/');
    if (at && (!slash || at < slash)) host = at + 1;          /* drop user:password@ */
    size_t scheme = (size_t)(strstr(url, "://") ? strstr(url, "://") + 3 - url : 0);
    size_t hn = slash && slash > host ? (size_t)(slash - host) : strlen(host);
    snprintf(out, ETH_RPC_SHOWN_MAX, "%.*s%.*s%s", (int)scheme, url, (int)(hn > 64 ? 64 : hn), host,
             slash && slash[1] ? "/..." : "");
}

void ethRpcSetTransport(ethRpc *r, ethRpcPostFn fn, void *ctx) {
    r->post = fn;
    r->postCtx = ctx;
}

/* httpPost: one HTTP POST of req to url on r's client (the default ethRpcPostFn; ctx is
 * the ethRpc): a body of any status up to ETH_RPC_BODY_MAX, the connection kept. */
static int httpPost(void *ctx, const char *url, const char *req, size_t len, buf *body, long *status, char *err) {
    static const char *const headers[] = {"Content-Type: application/json", NULL};
    ethRpc *r = ctx;
    httpReq q = {.method = "POST", .url = url, .headers = headers, .data = req, .len = len,
                 .maxBody = ETH_RPC_BODY_MAX, .maxErrBody = ETH_RPC_BODY_MAX, .connectTimeoutMs = r->connectTimeoutMs,
                 .timeoutMs = r->timeoutMs, .allowHttp = 1, .noExpect = 1};
    if (httpDo(r->http, &q, err) < 0) return -1;
    int rc = 0;
    if (q.rc == HTTP_TOO_LARGE) rc = errSet(err, "response larger than %u bytes", ETH_RPC_BODY_MAX);
    else if (q.rc != HTTP_OK) rc = errSet(err, "%s", q.err);
    else {
        *status = q.status;
        bufFree(body);
        *body = q.body;
        q.body = (buf)BUF_INIT;
    }
    httpReqFree(&q);
    return rc;
}

/* sanitize: copy a node-supplied message keeping printable ASCII only. */
static void sanitize(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; s && *s && n + 1 < cap; s++) out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    out[n] = 0;
}

/* The node spellings rpcClassify knows, lower case, checked in this order. */
static const struct { const char *words; rpcNodeClass cls; } spellings[] = {
    {"already known", RPC_NODE_KNOWN},               /* geth, Erigon, anvil */
    {"known transaction", RPC_NODE_KNOWN},           /* older geth; Besu "Known transaction" */
    {"alreadyknown", RPC_NODE_KNOWN},                /* Nethermind "AlreadyKnown" */
    {"existing tx with same hash", RPC_NODE_KNOWN},  /* Erigon */
    {"already imported", RPC_NODE_KNOWN},            /* OpenEthereum */
    {"nonce too low", RPC_NODE_NONCE_LOW},           /* geth, Erigon, anvil; Besu "Nonce too low" */
    {"nonce is too low", RPC_NODE_NONCE_LOW},        /* OpenEthereum */
    {"oldnonce", RPC_NODE_NONCE_LOW},                /* Nethermind "OldNonce" */
    {"underpriced", RPC_NODE_UNDERPRICED},           /* geth, Erigon, anvil, Besu: "(replacement) transaction underpriced" */
    {"feetoolow", RPC_NODE_UNDERPRICED},             /* Nethermind "FeeTooLow", "FeeTooLowToCompete" */
    {"insufficient funds", RPC_NODE_FUNDS},          /* geth, Erigon, anvil */
    {"insufficientfunds", RPC_NODE_FUNDS},           /* Nethermind "InsufficientFunds" */
    {"upfront cost exceeds", RPC_NODE_FUNDS},        /* Besu "Upfront cost exceeds account balance" */
    {"revert", RPC_NODE_REVERT},                     /* "execution reverted" (most), Nethermind "Reverted" */
};

rpcNodeClass rpcClassify(int code, const char *message, size_t dataLen) {
    if (code == 3 || dataLen) return RPC_NODE_REVERT;
    for (size_t i = 0; message && i < sizeof spellings / sizeof *spellings; i++)
        if (strcasestr(message, spellings[i].words)) return spellings[i].cls;
    return RPC_NODE_OTHER;
}

int ethRpcParse(const char *body, size_t len, long id, json_t **result, int *code, buf *data,
                rpcNodeClass *cls, char *err) {
    json_error_t je;
    *result = NULL;
    if (len > ETH_RPC_BODY_MAX) return errSet(err, "response too large");
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) return errSet(err, "response is not JSON: %.80s", je.text);
    int rc = -1;
    json_t *jid = json_object_get(j, "id"), *res = json_object_get(j, "result"), *e = json_object_get(j, "error");
    const char *ver = json_string_value(json_object_get(j, "jsonrpc"));
    if (!json_is_object(j) || !ver || strcmp(ver, "2.0")) errSet(err, "response is not a JSON-RPC 2.0 object");
    else if (!json_is_integer(jid) || json_integer_value(jid) != id) errSet(err, "response id does not match the request");
    else if ((res != NULL) == (e != NULL)) errSet(err, "response must have exactly one of result and error");
    else if (res) { *result = json_incref(res); rc = 0; }
    else if (!json_is_object(e) || !json_is_integer(json_object_get(e, "code")) ||
             !json_is_string(json_object_get(e, "message")))
        errSet(err, "malformed JSON-RPC error object");
    else {
        char msg[ETH_RPC_MSG_MAX];
        const char *d = json_string_value(json_object_get(e, "data"));
        sanitize(json_string_value(json_object_get(e, "message")), msg, sizeof msg);
        *code = (int)json_integer_value(json_object_get(e, "code"));
        bufReset(data);
        if (d && !strncmp(d, "0x", 2) && strlen(d) <= 2 + 2 * 4096) bufPuts(data, d);
        if (cls) *cls = rpcClassify(*code, json_string_value(json_object_get(e, "message")), data->len);
        errSet(err, "%s (code %d)", msg, *code);
        rc = ETH_RPC_ENODE;
    }
    json_decref(j);
    return rc;
}

/* post: one request through r's transport. */
static int post(ethRpc *r, const char *url, const char *req, buf *body, long *status, char *err) {
    bufReset(body);
    *status = 0;
    if (r->post) return r->post(r->postCtx, url, req, strlen(req), body, status, err);
    return httpPost(r, url, req, strlen(req), body, status, err);
}

/* pause: the wait before round `round` (1 = the first retry): WA_RPC_BACKOFF_MS doubling
 * up to 10 s, plus up to half again as jitter (so that workers that failed together do
 * not retry together). */
static void pause(const ethRpc *r, int round) {
    const clockSrc *c = r->clock ? r->clock : &clockReal;
    c->sleepMs(c->ctx, clockBackoffMs(round, r->backoffMs, BACKOFF_CAP_MS, CLOCK_JITTER_HALF));
}

int ethRpcCall(ethRpc *r, const char *method, json_t *params, json_t **result, char *err) {
    long id = r->nextId++;
    r->lastCode = 0;
    r->lastClass = RPC_NODE_OTHER;
    bufReset(&r->lastData);
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
                            "method", method, "params", params ? params : json_array());
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text) return errSet(err, "%s: out of memory", method);
    buf body = BUF_INIT;
    char last[ERR_MAX] = "no attempt made";
    int rc = ETH_RPC_EDOWN;
    for (int round = 0; round < r->attempts && rc == ETH_RPC_EDOWN; round++) {
        if (round) pause(r, round);
        for (int k = 0; k < r->nurls && rc == ETH_RPC_EDOWN; k++) {
            const char *url = r->urls[r->cur];
            long status = 0;
            char e[ERR_MAX], shown[ETH_RPC_SHOWN_MAX];
            ethRpcShowUrl(url, shown);
            if (post(r, url, text, &body, &status, e) < 0) {
                snprintf(last, sizeof last, "%s: %.150s", shown, e);
                rpcCount(r, "transport");
            } else if (status == 429 || status >= 500) {
                snprintf(last, sizeof last, "%s: HTTP %ld", shown, status);
                rpcCount(r, "http");
            } else {
                rc = ethRpcParse((const char *)body.p, body.len, id, result, &r->lastCode, &r->lastData, &r->lastClass, e);
                if (rc == -1) {
                    snprintf(last, sizeof last, "%s: HTTP %ld, %.140s", shown, status, e);
                    rc = ETH_RPC_EDOWN;
                    rpcCount(r, "malformed");
                } else if (rc == ETH_RPC_ENODE) {
                    errSet(err, "%s: %s", method, e);
                    rpcCount(r, "node");   /* an answer, but an error one */
                }
            }
            if (rc == ETH_RPC_EDOWN) r->cur = (r->cur + 1) % r->nurls;   /* fail over */
        }
    }
    if (rc == ETH_RPC_EDOWN) rpcCount(r, "unreachable");
    if (rc == ETH_RPC_EDOWN)
        errSet(err, "%s: RPC unreachable after %d attempt(s) over %d URL(s); last: %.150s",
               method, r->attempts, r->nurls, last);
    free(text);
    bufFree(&body);
    return rc;
}

int ethQty(const json_t *v, uint64_t *out, char *err) {
    const char *s = json_string_value(v);
    if (!s || strncmp(s, "0x", 2) || !s[2]) return errSet(err, "expected a hex quantity");
    s += 2;
    while (s[0] == '0' && s[1]) s++;   /* tolerate leading zeros some nodes send */
    if (strlen(s) > 16) return errSet(err, "quantity wider than 64 bits");
    uint64_t x = 0;
    for (; *s; s++) {
        int d = hexDigit((unsigned char)*s);
        if (d < 0) return errSet(err, "quantity has a non-hex character");
        x = x << 4 | (uint64_t)d;
    }
    *out = x;
    return 0;
}

void ethQtyStr(uint64_t v, char out[19]) {
    snprintf(out, 19, "0x%llx", (unsigned long long)v);
}

int ethDataFixed(const json_t *v, uint8_t *out, size_t n, char *err) {
    const char *s = json_string_value(v);
    if (!s || strncmp(s, "0x", 2) || hexDecode(s, out, n) < 0)
        return errSet(err, "expected 0x + %zu hex characters", 2 * n);
    return 0;
}

int ethData(const json_t *v, buf *out, char *err) {
    const char *s = json_string_value(v);
    size_t n;
    if (!s || strncmp(s, "0x", 2)) return errSet(err, "expected 0x-prefixed hex data");
    uint8_t *p = hexDecodeAny(s, &n);
    if (!p) return errSet(err, "invalid hex data");
    bufReset(out);
    int rc = bufAppend(out, p, n);
    free(p);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

json_t *ethDataJson(const uint8_t *p, size_t n) {
    char *s = hexDup0x(p, n);
    if (!s) return NULL;
    json_t *j = json_string(s);
    free(s);
    return j;
}
