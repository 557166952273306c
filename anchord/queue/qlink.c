/* qlink.c -- the queue's Redis transport over one hiredis connection (qlink.h). */
#include <ctype.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "core/err.h"
#include "core/hex.h"
#include "anchord/queue/queue.h"
#include "anchord/queue/rcluster.h"
#include "anchord/queue/qlink.h"

#define ROUND_MAX 1000   /* pipelined commands per round trip */

struct qlink {
    redisContext *rc;
    char host[256], pass[256], addr[300];
    int port, db, timeoutMs;
    char *script[QLINK_SCRIPTS_MAX];
    char sha[QLINK_SCRIPTS_MAX][41];
    int nscript;
};

/* ---- URL ---- */

/* One Redis (rclusterUrlParse's rules with one seed): the queue does not route by slot yet. */
int redisUrlParse(const char *url, char host[256], int *port, char pass[256], int *db, char *err) {
    rclusterUrl u;
    if (rclusterUrlParse(url, &u, err) < 0) return -1;
    int rc = 0;
    if (u.n != 1) rc = errSet(err, "one host only (a list of seeds is a Redis Cluster: docs/redis-cluster.md)");
    else {
        snprintf(host, 256, "%s", u.host[0]);
        memcpy(pass, u.pass, 256);
        *port = u.port[0];
        *db = u.db;
    }
    sodium_memzero(u.pass, sizeof u.pass);
    return rc;
}

/* ---- the connection ---- */

static void drop(qlink *l) {
    if (l->rc) redisFree(l->rc);
    l->rc = NULL;
}

/* lost: the reply did not come (timeout, reset, closed): -1 + err, the connection is
 * dropped and re-opened by the next call. */
static int lost(qlink *l, char *err) {
    errSet(err, "redis: %s at %s", l->rc && l->rc->errstr[0] ? l->rc->errstr : "connection lost", l->addr);
    drop(l);
    return -1;
}

static void setTimeout(qlink *l, long long extraMs) {
    long long ms = l->timeoutMs + extraMs;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    redisSetTimeout(l->rc, tv);
}

/* stale: the server closed an idle connection (restarted, timeout). Redis never
 * speaks unasked on these connections, so anything readable before we send is
 * EOF or an error; finding out now, rather than from the reply, is what lets
 * the command go out once on a new connection instead of failing. */
static int stale(const qlink *l) {
    struct pollfd p = {.fd = l->rc->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* setup: one command of the connection's set-up (AUTH, SELECT); an error reply fails it. */
static int setup(qlink *l, int argc, const char **argv, char *err) {
    redisReply *r = redisCommandArgv(l->rc, argc, argv, NULL);
    if (!r) return lost(l, err);
    int rc = qlinkReplyErr(r, err);
    freeReplyObject(r);
    if (rc < 0) drop(l);
    return rc;
}

/* ready: (re)open the connection when there is none or it went stale: AUTH, SELECT,
 * SCRIPT LOAD of every registered script (the SHA the server computes must be ours). */
static int ready(qlink *l, char *err) {
    if (l->rc && !l->rc->err && !stale(l)) return 0;
    drop(l);
    struct timeval tv = {l->timeoutMs / 1000, (l->timeoutMs % 1000) * 1000};
    l->rc = redisConnectWithTimeout(l->host, l->port, tv);
    if (!l->rc || l->rc->err) {
        char why[128];
        snprintf(why, sizeof why, "%s", l->rc ? l->rc->errstr : "out of memory");
        why[0] = (char)tolower((unsigned char)why[0]);   /* "redis: connection refused at h:p" */
        errSet(err, "redis: %s at %s", why, l->addr);
        drop(l);
        return -1;
    }
    redisSetTimeout(l->rc, tv);
    char db[8];
    snprintf(db, sizeof db, "%d", l->db);
    const char *auth[] = {"AUTH", l->pass}, *sel[] = {"SELECT", db};
    if (l->pass[0] && setup(l, 2, auth, err) < 0) return -1;
    if (l->db && setup(l, 2, sel, err) < 0) return -1;
    for (int i = 0; i < l->nscript; i++) {
        const char *av[] = {"SCRIPT", "LOAD", l->script[i]};
        redisReply *r = redisCommandArgv(l->rc, 3, av, NULL);
        if (!r) return lost(l, err);
        int rc = qlinkReplyErr(r, err);
        int same = r->type == REDIS_REPLY_STRING && r->len == 40 && !memcmp(r->str, l->sha[i], 40);
        freeReplyObject(r);
        if (rc == 0 && !same) rc = errSet(err, "redis: script hash mismatch at %s", l->addr);
        if (rc < 0) { drop(l); return -1; }
    }
    return 0;
}

/* noscript: r says its script is not loaded (a SCRIPT FLUSH): the command did not run. */
static int noscript(const redisReply *r) {
    return r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8);
}

/* ---- public ---- */

qlink *qlinkOpen(const char *url, int timeoutMs, char *err) {
    qlink *l = calloc(1, sizeof *l);
    if (!l) { errSet(err, "out of memory"); return NULL; }
    char e[ERR_MAX];
    if (redisUrlParse(url, l->host, &l->port, l->pass, &l->db, e) < 0) {
        errSet(err, "WA_REDIS_URL: %s", e);
        free(l);
        return NULL;
    }
    snprintf(l->addr, sizeof l->addr, "%s:%d", l->host, l->port);
    l->timeoutMs = timeoutMs > 0 ? timeoutMs : 5000;
    return l;
}

void qlinkClose(qlink *l) {
    if (!l) return;
    drop(l);
    for (int i = 0; i < l->nscript; i++) free(l->script[i]);
    sodium_memzero(l->pass, sizeof l->pass);
    free(l);
}

const char *qlinkAddr(const qlink *l) { return l->addr; }

int qlinkScriptAdd(qlink *l, const char *text, char sha[41], char *err) {
    if (l->nscript == QLINK_SCRIPTS_MAX) return errSet(err, "redis: more than %d scripts", QLINK_SCRIPTS_MAX);
    unsigned char md[20];
    unsigned int n = 0;
    if (!EVP_Digest(text, strlen(text), md, &n, EVP_sha1(), NULL) || n != 20) return errSet(err, "redis: SHA-1 failed");
    if (!(l->script[l->nscript] = strdup(text))) return errSet(err, "out of memory");
    hexEncode(md, 20, l->sha[l->nscript]);
    memcpy(sha, l->sha[l->nscript], 41);
    l->nscript++;
    drop(l);   /* the next connection loads it */
    return 0;
}

int qlinkCommand(qlink *l, int flags, long long waitMs, int argc, const char **argv, const size_t *lens,
                 redisReply **out, char *err) {
    *out = NULL;
    for (int attempt = 0;; attempt++) {
        if (ready(l, err) < 0) return -1;
        if (waitMs > 0) setTimeout(l, waitMs);   /* BLOCK must outlive the read timeout */
        redisReply *r = redisCommandArgv(l->rc, argc, argv, lens);
        if (!r) return lost(l, err);
        if (waitMs > 0) setTimeout(l, 0);
        if (noscript(r) && attempt == 0) {   /* it did not run: load the scripts, send it again */
            freeReplyObject(r);
            drop(l);
            continue;
        }
        *out = r;
        return 0;
    }
}

int qlinkCommandNear(qlink *l, const char *key, int flags, int argc, const char **argv, const size_t *lens,
                     redisReply **out, char *err) {
    return qlinkCommand(l, flags, 0, argc, argv, lens, out, err);   /* one Redis holds every key */
}

/* sendRound: the commands of cmds[0..m) still without a reply, written in one go, then their
 * replies read. *again = 1 when some were answered NOSCRIPT on the first attempt (their
 * reply cleared: they did not run). 0 / -1 + err. */
static int sendRound(qlink *l, qlinkCmd *cmds, size_t m, int attempt, int *again, char *err) {
    *again = 0;
    if (ready(l, err) < 0) return -1;
    size_t sent = 0;
    for (size_t i = 0; i < m; i++) {
        if (cmds[i].reply) continue;
        if (redisAppendCommandArgv(l->rc, cmds[i].argc, cmds[i].argv, cmds[i].lens) != REDIS_OK) {
            errSet(err, "redis: out of memory");
            drop(l);   /* nothing of this round was sent */
            return -1;
        }
        sent++;
    }
    for (size_t i = 0; i < m && sent; i++) {
        if (cmds[i].reply) continue;
        sent--;
        redisReply *r = NULL;
        if (redisGetReply(l->rc, (void **)&r) != REDIS_OK || !r) return lost(l, err);
        if (noscript(r) && attempt == 0) { freeReplyObject(r); *again = 1; continue; }
        cmds[i].reply = r;   /* every reply read: the connection stays in step */
    }
    return 0;
}

int qlinkPipeline(qlink *l, int flags, qlinkCmd *cmds, size_t n, char *err) {
    for (size_t i = 0; i < n; i++) cmds[i].reply = NULL;
    for (size_t off = 0; off < n; off += ROUND_MAX) {
        size_t m = n - off < ROUND_MAX ? n - off : ROUND_MAX;
        int again;
        if (sendRound(l, cmds + off, m, 0, &again, err) < 0) return -1;
        if (!again) continue;
        drop(l);   /* a SCRIPT FLUSH: reconnecting loads every script */
        if (sendRound(l, cmds + off, m, 1, &again, err) < 0) return -1;
    }
    return 0;
}

int qlinkReplyErr(const redisReply *r, char *err) {
    if (r->type != REDIS_REPLY_ERROR) return 0;
    return errSet(err, "redis: %.*s", (int)r->len, r->str);
}
