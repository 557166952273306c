/* didverify_main.c -- the didverify command: check a published DID history against the chain.
 *
 * Exit codes: the one table of core/io/exit.h (0 all anchored, 1 invalid or not
 * found, 2 usage, 3 an input file, 4 a server could not be reached, 5 the node is
 * on another chain, 8 pending, 9 stale). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/merkle.h"
#include "didlog/didurl.h"
#include "core/io/exit.h"
#include "core/io/opt.h"
#include "core/io/http.h"
#include "core/io/file.h"
#include "core/io/net.h"
#include "didlog/webvh.h"
#include "verifier/roots.h"
#include "verifier/proof/manifest.h"
#include "verifier/report.h"
#include "verifier/stale.h"
#include "verifier/verify.h"
#include "verifier/resolver/resolver.h"
#include "verifier/proof/witness.h"

/* ---- didverify proof ---- */

static void proofHelp(FILE *f) {
    fprintf(f,
        "usage: didverify proof --leaf-hash HEX --index N --size N --root HEX [--proof HEX,HEX,...]\n"
        "\n"
        "Checks one RFC 9162 (RFC 6962) inclusion proof, as in witness.json: that the\n"
        "leaf with hash --leaf-hash (SHA-256(0x00 || entry), 64 hex digits) is leaf\n"
        "number --index (0-based) of the Merkle tree of --size leaves whose root is\n"
        "--root. --proof is the audit path, leaf's sibling first, comma-separated;\n"
        "omit it (or pass \"\") for a one-leaf tree. Hashes may start with 0x.\n"
        "\n"
        "0 the proof holds, 1 it does not (the reason on stderr).\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE));
}

/* usage: print a usage error for cmd and return the usage exit code. */
static int usage(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "didverify %s: %s%s%s\n", cmd, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run 'didverify %s --help' for usage\n", cmd);
    return EXIT_USAGE;
}

/* parseCmd: the command line of cmd (argv[0] its name or the program's) by spec (core/io/opt.h).
 * EXIT_OK (a->help may be set), or EXIT_USAGE after the message. */
static int parseCmd(const char *cmd, int argc, char **argv, const optSpec *spec, int maxPos, optArgs *a) {
    char err[ERR_MAX];
    return optParse(argc, argv, 1, spec, maxPos, 0, a, err) < 0 ? usage(cmd, err, NULL) : EXIT_OK;
}

static int cmdProof(int argc, char **argv) {
    static const optSpec spec[] = {{"leaf-hash", OPT_VALUE}, {"index", OPT_VALUE}, {"size", OPT_VALUE},
                                   {"root", OPT_VALUE}, {"proof", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    int rc = parseCmd("proof", argc, argv, spec, 0, &a);
    if (rc) return rc;
    if (a.help) { proofHelp(stdout); return EXIT_OK; }
    const char *leafS = optGet(&a, "leaf-hash"), *rootS = optGet(&a, "root"), *proofS = optGet(&a, "proof");
    const char *idxS = optGet(&a, "index"), *sizeS = optGet(&a, "size");
    if (!proofS) proofS = "";
    if (!leafS || !rootS || !idxS || !sizeS)
        return usage("proof", "--leaf-hash, --index, --size and --root are required", NULL);

    merkleHash leaf, root, path[MERKLE_MAX_PROOF];
    uint64_t idx, size;
    size_t len;
    char err[ERR_MAX];
    if (hexDecode(leafS, leaf, sizeof leaf) < 0) return usage("proof", "--leaf-hash is not 64 hex digits", leafS);
    if (hexDecode(rootS, root, sizeof root) < 0) return usage("proof", "--root is not 64 hex digits", rootS);
    if (optU64(idxS, &idx) < 0) return usage("proof", "--index is not an unsigned 64-bit number", idxS);
    if (optU64(sizeS, &size) < 0) return usage("proof", "--size is not an unsigned 64-bit number", sizeS);
    if (merkleProofFromHex(proofS, path, MERKLE_MAX_PROOF, &len, err) < 0) return usage("proof", "--proof", err);

    if (merkleVerify(leaf, idx, size, (const merkleHash *)path, len, root, err) < 0) {
        fprintf(stderr, "didverify proof: invalid: %s\n", err);
        return EXIT_FAIL;
    }
    printf("valid: leaf %llu of %llu is included under root %s\n",
           (unsigned long long)idx, (unsigned long long)size, rootS);
    return EXIT_OK;
}

/* ---- where the roots come from (shared by verify and batch) ---- */

typedef struct rootOpts {
    const char *rpc, *contract, *chainId, *anchors;
    anchorsFile file;
} rootOpts;

#define ROOT_OPTS_HELP \
    "roots (exactly one source):\n" \
    "  --rpc URL --contract ADDR [--chain-id N]  eth_call roots(batchId) on the registry at ADDR,\n" \
    "                   and each batch's anchoring receipt; URL may be a comma-separated list;\n" \
    "                   without --rpc, WA_RPC_URLS is used when set (keeps API keys off the\n" \
    "                   command line). --chain-id: refuse a node on another chain.\n" \
    "  --anchors FILE   an offline snapshot written by 'didverify anchors export'\n" \
    "                   (--contract / --chain-id, when given, must match it)\n"

/* rootOptsFrom: the root options of a parsed command line. */
static void rootOptsFrom(const optArgs *a, rootOpts *ro) {
    memset(ro, 0, sizeof *ro);
    ro->rpc = optGet(a, "rpc");
    ro->contract = optGet(a, "contract");
    ro->chainId = optGet(a, "chain-id");
    ro->anchors = optGet(a, "anchors");
}

#define ROOT_SPEC {"rpc", OPT_VALUE}, {"contract", OPT_VALUE}, {"chain-id", OPT_VALUE}

/* openRoots: the chain source ro names. EXIT_OK, or after a message EXIT_USAGE (bad
 * options), EXIT_CONFIG (the anchors file), EXIT_UNAVAILABLE (the node could not be
 * asked) or EXIT_CHAIN (the node is on another chain than --chain-id). */
static int openRoots(rootOpts *ro, rootsSrc *src, const char *cmd) {
    uint8_t contract[ETH_ADDR_LEN];
    uint64_t chainId = 0;
    char err[ERR_MAX];
    buf b = BUF_INIT;
    if (!ro->rpc && !ro->anchors && getenv("WA_RPC_URLS") && *getenv("WA_RPC_URLS")) ro->rpc = getenv("WA_RPC_URLS");
    if (!!ro->rpc == !!ro->anchors) return usage(cmd, "give exactly one root source: --rpc URL --contract ADDR, or --anchors FILE", NULL);
    if (ro->contract && ethAddrParse(ro->contract, contract, err) < 0) return usage(cmd, "--contract", err);
    if (ro->chainId && (optU64(ro->chainId, &chainId) < 0 || !chainId)) return usage(cmd, "--chain-id is not a positive integer", ro->chainId);
    if (ro->rpc) {
        if (!ro->contract) return usage(cmd, "--rpc needs --contract ADDR (the WitnessAnchorRegistry)", NULL);
        ethRpc urls;
        if (ethRpcUrls(&urls, ro->rpc, err) < 0) return usage(cmd, "--rpc", err);
        ethRpcFree(&urls);
        int rc = rootsOpenRpc(src, ro->rpc, contract, chainId, err);
        if (rc < 0) {
            fprintf(stderr, "didverify %s: %s\n", cmd, err);
            return rc == -CHAIN_ECHAIN ? EXIT_CHAIN : EXIT_UNAVAILABLE;
        }
        return EXIT_OK;
    }
    if (fileRead(ro->anchors, MANIFEST_MAX_BYTES, &b, err) < 0 || anchorsParse((const char *)b.p, b.len, &ro->file, err) < 0 ||
        rootsOpenAnchors(src, &ro->file, ro->contract ? contract : NULL, chainId, err) < 0) {
        bufFree(&b);
        fprintf(stderr, "didverify %s: %s: %s\n", cmd, ro->anchors, err);
        return EXIT_CONFIG;
    }
    bufFree(&b);
    return EXIT_OK;
}

static void closeRoots(rootOpts *ro, rootsSrc *src) {
    rootsClose(src);
    anchorsFree(&ro->file);
}

/* ---- didverify DID | --log ... ---- */

#define STALE_BATCHES_DEFAULT 100

static void verifyHelp(FILE *f) {
    fprintf(f,
        "usage: didverify DID [--base-url URL] ROOTS [--manifests DIR|URL] [--stale-batches N|all] [--json]\n"
        "       didverify --log FILE --witness FILE [--did-witness FILE] [--did DID] ROOTS\n"
        "                 [--manifests DIR|URL] [--stale-batches N|all] [--json]\n"
        "\n"
        "Verifies a DID's published history version by version: the did:webvh v1.0 log\n"
        "rules, the trust model (every document is what the subject signed: each event signed\n"
        "by a key of the version before it, keys changed only by a KeyRotation, publisher\n"
        "maintenance entries change parameters only; docs/didverify.md), the Merkle inclusion\n"
        "proof of each entry in witness.json up to a root, that root against the chain, and\n"
        "the did-witness.json proofs. Nothing but the chain is trusted. Then whether the\n"
        "history is the newest the chain knows of (STALE otherwise).\n"
        "\n"
        "  DID               fetch did.jsonl, then witness.json and did-witness.json over HTTPS\n"
        "                    (did:webvh DID-to-HTTPS transformation); HTTP 404 or 403 = not\n"
        "                    published. A STALE answer is fetched once more (a batch may have\n"
        "                    been publishing).\n"
        "  --base-url URL    fetch from URL instead of https://host (a mirror, a CDN, a local\n"
        "                    server; http:// allowed): URL/<path>/did.jsonl ...\n"
        "  --log FILE        did.jsonl on disk (no network for the files)\n"
        "  --witness FILE    its witness.json\n"
        "  --did-witness FILE  its did-witness.json (needed when the log names witnesses)\n"
        "  --did DID         the DID the log must be for\n"
        "  --manifests DIR|URL  batch manifests <batchId>.json (a directory, or a URL: http(s)://…/batches);\n"
        "                    default with a DID: <https://host or --base-url>/batches. The manifests\n"
        "                    of the batches after the history's last anchor are checked against the\n"
        "                    chain and searched for a later version of the DID (STALE).\n"
        "  --stale-batches N|all  read at most N of those manifests (default %d; 0 = no scan);\n"
        "                    the output says when the scan stopped early\n"
        "  --json            machine-readable verdict on stdout\n"
        ROOT_OPTS_HELP
        "\n"
        "Each version is ANCHORED (batch, block, tx), PENDING (no anchor yet; only the\n"
        "newest versions may be) or INVALID (the reason), then a summary line: ANCHORED,\n"
        "PENDING, INVALID, or STALE (every version checks out, but the chain shows a later\n"
        "version of this DID than the served log has: a rolled-back or cached copy).\n"
        "0 all anchored, 1 any version invalid (or did.jsonl not published), 8 only pending\n"
        "left, 9 stale; 3 a file cannot be read, 4 a server cannot be reached.\n", STALE_BATCHES_DEFAULT);
    exitHelp(f, EXIT_DIDVERIFY);
}

/* notPublished: an HTTP status that means "no such object": 404, 410, and 403, which S3
 * answers for a missing key when the reader may not list the bucket. */
static int notPublished(long status) { return status == 404 || status == 410 || status == 403; }

/* fetchOne: GET the DID's `name` into out. 1 fetched, 0 not published, -1 + err. */
static int fetchOne(const didParts *p, const char *name, const char *baseUrl, size_t max, buf *out, char *err) {
    buf url = BUF_INIT;
    long status = 0;
    char e[ERR_MAX];
    int rc = -1;
    bufReset(out);
    if (didHttpsUrl(p, name, baseUrl, &url, e) < 0) errSet(err, "%s: %s", name, e);
    else if (httpGet((const char *)url.p, max, baseUrl != NULL, out, &status, e) < 0) errSet(err, "%s: %s", (const char *)url.p, e);
    else if (notPublished(status)) rc = 0;
    else if (status != 200) errSet(err, "%s: HTTP %ld", (const char *)url.p, status);
    else rc = 1;
    bufFree(&url);
    return rc;
}

/* fetchHistory: the three files of did, did.jsonl first (the worker writes it last, so
 * the proofs read after it are at least as new). EXIT_OK, or after a message EXIT_FAIL
 * (did.jsonl is not published) or EXIT_UNAVAILABLE (a request failed). */
static int fetchHistory(const didParts *p, const char *baseUrl, buf f[3], int have[3]) {
    static const char *names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    static const size_t max[3] = {WEBVH_LOG_MAX, WITNESS_MAX_BYTES, WEBVH_WITNESS_MAX};
    char err[ERR_MAX];
    for (int i = 0; i < 3; i++) {
        int k = fetchOne(p, names[i], baseUrl, max[i], &f[i], err);
        if (k < 0 || (k == 0 && i == 0)) {
            fprintf(stderr, "didverify: %s\n", k < 0 ? err : "did.jsonl: not published (HTTP 404 or 403)");
            return k < 0 ? EXIT_UNAVAILABLE : EXIT_FAIL;
        }
        have[i] = k == 1;
    }
    return EXIT_OK;
}

/* Where batch manifests come from: a directory (dir) or a URL prefix. */
typedef struct manifestsAt {
    const char *dir;
    buf url;                         /* ".../batches" */
    int allowHttp;
} manifestsAt;

/* getManifest: a staleGetFn over a manifestsAt. */
static int getManifest(void *ctx, uint64_t id, buf *out, char *err) {
    manifestsAt *m = ctx;
    char path[4200];
    if (m->dir) {
        snprintf(path, sizeof path, "%s/%llu.json", m->dir, (unsigned long long)id);
        if (access(path, F_OK) < 0) return errno == ENOENT ? 0 : errSet(err, "%s: %s", path, strerror(errno));
        return fileRead(path, MANIFEST_MAX_BYTES, out, err) < 0 ? -1 : 1;
    }
    long status = 0;
    char e[ERR_MAX];
    snprintf(path, sizeof path, "%s/%llu.json", (const char *)m->url.p, (unsigned long long)id);
    if (httpGet(path, MANIFEST_MAX_BYTES, m->allowHttp, out, &status, e) < 0) return errSet(err, "%s: %s", path, e);
    if (notPublished(status)) return 0;
    if (status != 200) return errSet(err, "%s: HTTP %ld", path, status);
    return 1;
}

/* manifestsFrom: the manifest source: --manifests (a directory or http(s) URL), or with
 * a DID the origin it is fetched from + "/batches". 1 set, 0 none, -1 + err. */
static int manifestsFrom(const char *opt, const didParts *p, const char *baseUrl, manifestsAt *m, char *err) {
    const char *u = opt;
    memset(m, 0, sizeof *m);
    if (opt && strncmp(opt, "http://", 7) && strncmp(opt, "https://", 8)) { m->dir = opt; return 1; }
    if (!opt && !p) return 0;
    if (u) bufPuts(&m->url, u);
    else if (baseUrl) bufPuts(&m->url, baseUrl);
    else if (p->port) bufPrintf(&m->url, "https://%s:%d", p->host, p->port);
    else bufPrintf(&m->url, "https://%s", p->host);
    if (!m->url.p) return errSet(err, "out of memory");
    while (m->url.len && m->url.p[m->url.len - 1] == '/') m->url.p[--m->url.len] = 0;
    if (!opt && bufPuts(&m->url, "/batches") < 0) return errSet(err, "out of memory");
    m->allowHttp = !strncmp((const char *)m->url.p, "http://", 7) && (opt || baseUrl);
    return 1;
}

/* readFiles: --log / --witness / --did-witness. EXIT_OK or EXIT_CONFIG after a message. */
static int readFiles(const char *const files[3], buf f[3], int have[3]) {
    static const size_t max[3] = {WEBVH_LOG_MAX, WITNESS_MAX_BYTES, WEBVH_WITNESS_MAX};
    char err[ERR_MAX];
    for (int i = 0; i < 3; i++) {
        if (!files[i]) continue;
        if (fileRead(files[i], max[i], &f[i], err) < 0) { fprintf(stderr, "didverify: %s\n", err); return EXIT_CONFIG; }
        have[i] = 1;
    }
    return EXIT_OK;
}

/* report: print r as text or JSON; the exit code of its verdict. */
static int report(const historyReport *r, int json) {
    if (json) {
        json_t *j = reportJson(r);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(j);
    } else {
        reportText(stdout, r, reportFancy(stdout));
    }
    return reportExit(historyVerdict(r));
}

/* cmdVerify: `didverify [verify] DID | --log ...` (argv[0] is "verify" or the program's name). */
static int cmdVerify(int argc, char **argv) {
    static const optSpec spec[] = {ROOT_SPEC, {"anchors", OPT_VALUE}, {"base-url", OPT_VALUE}, {"log", OPT_VALUE},
                                   {"witness", OPT_VALUE}, {"did-witness", OPT_VALUE}, {"did", OPT_VALUE},
                                   {"json", OPT_FLAG}, {"manifests", OPT_VALUE}, {"stale-batches", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    rootOpts ro;
    int rc = parseCmd("verify", argc, argv, spec, 1, &a);
    if (rc) return rc;
    if (a.help) { verifyHelp(stdout); return EXIT_OK; }
    rootOptsFrom(&a, &ro);
    const char *baseUrl = optGet(&a, "base-url"), *did = optGet(&a, "did"), *manOpt = optGet(&a, "manifests");
    const char *files[3] = {optGet(&a, "log"), optGet(&a, "witness"), optGet(&a, "did-witness")};
    const char *staleS = optGet(&a, "stale-batches");
    uint64_t staleMax = STALE_BATCHES_DEFAULT;
    int json = optGet(&a, "json") != NULL;
    if (staleS && !strcmp(staleS, "all")) staleMax = UINT64_MAX;
    else if (staleS && optU64(staleS, &staleMax) < 0) return usage("verify", "--stale-batches is not a number or 'all'", staleS);
    const char *pos = a.npos ? a.pos[0] : NULL;
    if (pos && (files[0] || files[1] || files[2])) return usage("verify", "give a DID or --log/--witness files, not both", NULL);
    if (!pos && (!files[0] || !files[1])) return usage("verify", "give a DID, or --log FILE and --witness FILE", NULL);
    if (!pos && baseUrl) return usage("verify", "--base-url goes with a DID", NULL);
    if (pos && did && strcmp(pos, did)) return usage("verify", "--did differs from the DID given", NULL);
    if (pos) did = pos;

    buf f[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    int have[3] = {0, 0, 0}, parsed = 0;
    char err[ERR_MAX];
    didParts p;
    manifestsAt ma;
    memset(&ma, 0, sizeof ma);
    rootsSrc src;
    memset(&src, 0, sizeof src);
    if (pos && didParse(pos, baseUrl ? DID_LOCALHOST : 0, &p, err) < 0) return usage("verify", "not a did:webvh DID", err);
    parsed = pos != NULL;
    int hasMan = manifestsFrom(manOpt, parsed ? &p : NULL, baseUrl, &ma, err);
    if (hasMan < 0) { fprintf(stderr, "didverify: %s\n", err); rc = EXIT_FAIL; }
    if (rc == EXIT_OK) rc = pos ? fetchHistory(&p, baseUrl, f, have) : readFiles(files, f, have);
    if (rc == EXIT_OK) rc = openRoots(&ro, &src, "verify");
    staleSource fresh = {getManifest, &ma, staleMax};
    for (int attempt = 0; rc == EXIT_OK; attempt++) {
        historyInput in = {(const char *)f[0].p, f[0].len, have[1] ? (const char *)f[1].p : NULL, f[1].len,
                           have[2] ? (const char *)f[2].p : NULL, f[2].len, did, 0, hasMan > 0 ? &fresh : NULL};
        historyReport r;
        if (!in.log) in.log = "";
        if (verifyHistory(&in, &src, &r, err) < 0) {
            fprintf(stderr, "didverify: %s\n", err);
            rc = EXIT_UNAVAILABLE;
        } else if (pos && attempt == 0 && historyVerdict(&r) == VERDICT_STALE) {
            /* perhaps a batch was publishing (proofs are written before did.jsonl): once more */
            historyFree(&r);
            rc = fetchHistory(&p, baseUrl, f, have);
            continue;
        } else {
            rc = report(&r, json);
        }
        historyFree(&r);
        break;
    }
    closeRoots(&ro, &src);
    if (parsed) didPartsFree(&p);
    bufFree(&ma.url);
    for (int i = 0; i < 3; i++) bufFree(&f[i]);
    return rc;
}

/* ---- didverify batch ID ---- */

static void batchHelp(FILE *f) {
    fprintf(f,
        "usage: didverify batch ID (--base-url URL | --manifest FILE) ROOTS\n"
        "\n"
        "Rebuilds batch ID's Merkle root from its manifest (every leaf hash, in leaf\n"
        "order; URL/batches/ID.json, or FILE) and checks that root, block and transaction\n"
        "against the chain.\n"
        ROOT_OPTS_HELP
        "0 the batch is anchored as its manifest says, 1 it is not (the reason) or its\n"
        "manifest is not published.\n");
    exitHelp(f, EXIT_DIDVERIFY & ~(EXIT_BIT(EXIT_PENDING) | EXIT_BIT(EXIT_STALE)));
}

/* batchCheck: the manifest m is batch id and anchored as it says. 0 / 1 + reason / -1 + err. */
static int batchCheck(const manifest *m, uint64_t id, rootsSrc *src, char *reason, char *err) {
    merkleHash root;
    char a[65], b[65];
    if (m->ref.batchId != id) return errSet(reason, "the manifest is for batch %llu", (unsigned long long)m->ref.batchId), 1;
    if (manifestRoot(m, root, reason) < 0) return 1;
    if (memcmp(root, m->ref.root, 32)) {
        hexEncode(root, 32, a);
        hexEncode(m->ref.root, 32, b);
        return errSet(reason, "the leaves give root %.16s…, the manifest says %.16s…", a, b), 1;
    }
    if (m->ref.chainId != src->chainId)
        return errSet(reason, "anchored on chain %llu, but the roots come from chain %llu", (unsigned long long)m->ref.chainId,
                      (unsigned long long)src->chainId), 1;
    if (memcmp(m->ref.contract, src->contract, ETH_ADDR_LEN)) return errSet(reason, "anchored at another contract than the one given"), 1;
    return rootsBatch(src, &m->ref, reason, err);
}

static int cmdBatch(int argc, char **argv) {
    static const optSpec spec[] = {ROOT_SPEC, {"anchors", OPT_VALUE}, {"base-url", OPT_VALUE}, {"manifest", OPT_VALUE},
                                   {NULL, 0}};
    optArgs a;
    rootOpts ro;
    int rc = parseCmd("batch", argc, argv, spec, OPT_POS_ANY, &a);
    if (rc) return rc;
    if (a.help) { batchHelp(stdout); return EXIT_OK; }
    rootOptsFrom(&a, &ro);
    const char *baseUrl = optGet(&a, "base-url"), *file = optGet(&a, "manifest");
    uint64_t id;
    if (a.npos != 1) return usage("batch", "give exactly one batch ID", NULL);
    if (optU64(a.pos[0], &id) < 0) return usage("batch", "the batch ID is not an unsigned number", a.pos[0]);
    if (!!baseUrl == !!file) return usage("batch", "give --base-url URL or --manifest FILE", NULL);
    buf b = BUF_INIT, url = BUF_INIT;
    char err[ERR_MAX], reason[ERR_MAX];
    long status = 0;
    if (baseUrl) {
        bufPrintf(&url, "%s%sbatches/%llu.json", baseUrl, baseUrl[strlen(baseUrl) - 1] == '/' ? "" : "/", (unsigned long long)id);
        if (httpGet((const char *)url.p, MANIFEST_MAX_BYTES, 1, &b, &status, err) < 0 || status != 200) {
            if (status && status != 200) snprintf(err, sizeof err, "HTTP %ld", status);
            fprintf(stderr, "didverify batch: %s: %s\n", (const char *)url.p, err);
            bufFree(&url);
            bufFree(&b);
            return notPublished(status) ? EXIT_FAIL : EXIT_UNAVAILABLE;
        }
    } else if (fileRead(file, MANIFEST_MAX_BYTES, &b, err) < 0) {
        fprintf(stderr, "didverify batch: %s\n", err);
        return EXIT_CONFIG;
    }
    bufFree(&url);
    rootsSrc src;
    memset(&src, 0, sizeof src);
    manifest m;
    rc = openRoots(&ro, &src, "batch");
    if (rc != EXIT_OK) { bufFree(&b); anchorsFree(&ro.file); return rc; }
    int k = manifestParse((const char *)b.p, b.len, &m, reason) < 0 ? 1 : batchCheck(&m, id, &src, reason, err);
    if (k < 0) {
        fprintf(stderr, "didverify batch: %s\n", err);
        rc = EXIT_UNAVAILABLE;
    } else if (k) {
        printf("INVALID  batch %llu: %s\n", (unsigned long long)id, reason);
        rc = EXIT_FAIL;
    } else {
        char root[65], tx[65];
        hexEncode(m.ref.root, 32, root);
        hexEncode(m.ref.txHash, 32, tx);
        printf("ANCHORED batch %llu: %zu leaves, root %s, block %llu, tx 0x%s\n", (unsigned long long)id, m.n, root,
               (unsigned long long)m.ref.blockNumber, tx);
    }
    manifestFree(&m);
    closeRoots(&ro, &src);
    bufFree(&b);
    return rc;
}

/* ---- didverify anchors export ---- */

static void anchorsHelp(FILE *f) {
    fprintf(f,
        "usage: didverify anchors export --rpc URL --contract ADDR [--chain-id N] [--from-block N] --out FILE\n"
        "\n"
        "Writes the offline roots snapshot (docs/formats.md) from the registry's Anchored\n"
        "logs (eth_getLogs in block ranges up to the latest block), each root checked\n"
        "against roots(batchId); from block 0 the batches must be exactly 0..batchCount-1.\n"
        "Without --rpc, WA_RPC_URLS is used when set. --out - writes to stdout.\n"
        "0 written, 1 the chain's logs and roots disagree, 3 --out cannot be written.\n");
    exitHelp(f, EXIT_DIDVERIFY & ~(EXIT_BIT(EXIT_PENDING) | EXIT_BIT(EXIT_STALE)));
}

static int cmdAnchors(int argc, char **argv) {
    static const optSpec spec[] = {ROOT_SPEC, {"from-block", OPT_VALUE}, {"out", OPT_VALUE}, {NULL, 0}};
    optArgs o;
    rootOpts ro;
    int rc = parseCmd("anchors", argc, argv, spec, OPT_POS_ANY, &o);
    if (rc) return rc;
    if (o.help) { anchorsHelp(stdout); return EXIT_OK; }
    rootOptsFrom(&o, &ro);
    const char *out = optGet(&o, "out"), *fromS = optGet(&o, "from-block");
    uint64_t from;
    if (!fromS) fromS = "0";
    if (o.npos != 1 || strcmp(o.pos[0], "export")) return usage("anchors", "the only subcommand is 'export'", NULL);
    if (!out) return usage("anchors", "--out FILE is required", NULL);
    if (optU64(fromS, &from) < 0) return usage("anchors", "--from-block is not an unsigned number", fromS);
    rootsSrc src;
    memset(&src, 0, sizeof src);
    rc = openRoots(&ro, &src, "anchors");
    if (rc != EXIT_OK) return rc;
    anchorsFile a;
    buf b = BUF_INIT;
    char err[ERR_MAX], reason[ERR_MAX];
    int k = rootsExport(&src, from, &a, reason, err);
    if (k) {   /* 1: the chain's logs and roots disagree; < 0: the chain could not be asked */
        fprintf(stderr, "didverify anchors export: %s\n", k == 1 ? reason : err);
        rc = k == 1 ? EXIT_FAIL : EXIT_UNAVAILABLE;
    } else {
        if (anchorsDump(&a, &b, err) < 0 || bufPutc(&b, '\n') < 0 || fileWrite(out, b.p, b.len, 0644, err) < 0) {
            fprintf(stderr, "didverify anchors export: %s\n", err);
            rc = EXIT_CONFIG;
        } else if (strcmp(out, "-")) {
            fprintf(stderr, "didverify: exported %zu batches of chain %llu to %s\n", a.n, (unsigned long long)a.chainId, out);
        }
        anchorsFree(&a);
    }
    bufFree(&b);
    closeRoots(&ro, &src);
    return rc;
}

/* ---- didverify serve ---- */

static void serveHelp(FILE *f) {
    fprintf(f,
        "usage: didverify serve [--listen HOST:PORT] ROOTS [--threads N] [--max-conns N]\n"
        "                 [--max-conns-per-ip N] [--max-bytes N] [--fetch-timeout MS]\n"
        "                 [--connect-timeout MS] [--cache-entries N] [--cache-bytes N]\n"
        "                 [--cache-max-ttl S] [--stale-batches N|all]\n"
        "                 [--test-origin http://127.0.0.1:PORT]\n"
        "\n"
        "A DID resolver for did:webvh over HTTP (DID Resolution HTTP(S) binding; runs as a\n"
        "Universal Resolver driver; docs/resolver.md):\n"
        "  GET /1.0/identifiers/{DID or DID URL}   the DID resolution result (Accept:\n"
        "      application/did-resolution, the default) or the DID document alone (Accept:\n"
        "      application/did+ld+json, application/did+json, application/ld+json,\n"
        "      application/json); ?versionId= ?versionTime= ?versionNumber=; DID URL paths,\n"
        "      /whois, ?service=NAME[&relativeRef=REF] and #fragment (sent as %%23) are\n"
        "      dereferenced. didDocumentMetadata.anchoring holds the anchoring verdict of\n"
        "      every version (ANCHORED with batch, block, tx / PENDING / INVALID / STALE)\n"
        "      against ROOTS. Status: 200, 400 invalidDid/invalidDidUrl, 404 notFound, 406\n"
        "      representationNotSupported, 410 deactivated, 501 methodNotSupported, 502 the\n"
        "      DID's host or the chain failed or served an invalid log.\n"
        "  GET /health\n"
        "Logs are fetched as untrusted sources: https only, no redirects, no IP literals,\n"
        "DNS names only, at most --max-bytes per file, --fetch-timeout per request; what\n"
        "was fetched is cached for the log's ttl (at most --cache-max-ttl) for at most\n"
        "--cache-entries DIDs and --cache-bytes bytes (X-Cache: hit|miss).\n"
        "\n"
        "  --listen HOST:PORT      default 127.0.0.1:8080 (port 0: any free port)\n"
        "  --threads N             request threads (default 4); --max-conns N (default 64),\n"
        "                          --max-conns-per-ip N (default 16)\n"
        "  --max-bytes N           largest file fetched (default %u; at most %u)\n"
        "  --fetch-timeout MS      one fetch in all (default 10000); --connect-timeout MS (5000)\n"
        "  --cache-entries N       DIDs cached (default 1000; 0: no cache)\n"
        "  --cache-bytes N         bytes of fetched files cached in all (default 268435456)\n"
        "  --cache-max-ttl S       cap on the log's ttl (default 3600; 0: no cache)\n"
        "  --stale-batches N|all   read at most N manifests of later batches from the DID's\n"
        "                          origin (https://host/batches/ID.json, same rules) to find a\n"
        "                          rolled-back history (STALE); default 0: no scan\n"
        "  --test-origin URL       TESTS ONLY: fetch every https://host[:port] from this loopback\n"
        "                          origin (http://127.0.0.1:PORT or http://localhost:PORT) and\n"
        "                          accept the host localhost in DIDs\n"
        ROOT_OPTS_HELP
        "\n"
        "0 after SIGINT/SIGTERM; 2 usage; 3 the anchors file; 4 the node or the listening\n"
        "socket could not be had; 5 the node is on another chain.\n", 16u << 20, WEBVH_LOG_MAX);
    exitHelp(f, EXIT_DIDVERIFY & ~(EXIT_BIT(EXIT_PENDING) | EXIT_BIT(EXIT_STALE) | EXIT_BIT(EXIT_FAIL)));
}

/* numOpt: option name of a, in [lo, hi], into *out (def when absent). 0 / -1 after a usage message. */
static int numOpt(const optArgs *a, const char *name, long long lo, long long hi, long long def, long long *out) {
    const char *v = optGet(a, name);
    *out = def;
    if (v && optRange(v, lo, hi, out) < 0) {
        char m[96];
        snprintf(m, sizeof m, "--%s must be a number from %lld to %lld", name, lo, hi);
        usage("serve", m, v);
        return -1;
    }
    return 0;
}

static int cmdServe(int argc, char **argv) {
    static const optSpec spec[] = {ROOT_SPEC, {"anchors", OPT_VALUE}, {"listen", OPT_VALUE}, {"threads", OPT_VALUE},
                                   {"max-conns", OPT_VALUE}, {"max-conns-per-ip", OPT_VALUE}, {"max-bytes", OPT_VALUE},
                                   {"fetch-timeout", OPT_VALUE}, {"connect-timeout", OPT_VALUE}, {"cache-entries", OPT_VALUE}, {"cache-bytes", OPT_VALUE},
                                   {"cache-max-ttl", OPT_VALUE}, {"test-origin", OPT_VALUE}, {"stale-batches", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    rootOpts ro;
    int rc = parseCmd("serve", argc, argv, spec, 0, &a);
    if (rc) return rc;
    if (a.help) { serveHelp(stdout); return EXIT_OK; }
    rootOptsFrom(&a, &ro);
    long long threads, conns, perIp, maxBytes, fetchMs, connMs, entries, cacheBytes, maxTtl;
    if (numOpt(&a, "threads", 1, 256, 4, &threads) || numOpt(&a, "max-conns", 1, 65536, 64, &conns) ||
        numOpt(&a, "max-conns-per-ip", 1, 65536, 16, &perIp) || numOpt(&a, "max-bytes", 1, WEBVH_LOG_MAX, 16 << 20, &maxBytes) ||
        numOpt(&a, "fetch-timeout", 1, 600000, 10000, &fetchMs) || numOpt(&a, "connect-timeout", 1, 600000, 5000, &connMs) ||
        numOpt(&a, "cache-entries", 0, 1000000, 1000, &entries) ||
        numOpt(&a, "cache-bytes", 0, 1LL << 40, 256LL << 20, &cacheBytes) || numOpt(&a, "cache-max-ttl", 0, 1LL << 31, 3600, &maxTtl))
        return EXIT_USAGE;
    uint64_t staleMax = 0;
    const char *staleS = optGet(&a, "stale-batches");
    if (staleS && !strcmp(staleS, "all")) staleMax = UINT64_MAX;
    else if (staleS && optU64(staleS, &staleMax) < 0) return usage("serve", "--stale-batches is not a number or 'all'", staleS);
    char err[ERR_MAX];
    const char *origin = optGet(&a, "test-origin"), *listen = optGet(&a, "listen");
    if (!listen) listen = "127.0.0.1:8080";
    if (origin && rfetchTestOrigin(origin, err) < 0) return usage("serve", "--test-origin", err);
    if (netListenParse(listen, NULL, err) < 0) return usage("serve", "--listen", err);
    rootsSrc src;
    memset(&src, 0, sizeof src);
    if ((rc = openRoots(&ro, &src, "serve")) != EXIT_OK) return rc;
    resolverOpts o = {listen, (unsigned)threads, (unsigned)conns, (unsigned)perIp, 30000,
                      {(size_t)maxBytes, (long)fetchMs, (long)connMs, origin}, (size_t)entries, (size_t)cacheBytes, maxTtl, staleMax};
    if (resolverRun(&o, &src, err) < 0) {
        fprintf(stderr, "didverify serve: %s\n", err);
        rc = EXIT_UNAVAILABLE;
    }
    closeRoots(&ro, &src);
    return rc;
}

/* ---- dispatch ---- */

static const optCmd commands[] = {
    {"verify", NULL, "check a DID's history (the default: didverify DID ... / didverify --log ...)", cmdVerify},
    {"batch", NULL, "rebuild a batch's Merkle root from its manifest and check it on chain", cmdBatch},
    {"anchors", NULL, "anchors export: write the offline roots snapshot from the chain", cmdAnchors},
    {"proof", NULL, "check one RFC 9162 Merkle inclusion proof", cmdProof},
    {"serve", NULL, "a DID resolver endpoint (GET /1.0/identifiers/{did}) with anchoring verdicts", cmdServe},
    {NULL, NULL, NULL, NULL},
};

static void mainHelp(FILE *f) {
    fprintf(f, "usage: didverify DID [--base-url URL] ROOTS [--json]\n"
               "       didverify --log FILE --witness FILE [--did-witness FILE] [--did DID] ROOTS [--json]\n"
               "       didverify <command> [options]\n"
               "       didverify --version\n"
               "ROOTS: --rpc URL --contract ADDR [--chain-id N]  |  --anchors FILE\n\ncommands:\n");
    optHelpCommands(f, commands, 10);
    fprintf(f, "\nrun 'didverify <command> --help' for a command's options.\n\n");
    exitHelp(f, EXIT_DIDVERIFY);
}

/* isVerifyArg: argv[1] starts the default command (a DID or an option), not a command. */
static int isVerifyArg(const char *s) {
    if (!strncmp(s, "did:", 4)) return 1;
    return s[0] == '-' && strcmp(s, "-h") && strcmp(s, "--help") && strcmp(s, "--version");
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) { fprintf(stderr, "didverify: libsodium failed to initialise\n"); return EXIT_FAIL; }
    if (argc > 1 && isVerifyArg(argv[1])) return cmdVerify(argc, argv);
    return optDispatch("didverify", argc, argv, 1, commands, mainHelp);
}
