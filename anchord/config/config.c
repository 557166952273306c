/* config.c -- anchord settings table: defaults, config file, environment, validators. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/edkey.h"
#include "core/io/file.h"
#include "core/io/net.h"
#include "core/io/secret.h"
#include "didlog/didurl.h"
#include "didlog/key.h"
#include "anchord/ops/log.h"
#include "anchord/config/config.h"
#include "verifier/chain/ethaddr.h"
#include "verifier/chain/ethrpc.h"
#include "anchord/queue/queue.h"
#include "anchord/store/store.h"

enum { S_STR, S_INT, S_DUR };

/* A validator may rewrite v in place (cap bytes) into its normal form;
 * it returns 0 or -1 with the reason in why. */
typedef int (*validFn)(char *v, size_t cap, char *why);

typedef struct setting {
    const char *name, *def, *desc;
    int type;
    size_t off, size;
    long long min, max;   /* S_INT / S_DUR bounds (ms for durations) */
    validFn valid;        /* S_STR only */
} setting;

#define STR(f, v) S_STR, offsetof(config, f), sizeof(((config *)0)->f), 0, 0, v
#define INT(f, lo, hi) S_INT, offsetof(config, f), 0, lo, hi, NULL
#define DUR(f, lo, hi) S_DUR, offsetof(config, f), 0, lo, hi, NULL

static int vRedis(char *v, size_t cap, char *why);
static int vStore(char *v, size_t cap, char *why);
static int vWait(char *v, size_t cap, char *why);
static int vRpc(char *v, size_t cap, char *why);
static int vContract(char *v, size_t cap, char *why);
static int vDomain(char *v, size_t cap, char *why);
static int vPrefix(char *v, size_t cap, char *why);
static int vListen(char *v, size_t cap, char *why);
static int vLevel(char *v, size_t cap, char *why);
static int vCrash(char *v, size_t cap, char *why);
static int vPath(char *v, size_t cap, char *why);
static int vCors(char *v, size_t cap, char *why);

static const setting settings[] = {
    {"WA_REDIS_URL", "redis://127.0.0.1:6379", "Redis: one server redis://[:password@]host:port[/db], or a Redis Cluster's seeds redis://[:password@]h1:p1,h2:p2,... (docs/redis-cluster.md)", STR(redisUrl, vRedis)},
    {"WA_STORE", "file://./public", "object store: file://DIR, s3://BUCKET[/PREFIX] (AWS_* env) or azblob://ACCOUNT/CONTAINER[/PREFIX] (AZURE_STORAGE_* env)", STR(store, vStore)},
    {"WA_RPC_URLS", "http://127.0.0.1:8545", "Ethereum JSON-RPC URLs (at most 8), comma separated, fail-over in order", STR(rpcUrls, vRpc)},
    {"WA_CHAIN_ID", "31337", "chain id the RPC must report; checked before anything is signed (Sepolia 11155111)", INT(chainId, 1, 9007199254740991LL)},
    {"WA_CONTRACT", "", "WitnessAnchorRegistry address (0x + 40 hex, EIP-55 checksum if mixed case)", STR(contract, vContract)},
    {"WA_CONFIRMATIONS", "1", "blocks the anchor transaction must have, its own included, before publishing", INT(confirmations, 1, 1000)},
    {"WA_RPC_TIMEOUT_MS", "10000", "timeout of one JSON-RPC request in ms", INT(rpcTimeoutMs, 100, 600000)},
    {"WA_RPC_ATTEMPTS", "3", "rounds over all RPC URLs before giving up", INT(rpcAttempts, 1, 100)},
    {"WA_RPC_BACKOFF_MS", "250", "first pause between rounds in ms (doubling, +50% jitter, cap 10 s)", INT(rpcBackoffMs, 0, 60000)},
    {"WA_GAS_MARGIN_PCT", "25", "percent added to eth_estimateGas", INT(gasMarginPct, 0, 500)},
    {"WA_GAS_LIMIT", "0", "fixed gas limit instead of estimating, 0 = estimate", INT(gasLimit, 0, 100000000)},
    {"WA_MAX_FEE_GWEI", "200", "hard cap on the max fee per gas in gwei (nothing is sent above it)", INT(maxFeeGwei, 1, 1000000)},
    {"WA_MIN_PRIORITY_FEE_WEI", "100000000", "floor of the priority fee (tip) in wei", INT(minPriorityFeeWei, 0, 1000000000000LL)},
    {"WA_TX_BUMP_SECONDS", "90", "replace a transaction unmined this long, fees +12.5%", INT(txBumpSeconds, 1, 86400)},
    {"WA_TX_TIMEOUT_SECONDS", "1800", "give up waiting for mining + confirmations (exit 7; the tx may still mine)", INT(txTimeoutSeconds, 1, 604800)},
    {"WA_POLL_MS", "1000", "receipt / block polling interval in ms", INT(pollMs, 10, 60000)},
    {"WA_RELAYER_KEY_FILE", "", "file (mode 0600) with the secp256k1 key paying for anchor(), hex, or a pkcs11: URI (docs/hsm.md); or env WA_RELAYER_KEY", STR(relayerKeyFile, vPath)},
    {"WA_PUBLISHER_KEY_FILE", "", "file (mode 0600) with the Ed25519 update key signing log entries (didlog keygen), or a pkcs11: URI; or env WA_PUBLISHER_KEY", STR(publisherKeyFile, vPath)},
    {"WA_PREVIOUS_PUBLISHER_KEY_FILE", "", "file (mode 0600) or pkcs11: URI of the publisher key being rotated out (docs/operations.md); or env WA_PREVIOUS_PUBLISHER_KEY; empty = no rotation", STR(previousKeyFile, vPath)},
    {"WA_WITNESS_KEY_FILE", "", "file (mode 0600) or pkcs11: URI of the Ed25519 witness key (did:key in genesis logs); or env WA_WITNESS_KEY; empty = the publisher key", STR(witnessKeyFile, vPath)},
    {"WA_STORE_PARALLEL", "32", "object store requests in flight while publishing", INT(storeParallel, 1, 256)},
    {"WA_STORE_RETRIES", "5", "object store (S3, Azure): extra attempts of a request after a transient failure (5xx, 408, 429, timeout), with jittered back-off", INT(storeRetries, 0, 20)},
    {"WA_STORE_TRACE", "0", "debug: 1 = one stderr line per object-store HTTP attempt (status, error code, attempt, new connections)", INT(storeTrace, 0, 1)},
    {"WA_STORE_CORS", "ensure", "bucket CORS rule at start-up: ensure (any origin may GET and read the ETag; set when the bucket has no rule, refuse a rule that blocks readers) or off (the CDN adds CORS)", STR(storeCors, vCors)},
    {"WA_LOOP_INTERVAL", "10s", "pause between batches of anchord run --loop", DUR(loopIntervalMs, 0, 86400000)},
    {"WA_BUILD_THREADS", "0", "threads that verify and build log entries, 0 = one per CPU", INT(buildThreads, 0, 256)},
    {"WA_BATCH_MEMORY", "134217728", "bytes of DID objects (did.jsonl, witness.json, did-witness.json, old and new) anchord run holds at once: a batch over more is built and published in chunks of DIDs, those beyond it read again to publish (docs/pipeline.md \"Memory\")", INT(batchMemory, 1048576, 68719476736LL)},
    {"WA_DOMAIN", "localhost%3A8080", "did:webvh host of published DIDs (host or host:port)", STR(domain, vDomain)},
    {"WA_PREFIX", ".well-known/did", "object key prefix of the DID folders", STR(prefix, vPrefix)},
    {"WA_BATCH_MAX_EVENTS", "12000", "most events one batch anchors", INT(batchMaxEvents, 1, 1000000)},
    {"WA_BATCH_MAX_WAIT", "2s", "longest wait for events to fill a batch (250ms, 30s, 5m)", DUR(batchMaxWaitMs, 0, 3600000)},
    {"WA_LEASE_TTL_MS", "60000", "worker lease lifetime in ms (renewed while working)", INT(leaseTtlMs, 1000, 3600000)},
    {"WA_LISTEN", "127.0.0.1:8080", "ingest API address host:port", STR(listen, vListen)},
    {"WA_MAX_BODY", "65536", "largest request body in bytes (413 above)", INT(maxBody, 1024, 16777216)},
    {"WA_MAX_EVENT", "16384", "largest event in bytes of its canonical (JCS) form: refused at ingest (413 too_large), dead-lettered by the worker", INT(maxEvent, 256, 16777216)},
    {"WA_DID_BUDGET", "4194304", "most bytes one DID's did.jsonl + witness.json + did-witness.json + did.json may hold together (did:webvh resolvers accept ~5 MiB); ingest refuses what would not fit (413 budget_exceeded), the worker never publishes beyond it", INT(didBudget, 65536, 67108864)},
    {"WA_RATE_LIMIT", "600", "accepted events per DID per minute, 0 = no limit (429 above)", INT(rateLimit, 0, 1000000000)},
    {"WA_STREAM_SHARDS", "1", "number of Redis stream shards (hash tags {sN})", INT(streamShards, 1, 1024)},
    {"WA_REDIS_WAIT_REPLICAS", "auto", "replicas (0..16) an accepted event (202) and a journal write must reach (Redis WAIT) before they count as done, else 503 / the batch stops; auto = 1 on a Redis Cluster, 0 on a single Redis (docs/redis-cluster.md)", STR(redisWaitReplicas, vWait)},
    {"WA_REDIS_WAIT_MS", "500", "how long WAIT waits for WA_REDIS_WAIT_REPLICAS in ms", INT(redisWaitMs, 1, 60000)},
    {"WA_MAX_SKEW", "5m", "how far in the future an event time may lie", DUR(maxSkewMs, 0, 86400000)},
    {"WA_MAX_AGE", "30d", "how old an event time may be, 0 = no limit", DUR(maxAgeMs, 0, 3153600000000LL)},
    {"WA_HTTP_THREADS", "8", "ingest worker threads (more than cores: each waits on Redis round trips)", INT(httpThreads, 1, 256)},
    {"WA_REGISTRY_CACHE", "1s", "how long ingest may reuse a DID's keys read from Redis, 0 = always read (a key rotated out is then caught by the worker)", DUR(registryCacheMs, 0, 60000)},
    {"WA_HTTP_MAX_CONNS", "1024", "concurrent ingest connections", INT(httpMaxConns, 1, 100000)},
    {"WA_HTTP_MAX_CONNS_PER_IP", "128", "concurrent ingest connections from one client address, 0 = no cap (raise it behind a proxy)",
     INT(httpMaxConnsPerIp, 0, 100000)},
    {"WA_HTTP_TIMEOUT", "10s", "idle time after which a slow client is dropped", DUR(httpTimeoutMs, 1000, 3600000)},
    {"WA_RECLAIM_IDLE", "120s", "pending time after which a dead worker's events are reclaimed", DUR(reclaimIdleMs, 1000, 86400000)},
    {"WA_METRICS_TEXTFILE", "", "node-exporter textfile written after each run, empty = off", STR(metricsTextfile, vPath)},
    {"WA_LOG_LEVEL", "info", "debug, info, warn or error", STR(logLevel, vLevel)},
    {"WA_CRASH_AT", "", "TESTS ONLY: SIGKILL self at this batch state (or before:STATE)", STR(crashAt, vCrash)},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

/* Secret values are accepted from the environment only. */
static const char *secretEnv[] = {"WA_RELAYER_KEY", "WA_PUBLISHER_KEY", "WA_PREVIOUS_PUBLISHER_KEY", "WA_WITNESS_KEY",
                                  "WA_PKCS11_PIN"};

static const setting *findSetting(const char *name) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if (!strcmp(settings[i].name, name)) return &settings[i];
    return NULL;
}

/* configDuration: "250ms", "30s", "5m", "1h", "2d" or plain seconds -> ms. */
int configDuration(const char *s, long long *ms) {
    if (!s || !isdigit((unsigned char)*s)) return -1;
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (errno || n < 0) return -1;
    long long mul;
    if (!*end || !strcmp(end, "s")) mul = 1000;
    else if (!strcmp(end, "ms")) mul = 1;
    else if (!strcmp(end, "m")) mul = 60000;
    else if (!strcmp(end, "h")) mul = 3600000;
    else if (!strcmp(end, "d")) mul = 86400000;
    else return -1;
    if (n > INT64_MAX / mul) return -1;
    *ms = n * mul;
    return 0;
}

static int parseInt(const char *s, long long *out) {
    if (!*s || strlen(s) > 20) return -1;
    for (const char *p = s; *p; p++) if (!isdigit((unsigned char)*p)) return -1;
    errno = 0;
    *out = strtoll(s, NULL, 10);
    return errno ? -1 : 0;
}

/* configSet: validate value for name and store it into c. */
int configSet(config *c, const char *name, const char *value, char *err) {
    const setting *s = findSetting(name);
    if (!s) return errSet(err, "%s: unknown setting (see anchord --help)", name);
    if (strchr(value, '\n') || strchr(value, '\r'))
        return errSet(err, "%s: value must be one line", name);
    if (s->type == S_STR) {
        char tmp[CONFIG_STR_MAX * 2], why[ERR_MAX] = "";
        if (strlen(value) >= s->size || strlen(value) >= sizeof tmp)
            return errSet(err, "%s: longer than %zu bytes", name, s->size - 1);
        strcpy(tmp, value);
        if (*tmp && s->valid && s->valid(tmp, s->size, why) < 0)
            return errSet(err, "%s: %s (got \"%.80s\")", name, why, value);
        memcpy((char *)c + s->off, tmp, strlen(tmp) + 1);
        return 0;
    }
    long long v;
    if (s->type == S_INT ? parseInt(value, &v) : configDuration(value, &v))
        return errSet(err, "%s: not a %s (got \"%.80s\")", name,
                      s->type == S_INT ? "whole number" : "duration like 250ms, 30s, 5m", value);
    if (v < s->min || v > s->max)
        return errSet(err, "%s: %s out of range %lld..%lld%s", name, value, s->min, s->max,
                      s->type == S_DUR ? " ms" : "");
    *(long long *)((char *)c + s->off) = v;
    return 0;
}

void configDefaults(config *c) {
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NSETTINGS; i++) {
        char err[ERR_MAX];
        if (configSet(c, settings[i].name, settings[i].def, err) < 0) abort(); /* table bug */
    }
}

static int isSecretName(const char *k) {
    for (size_t i = 0; i < sizeof secretEnv / sizeof *secretEnv; i++)
        if (!strcmp(k, secretEnv[i])) return 1;
    return 0;
}

/* trim: strip ASCII blanks at both ends of [*s, *s+*n). */
static void trim(const char **s, size_t *n) {
    while (*n && isblank((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* configParseText: one KEY=VALUE per line; "#" starts a comment line. */
int configParseText(config *c, const char *text, size_t len, const char *origin, char *err) {
    size_t lineNo = 0, pos = 0;
    if (len > CONFIG_FILE_MAX) return errSet(err, "%s: larger than %d bytes", origin, CONFIG_FILE_MAX);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        lineNo++;
        trim(&line, &n);
        if (!n || *line == '#') continue;
        if (memchr(line, 0, n)) return errSet(err, "%s:%zu: NUL byte", origin, lineNo);
        const char *eq = memchr(line, '=', n);
        if (!eq) return errSet(err, "%s:%zu: expected KEY=VALUE", origin, lineNo);
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (vn >= 2 && (*v == '"' || *v == '\'') && v[vn - 1] == *v) v++, vn -= 2;
        char key[64], val[CONFIG_STR_MAX * 2];
        if (kn == 0 || kn >= sizeof key) return errSet(err, "%s:%zu: bad key", origin, lineNo);
        if (vn >= sizeof val) return errSet(err, "%s:%zu: value too long", origin, lineNo);
        memcpy(key, k, kn); key[kn] = 0;
        memcpy(val, v, vn); val[vn] = 0;
        if (isSecretName(key) && !strcmp(key, "WA_PKCS11_PIN"))
            return errSet(err, "%s:%zu: %s: secrets are not accepted in a config file; use pin-source=file:PATH "
                          "(mode 0600) in the pkcs11: URI", origin, lineNo, key);
        if (isSecretName(key))
            return errSet(err, "%s:%zu: %s: secrets are not accepted in a config file; use %s_FILE (mode 0600)",
                          origin, lineNo, key, key);
        char e2[ERR_MAX];
        if (configSet(c, key, val, e2) < 0) return errSet(err, "%s:%zu: %s", origin, lineNo, e2);
    }
    return 0;
}

int configLoad(config *c, const char *path, char *err) {
    configDefaults(c);
    if (!path || !*path) path = getenv("WA_CONFIG");
    if (path && *path) {
        buf b = BUF_INIT;
        if (fileRead(path, CONFIG_FILE_MAX, &b, err) < 0) { bufFree(&b); return -1; }
        int rc = configParseText(c, (const char *)b.p, b.len, path, err);
        bufFree(&b);
        if (rc < 0) return -1;
    }
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i].name);
        if (v && configSet(c, settings[i].name, v, err) < 0) return -1;
    }
    return 0;
}

void configHelp(FILE *f) {
    fprintf(f, "Settings (embedded default < file named by --config or WA_CONFIG < environment):\n"
               "  %-24s config file of KEY=VALUE lines (same as --config FILE); no secrets in it\n"
               "  %-24s   default: (none)\n", "WA_CONFIG", "");
    for (size_t i = 0; i < NSETTINGS; i++)
        fprintf(f, "  %-24s %s\n  %-24s   default: %s\n", settings[i].name, settings[i].desc, "",
                *settings[i].def ? settings[i].def : "(empty)");
    fprintf(f, "Secrets (environment only, never the config file; prefer the *_FILE settings):\n");
    for (size_t i = 0; i < sizeof secretEnv / sizeof *secretEnv; i++)
        fprintf(f, "  %-24s %s; zeroed and unset once read\n", secretEnv[i],
                strcmp(secretEnv[i], "WA_PKCS11_PIN") ? "key value" : "user PIN of a token holding keys named by pkcs11: URIs");
    fprintf(f, "Environment read by the S3 store (as the AWS CLI):\n"
               "  AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION (us-east-1)\n"
               "  AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 (S3-compatible servers; path-style then)\n"
               "  AWS_S3_ADDRESSING_STYLE (path|virtual)\n"
               "Environment read by the Azure Blob store (as the az CLI; docs/azure.md):\n"
               "  AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY\n"
               "  or AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_SERVICE_ENDPOINT (emulators)\n");
}

void configPrint(FILE *f, const config *c) {
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        const char *base = (const char *)c + s->off;
        const char *at = s->valid == vRedis ? strrchr(base, '@') : NULL;
        if (at) fprintf(f, "%s=redis://:(password not shown)%s\n", s->name, at);
        else if (s->type == S_STR) fprintf(f, "%s=%s\n", s->name, base);
        else fprintf(f, "%s=%lld%s\n", s->name, *(const long long *)base, s->type == S_DUR ? "ms" : "");
    }
    for (size_t i = 0; i < sizeof secretEnv / sizeof *secretEnv; i++) {
        const char *v = getenv(secretEnv[i]);
        fprintf(f, "# %s: %s\n", secretEnv[i], v && *v ? "set in the environment (not shown)" : "not set");
    }
}

const char *configKeyFile(const config *c, const char *who) {
    if (!strcmp(who, "RELAYER")) return c->relayerKeyFile;
    if (!strcmp(who, "PUBLISHER")) return c->publisherKeyFile;
    if (!strcmp(who, "WITNESS")) return c->witnessKeyFile;
    if (!strcmp(who, "PREVIOUS_PUBLISHER")) return c->previousKeyFile;
    return NULL;
}

int configSecret(const config *c, const char *who, buf *out, char *err) {
    char env[64];
    const char *path = configKeyFile(c, who);
    if (!path) return errSet(err, "configSecret: unknown key %s", who);
    snprintf(env, sizeof env, "WA_%s_KEY", who);
    return secretRead(env, path, out, err);
}

/* edKeyText: a didlog key file's JSON or a bare private multikey into k. */
static int edKeyText(const buf *b, const char *origin, struct edKey *k, char *err) {
    if (b->len && b->p[0] == '{') return keyParse((const char *)b->p, b->len, origin, k, err);
    char e[ERR_MAX];
    if (edKeyFromMultikey((const char *)b->p, k, e) < 0)
        return errSet(err, "%s: want a key file (didlog keygen) or a private multikey z...", origin);
    return 0;
}

int configEdKey(const config *c, const char *who, const char *origin, struct edKey *k, char *err) {
    buf b = BUF_INIT;
    int rc = configSecret(c, who, &b, err);
    if (rc > 0) rc = edKeyText(&b, origin, k, err) < 0 ? -1 : 1;
    bufWipe(&b);
    return rc;
}

/* ---- validators ---- */

/* vRedis: the queue's own URL parser decides (one way to read it). */
static int vRedis(char *v, size_t cap, char *why) {
    (void)cap;
    return queueUrlCheck(v, why);
}

/* vWait: WA_REDIS_WAIT_REPLICAS: auto or 0..16. */
static int vWait(char *v, size_t cap, char *why) {
    (void)cap;
    if (!strcmp(v, "auto")) return 0;
    if (!*v || strlen(v) > 2 || !isdigit((unsigned char)v[0]) || (v[1] && !isdigit((unsigned char)v[1])) || atoi(v) > 16)
        return errSet(why, "want auto or a number of replicas 0..16");
    return 0;
}

int configRedisWaitReplicas(const config *c) {
    return strcmp(c->redisWaitReplicas, "auto") ? atoi(c->redisWaitReplicas) : -1;
}

/* vStore: the store's own URL parser decides (one way to read it). */
static int vStore(char *v, size_t cap, char *why) {
    (void)cap;
    return storeUrlCheck(v, why);
}

/* vRpc: the RPC client's own URL-list parser decides (one way to read it). */
static int vRpc(char *v, size_t cap, char *why) {
    ethRpc r;
    char e[ERR_MAX];
    if (ethRpcUrls(&r, v, e) < 0) return errSet(why, "%s", e);
    ethRpcFree(&r);
    return 0;
}

static int vContract(char *v, size_t cap, char *why) {
    uint8_t a[ETH_ADDR_LEN];
    return ethAddrParse(v, a, why);
}

/* vDomain: didlog/didurl.h's one rule of a DID domain (didDomain: lowercase host, port
 * 1..65535; didTemplate: it makes a valid DID, so no IP literal); "host:port" is
 * rewritten to did:webvh's "host%3Aport". */
static int vDomain(char *v, size_t cap, char *why) {
    char dom[DID_DOMAIN_MAX];
    buf tmpl = BUF_INIT;
    int rc = didTemplate(v, "", DID_LOCALHOST, &tmpl, why);
    bufFree(&tmpl);
    if (rc < 0 || didDomain(v, dom, why) < 0) return -1;
    if (strlen(dom) >= cap) return errSet(why, "too long");
    strcpy(v, dom);
    return 0;
}

/* vPrefix: object keys safe in every store (these characters, no "..", no empty part,
 * not the store's internal "_wa/"), and DID path segments didTemplate accepts. */
static int vPrefix(char *v, size_t cap, char *why) {
    if (*v == '/' || v[strlen(v) - 1] == '/') return errSet(why, "no leading or trailing '/'");
    if (strstr(v, "..") || strstr(v, "//")) return errSet(why, "no '..' or empty segments");
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-/", *p)) return errSet(why, "may hold A-Z a-z 0-9 . _ - / only");
    if (strcspn(v, "/") == 3 && !strncmp(v, STORE_INTERNAL, 3))   /* "_wa": internal objects, never served */
        return errSet(why, "%s is reserved for the store's internal objects (docs/store.md)", STORE_INTERNAL);
    buf tmpl = BUF_INIT;
    int rc = didTemplate("example.com", v, 0, &tmpl, why);
    bufFree(&tmpl);
    return rc;
}

/* vListen: core/io/net.h's listen-address rule (what serve binds with). */
static int vListen(char *v, size_t cap, char *why) { return netListenParse(v, NULL, why); }

/* vLevel: the log's own level names (logLevelParse). */
static int vLevel(char *v, size_t cap, char *why) {
    return logLevelParse(v) < 0 ? errSet(why, "must be debug, info, warn or error") : 0;
}

static int vCors(char *v, size_t cap, char *why) {
    if (strcmp(v, "ensure") && strcmp(v, "off")) return errSet(why, "must be ensure or off");
    return 0;
}

static int vCrash(char *v, size_t cap, char *why) {
    const char *s = !strncmp(v, "before:", 7) ? v + 7 : v;
    if (journalStateIndex(s) < 0)
        return errSet(why, "must be a batch state (claimed built staged submitted confirmed published acked), optionally before:STATE");
    return 0;
}

static int vPath(char *v, size_t cap, char *why) {
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20) return errSet(why, "control character in path");
    return 0;
}
