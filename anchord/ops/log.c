/* log.c -- one JSON object per line on stderr, written with a single write(2). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "core/rfc3339.h"
#include "core/io/clock.h"
#include "anchord/ops/log.h"
#include "anchord/ops/trace.h"

static int minLevel = LL_INFO;
static int logFd = 2;
static const char *const names[] = {"debug", "info", "warn", "error"};

void logSetLevel(int level) { minLevel = level; }
void logSetFd(int fd) { logFd = fd; }
int logEnabled(int level) { return level >= minLevel; }

int logLevelParse(const char *name) {
    for (int i = 0; i < 4; i++) if (!strcmp(name, names[i])) return i;
    return -1;
}

void logKv(int level, const char *msg, const char *fmt, ...) {
    if (level < minLevel || level < LL_DEBUG || level > LL_ERROR) return;
    char ts[RFC3339_MAX];
    rfc3339FormatMs(clockWallMs(), ts);   /* RFC 3339 UTC with milliseconds */
    json_t *o = json_object();
    if (!o) return;
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(names[level]));
    json_object_set_new(o, "msg", json_string(msg));
    const span *sp = traceCurrent();   /* the trace this thread works for (trace.h) */
    if (sp && sp->ctx.traceId[0]) {
        json_object_set_new(o, "trace_id", json_string(sp->ctx.traceId));
        json_object_set_new(o, "span_id", json_string(sp->ctx.spanId));
    }
    if (fmt) {
        va_list ap;
        json_error_t je;
        va_start(ap, fmt);
        json_t *f = json_vpack_ex(&je, 0, fmt, ap);
        va_end(ap);
        if (f && json_is_object(f)) {
            const char *k;
            json_t *v;
            json_object_foreach(f, k, v)
                if (!json_object_get(o, k)) json_object_set(o, k, v);   /* ts, level, msg, trace ids kept */
        } else json_object_set_new(o, "logError", json_string(je.text));
        json_decref(f);
    }
    /* Field order kept (ts, level, msg first) for people reading the lines. */
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!line) return;
    size_t n = strlen(line);
    line[n] = '\n';   /* json_dumps leaves room only for the NUL: rewrite it */
    ssize_t w;
    do w = write(logFd, line, n + 1); while (w < 0 && errno == EINTR);
    free(line);
}
