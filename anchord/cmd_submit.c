/* cmd_submit.c -- `anchord submit FILE|-`: queue signed events from JSON Lines without HTTP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/cmd.h"
#include "anchord/log.h"
#include "anchord/metrics.h"

static void submitUsage(FILE *f) {
    fprintf(f, "usage: anchord submit [--config FILE] FILE|-\n"
               "  Queues signed events, one JSON object per line, with the same checks as\n"
               "  POST /events. Prints one JSON result per input line to stdout.\n"
               "  Exit: 0 all queued, 1 some rejected, 2 usage/config/file error, 3 Redis unavailable.\n");
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

int cmdSubmit(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { submitUsage(stdout); return 0; }
        if (!strcmp(argv[i], "--config")) { i++; continue; }
        if (!strncmp(argv[i], "--config=", 9)) continue;
        if (path || (argv[i][0] == '-' && argv[i][1])) {
            fprintf(stderr, "anchord submit: unexpected argument \"%s\"\n", argv[i]);
            submitUsage(stderr);
            return 2;
        }
        path = argv[i];
    }
    if (!path) { submitUsage(stderr); return 2; }
    config cfg;
    char err[ERR_MAX];
    if (configLoad(&cfg, configArgPath(argc, argv), err) < 0) {
        fprintf(stderr, "anchord submit: %s\n", err);
        return 2;
    }
    logSetLevel(logLevelParse(cfg.logLevel));
    metricsInit();
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) { fprintf(stderr, "anchord submit: %s: %s\n", path, strerror(errno)); return 2; }
    queue *q = queueOpen(cfg.redisUrl, (int)cfg.streamShards, 5000, err);
    if (!q) { fprintf(stderr, "anchord submit: %s\n", err); if (f != stdin) fclose(f); return 2; }
    ingestCtx ing = {&cfg, &didregRedis, NULL, NULL};
    buf line = BUF_INIT;
    long n = 0, queued = 0, rejected = 0;
    int rc = 0, tooLong, got;
    while ((got = readLine(f, (size_t)cfg.maxBody, &line, &tooLong)) > 0) {
        n++;
        if (!line.len && !tooLong) continue;   /* blank lines are allowed */
        ingestResult r;
        if (tooLong) {
            memset(&r, 0, sizeof r);
            r.code = REJ_TOO_LARGE;
            snprintf(r.detail, sizeof r.detail, "line is above the limit of %lld bytes", cfg.maxBody);
            metricsInc("events_rejected_total", rejectName(r.code), 1);
        } else ingestEvent(&ing, q, (const char *)line.p, line.len, &r);
        printResult(n, &r);
        if (r.code == REJ_OK) queued++;
        else rejected++;
        if (r.code == REJ_UNAVAILABLE) {   /* every further line would fail the same way */
            fprintf(stderr, "anchord submit: line %ld: %s; stopping\n", n, r.detail);
            rc = 3;
            break;
        }
    }
    if (got < 0) { fprintf(stderr, "anchord submit: %s: read error\n", path); rc = 2; }
    logKv(LL_INFO, "submit done", "{s:s,s:I,s:I,s:I}", "file", path, "lines", (json_int_t)n,
          "queued", (json_int_t)queued, "rejected", (json_int_t)rejected);
    bufFree(&line);
    queueClose(q);
    if (f != stdin) fclose(f);
    return rc ? rc : rejected ? 1 : 0;
}
