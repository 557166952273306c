/* qlink.h -- the queue's Redis transport: how queue_redis.c's commands reach Redis.
 * Private to anchord/queue (queue_redis.c is its one user).
 *
 * Today: one hiredis connection to one Redis (host, port, password, database of
 * WA_REDIS_URL), opened lazily and again after it was lost or found closed by the
 * server; AUTH, SELECT and SCRIPT LOAD of every registered script on each new
 * connection; NOSCRIPT (a SCRIPT FLUSH) answered by loading the scripts again and
 * sending those commands once more (they did not run).
 *
 * Why a layer of its own (issue 16, the queue on Redis Cluster): this API is the part
 * of anchord/queue/rcluster.h the queue needs, with the same meaning -- argv in,
 * redisReply out, error replies returned as answers, registered scripts, the same
 * "did it run?" rule and the same RCLUSTER_IDEMPOTENT flag. queue_redis.c builds every
 * command -- the keys of each one (a Lua script's too) share one {sN} hash tag, so one
 * cluster slot -- and never touches a connection. Moving the queue to a cluster is
 * therefore a new qlink.c over rclusterOpen / rclusterCommand /
 * rclusterCommandAt (qlinkCommandNear: the slot of the key) / rclusterPipeline (per
 * slot: qlinkPipeline's commands may name keys of several shards, the link splits them)
 * / rclusterScriptAdd; queue_redis.c, queue.c and every caller stay as they are.
 *
 * The "did it run?" rule: a command whose reply was lost (timeout, reset) may have run;
 * it is re-sent only when the caller passed QLINK_IDEMPOTENT (a second run changes
 * nothing: reads, HSET of fixed values, XACK, XDEL, compare-and-set or marker-guarded
 * scripts). This link never re-sends after a lost reply at all (-1, the next call
 * reconnects); the flag tells a retrying link (rcluster) what it may do.
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

/* qlinkOpen: a link for a redis:// URL (redisUrlParse), connect and reply timeout
 * timeoutMs. Connects lazily. NULL + err ("WA_REDIS_URL: ...") on a bad URL. */
qlink *qlinkOpen(const char *url, int timeoutMs, char *err);
/* qlinkClose: closes the connection, wipes the password. NULL-safe. */
void qlinkClose(qlink *l);
/* qlinkAddr: "host:port" for messages. */
const char *qlinkAddr(const qlink *l);

/* qlinkScriptAdd: register a Lua script (before the first command), its SHA-1 hex into
 * sha. 0 / -1 + err (more than QLINK_SCRIPTS_MAX). */
#define QLINK_SCRIPTS_MAX 16
int qlinkScriptAdd(qlink *l, const char *text, char sha[41], char *err);

/* qlinkCommand: one command and its reply (*out, error replies included; the caller
 * frees it). waitMs: how much longer than the timeout the reply may take (XREADGROUP
 * BLOCK). 0 / -1 + err (no reply: not connected, or the reply was lost). */
int qlinkCommand(qlink *l, int flags, long long waitMs, int argc, const char **argv, const size_t *lens,
                 redisReply **out, char *err);

/* qlinkCommandNear: qlinkCommand for a command that names no key of its own (SCAN MATCH
 * of one shard's keys), sent where `key` lives (the same connection on one Redis). */
int qlinkCommandNear(qlink *l, const char *key, int flags, int argc, const char **argv, const size_t *lens,
                     redisReply **out, char *err);

/* qlinkPipeline: the n commands written in one go, then their n replies read (error
 * replies included), in rounds of at most 1000. A command answered NOSCRIPT is sent once
 * more after the scripts are loaded again. 0 when every command has its reply; -1 + err
 * when the connection failed: the commands with a reply were answered, the others may or
 * may not have run. */
int qlinkPipeline(qlink *l, int flags, qlinkCmd *cmds, size_t n, char *err);

/* qlinkReplyErr: -1 + err ("redis: <the error reply>") when r is an error reply, else 0. */
int qlinkReplyErr(const redisReply *r, char *err);

#endif
