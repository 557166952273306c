/* cmd_run.c -- `anchord run`: per shard, take the lease, resume an unfinished batch,
 * then claim, build, stage, anchor, publish and acknowledge one new batch. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sodium.h>
#include "core/hex.h"
#include "core/json.h"
#include "core/io/clock.h"
#include "didlog/key.h"
#include "anchord/pipeline/batch.h"
#include "anchord/pipeline/btrace.h"
#include "anchord/cmd.h"
#include "anchord/ingest/genesis.h"
#include "anchord/chain/eth.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"
#include "anchord/keys/svckey.h"

static volatile sig_atomic_t stopFlag;
/* what pipeCtx.stop points to: SIGTERM (the handler) or a lost lease (the keeper thread)
 * set it, the main thread reads it: a C11 atomic (lock-free, so fine in a handler) */
static atomic_int stopReq;

static void onSignal(int sig) {
    (void)sig;
    stopFlag = 1;
    stopReq = 1;
}

/* ---- the lease keeper: renews in its own thread, so long steps (confirmations)
 * keep the lease; losing it stops the batch at the next step (and journal writes are
 * fenced by the lease in Redis anyway). ---- */

typedef struct keeper {
    queue *q;            /* its own connection: a queue is not thread-safe */
    int shard;
    char token[LEASE_TOKEN_MAX];
    long long ttlMs;
    int done, lost;      /* under mu; lost is read after the thread is joined */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} keeper;

static void *keeperRun(void *arg) {
    keeper *k = arg;
    char err[ERR_MAX];
    pthread_mutex_lock(&k->mu);
    while (!k->done) {
        clockCondWaitMs(&k->cv, &k->mu, k->ttlMs / 3);   /* monotonic: a clock step changes nothing */
        if (k->done) break;
        pthread_mutex_unlock(&k->mu);
        int rc = leaseRenew(k->q, k->shard, k->token, k->ttlMs, err);
        pthread_mutex_lock(&k->mu);
        if (rc == 0) {
            k->lost = 1;
            stopReq = 1;
            logKv(LL_ERROR, "lease lost: stopping after this step", "{s:I}", "shard", (json_int_t)k->shard);
            break;
        }
        if (rc < 0) logKv(LL_WARN, "lease renewal failed; retrying", "{s:s}", "detail", err);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

static int keeperStart(keeper *k, const config *cfg, int shard, const char *token, char *err) {
    memset(k, 0, sizeof *k);
    if (!(k->q = queueOpen(cfg->redisUrl, (int)cfg->streamShards, 5000, err))) return -1;
    k->shard = shard;
    snprintf(k->token, sizeof k->token, "%s", token);
    k->ttlMs = cfg->leaseTtlMs;
    pthread_mutex_init(&k->mu, NULL);
    if (clockCondInit(&k->cv) != 0 || pthread_create(&k->th, NULL, keeperRun, k)) {
        queueClose(k->q);
        return errSet(err, "cannot start the lease thread");
    }
    return 0;
}

static void keeperStop(keeper *k) {
    pthread_mutex_lock(&k->mu);
    k->done = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->th, NULL);
    queueClose(k->q);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
}

/* ---- start-up ---- */

/* setupKeys: the publisher (update) and witness keys, in memory or in a token
 * (anchord/keys/svckey.h), and their public forms. */
static int setupKeys(pipeCtx *c, char *err) {
    if (svcKeysOpen(c->cfg, &c->pub, &c->wit, err) < 0) return -1;
    if (mkEncodeEd25519Pub(c->pub.pk, c->pubMk) < 0 || didkeyFromPub(c->wit.pk, c->witDid) < 0)
        return errSet(err, "cannot encode the public keys");
    if (didregMacKey(&c->pub, c->regKey, err) < 0) return -1;
    int rc = svcKeyOpen(c->cfg, "PREVIOUS_PUBLISHER", 1, &c->prev, NULL, err);
    if (rc < 0) return -1;
    if ((c->hasPrev = rc) && (mkEncodeEd25519Pub(c->prev.pk, c->prevMk) < 0 || !strcmp(c->prevMk, c->pubMk)))
        return errSet(err, "WA_PREVIOUS_PUBLISHER_KEY: must be another key than the publisher key");
    return 0;
}

/* ethSetup: the Ethereum client from the loaded settings; ethOpen checks the
 * chain id before the relayer key is loaded. */
static int ethSetup(const config *cfg, ethClient *eth, char *err) {
    if (!*cfg->contract) return errSet(err, "WA_CONTRACT is not set (deploy with `anchord deploy`)"), -CHAIN_ECONFIG;
    return ethOpen(eth, cfg, 1, NULL, err);
}

/* ---- one batch through the state machine ---- */

typedef struct runCtx {
    pipeCtx pc;
    ethClient eth;
    const char *token;
    batch *b;
    int64_t started;                   /* clockMonoMs */
    span bs;                           /* the batch's root span (btrace.h) */
    span ph;                           /* its open phase: claim, build, ... */
    const char *phName;
    int txSent;                        /* transactions signed in this anchor phase */
} runCtx;

/* phase: end the open phase span, start one named name (NULL: none) under the batch's;
 * log lines name the open one. */
static void phase(runCtx *r, const char *name) {
    spanEnd(&r->ph);
    r->phName = name;
    if (name) spanStart(&r->ph, name, SPAN_INTERNAL, &r->bs.ctx);
    traceSetCurrent(name ? &r->ph : &r->bs);
}

/* batchSpan: start the root span of a batch of shard (a new trace: btrace.h). */
static void batchSpan(runCtx *r, int shard, int resumed) {
    spanStart(&r->bs, "batch", SPAN_INTERNAL, NULL);
    spanAttrInt(&r->bs, "wa.shard", shard);
    if (resumed) spanAttrStr(&r->bs, "wa.resumed", "true");
    traceSetCurrent(&r->bs);
}

/* onSigned: journal the raw transaction BEFORE it is broadcast (every version). */
static int onSigned(void *ctx, const ethSentTx *s) {
    runCtx *r = ctx;
    char *raw = hexDup0x(s->raw, s->rawLen), hash[67], nonce[24], err[ERR_MAX];
    if (!raw) return -1;
    hexEncode0x(s->txHash, 32, hash);
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long)s->nonce);
    const char *kv[] = {"rawTx", raw, "txHash", hash, "nonce", nonce};
    int rc = batchJournal(&r->pc, r->b, r->token, JS_SUBMITTED, kv, 6, err);
    free(raw);
    if (rc < 0) logKv(LL_ERROR, "cannot journal the transaction; not sending it", "{s:s}", "detail", err);
    else logKv(LL_INFO, "transaction journaled", "{s:s,s:s,s:s}", "batch", r->b->j.id, "txHash", hash, "nonce", nonce);
    r->txSent++;
    if (rc >= 0 && r->phName && !strcmp(r->phName, "anchor")) {   /* signed and journaled: now sent and awaited */
        spanAttrStr(&r->ph, "eth.tx_hash", hash);
        phase(r, "confirm");
    }
    return rc;
}

/* anchor: anchor(root), or follow the journaled transaction; journal "confirmed". */
static int anchor(runCtx *r, char *err) {
    batch *b = r->b;
    int64_t t0 = clockMonoMs();
    ethAnchored a;
    int rc;
    const char *raw = journalField(&b->j, "rawTx");
    r->eth.onSigned = onSigned;
    r->eth.signedCtx = r;
    r->txSent = 0;
    phase(r, b->j.state == JS_SUBMITTED && raw ? "confirm" : "anchor");
    if (b->j.state == JS_SUBMITTED && raw) {
        size_t n = 0;
        uint8_t *tx = hexDecodeAny(raw, &n);
        if (!tx) return errSet(err, "journal %s: rawTx is not hex", b->j.id);
        logKv(LL_INFO, "following the journaled transaction", "{s:s,s:s}", "batch", b->j.id, "txHash",
              journalField(&b->j, "txHash") ? journalField(&b->j, "txHash") : "");
        rc = ethAnchorResume(&r->eth, b->root, tx, n, &a, err);
        free(tx);
        if (rc == -CHAIN_EREVERT) {   /* a reverted transaction changed nothing: send anew */
            logKv(LL_ERROR, "journaled transaction reverted; anchoring again", "{s:s,s:s}", "batch", b->j.id, "detail", err);
            ethReceiptFree(&a.rc);
            rc = ethAnchor(&r->eth, b->root, &a, err);
        }
    } else {
        rc = ethAnchor(&r->eth, b->root, &a, err);
    }
    if (rc) {   /* rpc_errors_total{kind} was counted by the RPC client, per failure (metrics.h) */
        ethReceiptFree(&a.rc);
        return -1;
    }
    b->batchId = a.batchId;
    b->blockNumber = a.rc.mined.blockNumber;
    b->chainId = r->eth.rd.chainId;
    memcpy(b->txHash, a.rc.mined.txHash, 32);
    memcpy(b->contract, r->eth.rd.contract, 20);
    ethReceiptFree(&a.rc);
    char bid[24], blk[24], tx[67];
    snprintf(bid, sizeof bid, "%llu", (unsigned long long)b->batchId);
    snprintf(blk, sizeof blk, "%llu", (unsigned long long)b->blockNumber);
    hexEncode0x(b->txHash, 32, tx);
    const char *kv[] = {"batchId", bid, "blockNumber", blk, "minedTxHash", tx};
    spanAttrStr(&r->ph, "eth.tx_hash", tx);   /* the one mined (a bump may have replaced the first) */
    spanAttrInt(&r->ph, "eth.block_number", (long long)b->blockNumber);
    spanAttrInt(&r->ph, "wa.chain.batch_id", (long long)b->batchId);
    spanAttrInt(&r->ph, "eth.tx_signed", r->txSent);
    if (batchJournal(&r->pc, b, r->token, JS_CONFIRMED, kv, 6, err) < 0) return -1;
    b->tAnchor = batchSince(t0);
    logKv(LL_INFO, "batch anchored", "{s:s,s:I,s:s,s:I,s:f}", "batch", b->j.id, "batchId", (json_int_t)b->batchId, "txHash",
          tx, "blockNumber", (json_int_t)b->blockNumber, "seconds", b->tAnchor);
    return 0;
}

/* chainFromJournal: batchId etc. of a batch confirmed before a crash. */
static int chainFromJournal(runCtx *r, char *err) {
    batch *b = r->b;
    const char *bid = journalField(&b->j, "batchId"), *blk = journalField(&b->j, "blockNumber"),
               *tx = journalField(&b->j, "minedTxHash");
    if (!bid || !blk || !tx || strlen(tx) != 66 || hexDecode(tx + 2, b->txHash, 32) < 0)
        return errSet(err, "journal %s: confirmed without batchId/blockNumber/txHash", b->j.id);
    b->batchId = strtoull(bid, NULL, 10);
    b->blockNumber = strtoull(blk, NULL, 10);
    b->chainId = r->eth.rd.chainId;
    memcpy(b->contract, r->eth.rd.contract, 20);
    return 0;
}

/* step: stop between steps on SIGTERM or a lost lease. */
static int stopped(runCtx *r, char *err) {
    if (!stopReq) return 0;
    return errSet(err, "%s at state %s; the next run resumes the batch",
                  stopFlag ? "stopped by signal" : "lease lost", journalStateName(r->b->j.state)), 1;
}

/* runSteps: drive b (new or resumed) to "acked", a phase span each. 0 done, -1 + err. */
static int runSteps(runCtx *r, batch *b, char *err) {
    r->b = b;
    r->started = clockMonoMs();
    pipeCtx *c = &r->pc;
    if (b->resumed && b->j.state < JS_PUBLISHED && batchReclaim(c, b, err) < 0) return -1;
    btraceLinks(&r->bs, b);
    if (b->j.state <= JS_BUILT) {   /* nothing durable yet: build (again) */
        phase(r, "build");
        if (batchBuild(c, r->token, b, err) < 0) return -1;
        if (stopped(r, err)) return -1;
        if (b->nleaves == 0) {   /* everything rejected: nothing to anchor */
            phase(r, "ack");
            if (batchAck(c, r->token, b, err) < 0) return -1;
            logKv(LL_INFO, "batch done: nothing to anchor", "{s:s,s:I}", "batch", b->j.id, "rejected", (json_int_t)b->nRejected);
            return 0;
        }
        phase(r, "stage");
        if (batchStage(c, r->token, b, err) < 0) return -1;
        if (stopped(r, err)) return -1;
    } else if (b->j.state < JS_PUBLISHED) {
        if (batchLoadStaging(c, b, err) < 0) return -1;
    }
    if (b->j.state == JS_STAGED || b->j.state == JS_SUBMITTED) {
        if (anchor(r, err) < 0) return -1;
        if (stopped(r, err)) return -1;
    } else if (b->j.state == JS_CONFIRMED && chainFromJournal(r, err) < 0) return -1;
    if (b->j.state == JS_CONFIRMED) {
        phase(r, "publish");
        if (b->resumed && batchReadObjects(c, b, err) < 0) return -1;
        if (batchPublish(c, r->token, b, err) < 0) return -1;
        if (stopped(r, err)) return -1;
    }
    phase(r, "ack");
    if (batchAck(c, r->token, b, err) < 0) return -1;
    phase(r, NULL);
    double secs = batchSince(r->started);
    if (b->batchId || b->nPublished) {
        metricsInc("batches_anchored_total", NULL, 1);
        metricsObserve("anchor_latency_seconds", secs);
        metricsInc("events_anchored_total", NULL, (double)b->nPublished);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    logKv(LL_INFO, "batch done", "{s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:I}", "batch", b->j.id, "batchId",
          (json_int_t)b->batchId, "published", (json_int_t)b->nPublished, "rejected", (json_int_t)b->nRejected,
          "unused", (json_int_t)b->nUnused, "readSeconds", b->tRead, "buildSeconds", b->tBuild, "stageSeconds",
          b->tStage, "anchorSeconds", b->tAnchor, "publishSeconds", b->tPublish, "ackSeconds", b->tAck,
          "seconds", secs, "maxRssKb", (json_int_t)ru.ru_maxrss);
    return 0;
}

/* runBatch: runSteps inside the batch's span (started by the caller), then the spans of
 * its events (btrace.h); the span ends here either way. */
static int runBatch(runCtx *r, batch *b, char *err) {
    int rc = runSteps(r, b, err);
    if (rc < 0) spanError(&r->ph, err);
    phase(r, NULL);
    if (b->batchId) {
        char tx[67];
        hexEncode0x(b->txHash, 32, tx);
        spanAttrStr(&r->bs, "eth.tx_hash", tx);
        spanAttrInt(&r->bs, "wa.chain.batch_id", (long long)b->batchId);
    }
    spanAttrInt(&r->bs, "wa.published", (long long)b->nPublished);
    spanAttrInt(&r->bs, "wa.rejected", (long long)b->nRejected);
    if (rc < 0) spanError(&r->bs, err);
    else btraceEvents(b, &r->bs);
    spanEnd(&r->bs);
    traceSetCurrent(NULL);
    return rc;
}

/* runShard: lease, resume every open batch, then one new batch. 0 ok / nothing to
 * do, -1 failed (the journal is left for the next run). */
static int runShard(runCtx *r, int shard, char *err) {
    pipeCtx *c = &r->pc;
    char token[LEASE_TOKEN_MAX];
    int got = leaseAcquire(c->q, shard, c->cfg->leaseTtlMs, token, err);
    if (got < 0) return -1;
    if (got == 0) {
        logKv(LL_INFO, "lease held by another worker; skipping shard", "{s:I}", "shard", (json_int_t)shard);
        return 0;
    }
    r->token = token;
    keeper k;
    if (keeperStart(&k, c->cfg, shard, token, err) < 0) { leaseRelease(c->q, shard, token, NULL); return -1; }
    int rc = 0;
    batch *b = calloc(1, sizeof *b);
    if (!b) rc = errSet(err, "out of memory");
    for (int resumed = 0; rc == 0 && !stopReq; resumed++) {   /* unfinished batches first */
        memset(b, 0, sizeof *b);
        int found = journalResumeFind(c->q, shard, &b->j, err);
        if (found < 0) { rc = -1; break; }
        if (!found) break;
        b->shard = shard;
        b->resumed = 1;
        batchSpan(r, shard, 1);
        logKv(LL_INFO, "resuming batch", "{s:s,s:s,s:I}", "batch", b->j.id, "state", journalStateName(b->j.state),
              "shard", (json_int_t)shard);
        rc = runBatch(r, b, err);
        batchFree(b);
    }
    if (rc == 0 && !stopReq) {
        int64_t t0 = clockMonoMs();
        batchSpan(r, shard, 0);
        phase(r, "claim");
        int claimed = batchClaim(c, shard, token, b, err);
        if (claimed <= 0) {   /* nothing claimed: no batch, no span (a failure is in the log) */
            spanDiscard(&r->ph);
            spanDiscard(&r->bs);
            traceSetCurrent(NULL);
        }
        if (claimed < 0) rc = -1;
        else if (claimed == 0) logKv(LL_INFO, "queue empty: nothing to anchor", "{s:I}", "shard", (json_int_t)shard);
        else {
            spanAttrStr(&r->bs, "wa.batch.id", b->j.id);
            logKv(LL_INFO, "batch claimed", "{s:s,s:I,s:I,s:I,s:f}", "batch", b->j.id, "shard", (json_int_t)shard,
                  "dids", (json_int_t)b->dids.n, "events", (json_int_t)b->events.n, "seconds", batchSince(t0));
            rc = runBatch(r, b, err);
        }
        batchFree(b);
    }
    free(b);
    keeperStop(&k);
    if (rc == 0 && k.lost) rc = errSet(err, "lease of shard %d lost", shard);
    if (!k.lost && leaseRelease(c->q, shard, token, err) < 0 && rc == 0)
        logKv(LL_WARN, "lease release failed (it expires by itself)", "{s:s}", "detail", err);
    return rc;
}

/* runMetrics: the outcome of one pass over the shards, for the textfile and the alerts
 * (docs/alerts.yml WitnessAnchorRunFailing): a failed pass counts in batches_failed_total,
 * a good one (done, nothing to do, or the lease held elsewhere) sets
 * batch_last_success_timestamp_seconds to now. */
static void runMetrics(int failed) {
    if (failed) metricsInc("batches_failed_total", NULL, 1);
    else metricsSet("batch_last_success_timestamp_seconds", NULL, (double)clockWallMs() / 1000.0);
}

static void usage(FILE *f) {
    fprintf(f, "usage: anchord run [--config FILE] [--loop]\n"
               "  Take each shard's lease, resume an unfinished batch, then claim, build, anchor and\n"
               "  publish one batch (DESIGN.md §1). --loop repeats every WA_LOOP_INTERVAL until SIGTERM.\n"
               "  0 done or nothing to do (or the lease is held elsewhere), 1 a batch failed or was\n"
               "  interrupted (the next run resumes it), 3 configuration, key or store refused, 4 Redis,\n"
               "  the store or the RPC unreachable, 5 the RPC node is on another chain.\n"
               "  Traces (OpenTelemetry, off by default): the OTEL_* environment (docs/tracing.md); each\n"
               "  queued event's trace is continued up to its publication.\n\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) |
                 EXIT_BIT(EXIT_UNAVAILABLE) | EXIT_BIT(EXIT_CHAIN));
}

/* openAll: keys, queue, store and chain client of a run. 0, or + err the exit code:
 * EXIT_CONFIG (settings, keys, a store that refuses them), EXIT_UNAVAILABLE (Redis, the
 * store or every RPC URL could not be reached), EXIT_CHAIN (the node is on another chain). */
static int openAll(runCtx *r, config *cfg, char *err) {
    pipeCtx *c = &r->pc;
    c->cfg = cfg;
    c->stop = &stopReq;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cfg->buildThreads > 0 ? (int)cfg->buildThreads : cpus > 0 ? (int)cpus : 1;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(c->consumer, sizeof c->consumer, "%.60s-%ld", host, (long)getpid());
    if (genesisDidPath(cfg->prefix, c->didPath, err) < 0) return EXIT_CONFIG;
    if (setupKeys(c, err) < 0) return EXIT_CONFIG;
    if (!(c->q = queueOpen(cfg->redisUrl, (int)cfg->streamShards, 5000, err))) return EXIT_CONFIG;
    queueSetWait(c->q, configRedisWaitReplicas(cfg), (int)cfg->redisWaitMs);   /* journal writes */
    if (queuePing(c->q, err) < 0) return EXIT_UNAVAILABLE;
    storeOpts so = {(int)cfg->storeParallel, (int)cfg->storeRetries, (int)cfg->storeTrace};
    if (!(c->st = storeOpen(cfg->store, &so, err))) return EXIT_CONFIG;
    char e[ERR_MAX];
    int probe = storeProbe(c->st, e);
    if (probe < 0) return errSet(err, "refusing to run: %s", e), probe == STORE_DOWN ? EXIT_UNAVAILABLE : EXIT_CONFIG;
    if (strcmp(cfg->storeCors, "off") && storeSetCors(c->st, e) != STORE_OK)
        return errSet(err, "refusing to run: bucket CORS: %s (WA_STORE_CORS=off if the CDN adds CORS itself)", e), EXIT_CONFIG;
    return exitOfEth(ethSetup(cfg, &r->eth, err));
}

static void closeAll(runCtx *r) {
    ethClose(&r->eth);
    storeClose(r->pc.st);
    queueClose(r->pc.q);
    edSignerClose(&r->pc.wit);   /* borrowed from pub when no witness key is set */
    edSignerClose(&r->pc.pub);
    edSignerClose(&r->pc.prev);
    sodium_memzero(r->pc.regKey, sizeof r->pc.regKey);
}

/* idle: the pause between runs of --loop, in 100 ms steps so that SIGTERM ends it. */
static void idle(long long ms) {
    for (long long t = 0; t < ms && !stopFlag; t += 100) clockSleepMs(100);
}

int cmdRun(const cmdCtx *c, int argc, char **argv) {
    static const optSpec spec[] = {{"config", OPT_VALUE}, {"loop", OPT_FLAG}, {NULL, 0}};
    optArgs a;
    char err[ERR_MAX];
    if (optParse(argc, argv, 1, spec, 0, 0, &a, err) < 0) return optUsageError("anchord run", err);
    if (a.help) { usage(stdout); return EXIT_OK; }
    int loop = optGet(&a, "loop") != NULL;
    static config cfg;
    if (configLoad(&cfg, cmdConfigPath(c, &a), err) < 0) {
        fprintf(stderr, "anchord run: %s\n", err);
        return EXIT_CONFIG;
    }
    logSetLevel(logLevelParse(cfg.logLevel));
    journalCrashAt(cfg.crashAt);
    metricsInit();
    metricsRegister("events_anchored_total", METRIC_COUNTER, "events published in anchored log entries", NULL);
    if (traceInit("anchord-run", err) < 0) {
        fprintf(stderr, "anchord run: %s\n", err);
        return EXIT_CONFIG;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onSignal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    static runCtx r;
    int rc = openAll(&r, &cfg, err);
    if (rc) {
        logKv(LL_ERROR, "anchord run cannot start", "{s:s}", "detail", err);
        fprintf(stderr, "anchord run: %s\n", err);
        closeAll(&r);
        traceShutdown();
        return rc;
    }
    logKv(LL_INFO, "anchord run", "{s:s,s:s,s:s,s:I,s:b}", "store", storeDescribe(r.pc.st), "redis", queueAddr(r.pc.q),
          "witness", r.pc.witDid, "shards", (json_int_t)cfg.streamShards, "loop", loop);
    do {
        for (int s = 0; s < (int)cfg.streamShards && rc == 0 && !stopReq; s++)
            if (runShard(&r, s, err) < 0) rc = EXIT_FAIL;
        runMetrics(rc != 0);
        traceFlush(1000);   /* the pass's spans, so that the textfile counts what became of them */
        if (rc) logKv(LL_ERROR, "batch failed; the next run resumes it", "{s:s}", "detail", err);
        if (cfg.metricsTextfile[0] && metricsWriteTextfile(cfg.metricsTextfile, err) < 0)
            logKv(LL_WARN, "metrics textfile not written", "{s:s}", "detail", err);
        if (loop && !stopFlag) {
            if (rc) { stopReq = 0; rc = 0; }   /* daemon mode: try again after the pause */
            idle(cfg.loopIntervalMs);
            stopReq = stopFlag;
        }
    } while (loop && !stopFlag);
    closeAll(&r);
    traceShutdown();
    return rc;
}
