/* rcluster.h -- a Redis client that routes by slot: the same calls work against one
 * Redis server and against a Redis Cluster (Debian 12's hiredis 0.14 has no cluster
 * support, so the routing of the Redis Cluster specification is done here, over it).
 *
 * Every Redis command of anchord goes through here: the queue's transport (qlink.c) is
 * a thin layer over this handle.
 *
 * Seeds come from a URL list (rclusterUrlParse). The first call asks a seed
 * CLUSTER SLOTS. A slot map means cluster mode: every command goes to the master
 * serving the slot of its keys (CRC16 of the hash tag, rclusterKeySlot), over one
 * connection per node opened on first use. An error reply (cluster support disabled)
 * means single mode: one connection, no routing, SELECT of the URL's database. Both
 * modes check keys the same way (a command whose keys span slots is refused in single
 * mode too), so code that runs on one Redis runs on a cluster.
 *
 * What happens to a command (the "did it run?" contract):
 *  - MOVED: the map is refreshed (CLUSTER SLOTS) and the command sent to the new
 *    owner. ASK: ASKING + the command once on the named node; the map is unchanged.
 *    Both mean the command did not run; at most RCLUSTER_REDIRECTS_MAX redirections.
 *  - TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN, READONLY, BUSY replies, a refused or
 *    timed out connect, a send that failed before the command was whole on the wire:
 *    the command did not run. On a cluster the map is refreshed and the command re-sent
 *    after a pause (backoffMs doubling, +50% jitter, at most 1 s) until retryMs has
 *    passed; then -1 with RCLUSTER_E_DOWN. A fail-over of a master is this case. A
 *    single Redis gets -1 RCLUSTER_E_DOWN at once, as before clusters.
 *  - NOSCRIPT to EVALSHA of a script added with rclusterScriptAdd: SCRIPT LOAD on that
 *    node, then the command again (it did not run).
 *  - A reply lost after the command was written (timeout, reset, the node killed): the
 *    command may have run. It is sent again only when the caller passed
 *    RCLUSTER_IDEMPOTENT; otherwise -1 with RCLUSTER_E_LOST.
 *  - Any other reply, error replies included (WRONGTYPE, a script's redis.error_reply),
 *    is the answer: 0 and the reply, for the caller to switch on.
 *
 * RCLUSTER_IDEMPOTENT (a second run changes nothing) is safe for: reads (GET, HGET,
 * HGETALL, EXISTS, XLEN, XRANGE, XPENDING, SCAN, PING, CLUSTER ...); SET/HSET of fixed
 * values, DEL, XACK, XDEL, PEXPIRE of a fixed TTL; Lua scripts that are compare-and-set
 * (queue_redis.c's lease renew/release, journal advance to the same state) or guarded by
 * a marker (queue_redis.c's enqueue: a second run is answered QUEUE_REPLAY, so the caller must
 * read REPLAY after a retry as "maybe mine"). NEVER for: XADD with an automatic id (a
 * second entry), INCR/INCRBY/HINCRBY, LPUSH/RPUSH, XREADGROUP ">" (a second delivery;
 * the first one's entries stay pending until reclaimed), SET NX / leaseAcquire when the
 * caller reads the answer as "I took it".
 *
 * Durability: a master acknowledges a write before its replicas have it. rclusterWait
 * (WAIT) on the same connection tells how many replicas hold it; a write that WAIT
 * reports on >= 1 replica survives the fail-over of its master (docs/redis-cluster.md,
 * with min-replicas-to-write on the servers).
 *
 * Not supported: MULTI/EXEC (use a Lua script), blocking list commands, pub/sub, reads
 * from replicas, TLS, ACL user names (password only, like WA_REDIS_URL today).
 *
 * Thread safety: a handle is not thread-safe, use one per thread. The functions that
 * take no handle are pure and safe from any thread.
 * Errors: 0 / -1 + err (core/err.h, ERR_MAX); after a -1, rclusterErrKind says what it
 * means for the command (RCLUSTER_E_*). Messages never contain the password. */
#ifndef WA_RCLUSTER_H
#define WA_RCLUSTER_H
#include <stddef.h>
#include <stdint.h>
#include <hiredis/hiredis.h>

#define RCLUSTER_SLOTS          16384
#define RCLUSTER_SEEDS_MAX      16
#define RCLUSTER_HOST_MAX       256
#define RCLUSTER_ADDR_MAX       300     /* "host:port" */
#define RCLUSTER_SCRIPTS_MAX    16
#define RCLUSTER_REDIRECTS_MAX  16
#define RCLUSTER_NOKEY          (-1)    /* rclusterCommandSlot: the command names no key */

/* What a -1 means for the command (rclusterErrKind). */
enum {
    RCLUSTER_E_NONE = 0,
    RCLUSTER_E_CROSSSLOT,   /* keys of one command (or pipeline) in different slots: nothing sent */
    RCLUSTER_E_NOROUTE,     /* no key to route by, or a command the key table does not know: nothing sent */
    RCLUSTER_E_CONFIG,      /* bad URL, AUTH refused, database != 0 on a cluster, several seeds of
                               which one is not a cluster node: nothing sent; retrying will not help */
    RCLUSTER_E_DOWN,        /* no node took the command within retryMs: it did not run */
    RCLUSTER_E_LOST,        /* sent, reply lost: the command may have run (not retried) */
    RCLUSTER_E_NOMEM        /* out of memory: nothing sent */
};

/* Flags of rclusterCommand / rclusterPipeline. */
enum {
    RCLUSTER_IDEMPOTENT = 1,   /* may be re-sent after a lost reply (see above) */
    RCLUSTER_MULTISLOT  = 2    /* rclusterPipeline: the commands may be in different slots */
};

/* ---- pure: slots, commands, URLs ---- */

/* rclusterCrc16: CRC-16/XMODEM (polynomial 0x1021, initial 0, no reflection), the
 * cluster specification's CRC16; "123456789" -> 0x31C3. */
uint16_t rclusterCrc16(const void *p, size_t n);

/* rclusterKeySlot: the slot of a key (cluster spec, "Keys hash tags"): CRC16 of the
 * bytes between the first '{' and the first '}' after it when there is at least one,
 * else of the whole key; mod 16384. */
int rclusterKeySlot(const char *key, size_t len);

/* rclusterCommandSlot: the slot of a command's keys, from a table of the key positions
 * of the commands this project uses (strings, hashes, sets, sorted sets, streams with
 * XREAD/XREADGROUP STREAMS, EVAL/EVALSHA/FCALL numkeys, DEL/EXISTS/MGET/MSET). lens NULL =
 * strlen. 0 with *slot = 0..16383, or RCLUSTER_NOKEY for a command without keys
 * (PING, WAIT, INFO, SCAN, SCRIPT, CLUSTER, EVAL with 0 keys, ...); -1 + err and *kind
 * (RCLUSTER_E_CROSSSLOT, RCLUSTER_E_NOROUTE) otherwise. kind may be NULL. */
int rclusterCommandSlot(int argc, const char **argv, const size_t *lens, int *slot, int *kind, char *err);

/* rclusterScriptSha: the SHA-1 of a Lua script's text as 40 hex digits + NUL, the name
 * EVALSHA calls it by (shared by rclusterScriptAdd and qlinkScriptAdd). 0 / -1 + err. */
int rclusterScriptSha(const char *text, char sha[41], char *err);

/* Parsed WA_REDIS_URL. */
typedef struct rclusterUrl {
    char host[RCLUSTER_SEEDS_MAX][RCLUSTER_HOST_MAX];
    int port[RCLUSTER_SEEDS_MAX];
    size_t n;                       /* seeds, >= 1 */
    char pass[256];                 /* "" = no AUTH */
    int db;                         /* 0..15; != 0 only with one seed, and only a single Redis */
} rclusterUrl;

/* rclusterUrlParse: the WA_REDIS_URL syntax:
 *   redis://[:password@]host[:port][/db]                one Redis, or one seed of a cluster
 *   redis://[:password@]h1[:p1],h2[:p2],...             seeds of one cluster
 *   redis://[:pw@]h1[:p1],redis://[:pw@]h2[:p2],...     the same, as repeated URLs
 * Port 6379 by default. Every seed must carry the same password (or none after the
 * first); several seeds take no /db (a cluster has database 0 only). At most
 * RCLUSTER_SEEDS_MAX seeds. 0 / -1 + err (the password is never quoted). */
int rclusterUrlParse(const char *url, rclusterUrl *u, char *err);

/* ---- the handle ---- */

typedef struct rcluster rcluster;

/* Options; 0 = the default. */
typedef struct rclusterOpts {
    int timeoutMs;   /* connect and each reply; default 5000 */
    int retryMs;     /* how long a command that did not run is retried on a cluster (fail-over,
                        CLUSTERDOWN); default 20000, above Redis's default cluster-node-timeout
                        (15 s) plus the election; < 0 = never. A single Redis is never retried
                        (as before: the caller sees the failure, the next call reconnects). */
    int backoffMs;   /* first pause between retries, doubling to 1 s, +50% jitter; default 50 */
} rclusterOpts;

/* rclusterOpen: a handle for url (opts NULL = the defaults). Connects lazily: a server
 * that is down surfaces at the first call. NULL + err on a bad URL or no memory. */
rcluster *rclusterOpen(const char *url, const rclusterOpts *opts, char *err);
/* rclusterClose: closes every connection, wipes the password. NULL-safe. */
void rclusterClose(rcluster *c);

/* rclusterErrKind: RCLUSTER_E_* of the handle's last -1 (RCLUSTER_E_NONE after a 0). */
int rclusterErrKind(const rcluster *c);

/* rclusterIsCluster: 1 cluster mode, 0 single Redis, -1 not known yet (no call made).
 * rclusterDiscover makes it known: 0 / -1 + err. */
int rclusterIsCluster(const rcluster *c);
int rclusterDiscover(rcluster *c, char *err);

/* rclusterScriptAdd: register a Lua script, its SHA-1 (40 hex) into sha. Every
 * connection opened afterwards loads it (SCRIPT LOAD) before its first command, and a
 * NOSCRIPT reply to EVALSHA of it loads it again and re-sends (the script did not
 * run). Register before the first command. At most RCLUSTER_SCRIPTS_MAX. 0 / -1 + err. */
int rclusterScriptAdd(rcluster *c, const char *text, char sha[41], char *err);

/* rclusterCommand: send one command (argv, lens NULL = strlen) to the node serving its
 * keys' slot and read its reply (*out, freeReplyObject by the caller; error replies
 * included). Commands without keys are refused (RCLUSTER_E_NOROUTE): send them with
 * rclusterCommandAt. The socket timeout is stretched by XREAD/XREADGROUP's BLOCK and
 * WAIT's timeout. 0 / -1 + err + rclusterErrKind. */
int rclusterCommand(rcluster *c, int flags, int argc, const char **argv, const size_t *lens,
                    redisReply **out, char *err);

/* rclusterCommandAt: the same, sent to the node serving `slot` whatever the command's
 * keys (SCAN MATCH of one hash tag, PING, INFO, CLUSTER ... of a node). */
int rclusterCommandAt(rcluster *c, int slot, int flags, int argc, const char **argv, const size_t *lens,
                      redisReply **out, char *err);

/* One command of a pipeline: input argv/lens, output reply. */
typedef struct rclusterCmd {
    int argc;
    const char **argv;
    const size_t *lens;   /* NULL = strlen */
    redisReply *reply;    /* out: the answer (freeReplyObject by the caller), NULL when none */
} rclusterCmd;

/* rclusterPipeline: n commands whose keys share one slot (every command must have
 * keys; else RCLUSTER_E_CROSSSLOT / RCLUSTER_E_NOROUTE and nothing is sent), written
 * in one go to the node serving it, then the n replies read. Redirected commands
 * (MOVED/ASK/TRYAGAIN during a migration or fail-over) are re-sent, in order, after the
 * others ran: the order of the commands on one key is kept, not across keys (a
 * pipeline is not a transaction). 0 when every command has its reply; -1 + err and
 * rclusterErrKind: the commands with a reply were answered, the others did not run
 * (RCLUSTER_E_DOWN) or may have (RCLUSTER_E_LOST). */
int rclusterPipeline(rcluster *c, int flags, rclusterCmd *cmds, size_t n, char *err);
/* With RCLUSTER_MULTISLOT the commands may be in different slots (each command's own keys
 * still in one): on a single Redis they go as one pipeline, on a cluster as one pipeline
 * per slot, in the order each slot first appears (the order of the commands of one slot
 * kept; across slots, like across keys, none). A slot whose node fails does not stop the
 * others: -1 then means what it says above for the commands left without a reply, with
 * rclusterErrKind RCLUSTER_E_LOST when any of them may have run. */

/* rclusterWait: WAIT numreplicas timeoutMs (> 0) on the connection that carried the
 * last rclusterCommand / rclusterPipeline (for a pipeline redirected part-way, the node
 * that took its last part), so it covers that write and the earlier ones on the same
 * connection. *acked = replicas that acknowledged them (0 on a
 * master without replicas, and on a single Redis without replicas). -1 + err with
 * RCLUSTER_E_LOST when that connection was closed or re-opened since the write (its
 * replication is then unknown), RCLUSTER_E_NOROUTE when no command was sent yet.
 * Never retried on another node: that would say nothing about the write. */
int rclusterWait(rcluster *c, int numreplicas, int timeoutMs, int *acked, char *err);

/* rclusterWaitMark / rclusterWaitSlot: WAIT for the writes to one slot since the mark (a
 * multi-slot pipeline's writes go to several masters: one rclusterWaitSlot per slot; a
 * second WAIT on a node whose replicas have caught up answers at once). rclusterWaitSlot
 * sends WAIT numreplicas timeoutMs to the node serving slot and puts its count into
 * *acked. -1 + err with RCLUSTER_E_LOST (*acked 0) when that node carried no command since
 * the mark (the slot moved: the write went elsewhere) or when a connection to it that
 * carried one was closed or re-opened since: that write's replication is unknown. */
void rclusterWaitMark(rcluster *c);
int rclusterWaitSlot(rcluster *c, int slot, int numreplicas, int timeoutMs, int *acked, char *err);

/* rclusterSlotAddr: "host:port" of the node serving slot (the map, refreshed first if
 * it has no owner for it). 0 / -1 + err. */
int rclusterSlotAddr(rcluster *c, int slot, char addr[RCLUSTER_ADDR_MAX], char *err);

/* rclusterRefresh: read the slot map again now (cluster mode; 0 and nothing in single
 * mode). 0 / -1 + err. */
int rclusterRefresh(rcluster *c, char *err);

/* Counters since rclusterOpen (tests, metrics). */
typedef struct rclusterStats {
    long long commands;    /* commands answered */
    long long moved, asked;/* MOVED / ASK replies followed */
    long long retries;     /* re-sends after a command did not run (TRYAGAIN, CLUSTERDOWN, down node) */
    long long refreshes;   /* slot maps read */
    long long connects;    /* connections opened */
    long long lost;        /* replies lost after the command was written */
} rclusterStats;
void rclusterStatsGet(const rcluster *c, rclusterStats *s);

#endif
