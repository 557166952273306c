/* test-rcluster.c -- `test-tool rcluster` drives anchord/rcluster against a real Redis or Redis Cluster for
 * tests/integration/rcluster.sh:
 *
 *   rcluster repl URL [TIMEOUT_MS [RETRY_MS]]
 *       reads one request a line on stdin, answers one line on stdout:
 *         cmd ARGS...      rclusterCommand              -> a reply line (below)
 *         cmdi ARGS...     the same, RCLUSTER_IDEMPOTENT
 *         at SLOT ARGS...  rclusterCommandAt
 *         wait N MS        rclusterWait                 -> "acked N" | fail line
 *         script LUA...    rclusterScriptAdd (the rest of the line) -> "sha HEX"
 *         pipe-xadd KEY N  one pipeline of N "XADD KEY * n i" -> "replies N errors E"
 *         pipe ARGS ; ARGS ; ...   one pipeline             -> the replies, " | " between
 *         addr SLOT        rclusterSlotAddr             -> "addr HOST:PORT"
 *         keyaddr KEY      the key's slot and node      -> "slot S addr HOST:PORT"
 *         mode             rclusterDiscover             -> "mode cluster|single"
 *         refresh          rclusterRefresh              -> "ok"
 *         stats            -> "commands C moved M asked A retries R refreshes F connects N lost L"
 *       Reply lines: "status S", "str S", "int N", "nil", "arr N", "err MESSAGE";
 *       a -1 is "fail KIND MESSAGE" (KIND: crossslot noroute config down lost nomem).
 *
 *   rcluster writer URL SECS OUT
 *       for SECS seconds, one enqueue-like Lua script (XADD + marker, one {sN} slot,
 *       RCLUSTER_IDEMPOTENT) round-robin over the shards {s0}..{s15}, each followed by
 *       WAIT 1 50; appends "acked SHARD I" to OUT for each write WAIT saw on a replica,
 *       "wrote SHARD I" for the others.
 *       Prints "written W acked A failed F longest MS ms" (the longest write, WAIT aside)
 *       and the stats line; exit 0 unless a write failed.
 *
 *   rcluster verify URL OUT
 *       every "acked SHARD I" of OUT still there (marker and stream entry):
 *       prints "checked N missing M"; exit 0 when M = 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/err.h"
#include "anchord/queue/rcluster.h"
#include "tests/helper/test-tool.h"

static const char *kindName(int k) {
    switch (k) {
    case RCLUSTER_E_CROSSSLOT: return "crossslot";
    case RCLUSTER_E_NOROUTE: return "noroute";
    case RCLUSTER_E_CONFIG: return "config";
    case RCLUSTER_E_DOWN: return "down";
    case RCLUSTER_E_LOST: return "lost";
    case RCLUSTER_E_NOMEM: return "nomem";
    default: return "none";
    }
}

static void printReply(FILE *f, const redisReply *r) {
    switch (r->type) {
    case REDIS_REPLY_STATUS: fprintf(f, "status %s", r->str); break;
    case REDIS_REPLY_STRING: fprintf(f, "str %.*s", (int)r->len, r->str); break;
    case REDIS_REPLY_INTEGER: fprintf(f, "int %lld", r->integer); break;
    case REDIS_REPLY_NIL: fprintf(f, "nil"); break;
    case REDIS_REPLY_ARRAY: fprintf(f, "arr %zu", r->elements); break;
    default: fprintf(f, "err %s", r->str); break;
    }
}

static void printFail(const rcluster *c, const char *err) { printf("fail %s %s\n", kindName(rclusterErrKind(c)), err); }

static void printStats(const rcluster *c) {
    rclusterStats s;
    rclusterStatsGet(c, &s);
    printf("commands %lld moved %lld asked %lld retries %lld refreshes %lld connects %lld lost %lld\n", s.commands, s.moved,
           s.asked, s.retries, s.refreshes, s.connects, s.lost);
}

static rcluster *openC(const char *url, int timeoutMs, int retryMs) {
    char err[ERR_MAX];
    rclusterOpts o = {.timeoutMs = timeoutMs, .retryMs = retryMs};
    rcluster *c = rclusterOpen(url, &o, err);
    if (!c) fprintf(stderr, "test-tool rcluster: %s\n", err);
    return c;
}

/* pipeXadd: one pipeline of n XADDs to key. */
static void pipeXadd(rcluster *c, const char *key, int n) {
    rclusterCmd *cmds = calloc((size_t)n, sizeof *cmds);
    char (*num)[16] = calloc((size_t)n, sizeof *num);
    const char **av = calloc((size_t)n * 5, sizeof *av);
    char err[ERR_MAX];
    for (int i = 0; i < n; i++) {
        snprintf(num[i], sizeof num[i], "%d", i);
        const char **a = av + i * 5;
        a[0] = "XADD"; a[1] = key; a[2] = "*"; a[3] = "n"; a[4] = num[i];
        cmds[i] = (rclusterCmd){5, a, NULL, NULL};
    }
    if (rclusterPipeline(c, 0, cmds, (size_t)n, err) < 0) printFail(c, err);
    else {
        int errors = 0;
        for (int i = 0; i < n; i++) errors += cmds[i].reply->type != REDIS_REPLY_STRING;
        printf("replies %d errors %d\n", n, errors);
    }
    for (int i = 0; i < n; i++) if (cmds[i].reply) freeReplyObject(cmds[i].reply);
    free(cmds); free(num); free(av);
}

/* pipeLine: "pipe A B ; C D ; ..." as one pipeline (flags: RCLUSTER_MULTISLOT for "pipem"). */
static void pipeLine(rcluster *c, int flags, char **tok, int nt) {
    rclusterCmd cmds[32];
    size_t n = 0;
    int start = 0;
    char err[ERR_MAX];
    for (int i = 0; i <= nt && n < 32; i++)
        if (i == nt || !strcmp(tok[i], ";")) {
            if (i > start) cmds[n++] = (rclusterCmd){i - start, (const char **)tok + start, NULL, NULL};
            start = i + 1;
        }
    if (rclusterPipeline(c, flags, cmds, n, err) < 0) printFail(c, err);
    else {
        for (size_t i = 0; i < n; i++) { if (i) printf(" | "); printReply(stdout, cmds[i].reply); }
        printf("\n");
    }
    for (size_t i = 0; i < n; i++) if (cmds[i].reply) freeReplyObject(cmds[i].reply);
}

static int repl(const char *url, int timeoutMs, int retryMs) {
    rcluster *c = openC(url, timeoutMs, retryMs);
    if (!c) return 1;
    char line[8192], err[ERR_MAX];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *rest = strchr(line, ' ');
        char *tok[256];
        int nt = 0;
        char copy[8192];
        snprintf(copy, sizeof copy, "%s", line);
        for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && nt < 256; t = strtok_r(NULL, " ", &save)) tok[nt++] = t;
        if (nt == 0) continue;
        redisReply *r = NULL;
        int rc = 1;   /* 1: printed already */
        if ((!strcmp(tok[0], "cmd") || !strcmp(tok[0], "cmdi")) && nt > 1)
            rc = rclusterCommand(c, tok[0][3] ? RCLUSTER_IDEMPOTENT : 0, nt - 1, (const char **)tok + 1, NULL, &r, err);
        else if (!strcmp(tok[0], "at") && nt > 2)
            rc = rclusterCommandAt(c, atoi(tok[1]), 0, nt - 2, (const char **)tok + 2, NULL, &r, err);
        else if (!strcmp(tok[0], "wait") && nt == 3) {
            int acked;
            if (rclusterWait(c, atoi(tok[1]), atoi(tok[2]), &acked, err) < 0) printFail(c, err);
            else printf("acked %d\n", acked);
        } else if (!strcmp(tok[0], "script") && rest) {
            char sha[41];
            if (rclusterScriptAdd(c, rest + 1, sha, err) < 0) printFail(c, err);
            else printf("sha %s\n", sha);
        } else if (!strcmp(tok[0], "pipe-xadd") && nt == 3) pipeXadd(c, tok[1], atoi(tok[2]));
        else if (!strcmp(tok[0], "pipe") && nt > 1) pipeLine(c, 0, tok + 1, nt - 1);
        else if (!strcmp(tok[0], "pipem") && nt > 1) pipeLine(c, RCLUSTER_MULTISLOT, tok + 1, nt - 1);
        else if (!strcmp(tok[0], "mark")) { rclusterWaitMark(c); printf("ok\n"); }
        else if (!strcmp(tok[0], "waitslot") && nt == 4) {
            int acked;
            if (rclusterWaitSlot(c, rclusterKeySlot(tok[1], strlen(tok[1])), atoi(tok[2]), atoi(tok[3]), &acked, err) < 0)
                printFail(c, err);
            else printf("acked %d\n", acked);
        }
        else if (!strcmp(tok[0], "addr") && nt == 2) {
            char addr[RCLUSTER_ADDR_MAX];
            if (rclusterSlotAddr(c, atoi(tok[1]), addr, err) < 0) printFail(c, err);
            else printf("addr %s\n", addr);
        } else if (!strcmp(tok[0], "keyaddr") && nt == 2) {
            char addr[RCLUSTER_ADDR_MAX];
            int s = rclusterKeySlot(tok[1], strlen(tok[1]));
            if (rclusterSlotAddr(c, s, addr, err) < 0) printFail(c, err);
            else printf("slot %d addr %s\n", s, addr);
        } else if (!strcmp(tok[0], "mode")) {
            if (rclusterDiscover(c, err) < 0) printFail(c, err);
            else printf("mode %s\n", rclusterIsCluster(c) ? "cluster" : "single");
        } else if (!strcmp(tok[0], "refresh")) {
            if (rclusterRefresh(c, err) < 0) printFail(c, err);
            else printf("ok\n");
        } else if (!strcmp(tok[0], "stats")) printStats(c);
        else printf("usage: unknown request\n");
        if (rc == 0) { printReply(stdout, r); printf("\n"); freeReplyObject(r); }
        else if (rc < 0) printFail(c, err);
        fflush(stdout);
    }
    rclusterClose(c);
    return 0;
}

/* The enqueue-like script of the writer: XADD + marker in one slot, idempotent by the marker. */
static const char writerLua[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end\n"
    "redis.call('XADD', KEYS[1], '*', 'i', ARGV[1])\n"
    "redis.call('SET', KEYS[2], ARGV[1])\n"
    "return 1\n";

static double nowS(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int writer(const char *url, double secs, const char *out) {
    rcluster *c = openC(url, 2000, 30000);
    if (!c) return 1;
    FILE *f = fopen(out, "w");
    char sha[41], err[ERR_MAX];
    if (!f || rclusterScriptAdd(c, writerLua, sha, err) < 0) { fprintf(stderr, "test-tool rcluster: writer setup\n"); return 1; }
    setvbuf(f, NULL, _IOLBF, 0);
    long written = 0, acked = 0, failed = 0;
    double end = nowS() + secs, longest = 0;
    for (long i = 0; nowS() < end; i++) {
        double t0 = nowS();
        int shard = (int)(i % 16);
        char stream[64], mark[64], num[24];
        snprintf(stream, sizeof stream, "fo:{s%d}:stream", shard);
        snprintf(mark, sizeof mark, "fo:{s%d}:m:%ld", shard, i);
        snprintf(num, sizeof num, "%ld", i);
        const char *av[] = {"EVALSHA", sha, "2", stream, mark, num};
        redisReply *r;
        if (rclusterCommand(c, RCLUSTER_IDEMPOTENT, 6, av, NULL, &r, err) < 0) {
            fprintf(stderr, "write %ld: %s %s\n", i, kindName(rclusterErrKind(c)), err);
            failed++;
            continue;
        }
        int ok = r->type == REDIS_REPLY_INTEGER;   /* 1 written, 0 written before a lost reply */
        if (!ok) fprintf(stderr, "write %ld: %s\n", i, r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
        freeReplyObject(r);
        if (!ok) { failed++; continue; }
        written++;
        if (nowS() - t0 > longest) longest = nowS() - t0;
        int n;
        int seen = rclusterWait(c, 1, 50, &n, err) == 0 && n >= 1;
        acked += seen;
        fprintf(f, "%s %d %ld\n", seen ? "acked" : "wrote", shard, i);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    fclose(f);
    printf("written %ld acked %ld failed %ld longest %.0f ms\n", written, acked, failed, longest * 1000);
    printStats(c);
    rclusterClose(c);
    return failed ? 1 : 0;
}

/* verify: every acked write of out is there: its marker, and its entry in the stream. */
static int verify(const char *url, const char *out) {
    rcluster *c = openC(url, 5000, 30000);
    FILE *f = fopen(out, "r");
    if (!c || !f) { fprintf(stderr, "test-tool rcluster: verify setup\n"); return 1; }
    char err[ERR_MAX], *seen[16] = {0};
    size_t seenN[16] = {0};
    for (int s = 0; s < 16; s++) {   /* every stream's "i" values, once */
        char stream[64];
        snprintf(stream, sizeof stream, "fo:{s%d}:stream", s);
        const char *av[] = {"XRANGE", stream, "-", "+"};
        redisReply *r;
        if (rclusterCommand(c, RCLUSTER_IDEMPOTENT, 4, av, NULL, &r, err) < 0) { fprintf(stderr, "%s\n", err); return 1; }
        seenN[s] = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
        seen[s] = calloc(1u << 20, 1);
        for (size_t k = 0; k < seenN[s]; k++) {
            const redisReply *e = r->element[k]->element[1];
            long i = e->elements == 2 ? atol(e->element[1]->str) : -1;
            if (i >= 0 && i < (1L << 20)) seen[s][i] = 1;
        }
        freeReplyObject(r);
    }
    long checked = 0, missing = 0;
    int shard;
    long i;
    char what[8];
    while (fscanf(f, "%7s %d %ld\n", what, &shard, &i) == 3) {
        if (strcmp(what, "acked")) continue;
        checked++;
        char mark[64];
        snprintf(mark, sizeof mark, "fo:{s%d}:m:%ld", shard, i);
        const char *av[] = {"EXISTS", mark};
        redisReply *r;
        int there = rclusterCommand(c, RCLUSTER_IDEMPOTENT, 2, av, NULL, &r, err) == 0 && r->type == REDIS_REPLY_INTEGER &&
                    r->integer == 1;
        if (r) freeReplyObject(r);
        there = there && shard >= 0 && shard < 16 && i >= 0 && i < (1L << 20) && seen[shard][i];
        if (!there) { missing++; fprintf(stderr, "missing: shard %d write %ld\n", shard, i); }
    }
    printf("checked %ld missing %ld\n", checked, missing);
    for (int s = 0; s < 16; s++) free(seen[s]);
    fclose(f);
    rclusterClose(c);
    return missing ? 1 : 0;
}

int cmdRcluster(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "repl"))
        return repl(argv[2], argc > 3 ? atoi(argv[3]) : 0, argc > 4 ? atoi(argv[4]) : 0);
    if (argc == 5 && !strcmp(argv[1], "writer")) return writer(argv[2], atof(argv[3]), argv[4]);
    if (argc == 4 && !strcmp(argv[1], "verify")) return verify(argv[2], argv[3]);
    fprintf(stderr, "usage: test-tool rcluster repl URL [TIMEOUT_MS [RETRY_MS]] | writer URL SECS OUT | verify URL OUT\n");
    return 2;
}
