/* cmd_submit.c -- `anchord submit FILE|-`: queue signed events from JSON Lines without HTTP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/io/file.h"
#include "anchord/cmd.h"
#include "anchord/ingest/genesis.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"

static void submitUsage(FILE *f) {
    fprintf(f, "usage: anchord submit [--config FILE] FILE|-\n"
               "       anchord submit [--config FILE] --dids DID.JSONL...\n"
               "  Queues signed events, one JSON object per line, with the same checks as\n"
               "  POST /events. Prints one JSON result per input line to stdout.\n"
               "  --dids: each file is the genesis did.jsonl of a new DID (didlog create), checked\n"
               "  as POST /dids does (one entry, verifies, the publisher's update key, the service's\n"
               "  witness, threshold 1, not yet registered); one JSON result per file.\n"
               "  0 all queued, 1 some rejected, 3 a bad setting or an unreadable file, 4 Redis\n"
               "  unavailable (it stops there).\n\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) |
                 EXIT_BIT(EXIT_UNAVAILABLE));
}

/* readLine: the next line of f into b, at most max bytes kept; *tooLong set
 * when the line was longer (the rest is skipped). 0 at EOF, 1 a line, -1 error. */
static int readLine(FILE *f, size_t max, buf *b, int *tooLong) {
    int c, any = 0;
    bufReset(b);
    *tooLong = 0;
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (b->len >= max) { *tooLong = 1; continue; }
        if (bufPutc(b, c) < 0) return -1;
    }
    if (ferror(f)) return -1;
    if (b->len && b->p[b->len - 1] == '\r') b->p[--b->len] = 0;
    return any ? 1 : 0;
}

static void printResult(long line, const ingestResult *r) {
    json_t *o = r->code == REJ_OK
        ? json_pack("{s:I,s:s,s:s}", "line", (json_int_t)line, "id", r->id, "status", "queued")
        : json_pack("{s:I,s:s,s:s,s:i,s:s,s:s}", "line", (json_int_t)line, "id", r->id, "status", "rejected",
                    "code", rejectStatus(r->code), "error", rejectName(r->code), "detail", r->detail);
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s) puts(s);
    free(s);
    json_decref(o);
}

/* submitDids: one genesis log per file, with the checks of POST /dids. An exit code. */
static int submitDids(const config *cfg, queue *q, char **files, int n) {
    genesisPolicy gp;
    char err[ERR_MAX];
    if (genesisPolicyFromConfig(cfg, &gp, err) < 0) { fprintf(stderr, "anchord submit: %s\n", err); return EXIT_CONFIG; }
    ingestCtx ing = {cfg, &didregRedis, genesisCheck, &gp};
    int rejected = 0;
    for (int i = 0; i < n; i++) {
        buf b = BUF_INIT;
        ingestResult r;
        memset(&r, 0, sizeof r);
        int rd = fileRead(files[i], (size_t)cfg->maxBody, &b, err);
        if (rd == FILE_TOO_LARGE) {   /* too big is a refusal of that log; unreadable stops the command */
            r.code = REJ_TOO_LARGE;
            snprintf(r.detail, sizeof r.detail, "%s", err);
            snprintf(r.id, sizeof r.id, "genesis");
        } else if (rd < 0) {
            fprintf(stderr, "anchord submit: %s\n", err);
            bufFree(&b);
            return EXIT_CONFIG;
        } else ingestDid(&ing, q, (const char *)b.p, b.len, &r);
        bufFree(&b);
        json_t *o = r.code == REJ_OK
            ? json_pack("{s:s,s:s,s:s}", "file", files[i], "scid", r.scid, "status", "queued")
            : json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "file", files[i], "scid", r.scid, "status", "rejected",
                        "code", rejectStatus(r.code), "error", rejectName(r.code), "detail", r.detail);
        char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (js) puts(js);
        free(js);
        json_decref(o);
        if (r.code == REJ_UNAVAILABLE) {
            fprintf(stderr, "anchord submit: %s: %s; stopping\n", files[i], r.detail);
            return EXIT_UNAVAILABLE;
        }
        if (r.code != REJ_OK) rejected++;
    }
    return rejected ? EXIT_FAIL : EXIT_OK;
}

/* submitEvents: one event per line of f, with the checks of POST /events. An exit code. */
static int submitEvents(const config *cfg, queue *q, FILE *f, const char *path) {
    ingestCtx ing = {cfg, &didregRedis, NULL, NULL};
    buf line = BUF_INIT;
    long n = 0, queued = 0, rejected = 0;
    int rc = 0, tooLong, got;
    while ((got = readLine(f, (size_t)cfg->maxBody, &line, &tooLong)) > 0) {
        n++;
        if (!line.len && !tooLong) continue;   /* blank lines are allowed */
        ingestResult r;
        if (tooLong) {
            memset(&r, 0, sizeof r);
            r.code = REJ_TOO_LARGE;
            snprintf(r.detail, sizeof r.detail, "line is above the limit of %lld bytes", cfg->maxBody);
            metricsInc("events_rejected_total", rejectName(r.code), 1);
        } else ingestEvent(&ing, q, (const char *)line.p, line.len, &r);
        printResult(n, &r);
        if (r.code == REJ_OK) queued++;
        else rejected++;
        if (r.code == REJ_UNAVAILABLE) {   /* every further line would fail the same way */
            fprintf(stderr, "anchord submit: line %ld: %s; stopping\n", n, r.detail);
            rc = EXIT_UNAVAILABLE;
            break;
        }
    }
    if (got < 0) { fprintf(stderr, "anchord submit: %s: read error\n", path); rc = EXIT_CONFIG; }
    logKv(LL_INFO, "submit done", "{s:s,s:I,s:I,s:I}", "file", path, "lines", (json_int_t)n,
          "queued", (json_int_t)queued, "rejected", (json_int_t)rejected);
    bufFree(&line);
    return rc ? rc : rejected ? EXIT_FAIL : EXIT_OK;
}

int cmdSubmit(const cmdCtx *c, int argc, char **argv) {
    static const optSpec spec[] = {{"config", OPT_VALUE}, {"dids", OPT_FLAG}, {NULL, 0}};
    optArgs a;
    char err[ERR_MAX];
    if (optParse(argc, argv, 1, spec, OPT_POS_ANY, 0, &a, err) < 0) return optUsageError("anchord submit", err);
    if (a.help) { submitUsage(stdout); return EXIT_OK; }
    int dids = optGet(&a, "dids") != NULL, nfiles = a.npos, rc = EXIT_CONFIG;
    char **files = a.pos;
    if (nfiles == 0) return optUsageError("anchord submit", "give FILE (or - for stdin), or --dids DID.JSONL...");
    if (!dids && nfiles > 1) return optUsageError("anchord submit", "one FILE of events (several files go with --dids)");
    config cfg;
    queue *q = NULL;
    FILE *f = NULL;
    if (configLoad(&cfg, cmdConfigPath(c, &a), err) < 0) {
        fprintf(stderr, "anchord submit: %s\n", err);
        goto out;
    }
    logSetLevel(logLevelParse(cfg.logLevel));
    metricsInit();
    if (traceInit("anchord-submit", err) < 0) {
        fprintf(stderr, "anchord submit: %s\n", err);
        goto out;
    }
    if (!dids && !(f = strcmp(files[0], "-") ? fopen(files[0], "r") : stdin)) {
        fprintf(stderr, "anchord submit: %s: %s\n", files[0], strerror(errno));
        goto out;
    }
    if (!(q = queueOpen(cfg.redisUrl, (int)cfg.streamShards, 5000, err))) {
        fprintf(stderr, "anchord submit: %s\n", err);
        goto out;
    }
    queueSetWait(q, configRedisWaitReplicas(&cfg), (int)cfg.redisWaitMs);
    rc = dids ? submitDids(&cfg, q, files, nfiles) : submitEvents(&cfg, q, f, files[0]);
out:
    queueClose(q);
    if (f && f != stdin) fclose(f);
    traceShutdown();
    return rc;
}
