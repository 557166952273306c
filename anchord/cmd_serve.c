/* cmd_serve.c -- `anchord serve`: the ingest API (anchord/ingest/server.h) with the
 * service's settings and keys. */
#include <stdio.h>
#include "anchord/cmd.h"
#include "anchord/ingest/genesis.h"
#include "anchord/ingest/server.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"

static void serveUsage(FILE *f) {
    fprintf(f, "usage: anchord serve [--config FILE]\n"
               "  Runs the ingest API until SIGINT/SIGTERM: POST /events, POST /dids,\n"
               "  GET /events/{scid}/{id}, GET /health, GET /metrics (see docs/api.md).\n"
               "  0 after a clean shutdown, 1 it cannot start (cannot listen, the committer), 3 a bad\n"
               "  setting or key. Traces (OpenTelemetry, off by default): the OTEL_* environment,\n"
               "  docs/tracing.md; a POST's W3C traceparent header is continued by anchord run.\n\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG));
    fputc('\n', f);
    configHelp(f);
}

int cmdServe(const cmdCtx *c, int argc, char **argv) {
    static const optSpec spec[] = {{"config", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    char err[ERR_MAX];
    if (optParse(argc, argv, 1, spec, 0, 0, &a, err) < 0) return optUsageError("anchord serve", err);
    if (a.help) { serveUsage(stdout); return EXIT_OK; }
    config cfg;
    if (configLoad(&cfg, cmdConfigPath(c, &a), err) < 0) {
        fprintf(stderr, "anchord serve: %s\n", err);
        return EXIT_CONFIG;
    }
    logSetLevel(logLevelParse(cfg.logLevel));
    metricsInit();
    genesisPolicy gp;   /* POST /dids checks genesis logs against the service's keys */
    if (genesisPolicyFromConfig(&cfg, &gp, err) < 0) {
        fprintf(stderr, "anchord serve: %s (needed to check genesis logs on POST /dids)\n", err);
        return EXIT_CONFIG;
    }
    if (traceInit("anchord-serve", err) < 0) {
        fprintf(stderr, "anchord serve: %s\n", err);
        return EXIT_CONFIG;
    }
    if (serverRun(&cfg, genesisCheck, &gp, err) < 0) {
        logKv(LL_ERROR, "cannot start", "{s:s}", "detail", err);
        traceShutdown();
        return EXIT_FAIL;
    }
    traceShutdown();
    return EXIT_OK;
}
