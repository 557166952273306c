/* seed_main.c -- `seed`: generate identities, lifecycle events, IoT telemetry, and upload them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/multiformat.h"
#include "core/version.h"
#include "didlog/key.h"
#include "seed/events.h"
#include "seed/ident.h"
#include "seed/lifecycle.h"
#include "seed/post.h"
#include "seed/product.h"
#include "seed/progress.h"
#include "seed/storage.h"
#include "seed/telemetry.h"

#define DEFAULT_TIME "2025-01-01T00:00:00Z"
#define MAXOPT 24

typedef struct opts {
    const char *name[MAXOPT], *val[MAXOPT];
    int n;
} opts;

static const char *get(const opts *o, const char *k) {
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->name[i], k)) return o->val[i];
    return NULL;
}

/* parse: "--name value" / "--name=value" for names in `valued`, bare "--name" for names in `flags`
 * (both space-delimited lists, e.g. " seed out "). -1 with a message on anything else. */
static int parse(const char *cmd, int argc, char **argv, const char *valued, const char *flags, opts *o) {
    o->n = 0;
    for (int i = 1; i < argc; i++) {
        char want[64];
        const char *a = argv[i], *eq;
        if (strncmp(a, "--", 2) || o->n == MAXOPT) { fprintf(stderr, "seed %s: unexpected argument \"%s\"\n", cmd, a); return -1; }
        a += 2;
        eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        snprintf(want, sizeof want, " %.*s ", (int)len, a);
        if (strstr(flags, want) && !eq) { o->name[o->n] = a, o->val[o->n++] = ""; continue; }
        if (!strstr(valued, want)) { fprintf(stderr, "seed %s: unknown option --%.*s (see --help)\n", cmd, (int)len, a); return -1; }
        const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (!v) { fprintf(stderr, "seed %s: --%s needs a value\n", cmd, a); return -1; }
        static char names[MAXOPT][32];
        snprintf(names[o->n], sizeof names[0], "%.*s", (int)len, a);
        o->name[o->n] = names[o->n], o->val[o->n++] = v;
    }
    return 0;
}

static int wantsHelp(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int fail(const char *cmd, const char *msg) {
    fprintf(stderr, "seed %s: %s\n", cmd, msg);
    return 2;
}

static int intOpt(const opts *o, const char *k, long long def, long long lo, long long hi, long long *out) {
    const char *v = get(o, k);
    uint64_t u;
    if (!v) { *out = def; return 0; }
    if (seedU64Arg(v, &u) < 0 || (long long)u < lo || (long long)u > hi) {
        fprintf(stderr, "seed: --%s %s: want an integer in %lld..%lld\n", k, v, lo, hi);
        return -1;
    }
    *out = (long long)u;
    return 0;
}

/* ---------- generate-identities ---------- */

static const char genHelp[] =
    "usage: seed generate-identities --domain HOST[:PORT] --publisher-key FILE --out DIR\n"
    "         [--profile dpp|iot] [--count-per-kind N] [--seed N] [--prefix PATH]\n"
    "         [--witness-key FILE|MULTIKEY|DIDKEY] [--time T] [--jobs N]\n"
    "  Creates the DIDs of a profile, each with its own Ed25519 key (keys/<scid>.json,\n"
    "  mode 0600) as assertionMethod #key-1, and its did:webvh v1.0 genesis log\n"
    "  (public/<prefix>/<scid>/did.jsonl) signed by the publisher's update key, naming\n"
    "  the witness (default: the publisher key) with threshold 1. Writes seed.json and\n"
    "  index.jsonl for the next steps.\n"
    "  dpp (default): N windows, N glass panes, N frames (N = 1000); each pane and frame\n"
    "       links to its window (service type IsPartOf), the index links both ways.\n"
    "  iot: N EV batteries and N greenhouse sensors (N = 20).\n"
    "  Same options, same bytes: keys come from --seed (default 1), times from --time\n"
    "  (RFC 3339 UTC, now, now-12d; default " DEFAULT_TIME "). anchord serve refuses\n"
    "  events older than WA_MAX_AGE (30 days): to ingest, use a recent --time.\n"
    "  --prefix defaults to .well-known/did; --jobs (default 16) threads.\n"
    "  Exit: 0 done, 2 usage or I/O error.\n";

static int cmdGenerate(int argc, char **argv) {
    if (wantsHelp(argc, argv)) { fputs(genHelp, stdout); return 0; }
    opts o;
    if (parse("generate-identities", argc, argv, " seed count-per-kind domain prefix publisher-key witness-key out time jobs profile ", "", &o) < 0)
        return 2;
    identOpts io = {.outDir = get(&o, "out")};
    seedMeta *m = &io.meta;
    const char *profile = get(&o, "profile") ? get(&o, "profile") : "dpp", *dom = get(&o, "domain");
    const char *pub = get(&o, "publisher-key"), *prefix = get(&o, "prefix") ? get(&o, "prefix") : ".well-known/did";
    const productProfile *prof = productProfileByName(profile);
    if (!prof) return fail("generate-identities", "--profile must be dpp or iot");
    if (!dom || !pub || !io.outDir) return fail("generate-identities", "--domain, --publisher-key and --out are required (see --help)");
    long long count, jobs;
    if (intOpt(&o, "count-per-kind", prof->defaultCount, 1, 1000000, &count) < 0 || intOpt(&o, "jobs", 16, 1, 64, &jobs) < 0)
        return 2;
    if (get(&o, "seed") && seedU64Arg(get(&o, "seed"), &m->seed) < 0) return fail("generate-identities", "--seed must be an unsigned integer");
    if (!get(&o, "seed")) m->seed = 1;
    char err[ERR_MAX];
    if (seedTimeArg(get(&o, "time") ? get(&o, "time") : DEFAULT_TIME, &m->time, err) < 0) return fail("generate-identities", err);
    if (strlen(dom) >= sizeof m->domain || strlen(prefix) >= sizeof m->prefix || prefix[0] == '/')
        return fail("generate-identities", "--domain or --prefix is too long, or --prefix starts with /");
    snprintf(m->profile, sizeof m->profile, "%s", profile);
    snprintf(m->domain, sizeof m->domain, "%s", dom);
    snprintf(m->prefix, sizeof m->prefix, "%s", prefix);
    m->count = count;
    edKey pk;
    uint8_t wpk[32];
    if (keyFileRead(pub, &pk, err) < 0) return fail("generate-identities", err);
    if (get(&o, "witness-key") ? keyPublicArg(get(&o, "witness-key"), wpk, err) < 0 : (memcpy(wpk, pk.pk, 32), 0)) {
        edKeyWipe(&pk);
        return fail("generate-identities", err);
    }
    mkEncodeEd25519Pub(pk.pk, m->publisher);
    didkeyFromPub(wpk, m->witness);
    io.publisher = &pk;
    io.jobs = (int)jobs;
    size_t n;
    double t0 = progressNow();
    int rc = identGenerate(&io, &n, err);
    edKeyWipe(&pk);
    if (rc < 0) return fail("generate-identities", err);
    printf("generated %zu DIDs (%s profile, %lld per kind) in %s in %.2fs\n", n, profile, count, io.outDir, progressNow() - t0);
    return 0;
}

/* ---------- simulate-lifecycle / simulate-telemetry ---------- */

/* emit: sign, then write and/or post the drafts; prints one summary line. */
static int emit(const char *cmd, const seedIndex *ix, evList *l, const opts *o, double t0) {
    char err[ERR_MAX];
    long long conc;
    if (intOpt(o, "concurrency", 32, 1, 256, &conc) < 0) return 2;
    if (eventsSign(ix, l, err) < 0) return fail(cmd, err);
    printf("%s: %zu signed events for %zu DIDs in %.2fs\n", cmd, l->n, ix->n, progressNow() - t0);
    if (get(o, "out")) {
        if (eventsWrite(l, get(o, "out"), err) < 0) return fail(cmd, err);
        printf("%s: wrote %s\n", cmd, get(o, "out"));
    }
    if (!get(o, "post")) return 0;
    postJob *jobs = calloc(l->n ? l->n : 1, sizeof *jobs);
    if (!jobs) return fail(cmd, "out of memory");
    for (size_t i = 0; i < l->n; i++) jobs[i] = (postJob){.body = l->v[i].line, .len = l->v[i].len, .key = l->v[i].item};
    char url[1024], sum[512];
    snprintf(url, sizeof url, "%s/events", get(o, "post"));
    progress pg;
    postTally t;
    progressStart(&pg, "post", l->n, get(o, "quiet") != NULL);
    double t1 = progressNow();
    int rc = postMany(url, "application/json", jobs, l->n, (int)conc, &pg, &t, err);
    progressEnd(&pg);
    if (rc < 0) { free(jobs); return fail(cmd, err); }
    postSummary(jobs, l->n, sum, sizeof sum);
    printf("%s: posted %zu to %s in %.2fs: %zu accepted, %zu rejected%s%s\n", cmd, l->n, url, progressNow() - t1,
           t.accepted, t.rejected + t.conflicts, sum[0] ? " -- " : "", sum);
    free(jobs);
    return t.rejected + t.conflicts ? 1 : 0;
}

static int loadIndex(const char *cmd, const opts *o, seedIndex *ix) {
    char err[ERR_MAX];
    if (!get(o, "identities")) return fail(cmd, "--identities DIR is required (see --help)");
    if (!get(o, "out") && !get(o, "post")) return fail(cmd, "give --out FILE and/or --post URL");
    if (seedIndexLoad(get(o, "identities"), ix, err) < 0) return fail(cmd, err);
    if (get(o, "seed") && seedU64Arg(get(o, "seed"), &ix->meta.seed) < 0) {
        seedIndexFree(ix);
        return fail(cmd, "--seed must be an unsigned integer");
    }
    return 0;
}

static const char lifeHelp[] =
    "usage: seed simulate-lifecycle --identities DIR [--out events.jsonl] [--post URL]\n"
    "         [--seed N] [--span DAYS] [--concurrency N] [--quiet]\n"
    "  Signed events Manufacture -> Assemble -> Install for a dpp identities directory:\n"
    "  panes and frames Manufactured, QualityChecked, Shipped, Assembled (into the\n"
    "  window); windows Assembled, QualityChecked, Shipped, Installed, one in ten\n"
    "  Inspected -- 12 per window group (12,1xx for 1,000 windows). Each event is\n"
    "  {id,did,type,time,data,proof}, signed eddsa-jcs-2022 by the DID's own key.\n"
    "  Times lie in (genesis time, genesis time + span], span default 10 days.\n"
    "  --seed varies the content (default: the identities' seed). --out writes JSON\n"
    "  Lines; --post URL sends each to URL/events (anchord serve) with at most\n"
    "  --concurrency (default 32) requests in flight, a DID's events in order.\n"
    "  Exit: 0 done (all accepted), 1 some rejected, 2 usage or I/O error.\n";

static int cmdLifecycle(int argc, char **argv) {
    if (wantsHelp(argc, argv)) { fputs(lifeHelp, stdout); return 0; }
    opts o;
    seedIndex ix;
    long long span;
    char err[ERR_MAX];
    if (parse("simulate-lifecycle", argc, argv, " identities seed out post concurrency span ", " quiet ", &o) < 0 ||
        intOpt(&o, "span", 10, 1, 3650, &span) < 0 || loadIndex("simulate-lifecycle", &o, &ix))
        return 2;
    double t0 = progressNow();
    evList l = {0};
    int rc = lifecycleDrafts(&ix, span * 86400, &l, err) < 0 ? fail("simulate-lifecycle", err)
                                                              : emit("simulate-lifecycle", &ix, &l, &o, t0);
    evListFree(&l);
    seedIndexFree(&ix);
    return rc;
}

static const char teleHelp[] =
    "usage: seed simulate-telemetry --identities DIR [--out readings.jsonl] [--post URL]\n"
    "         [--seed N] [--readings N] [--interval SECONDS] [--concurrency N] [--quiet]\n"
    "  Signed readings for an iot identities directory: each device is Commissioned,\n"
    "  then reports every --interval (default 3600) seconds, --readings (default 24)\n"
    "  times: EV batteries BatteryTelemetry (odometer, state of health and charge,\n"
    "  cycles, voltage, cell temperatures), greenhouse sensors ClimateReading\n"
    "  (temperature, humidity, CO2, light, soil moisture). Anchored like any event.\n"
    "  --out / --post / --concurrency as in simulate-lifecycle.\n"
    "  Exit: 0 done (all accepted), 1 some rejected, 2 usage or I/O error.\n";

static int cmdTelemetry(int argc, char **argv) {
    if (wantsHelp(argc, argv)) { fputs(teleHelp, stdout); return 0; }
    opts o;
    seedIndex ix;
    long long readings, iv;
    char err[ERR_MAX];
    if (parse("simulate-telemetry", argc, argv, " identities seed out post concurrency readings interval ", " quiet ", &o) < 0 ||
        intOpt(&o, "readings", 24, 1, 100000, &readings) < 0 || intOpt(&o, "interval", 3600, 1, 86400 * 30, &iv) < 0 ||
        loadIndex("simulate-telemetry", &o, &ix))
        return 2;
    double t0 = progressNow();
    evList l = {0};
    int rc = telemetryDrafts(&ix, (int)readings, iv, &l, err) < 0 ? fail("simulate-telemetry", err)
                                                                   : emit("simulate-telemetry", &ix, &l, &o, t0);
    evListFree(&l);
    seedIndexFree(&ix);
    return rc;
}

/* ---------- seed-storage ---------- */

static const char storageHelp[] =
    "usage: seed seed-storage --identities DIR [--register URL] [--store URL]\n"
    "         [--page FILE] [--parallel N] [--quiet]\n"
    "  Bulk upload of every genesis log, at most --parallel (default 32) at once, with\n"
    "  a progress bar on a terminal (plain lines otherwise).\n"
    "  --register URL  POST each log to URL/dids (anchord serve): the way a DID enters\n"
    "                  this system. The worker anchors its genesis entry and publishes\n"
    "                  it with its proofs; a DID already registered counts as done.\n"
    "  --store URL     plain create-only upload (file:///dir, s3://bucket/prefix with the\n"
    "                  AWS_* environment, or azblob://account/container/prefix with the\n"
    "                  AZURE_STORAGE_* environment) to <prefix>/<scid>/did.jsonl: no anchoring,\n"
    "                  no witness proofs -- a pending copy; existing logs are kept.\n"
    "  --page FILE     also put the browser page at the store root as index.html.\n"
    "  Exit: 0 done, 1 some failed or rejected, 2 usage, I/O or connection error.\n";

static int cmdStorage(int argc, char **argv) {
    if (wantsHelp(argc, argv)) { fputs(storageHelp, stdout); return 0; }
    opts o;
    long long par;
    char err[ERR_MAX];
    if (parse("seed-storage", argc, argv, " identities register store page parallel ", " quiet ", &o) < 0 ||
        intOpt(&o, "parallel", 32, 1, 256, &par) < 0)
        return 2;
    storageOpts so = {get(&o, "store"), get(&o, "register"), get(&o, "page"), (int)par, get(&o, "quiet") != NULL};
    if (!get(&o, "identities") || (!so.storeUrl && !so.registerUrl))
        return fail("seed-storage", "--identities DIR and --register URL and/or --store URL are required (see --help)");
    if (so.page && !so.storeUrl) return fail("seed-storage", "--page needs --store");
    seedIndex ix;
    if (seedIndexLoad(get(&o, "identities"), &ix, err) < 0) return fail("seed-storage", err);
    double t0 = progressNow();
    int rc = storageRun(&ix, &so, err);
    if (rc < 0) rc = fail("seed-storage", err);
    else printf("seed-storage: %zu logs in %.2fs\n", ix.n, progressNow() - t0);
    seedIndexFree(&ix);
    return rc;
}

static const struct { const char *name; int (*fn)(int, char **); const char *what; } cmds[] = {
    {"generate-identities", cmdGenerate, "DIDs, keys and genesis logs (dpp: windows, panes, frames; iot: devices)"},
    {"simulate-lifecycle", cmdLifecycle, "signed events Manufacture -> Assemble -> Install (dpp)"},
    {"simulate-telemetry", cmdTelemetry, "signed device readings at intervals (iot)"},
    {"seed-storage", cmdStorage, "bulk upload of the genesis logs: register with anchord serve, or to a store"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: seed COMMAND [OPTIONS]   (seed COMMAND --help for each; seed --version)\n"
               "  Test and demo data for Witness Anchor: the rollout plan's 3,000 product\n"
               "  passports and their lifecycle events, or an IoT device fleet.\n");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) fprintf(f, "  %-20s %s\n", cmds[i].name, cmds[i].what);
    fprintf(f, "Exit: 0 ok, 1 some items failed or were rejected, 2 usage or I/O error.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { usage(stdout); return 0; }
    if (argc == 2 && !strcmp(argv[1], "--version")) { printf("seed %s\n", waVersion()); return 0; }
    if (sodium_init() < 0) {   /* libcurl initialises itself once, in core/io/http.c */
        fprintf(stderr, "seed: cannot initialise libsodium\n");
        return 2;
    }
    int rc = -1;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) rc = cmds[i].fn(argc - 1, argv + 1);
    if (rc == -1) {
        fprintf(stderr, "seed: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        rc = 2;
    }
    return rc;
}
