/* qlink.c -- the queue's Redis transport (qlink.h): a thin layer over the slot router
 * anchord/queue/rcluster.h, so the same commands run on one Redis and on a Redis Cluster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "anchord/queue/rcluster.h"
#include "anchord/queue/qlink.h"

#define ROUND_MAX 1000   /* pipelined commands per round trip */

struct qlink {
    rcluster *c;
    char addr[300];
    rclusterCmd *cmds;   /* qlinkPipeline's scratch */
    size_t cap;
};

/* seedList: "h1:p1,h2:p2,..." of a parsed URL into out (cap bytes, cut short with "..."). */
static void seedList(const rclusterUrl *u, char *out, size_t cap) {
    size_t off = 0;
    out[0] = 0;
    for (size_t i = 0; i < u->n && off + 1 < cap; i++) {
        int w = snprintf(out + off, cap - off, "%s%s:%d", i ? "," : "", u->host[i], u->port[i]);
        if (w < 0 || (size_t)w >= cap - off) { if (cap > 4) snprintf(out + cap - 4, 4, "..."); return; }
        off += (size_t)w;
    }
}

int qlinkUrlCheck(const char *url, char *err) {
    rclusterUrl u;
    int rc = rclusterUrlParse(url, &u, err);
    sodium_memzero(u.pass, sizeof u.pass);
    return rc;
}

qlink *qlinkOpen(const char *url, int timeoutMs, char *err) {
    rclusterUrl u;
    char e[ERR_MAX];
    if (rclusterUrlParse(url, &u, e) < 0) { errSet(err, "WA_REDIS_URL: %s", e); return NULL; }
    qlink *l = calloc(1, sizeof *l);
    if (!l) { sodium_memzero(u.pass, sizeof u.pass); errSet(err, "out of memory"); return NULL; }
    seedList(&u, l->addr, sizeof l->addr);
    sodium_memzero(u.pass, sizeof u.pass);
    rclusterOpts o = {.timeoutMs = timeoutMs > 0 ? timeoutMs : 5000};
    if (!(l->c = rclusterOpen(url, &o, err))) { free(l); return NULL; }
    return l;
}

void qlinkClose(qlink *l) {
    if (!l) return;
    rclusterClose(l->c);
    free(l->cmds);
    free(l);
}

const char *qlinkAddr(const qlink *l) { return l->addr; }

int qlinkScriptAdd(qlink *l, const char *text, char sha[41], char *err) {
    return rclusterScriptAdd(l->c, text, sha, err);
}

int qlinkCommand(qlink *l, int flags, int argc, const char **argv, const size_t *lens, redisReply **out,
                 char *err) {
    return rclusterCommand(l->c, flags & QLINK_IDEMPOTENT ? RCLUSTER_IDEMPOTENT : 0, argc, argv, lens, out, err);
}

int qlinkCommandNear(qlink *l, const char *key, int flags, int argc, const char **argv, const size_t *lens,
                     redisReply **out, char *err) {
    return rclusterCommandAt(l->c, rclusterKeySlot(key, strlen(key)), flags & QLINK_IDEMPOTENT ? RCLUSTER_IDEMPOTENT : 0,
                             argc, argv, lens, out, err);
}

int qlinkPipeline(qlink *l, int flags, qlinkCmd *cmds, size_t n, char *err) {
    for (size_t i = 0; i < n; i++) cmds[i].reply = NULL;
    if (n > l->cap) {
        size_t cap = n < ROUND_MAX ? n : ROUND_MAX;
        rclusterCmd *p = realloc(l->cmds, cap * sizeof *p);
        if (!p) return errSet(err, "out of memory");
        l->cmds = p;
        l->cap = cap;
    }
    int rf = RCLUSTER_MULTISLOT | (flags & QLINK_IDEMPOTENT ? RCLUSTER_IDEMPOTENT : 0), rc = 0;
    for (size_t off = 0; off < n; off += ROUND_MAX) {
        size_t m = n - off < ROUND_MAX ? n - off : ROUND_MAX;
        for (size_t i = 0; i < m; i++) l->cmds[i] = (rclusterCmd){cmds[off + i].argc, cmds[off + i].argv, cmds[off + i].lens, NULL};
        int r = rclusterPipeline(l->c, rf, l->cmds, m, err);
        for (size_t i = 0; i < m; i++) cmds[off + i].reply = l->cmds[i].reply;
        if (r < 0) { rc = -1; break; }   /* the later rounds were not sent */
    }
    return rc;
}

void qlinkWaitMark(qlink *l) { rclusterWaitMark(l->c); }

int qlinkWait(qlink *l, const char *key, int replicas, int timeoutMs, int *acked, char *err) {
    return rclusterWaitSlot(l->c, rclusterKeySlot(key, strlen(key)), replicas, timeoutMs, acked, err);
}

int qlinkIsCluster(qlink *l, char *err) {
    if (rclusterDiscover(l->c, err) < 0) return -1;
    return rclusterIsCluster(l->c);
}

int qlinkReplyErr(const redisReply *r, char *err) {
    if (r->type != REDIS_REPLY_ERROR) return 0;
    return errSet(err, "redis: %.*s", (int)r->len, r->str);
}
