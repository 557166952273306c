/* test_trace.c -- W3C traceparent parsing and formatting (the cases of the W3C Trace
 * Context spec, §3.2), spans while tracing is off, and the trace ids on log lines. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "core/io/file.h"
#include "anchord/ops/log.h"
#include "anchord/ops/trace.h"

static void parses(void) {
    traceCtx c;
    T_CHECK(traceparentParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c) == 0, "spec example");
    T_CHECK(!strcmp(c.traceId, "4bf92f3577b34da6a3ce929d0e0e4736") && !strcmp(c.spanId, "00f067aa0ba902b7") && c.sampled,
            "fields");
    T_CHECK(traceparentParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", &c) == 0 && !c.sampled,
            "not sampled");
    T_CHECK(traceparentParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", &c) == 0 && c.sampled,
            "other flag bits kept out");
    T_CHECK(traceparentParse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like", &c) == 0,
            "a later version with more fields");
    static const char *bad[] = {
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",       /* version 00 has exactly 4 fields */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        /* version ff is invalid */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        /* all-zero trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        /* all-zero span id */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        /* upper case */
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",         /* short trace id */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",        /* bad flags */
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        /* separator */
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",       /* later version, no '-' after */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX: y", /* header smuggling */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        T_CHECK(traceparentParse(bad[i], &c) == -1, "refused: %s", bad[i]);
        T_CHECK(!c.traceId[0], "emptied: %s", bad[i]);
    }
    T_CHECK(traceparentParse(NULL, &c) == -1, "NULL");
    char out[TRACEPARENT_MAX];
    traceparentParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &c);
    traceparentFormat(&c, out);
    T_CHECK(!strcmp(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "format: %s", out);
    memset(&c, 0, sizeof c);
    traceparentFormat(&c, out);
    T_CHECK(!out[0], "format: no trace");
}

/* off: without OTEL_* a span is empty and log lines name no trace. */
static void off(void) {
    char err[ERR_MAX];
    unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    T_CHECK(traceInit("t", err) == 0 && !traceOn(), "off by default");
    span s;
    spanStart(&s, "x", SPAN_INTERNAL, NULL);
    T_CHECK(!s.ctx.traceId[0] && !s.recording, "empty span");
    spanAttrStr(&s, "k", "v");
    spanEnd(&s);
    setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1", 1);
    setenv("OTEL_SDK_DISABLED", "true", 1);
    T_CHECK(traceInit("t", err) == 0 && !traceOn(), "OTEL_SDK_DISABLED=true");
    unsetenv("OTEL_SDK_DISABLED");
    setenv("OTEL_TRACES_EXPORTER", "none", 1);
    T_CHECK(traceInit("t", err) == 0 && !traceOn(), "OTEL_TRACES_EXPORTER=none");
    setenv("OTEL_TRACES_EXPORTER", "zipkin", 1);
    T_CHECK(traceInit("t", err) == -1 && strstr(err, "OTEL_TRACES_EXPORTER"), "unknown exporter named: %s", err);
    unsetenv("OTEL_TRACES_EXPORTER");
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "novalue", 1);
    T_CHECK(traceInit("t", err) == -1 && strstr(err, "OTEL_EXPORTER_OTLP_HEADERS"), "bad headers named: %s", err);
    setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=b%0d%0aX: y", 1);
    T_CHECK(traceInit("t", err) == -1 && !traceOn(), "CR LF in a header value refused: %s", err);
    unsetenv("OTEL_EXPORTER_OTLP_HEADERS");
    unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
}

/* logIds: a current span with ids puts trace_id/span_id on the line, none without. */
static void logIds(void) {
    char path[] = "/tmp/wa-trace-log.XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0, "mkstemp");
    logSetFd(fd);
    span s;
    memset(&s, 0, sizeof s);
    traceparentParse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &s.ctx);
    const span *was = traceSetCurrent(&s);
    T_CHECK(was == NULL, "no current span at first");
    logKv(LL_INFO, "with", "{s:s}", "trace_id", "spoofed");
    traceSetCurrent(NULL);
    logKv(LL_INFO, "without", NULL);
    logSetFd(2);
    close(fd);
    size_t n;
    char *t = t_slurp(path, &n);
    T_CHECK(t && strstr(t, "\"msg\":\"with\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"span_id\":\"00f067aa0ba902b7\"}"),
            "ids on the line, a field cannot replace them: %s", t ? t : "");
    T_CHECK(t && strstr(t, "\"msg\":\"without\"}"), "no ids without a span: %s", t ? t : "");
    free(t);
    unlink(path);
}

int main(void) {
    parses();
    off();
    logIds();
    return T_DONE();
}
