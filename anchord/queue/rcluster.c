/* rcluster.c -- slot routing over hiredis 0.14: CRC16 and hash tags, the slot map from
 * CLUSTER SLOTS, one connection per node, MOVED / ASK, bounded retries, WAIT.
 *
 * Commands are formatted with hiredis and written by send(2) here (MSG_NOSIGNAL, no
 * SIGPIPE), so that the bytes on the wire are known: a command not wholly written did
 * not run and may be re-sent; one wholly written whose reply is lost may have run.
 * Replies are read with redisGetReply (hiredis's own output buffer stays empty). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/io/clock.h"
#include "anchord/queue/rcluster.h"

#define NODES_MAX    1024     /* nodes one handle remembers (a cluster has far fewer) */
#define BACKOFF_CAP  1000     /* ms */

/* ---- CRC16 and slots (Redis Cluster specification, "Keys distribution model") ---- */

uint16_t rclusterCrc16(const void *p, size_t n) {
    const unsigned char *b = p;
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(b[i] << 8);
        for (int k = 0; k < 8; k++) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

int rclusterKeySlot(const char *key, size_t len) {
    const char *open = memchr(key, '{', len);
    if (open) {
        const char *close = memchr(open + 1, '}', len - (size_t)(open + 1 - key));
        if (close && close > open + 1) { key = open + 1; len = (size_t)(close - key); }
    }
    return rclusterCrc16(key, len) & (RCLUSTER_SLOTS - 1);
}

/* ---- the key table: where a command's keys are ---- */

enum { KS_NONE, KS_POS, KS_NUMKEYS, KS_STREAMS, KS_SUB };

typedef struct keySpec {
    const char *name;
    signed char kind, first, last, step;   /* KS_POS: keys argv[first..last] (last < 0: from the end) */
} keySpec;

#define ONE(n)    {n, KS_POS, 1, 1, 1}
#define ALL(n)    {n, KS_POS, 1, -1, 1}
#define NOKEY(n)  {n, KS_NONE, 0, 0, 0}

static const keySpec keySpecs[] = {
    ONE("GET"), ONE("SET"), ONE("SETNX"), ONE("SETEX"), ONE("PSETEX"), ONE("GETSET"), ONE("GETDEL"),
    ONE("GETEX"), ONE("INCR"), ONE("INCRBY"), ONE("INCRBYFLOAT"), ONE("DECR"), ONE("DECRBY"), ONE("APPEND"),
    ONE("STRLEN"), ONE("GETRANGE"), ONE("SETRANGE"), ONE("TTL"), ONE("PTTL"), ONE("EXPIRE"), ONE("PEXPIRE"),
    ONE("EXPIREAT"), ONE("PEXPIREAT"), ONE("PERSIST"), ONE("TYPE"), ONE("DUMP"), ONE("RESTORE"),
    ONE("HSET"), ONE("HSETNX"), ONE("HGET"), ONE("HMSET"), ONE("HMGET"), ONE("HGETALL"), ONE("HDEL"),
    ONE("HLEN"), ONE("HEXISTS"), ONE("HINCRBY"), ONE("HINCRBYFLOAT"), ONE("HKEYS"), ONE("HVALS"),
    ONE("HSCAN"), ONE("HSTRLEN"),
    ONE("LPUSH"), ONE("RPUSH"), ONE("LPOP"), ONE("RPOP"), ONE("LRANGE"), ONE("LLEN"), ONE("LINDEX"),
    ONE("LREM"), ONE("LTRIM"), ONE("LSET"),
    ONE("SADD"), ONE("SREM"), ONE("SMEMBERS"), ONE("SISMEMBER"), ONE("SMISMEMBER"), ONE("SCARD"),
    ONE("SPOP"), ONE("SRANDMEMBER"), ONE("SSCAN"),
    ONE("ZADD"), ONE("ZREM"), ONE("ZRANGE"), ONE("ZRANGEBYSCORE"), ONE("ZREVRANGE"), ONE("ZREVRANGEBYSCORE"),
    ONE("ZSCORE"), ONE("ZMSCORE"), ONE("ZCARD"), ONE("ZCOUNT"), ONE("ZINCRBY"), ONE("ZRANK"), ONE("ZREVRANK"),
    ONE("ZREMRANGEBYSCORE"), ONE("ZREMRANGEBYRANK"), ONE("ZPOPMIN"), ONE("ZPOPMAX"), ONE("ZSCAN"),
    ONE("XADD"), ONE("XLEN"), ONE("XRANGE"), ONE("XREVRANGE"), ONE("XDEL"), ONE("XACK"), ONE("XTRIM"),
    ONE("XCLAIM"), ONE("XAUTOCLAIM"), ONE("XPENDING"), ONE("XSETID"), ONE("PFADD"),
    ALL("DEL"), ALL("UNLINK"), ALL("EXISTS"), ALL("MGET"), ALL("TOUCH"), ALL("PFCOUNT"),
    ALL("SINTER"), ALL("SUNION"), ALL("SDIFF"), ALL("SINTERSTORE"), ALL("SUNIONSTORE"), ALL("SDIFFSTORE"),
    {"MSET", KS_POS, 1, -1, 2}, {"MSETNX", KS_POS, 1, -1, 2},
    {"RENAME", KS_POS, 1, 2, 1}, {"RENAMENX", KS_POS, 1, 2, 1}, {"COPY", KS_POS, 1, 2, 1},
    {"SMOVE", KS_POS, 1, 2, 1}, {"LMOVE", KS_POS, 1, 2, 1}, {"RPOPLPUSH", KS_POS, 1, 2, 1},
    {"EVAL", KS_NUMKEYS, 0, 0, 0}, {"EVALSHA", KS_NUMKEYS, 0, 0, 0}, {"EVAL_RO", KS_NUMKEYS, 0, 0, 0},
    {"EVALSHA_RO", KS_NUMKEYS, 0, 0, 0}, {"FCALL", KS_NUMKEYS, 0, 0, 0}, {"FCALL_RO", KS_NUMKEYS, 0, 0, 0},
    {"XREAD", KS_STREAMS, 0, 0, 0}, {"XREADGROUP", KS_STREAMS, 0, 0, 0},
    {"XGROUP", KS_SUB, 0, 0, 0}, {"XINFO", KS_SUB, 0, 0, 0}, {"OBJECT", KS_SUB, 0, 0, 0},
    {"MEMORY", KS_SUB, 0, 0, 0},
    NOKEY("PING"), NOKEY("ECHO"), NOKEY("WAIT"), NOKEY("INFO"), NOKEY("TIME"), NOKEY("DBSIZE"),
    NOKEY("SCAN"), NOKEY("KEYS"), NOKEY("RANDOMKEY"), NOKEY("SCRIPT"), NOKEY("CLUSTER"), NOKEY("CONFIG"),
    NOKEY("FLUSHALL"), NOKEY("FLUSHDB"), NOKEY("COMMAND"), NOKEY("ROLE"), NOKEY("CLIENT"), NOKEY("SLOWLOG"),
    NOKEY("LASTSAVE"), NOKEY("BGSAVE"), NOKEY("SAVE"), NOKEY("FUNCTION"), NOKEY("LATENCY"),
};

static size_t argLen(const char **argv, const size_t *lens, int i) { return lens ? lens[i] : strlen(argv[i]); }

/* argIs: argv[i] equals word, ignoring case. */
static int argIs(const char **argv, const size_t *lens, int i, const char *word) {
    size_t n = argLen(argv, lens, i);
    return n == strlen(word) && !strncasecmp(argv[i], word, n);
}

/* argNum: argv[i] as a non-negative integer, -1 if it is not one. */
static long long argNum(const char **argv, const size_t *lens, int i) {
    size_t n = argLen(argv, lens, i);
    long long v = 0;
    if (n == 0 || n > 18) return -1;
    for (size_t k = 0; k < n; k++) {
        if (argv[i][k] < '0' || argv[i][k] > '9') return -1;
        v = v * 10 + (argv[i][k] - '0');
    }
    return v;
}

static const keySpec *specOf(const char **argv, const size_t *lens) {
    for (size_t i = 0; i < sizeof keySpecs / sizeof keySpecs[0]; i++)
        if (argIs(argv, lens, 0, keySpecs[i].name)) return &keySpecs[i];
    return NULL;
}

/* keyRange: the key positions [*lo, *hi] step *step of argv and the extra ms its reply
 * may take (BLOCK, WAIT). 0 (hi < lo: no key) / -1 + err (malformed or unknown). */
static int keyRange(int argc, const char **argv, const size_t *lens, int *lo, int *hi, int *step,
                    long long *extraMs, char *err) {
    const char *name = argc > 0 ? argv[0] : "";
    int nameLen = argc > 0 ? (int)argLen(argv, lens, 0) : 0;
    const keySpec *ks = argc > 0 ? specOf(argv, lens) : NULL;
    *lo = 1; *hi = 0; *step = 1; *extraMs = 0;
    if (!ks) return errSet(err, "%.*s: not in the routing table (send it with rclusterCommandAt)", nameLen > 40 ? 40 : nameLen, name);
    switch (ks->kind) {
    case KS_NONE:
        if (!strcmp(ks->name, "WAIT") && argc == 3) *extraMs = argNum(argv, lens, 2) > 0 ? argNum(argv, lens, 2) : 0;
        return 0;
    case KS_POS:
        if (argc <= ks->first) return errSet(err, "%s: missing key", ks->name);
        *lo = ks->first;
        *hi = ks->last < 0 ? argc + ks->last : ks->last;
        *step = ks->step;
        if (*hi >= argc || *hi < *lo || (*hi - *lo + 1) % *step) return errSet(err, "%s: wrong number of arguments", ks->name);
        return 0;
    case KS_NUMKEYS: {
        long long nk = argc >= 3 ? argNum(argv, lens, 2) : -1;
        if (nk < 0 || nk > argc - 3) return errSet(err, "%s: bad numkeys", ks->name);
        *lo = 3; *hi = 2 + (int)nk;
        return 0;
    }
    case KS_SUB:
        if (argc >= 3) *lo = *hi = 2;
        return 0;
    default: {   /* KS_STREAMS: XREAD [COUNT n] [BLOCK ms] STREAMS k.. id..; XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ... */
        int i = 1;
        if (!strcmp(ks->name, "XREADGROUP")) {
            if (argc < 4 || !argIs(argv, lens, 1, "GROUP")) return errSet(err, "XREADGROUP: GROUP group consumer expected");
            i = 4;
        }
        for (; i < argc; i++) {
            if ((argIs(argv, lens, i, "COUNT") || argIs(argv, lens, i, "BLOCK")) && i + 1 < argc) {
                if (argIs(argv, lens, i, "BLOCK")) *extraMs = argNum(argv, lens, i + 1) > 0 ? argNum(argv, lens, i + 1) : 0;
                i++;
            } else if (argIs(argv, lens, i, "NOACK")) {
            } else if (argIs(argv, lens, i, "STREAMS")) {
                int rest = argc - i - 1;
                if (rest < 2 || rest % 2) return errSet(err, "%s: STREAMS needs as many ids as keys", ks->name);
                *lo = i + 1; *hi = i + rest / 2;
                return 0;
            } else break;
        }
        return errSet(err, "%s: STREAMS expected", ks->name);
    }
    }
}

/* commandSlot: rclusterCommandSlot plus the extra reply time. */
static int commandSlot(int argc, const char **argv, const size_t *lens, int *slot, long long *extraMs, int *kind,
                       char *err) {
    int lo, hi, step;
    char why[ERR_MAX];
    if (kind) *kind = RCLUSTER_E_NONE;
    if (keyRange(argc, argv, lens, &lo, &hi, &step, extraMs, why) < 0) {
        if (kind) *kind = RCLUSTER_E_NOROUTE;
        return errSet(err, "redis: %s", why);
    }
    *slot = RCLUSTER_NOKEY;
    for (int i = lo; i <= hi; i += step) {
        int s = rclusterKeySlot(argv[i], argLen(argv, lens, i));
        if (*slot != RCLUSTER_NOKEY && s != *slot) {
            if (kind) *kind = RCLUSTER_E_CROSSSLOT;
            return errSet(err, "redis: %.*s: keys in slots %d and %d (give them one {hash tag})",
                          (int)(argLen(argv, lens, 0) > 40 ? 40 : argLen(argv, lens, 0)), argv[0], *slot, s);
        }
        *slot = s;
    }
    return 0;
}

int rclusterCommandSlot(int argc, const char **argv, const size_t *lens, int *slot, int *kind, char *err) {
    long long extra;
    return commandSlot(argc, argv, lens, slot, &extra, kind, err);
}

/* ---- URL ---- */

/* seedParse: one "[redis://][:password@]host[:port]" at *pp, up to ',' '/' or the end. */
static int seedParse(const char **pp, rclusterUrl *u, char *err) {
    const char *p = *pp;
    if (!strncmp(p, "redis://", 8)) p += 8;
    else if (u->n == 0) return errSet(err, "must start with redis://");
    if (*p == ':' || (strchr(p, '@') && strcspn(p, "@") < strcspn(p, ",/"))) {
        const char *at = strchr(p, '@');
        if (*p != ':' || !at) return errSet(err, "credentials must be :password@ (no user name)");
        size_t n = (size_t)(at - p - 1);
        if (n == 0 || n >= sizeof u->pass) return errSet(err, "bad password length");
        if (u->n == 0) { memcpy(u->pass, p + 1, n); u->pass[n] = 0; }
        else if (strlen(u->pass) != n || memcmp(u->pass, p + 1, n))
            return errSet(err, "every seed must carry the password of the first");
        p = at + 1;
    }
    if (u->n == RCLUSTER_SEEDS_MAX) return errSet(err, "more than %d seed nodes", RCLUSTER_SEEDS_MAX);
    size_t hn = strcspn(p, ":/,");
    if (hn == 0 || hn >= RCLUSTER_HOST_MAX) return errSet(err, "missing host");
    for (size_t i = 0; i < hn; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", p[i]))
            return errSet(err, "bad host name");
    memcpy(u->host[u->n], p, hn); u->host[u->n][hn] = 0;
    u->port[u->n] = 6379;
    p += hn;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535) return errSet(err, "port must be 1..65535");
        u->port[u->n] = (int)v;
        p = end;
    }
    u->n++;
    *pp = p;
    return 0;
}

int rclusterUrlParse(const char *url, rclusterUrl *u, char *err) {
    memset(u, 0, sizeof *u);
    const char *p = url;
    for (;;) {
        if (seedParse(&p, u, err) < 0) { sodium_memzero(u->pass, sizeof u->pass); return -1; }
        if (*p == ',') { p++; continue; }
        break;
    }
    if (*p == '/') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 0 || v > 15 || *end) return sodium_memzero(u->pass, sizeof u->pass), errSet(err, "database must be 0..15");
        if (u->n > 1 && v != 0)
            return sodium_memzero(u->pass, sizeof u->pass), errSet(err, "a database number needs a single seed (a cluster has database 0 only)");
        u->db = (int)v;
        p = end;
    }
    if (*p) return sodium_memzero(u->pass, sizeof u->pass), errSet(err, "unexpected \"%.20s\"", p);
    return 0;
}

/* ---- the handle ---- */

typedef struct rnode {
    char host[RCLUSTER_HOST_MAX];
    int port;
    char addr[RCLUSTER_ADDR_MAX];
    redisContext *rc;
    unsigned gen;        /* connections opened; rclusterWait checks the write's is still the one */
    int ready;           /* SELECT and SCRIPT LOAD done on this connection */
    int written;         /* carried a command since rclusterWaitMark ... */
    unsigned wgen;       /* ... on connection generation wgen ... */
    int wlost;           /* ... and an earlier one since the mark was lost with its connection */
} rnode;

struct rcluster {
    rclusterUrl url;
    rclusterOpts o;
    int mode;                        /* -1 unknown, 0 single Redis, 1 cluster */
    int single;                      /* single mode: the node */
    rnode **node;                    /* seeds first, then nodes learnt from the map */
    size_t nnode, capnode;
    int16_t slot[RCLUSTER_SLOTS];    /* node index serving each slot, -1 none */
    int stale;                       /* re-read the map before the next routing */
    int kind;                        /* RCLUSTER_E_* of the last -1 */
    rnode *last;                     /* connection of the last command (WAIT) ... */
    unsigned lastGen;                /* ... and its generation then */
    char *script[RCLUSTER_SCRIPTS_MAX];
    char sha[RCLUSTER_SCRIPTS_MAX][41];
    int nscript;
    buf out;                         /* commands being written */
    rclusterStats st;
};

/* fail: record kind for rclusterErrKind and return -1 (err already written). */
static int fail(rcluster *c, int kind) { c->kind = kind; return -1; }

/* nodeIndex: the index of host:port, added when absent. -1 + err (too many nodes, memory). */
static int nodeIndex(rcluster *c, const char *host, size_t hostLen, int port, char *err) {
    for (size_t i = 0; i < c->nnode; i++)
        if (c->node[i]->port == port && strlen(c->node[i]->host) == hostLen && !memcmp(c->node[i]->host, host, hostLen))
            return (int)i;
    if (hostLen == 0 || hostLen >= RCLUSTER_HOST_MAX) return errSet(err, "redis: bad node address");
    if (c->nnode == NODES_MAX) return errSet(err, "redis: more than %d cluster nodes", NODES_MAX);
    if (c->nnode == c->capnode) {
        size_t cap = c->capnode ? c->capnode * 2 : 16;
        rnode **p = realloc(c->node, cap * sizeof *p);
        if (!p) return errSet(err, "redis: out of memory");
        c->node = p; c->capnode = cap;
    }
    rnode *n = calloc(1, sizeof *n);
    if (!n) return errSet(err, "redis: out of memory");
    memcpy(n->host, host, hostLen);
    n->port = port;
    snprintf(n->addr, sizeof n->addr, "%s:%d", n->host, port);
    c->node[c->nnode] = n;
    return (int)c->nnode++;
}

static void nodeDrop(rnode *n) {
    if (n->rc) redisFree(n->rc);
    n->rc = NULL;
    n->ready = 0;
}

/* nodeStale: the server closed an idle connection (restart, timeout, kill). Redis never
 * speaks unasked on these connections, so anything readable before we send is EOF or an
 * error; finding out now lets the command go out on a new connection, unsent so far. */
static int nodeStale(const rnode *n) {
    struct pollfd p = {.fd = n->rc->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

static void setTimeout(rcluster *c, rnode *n, long long extraMs) {
    long long ms = c->o.timeoutMs + extraMs;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    redisSetTimeout(n->rc, tv);
}

/* sendAll: write p[0..len) on n's connection. Returns the bytes written: len, or fewer
 * when the connection failed (it is then dropped, the reason in err). */
static size_t sendAll(rnode *n, const unsigned char *p, size_t len, char *err) {
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(n->rc->fd, p + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            errSet(err, "%s at %s", w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? "send timed out" : strerror(errno), n->addr);
            nodeDrop(n);
            break;
        }
        off += (size_t)w;
    }
    return off;
}

/* readReply: the next reply on n's connection; NULL (connection dropped, reason in err)
 * when it is lost. */
static redisReply *readReply(rnode *n, char *err) {
    void *r = NULL;
    if (redisGetReply(n->rc, &r) != REDIS_OK || !r) {
        const char *why = n->rc->errstr[0] ? n->rc->errstr : "connection lost";
        if (n->rc->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) why = "reply timed out";
        errSet(err, "%s at %s", why, n->addr);
        nodeDrop(n);
        return NULL;
    }
    return r;
}

/* appendCmd: the RESP form of argv onto c->out. 0 / -1 (no memory). */
static int appendCmd(rcluster *c, int argc, const char **argv, const size_t *lens) {
    size_t l[64], *ls = (size_t *)lens;
    if (!lens) {
        if (argc > 64) {
            ls = malloc((size_t)argc * sizeof *ls);
            if (!ls) return -1;
        } else ls = l;
        for (int i = 0; i < argc; i++) ls[i] = strlen(argv[i]);
    }
    char *cmd = NULL;
    int n = redisFormatCommandArgv(&cmd, argc, argv, ls);
    if (ls != lens && ls != l) free(ls);
    if (n < 0 || !cmd) return -1;
    int rc = bufAppend(&c->out, cmd, (size_t)n);
    redisFreeCommand(cmd);
    return rc;
}

/* roundTrip: one command on n's open connection, its reply in *out. 0; -1 + err when the
 * reply is lost (connection dropped) or the command could not be formatted. */
static int roundTrip(rcluster *c, rnode *n, int argc, const char **argv, const size_t *lens, long long extraMs,
                     redisReply **out, char *err) {
    bufReset(&c->out);
    if (appendCmd(c, argc, argv, lens) < 0) return errSet(err, "out of memory");
    if (extraMs) setTimeout(c, n, extraMs);
    *out = sendAll(n, c->out.p, c->out.len, err) == c->out.len ? readReply(n, err) : NULL;
    if (extraMs && n->rc) setTimeout(c, n, 0);
    return *out ? 0 : -1;
}

/* errCode: the reply is an error reply whose first word is code (MOVED, ASK, ...). */
static int errCode(const redisReply *r, const char *code) {
    size_t n = strlen(code);
    return r->type == REDIS_REPLY_ERROR && r->len >= n && !strncmp(r->str, code, n) && (r->len == n || r->str[n] == ' ');
}

/* notRun: an error reply saying the command did not run and may run later (cluster
 * reconfiguring, a node loading or busy). */
static int notRun(const redisReply *r) {
    static const char *const codes[] = {"TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN", "READONLY", "BUSY"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (errCode(r, codes[i])) return 1;
    return 0;
}

/* nodeOpen: connect n (when not connected or stale) and AUTH. 0; -1 + err and c->kind:
 * RCLUSTER_E_DOWN (unreachable, worth retrying), RCLUSTER_E_CONFIG (password refused). */
static int nodeOpen(rcluster *c, rnode *n, char *err) {
    if (n->rc && !n->rc->err && !nodeStale(n)) return 0;
    nodeDrop(n);
    struct timeval tv = {c->o.timeoutMs / 1000, (c->o.timeoutMs % 1000) * 1000};
    n->rc = redisConnectWithTimeout(n->host, n->port, tv);
    n->gen++;
    c->st.connects++;
    if (!n->rc || n->rc->err) {
        char why[128];
        snprintf(why, sizeof why, "%s", n->rc ? n->rc->errstr : "out of memory");
        why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);  /* "connection refused" */
        errSet(err, "redis: %s at %s", why, n->addr);
        nodeDrop(n);
        return fail(c, RCLUSTER_E_DOWN);
    }
    redisSetTimeout(n->rc, tv);
    if (c->url.pass[0]) {
        const char *av[] = {"AUTH", c->url.pass};
        redisReply *r;
        char why[ERR_MAX];
        int rc = roundTrip(c, n, 2, av, NULL, 0, &r, why);
        if (c->out.p) sodium_memzero(c->out.p, c->out.len);   /* the password */
        if (rc < 0) return errSet(err, "redis: %s", why), fail(c, RCLUSTER_E_DOWN);
        int bad = r->type == REDIS_REPLY_ERROR;
        if (bad) errSet(err, "redis: AUTH refused at %s: %.100s", n->addr, r->str);
        int later = bad && notRun(r);
        freeReplyObject(r);
        if (bad) { nodeDrop(n); return fail(c, later ? RCLUSTER_E_DOWN : RCLUSTER_E_CONFIG); }
    }
    return 0;
}

/* nodeSetup: SELECT (single mode) and SCRIPT LOAD of every registered script on n's
 * fresh connection. 0 / -1 + err and c->kind. */
static int nodeSetup(rcluster *c, rnode *n, char *err) {
    redisReply *r;
    char why[ERR_MAX];
    if (c->mode == 0 && c->url.db) {
        char db[8];
        snprintf(db, sizeof db, "%d", c->url.db);
        const char *av[] = {"SELECT", db};
        if (roundTrip(c, n, 2, av, NULL, 0, &r, why) < 0) return errSet(err, "redis: %s", why), fail(c, RCLUSTER_E_DOWN);
        int bad = r->type == REDIS_REPLY_ERROR;
        if (bad) errSet(err, "redis: SELECT %d at %s: %.100s", c->url.db, n->addr, r->str);
        freeReplyObject(r);
        if (bad) { nodeDrop(n); return fail(c, RCLUSTER_E_CONFIG); }
    }
    for (int i = 0; i < c->nscript; i++) {
        const char *av[] = {"SCRIPT", "LOAD", c->script[i]};
        if (roundTrip(c, n, 3, av, NULL, 0, &r, why) < 0) return errSet(err, "redis: %s", why), fail(c, RCLUSTER_E_DOWN);
        int same = r->type == REDIS_REPLY_STRING && r->len == 40 && !memcmp(r->str, c->sha[i], 40);
        int later = r->type == REDIS_REPLY_ERROR && notRun(r);
        if (!same) errSet(err, "redis: SCRIPT LOAD at %s: %.100s", n->addr, r->type == REDIS_REPLY_ERROR ? r->str : "hash mismatch");
        freeReplyObject(r);
        if (!same) { nodeDrop(n); return fail(c, later ? RCLUSTER_E_DOWN : RCLUSTER_E_CONFIG); }
    }
    n->ready = 1;
    return 0;
}

/* nodeReady: n connected, authenticated and set up. 0 / -1 + err and c->kind. */
static int nodeReady(rcluster *c, rnode *n, char *err) {
    if (nodeOpen(c, n, err) < 0) return -1;
    return n->ready ? 0 : nodeSetup(c, n, err);
}

/* ---- the slot map ---- */

/* parseSlots: a CLUSTER SLOTS reply from node `asked` into map (node indexes, -1 for
 * slots nobody serves). A NULL or "" endpoint means the host we asked; "?" an unknown
 * one (those slots stay -1). The number of slots served, -1 + err on a malformed reply. */
static int parseSlots(rcluster *c, const redisReply *r, const rnode *asked, int16_t *map, char *err) {
    int served = 0;
    for (int s = 0; s < RCLUSTER_SLOTS; s++) map[s] = -1;
    if (r->type != REDIS_REPLY_ARRAY) return errSet(err, "redis: CLUSTER SLOTS at %s: not an array", asked->addr);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[0]->type != REDIS_REPLY_INTEGER ||
            e->element[1]->type != REDIS_REPLY_INTEGER || e->element[2]->type != REDIS_REPLY_ARRAY ||
            e->element[2]->elements < 2 || e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
            return errSet(err, "redis: CLUSTER SLOTS at %s: malformed entry", asked->addr);
        long long lo = e->element[0]->integer, hi = e->element[1]->integer;
        const redisReply *h = e->element[2]->element[0];
        long long port = e->element[2]->element[1]->integer;
        if (lo < 0 || hi < lo || hi >= RCLUSTER_SLOTS || port < 1 || port > 65535)
            return errSet(err, "redis: CLUSTER SLOTS at %s: bad range or port", asked->addr);
        const char *host = asked->host;
        size_t hl = strlen(asked->host);
        if (h->type == REDIS_REPLY_STRING && h->len > 0) {
            if (h->len == 1 && h->str[0] == '?') continue;   /* unknown endpoint */
            host = h->str; hl = h->len;
        } else if (h->type != REDIS_REPLY_NIL && h->type != REDIS_REPLY_STRING)
            return errSet(err, "redis: CLUSTER SLOTS at %s: bad endpoint", asked->addr);
        int idx = nodeIndex(c, host, hl, (int)port, err);
        if (idx < 0) return -1;
        for (long long s = lo; s <= hi; s++) { if (map[s] < 0) served++; map[s] = (int16_t)idx; }
    }
    return served;
}

/* askSlots: CLUSTER SLOTS at node i. 1 map read (cluster), 0 not a cluster node (error
 * reply), -1 + err (unreachable, lost, malformed, or a cluster node serving nothing yet). */
static int askSlots(rcluster *c, size_t i, char *err) {
    rnode *n = c->node[i];
    if (nodeOpen(c, n, err) < 0) return -1;
    const char *av[] = {"CLUSTER", "SLOTS"};
    redisReply *r;
    char why[ERR_MAX];
    if (roundTrip(c, n, 2, av, NULL, 0, &r, why) < 0) return errSet(err, "redis: %s", why);
    if (r->type == REDIS_REPLY_ERROR) { freeReplyObject(r); return 0; }
    int16_t *map = malloc(RCLUSTER_SLOTS * sizeof *map);
    int served = map ? parseSlots(c, r, c->node[i], map, err) : errSet(err, "redis: out of memory");
    freeReplyObject(r);
    if (served == 0) errSet(err, "redis: %s serves no slot yet (cluster not created?)", c->node[i]->addr);
    if (served > 0) {
        memcpy(c->slot, map, sizeof c->slot);
        c->stale = 0;
        c->st.refreshes++;
    }
    free(map);
    return served > 0 ? 1 : -1;
}

/* discover: find out the mode from the seeds (first that answers). 0 / -1 + err, kind. */
static int discover(rcluster *c, char *err) {
    errSet(err, "redis: no seed answered");
    for (size_t i = 0; i < c->url.n; i++) {
        c->kind = RCLUSTER_E_NONE;
        int m = askSlots(c, i, err);
        if (m < 0) {
            if (c->kind == RCLUSTER_E_CONFIG) return -1;
            continue;
        }
        if (m == 0 && c->url.n > 1) {
            errSet(err, "redis: %s is not in cluster mode, but WA_REDIS_URL names %zu seeds", c->node[i]->addr, c->url.n);
            return fail(c, RCLUSTER_E_CONFIG);
        }
        if (m == 1 && c->url.db) {
            errSet(err, "redis: database %d: a Redis Cluster has database 0 only", c->url.db);
            return fail(c, RCLUSTER_E_CONFIG);
        }
        c->mode = m;
        c->single = (int)i;
        return 0;
    }
    return fail(c, RCLUSTER_E_DOWN);
}

/* refresh: re-read the map from any node: those connected first, then the others. */
static int refresh(rcluster *c, char *err) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c->nnode; i++) {
            int open = c->node[i]->rc && !c->node[i]->rc->err;
            if (open != (pass == 0)) continue;
            int m = askSlots(c, i, err);
            if (m == 1) return 0;
            if (m == 0) errSet(err, "redis: %s is not in cluster mode", c->node[i]->addr);
        }
    return fail(c, RCLUSTER_E_DOWN);
}

/* route: the node serving slot (mode found first; the map re-read when stale or when it
 * names nobody for the slot). NULL + err and c->kind. */
static rnode *route(rcluster *c, int slot, char *err) {
    if (c->mode < 0 && discover(c, err) < 0) return NULL;
    if (c->mode == 0) return c->node[c->single];
    if (c->stale || c->slot[slot] < 0) {
        char why[ERR_MAX];
        if (refresh(c, why) < 0 && c->slot[slot] < 0) { errSet(err, "%s", why); return NULL; }
    }
    if (c->slot[slot] < 0) { errSet(err, "redis: slot %d is served by no node", slot); fail(c, RCLUSTER_E_DOWN); return NULL; }
    return c->node[c->slot[slot]];
}

/* redirect: parse "MOVED|ASK <slot> <host>:<port>" (an empty host = the node that
 * answered). The target's node index, -1 + err. */
static int redirect(rcluster *c, const redisReply *r, const rnode *from, int *slot, char *err) {
    const char *p = strchr(r->str, ' ');
    char *end;
    long s = p ? strtol(p + 1, &end, 10) : -1;
    if (!p || s < 0 || s >= RCLUSTER_SLOTS || *end != ' ') return errSet(err, "redis: bad redirection \"%.60s\"", r->str);
    const char *a = end + 1, *colon = strrchr(a, ':');
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || port < 1 || port > 65535 || *end) return errSet(err, "redis: bad redirection \"%.60s\"", r->str);
    *slot = (int)s;
    if (colon == a) return nodeIndex(c, from->host, strlen(from->host), (int)port, err);
    return nodeIndex(c, a, (size_t)(colon - a), (int)port, err);
}

/* ---- commands ---- */

enum { P_DONE, P_SEND, P_ASK };   /* per command of an exchange */

/* isRegisteredScript: cmd is EVALSHA of a script added with rclusterScriptAdd. */
static int isRegisteredScript(const rcluster *c, const rclusterCmd *cmd) {
    if (cmd->argc < 2 || !argIs(cmd->argv, cmd->lens, 0, "EVALSHA") || argLen(cmd->argv, cmd->lens, 1) != 40) return 0;
    for (int i = 0; i < c->nscript; i++)
        if (!memcmp(cmd->argv[1], c->sha[i], 40)) return 1;
    return 0;
}

/* exchange state shared by the steps of one rclusterPipeline / rclusterCommand call */
typedef struct xchg {
    rclusterCmd *cmd;
    size_t n;
    unsigned char *st;     /* P_* per command */
    size_t *end;           /* offset in c->out where each command sent this round ends */
    size_t *order;         /* the commands sent this round, in order */
    int flags, slot;
    long long extraMs;
    int askNode;           /* node named by ASK, -1 none */
    int moved, asked, again, reload;   /* this round: what to do before the next */
    int reloaded;          /* scripts were re-loaded after NOSCRIPT once in this call */
    int maybeRan;          /* a command without its reply may have run (a lost reply) */
    char why[ERR_MAX];     /* the last reason to retry */
} xchg;

/* canRetry: a single Redis gets no retries (as before clusters: the caller sees the
 * failure at once and the next call reconnects); a cluster gets retryMs to fail over. */
static int canRetry(const rcluster *c) { return c->o.retryMs > 0 && (c->mode == 1 || (c->mode < 0 && c->url.n > 1)); }

/* lostReplies: commands order[k..m) were written but got no reply (the connection is
 * gone). With RCLUSTER_IDEMPOTENT on a cluster they are sent again (0), else -1
 * RCLUSTER_E_LOST. */
static int lostReplies(rcluster *c, xchg *x, size_t k, size_t m, const char *why, char *err) {
    if (k >= m) return 0;
    c->st.lost++;
    x->maybeRan = 1;
    if (!(x->flags & RCLUSTER_IDEMPOTENT) || !canRetry(c)) {
        errSet(err, "redis: %s (%zu command%s may have run)", why, m - k, m - k == 1 ? "" : "s");
        return fail(c, RCLUSTER_E_LOST);
    }
    for (; k < m; k++) x->st[x->order[k]] = P_SEND;
    errSet(x->why, "redis: %s", why);
    x->again = 1;
    return 0;
}

/* classify: one reply to command i from node nd: the answer, or a reason to send it again. */
static int classify(rcluster *c, xchg *x, size_t i, rnode *nd, redisReply *r, char *err) {
    int slot = 0, idx;
    if (errCode(r, "MOVED") || errCode(r, "ASK")) {
        int ask = errCode(r, "ASK");
        idx = redirect(c, r, nd, &slot, err);
        freeReplyObject(r);
        if (idx < 0) return fail(c, RCLUSTER_E_DOWN);
        if (ask) { x->askNode = idx; x->st[i] = P_ASK; x->asked = 1; c->st.asked++; return 0; }
        if (c->mode == 0) c->mode = -1;   /* a "single" server that redirects: find out again */
        c->slot[slot] = (int16_t)idx;
        c->stale = 1;
        x->st[i] = P_SEND; x->moved = 1; c->st.moved++;
        return 0;
    }
    if (notRun(r) || (errCode(r, "NOSCRIPT") && isRegisteredScript(c, &x->cmd[i]) && !x->reloaded)) {
        if (errCode(r, "NOSCRIPT")) { nd->ready = 0; x->reload = 1; }   /* scripts load again first */
        else { errSet(x->why, "redis: %.*s at %s", (int)(r->len > 120 ? 120 : r->len), r->str, nd->addr); x->again = 1; }
        freeReplyObject(r);
        x->st[i] = P_SEND;
        return 0;
    }
    x->cmd[i].reply = r;
    x->st[i] = P_DONE;
    c->st.commands++;
    return 0;
}

/* sendRound: write every command in state `which` to nd (with ASKING before each for
 * P_ASK), read their replies and classify them. 0 (round done, maybe with commands to
 * send again) / -1 + err and c->kind. */
static int sendRound(rcluster *c, xchg *x, rnode *nd, int which, char *err) {
    size_t m = 0;
    bufReset(&c->out);
    for (size_t i = 0; i < x->n; i++) {
        if (x->st[i] != which) continue;
        if (which == P_ASK && bufPuts(&c->out, "*1\r\n$6\r\nASKING\r\n") < 0)
            return errSet(err, "redis: out of memory"), fail(c, RCLUSTER_E_NOMEM);
        if (appendCmd(c, x->cmd[i].argc, x->cmd[i].argv, x->cmd[i].lens) < 0)
            return errSet(err, "redis: out of memory"), fail(c, RCLUSTER_E_NOMEM);
        x->end[m] = c->out.len;
        x->order[m++] = i;
    }
    if (x->extraMs) setTimeout(c, nd, x->extraMs);
    if (nd->written && nd->wgen != nd->gen) nd->wlost = 1;   /* rclusterWaitSlot: replication unknown */
    nd->written = 1;
    nd->wgen = nd->gen;
    char why[ERR_MAX];
    size_t w = sendAll(nd, c->out.p, c->out.len, why);
    if (w < c->out.len) {   /* commands wholly written before the failure may have run */
        size_t k = 0;
        while (k < m && x->end[k] <= w) k++;
        if (lostReplies(c, x, 0, k, why, err) < 0) return -1;
        errSet(x->why, "redis: %s", why);
        x->again = 1;
        if (c->mode == 1) c->stale = 1;
        return 0;
    }
    for (size_t k = 0; k < m; k++) {
        redisReply *r = NULL;
        if (which == P_ASK) {
            r = readReply(nd, why);
            if (r) freeReplyObject(r);   /* +OK; an error would show in the command's own reply */
        }
        if (nd->rc) r = readReply(nd, why);
        if (!r) {
            if (c->mode == 1) c->stale = 1;
            return lostReplies(c, x, k, m, why, err);
        }
        if (classify(c, x, x->order[k], nd, r, err) < 0) {   /* a malformed redirection: give up on */
            nodeDrop(nd);                                     /* the rest, which may have run */
            return fail(c, k + 1 < m ? RCLUSTER_E_LOST : RCLUSTER_E_DOWN);
        }
    }
    if (x->extraMs && nd->rc) setTimeout(c, nd, 0);
    c->last = nd;
    c->lastGen = nd->gen;
    return 0;
}

/* exchange: send the commands of x until each has its answer, following redirections
 * and retrying what did not run within retryMs (cluster mode). 0 / -1 + err, c->kind. */
static int exchange(rcluster *c, xchg *x, char *err) {
    int64_t deadline = clockMonoMs() + c->o.retryMs;
    int redirects = 0, retries = 0;
    for (;;) {
        int pending = 0, asking = 0;
        for (size_t i = 0; i < x->n; i++) { pending |= x->st[i] != P_DONE; asking |= x->st[i] == P_ASK; }
        if (!pending) { c->kind = RCLUSTER_E_NONE; return 0; }
        x->moved = x->asked = x->again = x->reload = 0;
        c->kind = RCLUSTER_E_NONE;
        rnode *nd = asking ? c->node[x->askNode] : route(c, x->slot, x->why);
        if (nd && nodeReady(c, nd, x->why) == 0) {
            if (sendRound(c, x, nd, asking ? P_ASK : P_SEND, err) < 0) return -1;
            if (x->reload) x->reloaded = 1;   /* once per call */
        } else {
            if (c->kind == RCLUSTER_E_CONFIG) return errSet(err, "%s", x->why);
            if (asking) for (size_t i = 0; i < x->n; i++) if (x->st[i] == P_ASK) x->st[i] = P_SEND;
            if (c->mode == 1) c->stale = 1;
            x->again = 1;
        }
        if (x->again) {
            int retry = canRetry(c);
            int64_t left = deadline - clockMonoMs();
            if (!retry || left <= 0) {
                errSet(err, retry ? "%s (gave up after %d ms)" : "%s", x->why, c->o.retryMs);
                return fail(c, x->maybeRan ? RCLUSTER_E_LOST : RCLUSTER_E_DOWN);
            }
            /* backoffMs doubling to 1 s, +50% jitter (clients that failed together do not
             * retry together); the last try at the deadline */
            int64_t pause = clockBackoffMs(++retries, c->o.backoffMs, BACKOFF_CAP, CLOCK_JITTER_HALF);
            clockSleepMs(pause < left ? pause : left);
            c->st.retries++;
            continue;
        }
        if (x->moved || x->asked || x->reload) {
            if (++redirects > RCLUSTER_REDIRECTS_MAX) {
                errSet(err, "redis: more than %d redirections for slot %d", RCLUSTER_REDIRECTS_MAX, x->slot);
                return fail(c, RCLUSTER_E_DOWN);
            }
            if (x->moved && c->mode == 1) { char why[ERR_MAX]; refresh(c, why); }   /* on failure the MOVED target serves */
        }
    }
}

/* run: exchange of n commands for slot (extraMs of reply time), with its scratch space. */
static int run(rcluster *c, int flags, rclusterCmd *cmds, size_t n, int slot, long long extraMs, char *err) {
    xchg x = {.cmd = cmds, .n = n, .flags = flags, .slot = slot, .extraMs = extraMs, .askNode = -1};
    x.st = malloc(n);
    x.end = malloc(n * sizeof *x.end);
    x.order = malloc(n * sizeof *x.order);
    int rc;
    if (!x.st || !x.end || !x.order) rc = errSet(err, "redis: out of memory"), fail(c, RCLUSTER_E_NOMEM);
    else {
        for (size_t i = 0; i < n; i++) { x.st[i] = P_SEND; cmds[i].reply = NULL; }
        rc = exchange(c, &x, err);
    }
    free(x.st); free(x.end); free(x.order);
    if (c->out.cap > (1u << 20)) bufFree(&c->out);   /* do not keep a big pipeline's buffer */
    return rc;
}

/* ---- public ---- */

rcluster *rclusterOpen(const char *url, const rclusterOpts *opts, char *err) {
    rcluster *c = calloc(1, sizeof *c);
    if (!c) { errSet(err, "out of memory"); return NULL; }
    char e[ERR_MAX];
    if (rclusterUrlParse(url, &c->url, e) < 0) {
        errSet(err, "WA_REDIS_URL: %s", e);
        free(c);
        return NULL;
    }
    c->o.timeoutMs = opts && opts->timeoutMs > 0 ? opts->timeoutMs : 5000;
    c->o.retryMs = opts && opts->retryMs ? opts->retryMs : 20000;   /* < 0: no retries (canRetry) */
    c->o.backoffMs = opts && opts->backoffMs > 0 ? opts->backoffMs : 50;
    c->mode = -1;
    for (int s = 0; s < RCLUSTER_SLOTS; s++) c->slot[s] = -1;
    for (size_t i = 0; i < c->url.n; i++)
        if (nodeIndex(c, c->url.host[i], strlen(c->url.host[i]), c->url.port[i], err) < 0) {
            rclusterClose(c);
            return NULL;
        }
    return c;
}

void rclusterClose(rcluster *c) {
    if (!c) return;
    for (size_t i = 0; i < c->nnode; i++) { nodeDrop(c->node[i]); free(c->node[i]); }
    free(c->node);
    for (int i = 0; i < c->nscript; i++) free(c->script[i]);
    bufWipe(&c->out);   /* held an AUTH password */
    sodium_memzero(c->url.pass, sizeof c->url.pass);
    free(c);
}

int rclusterErrKind(const rcluster *c) { return c->kind; }
int rclusterIsCluster(const rcluster *c) { return c->mode; }

int rclusterDiscover(rcluster *c, char *err) {
    if (c->mode >= 0) return 0;
    return discover(c, err) < 0 ? -1 : (c->kind = RCLUSTER_E_NONE, 0);
}

int rclusterScriptSha(const char *text, char sha[41], char *err) {
    unsigned char md[20];
    unsigned int n = 0;
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha1(), NULL) || n != 20) return errSet(err, "redis: SHA-1 failed");
    hexEncode(md, 20, sha);
    return 0;
}

int rclusterScriptAdd(rcluster *c, const char *text, char sha[41], char *err) {
    if (c->nscript == RCLUSTER_SCRIPTS_MAX) return errSet(err, "redis: more than %d scripts", RCLUSTER_SCRIPTS_MAX);
    if (rclusterScriptSha(text, c->sha[c->nscript], err) < 0) return -1;
    if (!(c->script[c->nscript] = strdup(text))) return errSet(err, "redis: out of memory");
    memcpy(sha, c->sha[c->nscript], 41);
    c->nscript++;
    for (size_t i = 0; i < c->nnode; i++) c->node[i]->ready = 0;   /* open connections load it too */
    return 0;
}

int rclusterCommandAt(rcluster *c, int slot, int flags, int argc, const char **argv, const size_t *lens,
                      redisReply **out, char *err) {
    *out = NULL;
    if (slot < 0 || slot >= RCLUSTER_SLOTS) return errSet(err, "redis: slot %d out of range", slot), fail(c, RCLUSTER_E_NOROUTE);
    if (argc < 1) return errSet(err, "redis: empty command"), fail(c, RCLUSTER_E_NOROUTE);
    int s;
    long long extra = 0;
    if (commandSlot(argc, argv, lens, &s, &extra, NULL, NULL) < 0) extra = 0;   /* unknown commands may go anywhere */
    rclusterCmd cmd = {argc, argv, lens, NULL};
    if (run(c, flags, &cmd, 1, slot, extra, err) < 0) return -1;
    *out = cmd.reply;
    return 0;
}

int rclusterCommand(rcluster *c, int flags, int argc, const char **argv, const size_t *lens, redisReply **out,
                    char *err) {
    int slot, kind;
    long long extra;
    *out = NULL;
    if (commandSlot(argc, argv, lens, &slot, &extra, &kind, err) < 0) return fail(c, kind);
    if (slot == RCLUSTER_NOKEY) {
        errSet(err, "redis: %.*s names no key (send it with rclusterCommandAt)", (int)(argLen(argv, lens, 0) > 40 ? 40 : argLen(argv, lens, 0)), argv[0]);
        return fail(c, RCLUSTER_E_NOROUTE);
    }
    rclusterCmd cmd = {argc, argv, lens, NULL};
    if (run(c, flags, &cmd, 1, slot, extra, err) < 0) return -1;
    *out = cmd.reply;
    return 0;
}

/* pipelineSlots: rclusterPipeline's check of cmds: the slot of each into slots[] (NULL =
 * not kept) and the common one into *slot (RCLUSTER_NOKEY when they differ, multi set),
 * the extra reply time into *extra. 0 / -1 + err and c->kind. */
static int pipelineSlots(rcluster *c, rclusterCmd *cmds, size_t n, int multi, int *slots, int *slot, long long *extra,
                         char *err) {
    int kind;
    *slot = RCLUSTER_NOKEY;
    *extra = 0;
    for (size_t i = 0; i < n; i++) {
        int s;
        long long e;
        cmds[i].reply = NULL;
        if (commandSlot(cmds[i].argc, cmds[i].argv, cmds[i].lens, &s, &e, &kind, err) < 0) return fail(c, kind);
        if (s == RCLUSTER_NOKEY) {
            errSet(err, "redis: pipeline command %zu names no key", i);
            return fail(c, RCLUSTER_E_NOROUTE);
        }
        if (!multi && i && s != *slot) {
            errSet(err, "redis: pipeline commands in slots %d and %d (give their keys one {hash tag})", *slot, s);
            return fail(c, RCLUSTER_E_CROSSSLOT);
        }
        if (slots) slots[i] = s;
        *slot = i == 0 || s == *slot ? s : RCLUSTER_NOKEY;
        *extra += e;
    }
    return 0;
}

/* perSlot: cmds (slots[i] each) sent as one pipeline per slot, in the order each slot first
 * appears, every command's order within its slot kept. A slot that fails does not stop
 * the others: 0 when every command has its reply; -1 + err and c->kind of the last
 * failure (RCLUSTER_E_LOST if any failure may have run a command). */
static int perSlot(rcluster *c, int flags, rclusterCmd *cmds, size_t n, const int *slots, char *err) {
    rclusterCmd *g = malloc(n * sizeof *g);
    size_t *at = malloc(n * sizeof *at);
    unsigned char *taken = calloc(n, 1);
    int rc = 0, kind = RCLUSTER_E_NONE;
    if (!g || !at || !taken) { free(g); free(at); free(taken); return errSet(err, "redis: out of memory"), fail(c, RCLUSTER_E_NOMEM); }
    for (size_t i = 0; i < n; i++) {
        if (taken[i]) continue;
        size_t m = 0;
        long long extra = 0;
        for (size_t j = i; j < n; j++)
            if (!taken[j] && slots[j] == slots[i]) { taken[j] = 1; at[m] = j; g[m++] = cmds[j]; }
        for (size_t k = 0; k < m; k++) {   /* BLOCK/WAIT time of this part only */
            int s; long long e = 0;
            if (commandSlot(g[k].argc, g[k].argv, g[k].lens, &s, &e, NULL, NULL) == 0) extra += e;
        }
        char why[ERR_MAX];
        if (run(c, flags, g, m, slots[i], extra, why) < 0) {
            if (kind != RCLUSTER_E_LOST) kind = c->kind;
            errSet(err, "%s", why);
            rc = -1;
        }
        for (size_t k = 0; k < m; k++) cmds[at[k]].reply = g[k].reply;
    }
    free(g); free(at); free(taken);
    if (rc < 0) return fail(c, kind);
    c->kind = RCLUSTER_E_NONE;
    return 0;
}

int rclusterPipeline(rcluster *c, int flags, rclusterCmd *cmds, size_t n, char *err) {
    int slot, multi = (flags & RCLUSTER_MULTISLOT) != 0;
    long long extra;
    if (n == 0) return c->kind = RCLUSTER_E_NONE, 0;
    int *slots = multi ? malloc(n * sizeof *slots) : NULL;
    if (multi && !slots) return errSet(err, "redis: out of memory"), fail(c, RCLUSTER_E_NOMEM);
    int rc = pipelineSlots(c, cmds, n, multi, slots, &slot, &extra, err);
    if (rc == 0 && slot == RCLUSTER_NOKEY && c->mode < 0) rc = rclusterDiscover(c, err);
    if (rc == 0) {
        if (slot != RCLUSTER_NOKEY || c->mode == 0) rc = run(c, flags, cmds, n, slot != RCLUSTER_NOKEY ? slot : slots[0], extra, err);
        else rc = perSlot(c, flags, cmds, n, slots, err);   /* a cluster: one pipeline per slot */
    }
    free(slots);
    return rc;
}

/* waitOn: WAIT numreplicas timeoutMs on n's connection, which must still be generation
 * gen (else the write's replication is unknown). 0 and *acked / -1 + err, RCLUSTER_E_LOST. */
static int waitOn(rcluster *c, rnode *n, unsigned gen, int numreplicas, int timeoutMs, int *acked, char *err) {
    *acked = 0;
    if (!n->rc || n->rc->err || n->gen != gen || nodeStale(n)) {
        errSet(err, "redis: the connection that took the write is gone (%s): its replication is unknown", n->addr);
        return fail(c, RCLUSTER_E_LOST);
    }
    char nr[16], ms[24], why[ERR_MAX];
    snprintf(nr, sizeof nr, "%d", numreplicas);
    snprintf(ms, sizeof ms, "%d", timeoutMs);
    const char *av[] = {"WAIT", nr, ms};
    redisReply *r;
    if (roundTrip(c, n, 3, av, NULL, timeoutMs, &r, why) < 0) {
        errSet(err, "redis: WAIT: %s: the write's replication is unknown", why);
        return fail(c, RCLUSTER_E_LOST);
    }
    int ok = r->type == REDIS_REPLY_INTEGER;
    if (ok) *acked = (int)r->integer;
    else errSet(err, "redis: WAIT at %s: %.100s", n->addr, r->type == REDIS_REPLY_ERROR ? r->str : "not an integer");
    freeReplyObject(r);
    return ok ? 0 : fail(c, RCLUSTER_E_LOST);
}

int rclusterWait(rcluster *c, int numreplicas, int timeoutMs, int *acked, char *err) {
    *acked = 0;
    if (numreplicas < 0 || timeoutMs <= 0) return errSet(err, "redis: WAIT needs replicas >= 0 and a timeout > 0"), fail(c, RCLUSTER_E_NOROUTE);
    if (!c->last) return errSet(err, "redis: WAIT before any write"), fail(c, RCLUSTER_E_NOROUTE);
    if (waitOn(c, c->last, c->lastGen, numreplicas, timeoutMs, acked, err) < 0) return -1;
    c->kind = RCLUSTER_E_NONE;
    return 0;
}

void rclusterWaitMark(rcluster *c) {
    for (size_t i = 0; i < c->nnode; i++) c->node[i]->written = c->node[i]->wlost = 0;
}

int rclusterWaitSlot(rcluster *c, int slot, int numreplicas, int timeoutMs, int *acked, char *err) {
    *acked = 0;
    if (numreplicas < 0 || timeoutMs <= 0 || slot < 0 || slot >= RCLUSTER_SLOTS)
        return errSet(err, "redis: WAIT needs a slot, replicas >= 0 and a timeout > 0"), fail(c, RCLUSTER_E_NOROUTE);
    int idx = c->mode == 0 ? c->single : c->mode == 1 ? c->slot[slot] : -1;
    rnode *n = idx >= 0 ? c->node[idx] : NULL;
    if (!n || !n->written) {   /* the map moved the slot since: the write went elsewhere */
        errSet(err, "redis: WAIT: no write to slot %d's node since the mark: its replication is unknown", slot);
        return fail(c, RCLUSTER_E_LOST);
    }
    if (waitOn(c, n, n->wlost ? n->gen + 1 : n->wgen, numreplicas, timeoutMs, acked, err) < 0) return -1;
    c->kind = RCLUSTER_E_NONE;
    return 0;
}

int rclusterSlotAddr(rcluster *c, int slot, char addr[RCLUSTER_ADDR_MAX], char *err) {
    if (slot < 0 || slot >= RCLUSTER_SLOTS) return errSet(err, "redis: slot %d out of range", slot), fail(c, RCLUSTER_E_NOROUTE);
    rnode *n = route(c, slot, err);
    if (!n) return -1;
    snprintf(addr, RCLUSTER_ADDR_MAX, "%s", n->addr);
    c->kind = RCLUSTER_E_NONE;
    return 0;
}

int rclusterRefresh(rcluster *c, char *err) {
    if (c->mode < 0) return rclusterDiscover(c, err);
    if (c->mode == 0) return 0;
    if (refresh(c, err) < 0) return -1;
    c->kind = RCLUSTER_E_NONE;
    return 0;
}

void rclusterStatsGet(const rcluster *c, rclusterStats *s) { *s = c->st; }
