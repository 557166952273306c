/* log.h -- structured JSON log lines on stderr: {"ts","level","msg",...fields}.
 *
 * One line per notable step; fields come from a jansson json_pack format, so
 * values are always escaped correctly:
 *   logKv(LL_INFO, "batch claimed", "{s:s,s:I}", "batch", id, "events", (json_int_t)n);
 * While this thread has a current span with ids (trace.h traceSetCurrent) every line
 * also carries "trace_id" and "span_id" (hex, as in OTLP and W3C traceparent).
 * Never pass secrets: every line is meant for a log collector. */
#ifndef WA_LOG_H
#define WA_LOG_H

enum { LL_DEBUG, LL_INFO, LL_WARN, LL_ERROR };

/* logSetLevel: lines below level are dropped (default LL_INFO). */
void logSetLevel(int level);
/* logLevelParse: "debug" / "info" / "warn" / "error" -> LL_*, -1 if unknown. */
int logLevelParse(const char *name);
/* logSetFd: write lines to fd instead of 2 (tests). */
void logSetFd(int fd);
/* logEnabled: whether a line at level would be written. */
int logEnabled(int level);

/* logKv: write one line; fmt (json_pack object format) may be NULL. A bad
 * format still logs msg with a "logError" field rather than nothing. */
void logKv(int level, const char *msg, const char *fmt, ...);

#endif
