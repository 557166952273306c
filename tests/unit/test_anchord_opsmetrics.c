/* test_anchord_opsmetrics.c -- the counters the alerts rely on are counted where the
 * events happen: s3_conflicts_total by the store (a real If-None-Match refusal of the
 * file store), rpc_errors_total{kind} by the RPC client (a refused TCP connection on
 * 127.0.0.1 and an HTTP 5xx would both fail over; here the transport case). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "anchord/queue/didreg.h"
#include "anchord/chain/eth.h"
#include "anchord/ops/metrics.h"
#include "anchord/store/store.h"
#include "tests/unit/t.h"

/* A counting registry: knows one SCID, answers -1 for "down". */
static int calls;
static int fakeLookup(const didRegistry *r, queue *q, const char *scid, didInfo *out, char *err) {
    calls++;
    if (!strcmp(scid, "down")) return errSet(err, "redis down");
    if (strcmp(scid, "known")) return 0;
    memset(out, 0, sizeof *out);
    snprintf(out->did, sizeof out->did, "did:webvh:known:example.com");
    return 1;
}

static void testCache(void) {
    didRegistry inner = {fakeLookup, NULL};
    didRegistry *c = didregCache(&inner, 200);
    didInfo *d = malloc(sizeof *d);
    char err[ERR_MAX];
    T_CHECK(c->lookup(c, NULL, "known", d, err) == 1 && calls == 1, "first lookup asks the registry");
    T_CHECK(c->lookup(c, NULL, "known", d, err) == 1 && calls == 1 && !strcmp(d->did, "did:webvh:known:example.com"),
            "second answered from the cache");
    T_CHECK(c->lookup(c, NULL, "unknown", d, err) == 0 && c->lookup(c, NULL, "unknown", d, err) == 0 && calls == 3,
            "unknown DIDs are not cached (a registration shows at once)");
    T_CHECK(c->lookup(c, NULL, "down", d, err) < 0 && strstr(err, "down"), "errors pass through");
    usleep(250000);
    calls = 0;
    T_CHECK(c->lookup(c, NULL, "known", d, err) == 1 && calls == 1, "expired after the TTL: asks again");
    free(d);
    didregCacheFree(c);
}

int main(void) {
    testCache();
    char err[ERR_MAX], dir[] = "/tmp/wa-opsm-XXXXXX", url[64];
    metricsInit();
    T_CHECK(mkdtemp(dir) != NULL, "temp dir");
    snprintf(url, sizeof url, "file://%s", dir);
    store *s = storeOpen(url, NULL, err);
    T_CHECK(s != NULL, "file store: %s", err);
    T_CHECK(storePut(s, "a/did.jsonl", "x\n", 2, STORE_PUT_IF_ABSENT, NULL, NULL, err) == STORE_OK, "create");
    T_CHECK(metricsGet("s3_conflicts_total", NULL) == 0, "no conflict yet");
    T_CHECK(storePut(s, "a/did.jsonl", "y\n", 2, STORE_PUT_IF_ABSENT, NULL, NULL, err) == STORE_CONFLICT, "second create conflicts");
    T_CHECK(metricsGet("s3_conflicts_total", NULL) == 1, "s3_conflicts_total counted by the store");
    storeReq rq[2] = {{.key = "a/did.jsonl", .data = "z", .len = 1, .cond = STORE_PUT_IF_MATCH, .ifMatch = "nope"},
                      {.key = "b/did.jsonl", .data = "z", .len = 1, .cond = STORE_PUT_IF_ABSENT}};
    T_CHECK(storePutMany(s, rq, 2, err) == 0 && rq[0].rc == STORE_CONFLICT && rq[1].rc == STORE_OK, "put-many: %s", err);
    T_CHECK(metricsGet("s3_conflicts_total", NULL) == 2, "put-many conflicts counted too");
    storeDelete(s, "a/did.jsonl", err);
    storeDelete(s, "b/did.jsonl", err);
    storeClose(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_CHECK(system(cmd) == 0, "cleanup");

    ethRpc r;
    json_t *res = NULL;
    T_CHECK(ethRpcInit(&r, "http://127.0.0.1:1", err) == 0, "rpc init");
    r.onError = ethRpcMetrics;   /* what ethOpen installs */
    r.attempts = 2;
    r.backoffMs = 0;
    T_CHECK(ethRpcCall(&r, "eth_chainId", NULL, &res, err) == ETH_RPC_EDOWN, "port 1 refused: %s", err);
    T_CHECK(metricsGet("rpc_errors_total", "transport") == 2, "two transport errors (one per attempt)");
    T_CHECK(metricsGet("rpc_errors_total", "unreachable") == 1, "one unreachable call");
    ethRpcFree(&r);
    return T_DONE();
}
