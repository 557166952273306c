/* qlink.h -- the queue's Redis transport: how queue_redis.c's commands reach Redis.
 * Private to anchord/queue (queue_redis.c is its one user).
 *
 * A thin layer over the slot router anchord/queue/rcluster.h (one handle per link), so
 * the same commands run on one Redis and on a Redis Cluster (WA_REDIS_URL with one
 * server or a list of seeds: rclusterUrlParse). It keeps the router's meaning -- argv
 * in, redisReply out, error replies returned as answers, registered scripts (NOSCRIPT
 * answered by loading them again), the "did it run?" rule and QLINK_IDEMPOTENT -- and
 * adds what the queue needs on top: a pipeline whose commands name keys of several
 * shards (split per slot on a cluster, one pipeline on one Redis) and WAIT over every
 * master a group of writes went to.
 *
 * queue_redis.c builds every command -- the keys of each one (a Lua script's too) share
 * one {sN} hash tag, so one cluster slot -- and never touches a connection. A command
 * whose keys span slots is refused before anything is sent, on one Redis too.
 *
 * The "did it run?" rule: a command whose reply was lost (timeout, reset) may have run;
 * it is re-sent only when the caller passed QLINK_IDEMPOTENT (a second run changes
 * nothing: reads, HSET of fixed values, XACK, XDEL, compare-and-set or marker-guarded
 * scripts), and only on a cluster (rcluster.h). A command that did not run (a fail-over,
 * CLUSTERDOWN, MOVED, ASK) is re-sent by the router on a cluster within its retry window.
 *
 * Not thread-safe: one link per queue, one queue per thread.
 * Errors: 0 / -1 + err ("redis: <why> at host:port"); messages never hold the password. */
#ifndef WA_QLINK_H
#define WA_QLINK_H
#include <stddef.h>
#include <hiredis/hiredis.h>

enum { QLINK_IDEMPOTENT = 1 };   /* = RCLUSTER_IDEMPOTENT: may be re-sent after a lost reply */

typedef struct qlink qlink;

/* One command of qlinkPipeline: input argv/lens (lens NULL = strlen), output reply. */
typedef struct qlinkCmd {
    int argc;
    const char **argv;
    const size_t *lens;
    redisReply *reply;      /* out: the answer (freeReplyObject by the caller), NULL when none */
} qlinkCmd;

/* qlinkUrlCheck: url is a WA_REDIS_URL (rclusterUrlParse). 0 / -1 + err. */
int qlinkUrlCheck(const char *url, char *err);

/* qlinkOpen: a link for a WA_REDIS_URL (rclusterUrlParse), connect and reply timeout
 * timeoutMs. Connects lazily. NULL + err ("WA_REDIS_URL: ...") on a bad URL. */
qlink *qlinkOpen(const char *url, int timeoutMs, char *err);
/* qlinkClose: closes the connection, wipes the password. NULL-safe. */
void qlinkClose(qlink *l);
/* qlinkAddr: "host:port" (a cluster: the seeds, comma separated) for messages. */
const char *qlinkAddr(const qlink *l);

/* qlinkScriptAdd: register a Lua script (before the first command), its SHA-1 hex into
 * sha. 0 / -1 + err (more than QLINK_SCRIPTS_MAX). */
#define QLINK_SCRIPTS_MAX 16
int qlinkScriptAdd(qlink *l, const char *text, char sha[41], char *err);

/* qlinkCommand: one command and its reply (*out, error replies included; the caller
 * frees it), sent to the node serving its keys; the reply may take the command's own
 * BLOCK on top of the timeout. 0 / -1 + err (no reply: not connected, not run within the
 * retry window, the reply lost, or keys in several slots: nothing sent). */
int qlinkCommand(qlink *l, int flags, int argc, const char **argv, const size_t *lens, redisReply **out,
                 char *err);

/* qlinkCommandNear: qlinkCommand for a command that names no key of its own (SCAN MATCH
 * of one shard's keys), sent where `key` lives (the same connection on one Redis). */
int qlinkCommandNear(qlink *l, const char *key, int flags, int argc, const char **argv, const size_t *lens,
                     redisReply **out, char *err);

/* qlinkPipeline: the n commands written in one go (a cluster: one go per slot, the order
 * of the commands of one slot kept), then their n replies read (error replies included),
 * in rounds of at most 1000. 0 when every command has its reply; -1 + err when a node
 * failed: the commands with a reply were answered, the others may or may not have run. */
int qlinkPipeline(qlink *l, int flags, qlinkCmd *cmds, size_t n, char *err);

/* qlinkWaitMark / qlinkWait: how many replicas hold the writes to key's slot sent since
 * the mark (WAIT replicas timeoutMs on its master: rclusterWaitSlot) into *acked. -1 + err
 * when the connection that took them was lost or the slot moved (replication unknown). */
void qlinkWaitMark(qlink *l);
int qlinkWait(qlink *l, const char *key, int replicas, int timeoutMs, int *acked, char *err);

/* qlinkIsCluster: 1 a Redis Cluster, 0 one Redis (asks the seeds the first time), -1 + err. */
int qlinkIsCluster(qlink *l, char *err);

/* qlinkReplyErr: -1 + err ("redis: <the error reply>") when r is an error reply, else 0. */
int qlinkReplyErr(const redisReply *r, char *err);

#endif
