/* seed_main.c -- `seed`: generate identities, lifecycle events, IoT telemetry, and upload them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/multiformat.h"
#include "core/io/exit.h"
#include "core/io/opt.h"
#include "didlog/didurl.h"
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

/* parseCmd: argv (argv[0] = the command's name) by spec (core/io/opt.h; no positionals).
 * EXIT_OK (o->help may be set), or EXIT_USAGE after the message. */
static int parseCmd(int argc, char **argv, const optSpec *spec, optArgs *o) {
    char err[ERR_MAX], prog[48];
    snprintf(prog, sizeof prog, "seed %s", argv[0]);
    return optParse(argc, argv, 1, spec, 0, 0, o, err) < 0 ? optUsageError(prog, err) : EXIT_OK;
}

/* fail: "seed CMD: MSG" on stderr; returns code (core/io/exit.h). */
static int fail(int code, const char *cmd, const char *msg) {
    fprintf(stderr, "seed %s: %s\n", cmd, msg);
    return code;
}

/* help: a command's --help text and its exit codes on stdout; EXIT_OK. */
static int help(const char *text) {
    fputs(text, stdout);
    fputc('\n', stdout);
    exitHelp(stdout, EXIT_SEED);
    return EXIT_OK;
}

/* intOpt: --k as a whole number in lo..hi into *out, def when not given. 0 / -1 after the message. */
static int intOpt(const optArgs *o, const char *k, long long def, long long lo, long long hi, long long *out) {
    const char *v = optGet(o, k);
    if (!v) { *out = def; return 0; }
    if (optRange(v, lo, hi, out) < 0) {
        fprintf(stderr, "seed: --%s %s: want an integer in %lld..%lld\n", k, v, lo, hi);
        return -1;
    }
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
    "  0 done; 3 a key cannot be read, or --out holds a previous run or cannot be written.\n";

static int cmdGenerate(int argc, char **argv) {
    static const optSpec spec[] = {{"seed", OPT_VALUE}, {"count-per-kind", OPT_VALUE}, {"domain", OPT_VALUE},
                                   {"prefix", OPT_VALUE}, {"publisher-key", OPT_VALUE}, {"witness-key", OPT_VALUE},
                                   {"out", OPT_VALUE}, {"time", OPT_VALUE}, {"jobs", OPT_VALUE}, {"profile", OPT_VALUE},
                                   {NULL, 0}};
    optArgs o;
    int prc = parseCmd(argc, argv, spec, &o);
    if (prc) return prc;
    if (o.help) return help(genHelp);
    identOpts io = {.outDir = optGet(&o, "out")};
    seedMeta *m = &io.meta;
    const char *profile = optGet(&o, "profile") ? optGet(&o, "profile") : "dpp", *dom = optGet(&o, "domain");
    const char *pub = optGet(&o, "publisher-key"), *prefix = optGet(&o, "prefix") ? optGet(&o, "prefix") : ".well-known/did";
    const productProfile *prof = productProfileByName(profile);
    if (!prof) return fail(EXIT_USAGE, "generate-identities", "--profile must be dpp or iot");
    if (!dom || !pub || !io.outDir)
        return fail(EXIT_USAGE, "generate-identities", "--domain, --publisher-key and --out are required (see --help)");
    long long count, jobs;
    if (intOpt(&o, "count-per-kind", prof->defaultCount, 1, 1000000, &count) < 0 || intOpt(&o, "jobs", 16, 1, 64, &jobs) < 0)
        return EXIT_USAGE;
    if (optGet(&o, "seed") && optU64(optGet(&o, "seed"), &m->seed) < 0)
        return fail(EXIT_USAGE, "generate-identities", "--seed must be an unsigned integer");
    if (!optGet(&o, "seed")) m->seed = 1;
    char err[ERR_MAX];
    if (seedTimeArg(optGet(&o, "time") ? optGet(&o, "time") : DEFAULT_TIME, &m->time, err) < 0) return fail(EXIT_USAGE, "generate-identities", err);
    if (strlen(dom) >= sizeof m->domain || strlen(prefix) >= sizeof m->prefix || prefix[0] == '/')
        return fail(EXIT_USAGE, "generate-identities", "--domain or --prefix is too long, or --prefix starts with /");
    buf tmpl = BUF_INIT;   /* --domain and --prefix make a valid DID (checked before anything is written) */
    int bad = didTemplate(dom, prefix, 0, &tmpl, err) < 0;
    bufFree(&tmpl);
    if (bad) return fail(EXIT_USAGE, "generate-identities", err);
    snprintf(m->profile, sizeof m->profile, "%s", profile);
    snprintf(m->domain, sizeof m->domain, "%s", dom);
    snprintf(m->prefix, sizeof m->prefix, "%s", prefix);
    m->count = count;
    edKey pk;
    uint8_t wpk[32];
    if (keyFileRead(pub, &pk, err) < 0) return fail(EXIT_CONFIG, "generate-identities", err);
    if (optGet(&o, "witness-key") ? keyPublicArg(optGet(&o, "witness-key"), wpk, err) < 0 : (memcpy(wpk, pk.pk, 32), 0)) {
        edKeyWipe(&pk);
        return fail(EXIT_CONFIG, "generate-identities", err);
    }
    mkEncodeEd25519Pub(pk.pk, m->publisher);
    didkeyFromPub(wpk, m->witness);
    io.publisher = &pk;
    io.jobs = (int)jobs;
    size_t n;
    double t0 = progressNow();
    int rc = identGenerate(&io, &n, err);
    edKeyWipe(&pk);
    if (rc < 0) return fail(EXIT_CONFIG, "generate-identities", err);
    printf("generated %zu DIDs (%s profile, %lld per kind) in %s in %.2fs\n", n, profile, count, io.outDir, progressNow() - t0);
    return 0;
}

/* ---------- simulate-lifecycle / simulate-telemetry ---------- */

/* emit: sign, then write and/or post the drafts; prints one summary line. */
static int emit(const char *cmd, const seedIndex *ix, evList *l, const optArgs *o, double t0) {
    char err[ERR_MAX];
    long long conc;
    if (intOpt(o, "concurrency", 32, 1, 256, &conc) < 0) return EXIT_USAGE;
    if (eventsSign(ix, l, err) < 0) return fail(EXIT_CONFIG, cmd, err);
    printf("%s: %zu signed events for %zu DIDs in %.2fs\n", cmd, l->n, ix->n, progressNow() - t0);
    if (optGet(o, "out")) {
        if (eventsWrite(l, optGet(o, "out"), err) < 0) return fail(EXIT_CONFIG, cmd, err);
        printf("%s: wrote %s\n", cmd, optGet(o, "out"));
    }
    if (!optGet(o, "post")) return 0;
    postJob *jobs = calloc(l->n ? l->n : 1, sizeof *jobs);
    if (!jobs) return fail(EXIT_FAIL, cmd, "out of memory");
    for (size_t i = 0; i < l->n; i++) jobs[i] = (postJob){.body = l->v[i].line, .len = l->v[i].len, .key = l->v[i].item};
    char url[1024], sum[512];
    snprintf(url, sizeof url, "%s/events", optGet(o, "post"));
    progress pg;
    postTally t;
    progressStart(&pg, "post", l->n, optGet(o, "quiet") != NULL);
    double t1 = progressNow();
    int rc = postMany(url, "application/json", jobs, l->n, (int)conc, &pg, &t, err);
    progressEnd(&pg);
    if (rc < 0) { free(jobs); return fail(EXIT_UNAVAILABLE, cmd, err); }
    postSummary(jobs, l->n, sum, sizeof sum);
    printf("%s: posted %zu to %s in %.2fs: %zu accepted, %zu rejected%s%s\n", cmd, l->n, url, progressNow() - t1,
           t.accepted, t.rejected + t.conflicts, sum[0] ? " -- " : "", sum);
    free(jobs);
    return t.rejected + t.conflicts ? EXIT_FAIL : EXIT_OK;
}

static int loadIndex(const char *cmd, const optArgs *o, seedIndex *ix) {
    char err[ERR_MAX];
    if (!optGet(o, "identities")) return fail(EXIT_USAGE, cmd, "--identities DIR is required (see --help)");
    if (!optGet(o, "out") && !optGet(o, "post")) return fail(EXIT_USAGE, cmd, "give --out FILE and/or --post URL");
    if (optGet(o, "seed") && optU64(optGet(o, "seed"), &ix->meta.seed) < 0) return fail(EXIT_USAGE, cmd, "--seed must be an unsigned integer");
    uint64_t seed = ix->meta.seed;
    if (seedIndexLoad(optGet(o, "identities"), ix, err) < 0) return fail(EXIT_CONFIG, cmd, err);
    if (optGet(o, "seed")) ix->meta.seed = seed;
    return EXIT_OK;
}

static const char lifeHelp[] =
    "usage: seed simulate-lifecycle --identities DIR [--out events.jsonl] [--post URL]\n"
    "         [--seed N] [--span DAYS] [--concurrency N] [--format plain|vc] [--quiet]\n"
    "  Signed events Manufacture -> Assemble -> Install for a dpp identities directory:\n"
    "  panes and frames Manufactured, QualityChecked, Shipped, Assembled (into the\n"
    "  window); windows Assembled, QualityChecked, Shipped, Installed, one in ten\n"
    "  Inspected -- 12 per window group (12,1xx for 1,000 windows). Each event is\n"
    "  {id,did,type,time,data,proof}, signed eddsa-jcs-2022 by the DID's own key;\n"
    "  --format vc: each is a W3C VCDM 2.0 credential instead, issuer the DID,\n"
    "  credentialSubject an EPCIS 2.0 event (Manufactured -> ObjectEvent commissioning,\n"
    "  Assembled -> AssociationEvent assembling, Installed -> ObjectEvent installing, ...;\n"
    "  docs/formats.md \"Events as Verifiable Credentials\"), same key and proof.\n"
    "  Times lie in (genesis time, genesis time + span], span default 10 days.\n"
    "  --seed varies the content (default: the identities' seed). --out writes JSON\n"
    "  Lines; --post URL sends each to URL/events (anchord serve) with at most\n"
    "  --concurrency (default 32) requests in flight, a DID's events in order.\n"
    "  0 done (all accepted), 1 some rejected, 3 the directory is not a dpp one or a file\n"
    "  cannot be read or written, 4 the server could not be reached.\n";

static int cmdLifecycle(int argc, char **argv) {
    static const optSpec spec[] = {{"identities", OPT_VALUE}, {"seed", OPT_VALUE}, {"out", OPT_VALUE}, {"post", OPT_VALUE},
                                   {"concurrency", OPT_VALUE}, {"span", OPT_VALUE}, {"quiet", OPT_FLAG}, {"format", OPT_VALUE}, {NULL, 0}};
    optArgs o;
    seedIndex ix;
    long long span;
    char err[ERR_MAX];
    int rc = parseCmd(argc, argv, spec, &o);
    if (rc) return rc;
    if (o.help) return help(lifeHelp);
    if (intOpt(&o, "span", 10, 1, 3650, &span) < 0) return EXIT_USAGE;
    const char *format = optGet(&o, "format") ? optGet(&o, "format") : "plain";
    if (strcmp(format, "plain") && strcmp(format, "vc"))
        return fail(EXIT_USAGE, "simulate-lifecycle", "--format must be plain or vc");
    rc = loadIndex("simulate-lifecycle", &o, &ix);
    if (rc) return rc;
    double t0 = progressNow();
    evList l = {.credential = !strcmp(format, "vc")};
    rc = lifecycleDrafts(&ix, span * 86400, &l, err) < 0 ? fail(EXIT_CONFIG, "simulate-lifecycle", err)
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
    "  0 done (all accepted), 1 some rejected, 3 the directory is not an iot one or a file\n"
    "  cannot be read or written, 4 the server could not be reached.\n";

static int cmdTelemetry(int argc, char **argv) {
    static const optSpec spec[] = {{"identities", OPT_VALUE}, {"seed", OPT_VALUE}, {"out", OPT_VALUE}, {"post", OPT_VALUE},
                                   {"concurrency", OPT_VALUE}, {"readings", OPT_VALUE}, {"interval", OPT_VALUE},
                                   {"quiet", OPT_FLAG}, {NULL, 0}};
    optArgs o;
    seedIndex ix;
    long long readings, iv;
    char err[ERR_MAX];
    int rc = parseCmd(argc, argv, spec, &o);
    if (rc) return rc;
    if (o.help) return help(teleHelp);
    if (intOpt(&o, "readings", 24, 1, 100000, &readings) < 0 || intOpt(&o, "interval", 3600, 1, 86400 * 30, &iv) < 0)
        return EXIT_USAGE;
    rc = loadIndex("simulate-telemetry", &o, &ix);
    if (rc) return rc;
    double t0 = progressNow();
    evList l = {0};
    rc = telemetryDrafts(&ix, (int)readings, iv, &l, err) < 0 ? fail(EXIT_CONFIG, "simulate-telemetry", err)
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
    "  0 done, 1 some failed or rejected, 3 a file cannot be read or the store refuses the\n"
    "  settings, 4 the server or the store could not be reached.\n";

static int cmdStorage(int argc, char **argv) {
    static const optSpec spec[] = {{"identities", OPT_VALUE}, {"register", OPT_VALUE}, {"store", OPT_VALUE},
                                   {"page", OPT_VALUE}, {"parallel", OPT_VALUE}, {"quiet", OPT_FLAG}, {NULL, 0}};
    optArgs o;
    long long par;
    char err[ERR_MAX];
    int prc = parseCmd(argc, argv, spec, &o);
    if (prc) return prc;
    if (o.help) return help(storageHelp);
    if (intOpt(&o, "parallel", 32, 1, 256, &par) < 0) return EXIT_USAGE;
    storageOpts so = {optGet(&o, "store"), optGet(&o, "register"), optGet(&o, "page"), (int)par, optGet(&o, "quiet") != NULL};
    if (!optGet(&o, "identities") || (!so.storeUrl && !so.registerUrl))
        return fail(EXIT_USAGE, "seed-storage", "--identities DIR and --register URL and/or --store URL are required (see --help)");
    if (so.page && !so.storeUrl) return fail(EXIT_USAGE, "seed-storage", "--page needs --store");
    seedIndex ix;
    if (seedIndexLoad(optGet(&o, "identities"), &ix, err) < 0) return fail(EXIT_CONFIG, "seed-storage", err);
    double t0 = progressNow();
    int rc = storageRun(&ix, &so, err);
    if (rc < 0) rc = fail(-rc, "seed-storage", err);
    else printf("seed-storage: %zu logs in %.2fs\n", ix.n, progressNow() - t0);
    seedIndexFree(&ix);
    return rc;
}

static const optCmd cmds[] = {
    {"generate-identities", NULL, "DIDs, keys and genesis logs (dpp: windows, panes, frames; iot: devices)", cmdGenerate},
    {"simulate-lifecycle", NULL, "signed events Manufacture -> Assemble -> Install (dpp)", cmdLifecycle},
    {"simulate-telemetry", NULL, "signed device readings at intervals (iot)", cmdTelemetry},
    {"seed-storage", NULL, "bulk upload of the genesis logs: register with anchord serve, or to a store", cmdStorage},
    {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fprintf(f, "usage: seed COMMAND [OPTIONS]   (seed COMMAND --help for each; seed --version)\n"
               "  Test and demo data for Witness Anchor: the rollout plan's 3,000 product\n"
               "  passports and their lifecycle events, or an IoT device fleet.\n");
    optHelpCommands(f, cmds, 20);
    fputc('\n', f);
    exitHelp(f, EXIT_SEED);
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) {   /* libcurl initialises itself once, in core/io/http.c */
        fprintf(stderr, "seed: cannot initialise libsodium\n");
        return EXIT_FAIL;
    }
    int rc = optDispatch("seed", argc, argv, 1, cmds, usage);
    return rc;
}
