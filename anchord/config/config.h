/* config.h -- anchord settings: embedded defaults < config file < environment.
 *
 * Every setting has a name (WA_*), a default, a one-line description and a
 * validator. Secrets never come from here as values: only key FILE paths
 * (read with configSecret -> core/io/secret, mode 0600) or the WA_*_KEY environment
 * variables. */
#ifndef WA_CONFIG_H
#define WA_CONFIG_H
#include <stdio.h>
#include "core/buf.h"

#define CONFIG_STR_MAX  512
#define CONFIG_FILE_MAX (64 * 1024)

typedef struct config {
    char redisUrl[CONFIG_STR_MAX];       /* WA_REDIS_URL */
    char store[CONFIG_STR_MAX];          /* WA_STORE */
    char rpcUrls[CONFIG_STR_MAX * 2];    /* WA_RPC_URLS, comma separated */
    long long chainId;                   /* WA_CHAIN_ID */
    char contract[64];                   /* WA_CONTRACT, 0x + 40 hex or "" */
    long long confirmations;             /* WA_CONFIRMATIONS */
    long long rpcTimeoutMs;              /* WA_RPC_TIMEOUT_MS */
    long long rpcAttempts;               /* WA_RPC_ATTEMPTS */
    long long rpcBackoffMs;              /* WA_RPC_BACKOFF_MS */
    long long gasMarginPct;              /* WA_GAS_MARGIN_PCT */
    long long gasLimit;                  /* WA_GAS_LIMIT, 0 = estimate */
    long long maxFeeGwei;                /* WA_MAX_FEE_GWEI */
    long long minPriorityFeeWei;         /* WA_MIN_PRIORITY_FEE_WEI */
    long long txBumpSeconds;             /* WA_TX_BUMP_SECONDS */
    long long txTimeoutSeconds;          /* WA_TX_TIMEOUT_SECONDS */
    long long pollMs;                    /* WA_POLL_MS */
    char relayerKeyFile[CONFIG_STR_MAX]; /* WA_RELAYER_KEY_FILE */
    char publisherKeyFile[CONFIG_STR_MAX]; /* WA_PUBLISHER_KEY_FILE */
    char witnessKeyFile[CONFIG_STR_MAX]; /* WA_WITNESS_KEY_FILE, "" = the publisher key */
    char previousKeyFile[CONFIG_STR_MAX]; /* WA_PREVIOUS_PUBLISHER_KEY_FILE, "" = none */
    long long loopIntervalMs;            /* WA_LOOP_INTERVAL (duration), anchord run --loop */
    long long buildThreads;              /* WA_BUILD_THREADS, 0 = one per CPU */
    long long batchMemory;               /* WA_BATCH_MEMORY bytes of DID objects a batch holds at once */
    long long storeParallel;             /* WA_STORE_PARALLEL */
    long long storeRetries;              /* WA_STORE_RETRIES */
    long long storeTrace;                /* WA_STORE_TRACE: 0 or 1 */
    char storeCors[8];                   /* WA_STORE_CORS: "ensure" or "off" */
    char domain[256];                    /* WA_DOMAIN, did:webvh host[%3Aport] */
    char prefix[256];                    /* WA_PREFIX */
    long long batchMaxEvents;            /* WA_BATCH_MAX_EVENTS */
    long long batchMaxWaitMs;            /* WA_BATCH_MAX_WAIT (duration) */
    long long leaseTtlMs;                /* WA_LEASE_TTL_MS */
    char listen[128];                    /* WA_LISTEN host:port */
    long long maxBody;                   /* WA_MAX_BODY bytes */
    long long maxEvent;                  /* WA_MAX_EVENT bytes of an event's canonical (JCS) form */
    long long didBudget;                 /* WA_DID_BUDGET bytes of a DID's did.jsonl + witness.json + did-witness.json + did.json */
    long long rateLimit;                 /* WA_RATE_LIMIT events per DID per minute, 0 = off */
    long long streamShards;              /* WA_STREAM_SHARDS */
    char redisWaitReplicas[8];           /* WA_REDIS_WAIT_REPLICAS: auto or 0..16 (configRedisWaitReplicas) */
    long long redisWaitMs;               /* WA_REDIS_WAIT_MS */
    long long maxSkewMs;                 /* WA_MAX_SKEW: how far in the future an event time may be */
    long long maxAgeMs;                  /* WA_MAX_AGE: how old an event time may be, 0 = no limit */
    long long httpThreads;               /* WA_HTTP_THREADS */
    long long registryCacheMs;           /* WA_REGISTRY_CACHE (duration, 0 = off) */
    long long httpMaxConns;              /* WA_HTTP_MAX_CONNS */
    long long httpMaxConnsPerIp;         /* WA_HTTP_MAX_CONNS_PER_IP */
    long long httpTimeoutMs;             /* WA_HTTP_TIMEOUT (duration) */
    long long reclaimIdleMs;             /* WA_RECLAIM_IDLE (duration) */
    char metricsTextfile[CONFIG_STR_MAX];/* WA_METRICS_TEXTFILE, "" = off */
    char logLevel[16];                   /* WA_LOG_LEVEL */
    char crashAt[64];                    /* WA_CRASH_AT (tests only) */
} config;

/* configDefaults: fill c with the embedded defaults (always valid). */
void configDefaults(config *c);

/* configLoad: defaults, then the KEY=VALUE file at path (NULL: $WA_CONFIG,
 * none if unset), then the environment (wins). Stops at the first bad setting
 * with a message naming it. 0 / -1 + err. */
int configLoad(config *c, const char *path, char *err);

/* configParseText: apply KEY=VALUE lines (# comments, blank lines, optional
 * quotes around the value) of a config file to c. Unknown keys and secret
 * values are errors; origin names the file in messages. 0 / -1 + err. */
int configParseText(config *c, const char *text, size_t len, const char *origin, char *err);

/* configSet: validate and apply one setting by name. 0 / -1 + err. */
int configSet(config *c, const char *name, const char *value, char *err);

/* configHelp: every setting with its default and description (anchord --help). */
void configHelp(FILE *f);

/* configPrint: the effective settings as KEY=VALUE lines a config file accepts
 * (durations in ms); secret variables only as set / not set. */
void configPrint(FILE *f, const config *c);

/* configSecret: a key ("RELAYER", "PUBLISHER", "PREVIOUS_PUBLISHER" or "WITNESS") from the 0600 file
 * WA_<who>_KEY_FILE or from $WA_<who>_KEY: core/io/secret.h's secretRead (both set is an
 * error; the environment copy is zeroed and unset once read). The caller wipes out with
 * bufWipe. 1 when found, 0 when neither is set (out empty), -1 + err (never containing
 * the secret). */
int configSecret(const config *c, const char *who, buf *out, char *err);

/* configKeyFile: the *_KEY_FILE setting of a key ("RELAYER", "PUBLISHER",
 * "PREVIOUS_PUBLISHER", "WITNESS"): a path, a pkcs11: URI (anchord/keys/svckey.h) or
 * ""; NULL for another name. */
const char *configKeyFile(const config *c, const char *who);

struct edKey;
/* configEdKey: the Ed25519 key `who` from its file or environment (configSecret),
 * a didlog key file (JSON Multikey) or a bare private multikey "z..."; origin
 * names it in messages ("publisher key"). Not for pkcs11: URIs (svcKeyOpen).
 * 1 loaded (the caller wipes with edKeyWipe), 0 not set, -1 + err. */
int configEdKey(const config *c, const char *who, const char *origin, struct edKey *k, char *err);

/* configDuration: parse "250ms", "30s", "5m", "1h" or plain seconds into ms. */
int configDuration(const char *s, long long *ms);

/* configRedisWaitReplicas: WA_REDIS_WAIT_REPLICAS as queueSetWait takes it (auto = -1). */
int configRedisWaitReplicas(const config *c);

#endif
