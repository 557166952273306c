/* didverify_main.c -- the didverify command: check a published DID history against the chain.
 *
 * Exit codes (every subcommand): 0 valid / all versions anchored, 1 invalid
 * (with the reason), 2 pending (valid so far, not all anchored yet), 3 usage
 * or I/O error. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/merkle.h"
#include "core/version.h"
#include "didlog/didurl.h"
#include "didlog/fetch.h"
#include "didlog/file.h"
#include "didlog/webvh.h"
#include "verifier/chain.h"
#include "verifier/manifest.h"
#include "verifier/report.h"
#include "verifier/verify.h"
#include "verifier/witness.h"

enum { EX_VALID = 0, EX_INVALID = 1, EX_PENDING = 2, EX_USAGE = 3 };

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
        "exit: 0 the proof holds, 1 it does not (reason on stderr), 3 usage error\n");
}

/* parseU64: strict unsigned decimal (no sign, no blanks, no overflow). */
static int parseU64(const char *s, uint64_t *out) {
    if (*s < '0' || *s > '9') return -1;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e) return -1;
    *out = v;
    return 0;
}

/* usage: print a usage error for cmd and return the usage exit code. */
static int usage(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "didverify %s: %s%s%s\n", cmd, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run 'didverify %s --help' for usage\n", cmd);
    return EX_USAGE;
}

static int cmdProof(int argc, char **argv) {
    static const struct option opts[] = {
        {"leaf-hash", required_argument, NULL, 'l'}, {"index", required_argument, NULL, 'i'},
        {"size", required_argument, NULL, 's'},      {"root", required_argument, NULL, 'r'},
        {"proof", required_argument, NULL, 'p'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *leafS = NULL, *rootS = NULL, *proofS = "", *idxS = NULL, *sizeS = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': leafS = optarg; break;
        case 'i': idxS = optarg; break;
        case 's': sizeS = optarg; break;
        case 'r': rootS = optarg; break;
        case 'p': proofS = optarg; break;
        case 'h': proofHelp(stdout); return EX_VALID;
        default: return usage("proof", "bad option", NULL);
        }
    }
    if (optind < argc) return usage("proof", "unexpected argument", argv[optind]);
    if (!leafS || !rootS || !idxS || !sizeS)
        return usage("proof", "--leaf-hash, --index, --size and --root are required", NULL);

    merkleHash leaf, root, path[MERKLE_MAX_PROOF];
    uint64_t idx, size;
    size_t len;
    char err[ERR_MAX];
    if (hexDecode(leafS, leaf, sizeof leaf) < 0) return usage("proof", "--leaf-hash is not 64 hex digits", leafS);
    if (hexDecode(rootS, root, sizeof root) < 0) return usage("proof", "--root is not 64 hex digits", rootS);
    if (parseU64(idxS, &idx) < 0) return usage("proof", "--index is not an unsigned 64-bit number", idxS);
    if (parseU64(sizeS, &size) < 0) return usage("proof", "--size is not an unsigned 64-bit number", sizeS);
    if (merkleProofFromHex(proofS, path, MERKLE_MAX_PROOF, &len, err) < 0) return usage("proof", "--proof", err);

    if (merkleVerify(leaf, idx, size, (const merkleHash *)path, len, root, err) < 0) {
        fprintf(stderr, "didverify proof: invalid: %s\n", err);
        return EX_INVALID;
    }
    printf("valid: leaf %llu of %llu is included under root %s\n",
           (unsigned long long)idx, (unsigned long long)size, rootS);
    return EX_VALID;
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

/* rootOpt: consume one root option; 1 when c was one. */
static int rootOpt(rootOpts *ro, int c) {
    switch (c) {
    case 'R': ro->rpc = optarg; return 1;
    case 'C': ro->contract = optarg; return 1;
    case 'I': ro->chainId = optarg; return 1;
    case 'A': ro->anchors = optarg; return 1;
    default: return 0;
    }
}

#define ROOT_LONGOPTS \
    {"rpc", required_argument, NULL, 'R'}, {"contract", required_argument, NULL, 'C'}, \
    {"chain-id", required_argument, NULL, 'I'}, {"anchors", required_argument, NULL, 'A'}

/* openRoots: the chain source ro names. EX_VALID, or EX_USAGE after a message. */
static int openRoots(rootOpts *ro, chainSrc *src, const char *cmd) {
    uint8_t contract[ETH_ADDR_LEN];
    uint64_t chainId = 0;
    char err[ERR_MAX];
    buf b = BUF_INIT;
    if (!ro->rpc && !ro->anchors && getenv("WA_RPC_URLS") && *getenv("WA_RPC_URLS")) ro->rpc = getenv("WA_RPC_URLS");
    if (!!ro->rpc == !!ro->anchors) return usage(cmd, "give exactly one root source: --rpc URL --contract ADDR, or --anchors FILE", NULL);
    if (ro->contract && ethAddrParse(ro->contract, contract, err) < 0) return usage(cmd, "--contract", err);
    if (ro->chainId && (parseU64(ro->chainId, &chainId) < 0 || !chainId)) return usage(cmd, "--chain-id is not a positive integer", ro->chainId);
    if (ro->rpc) {
        if (!ro->contract) return usage(cmd, "--rpc needs --contract ADDR (the WitnessAnchorRegistry)", NULL);
        if (chainOpenRpc(src, ro->rpc, contract, chainId, err) < 0) {
            fprintf(stderr, "didverify %s: %s\n", cmd, err);
            return EX_USAGE;
        }
        return EX_VALID;
    }
    if (fileRead(ro->anchors, MANIFEST_MAX_BYTES, &b, err) < 0 || anchorsParse((const char *)b.p, b.len, &ro->file, err) < 0 ||
        chainOpenAnchors(src, &ro->file, ro->contract ? contract : NULL, chainId, err) < 0) {
        bufFree(&b);
        fprintf(stderr, "didverify %s: %s: %s\n", cmd, ro->anchors, err);
        return EX_USAGE;
    }
    bufFree(&b);
    return EX_VALID;
}

static void closeRoots(rootOpts *ro, chainSrc *src) {
    chainClose(src);
    anchorsFree(&ro->file);
}

/* ---- didverify DID | --log ... ---- */

static void verifyHelp(FILE *f) {
    fprintf(f,
        "usage: didverify DID [--base-url URL] ROOTS [--json]\n"
        "       didverify --log FILE --witness FILE [--did-witness FILE] [--did DID] ROOTS [--json]\n"
        "\n"
        "Verifies a DID's published history version by version: the did:webvh v1.0 log\n"
        "rules, the signed event each version embeds (against the keys of the version\n"
        "before it), the Merkle inclusion proof of each entry in witness.json up to a\n"
        "root, that root against the chain, and the did-witness.json proofs. Nothing\n"
        "but the chain is trusted.\n"
        "\n"
        "  DID               fetch did.jsonl, witness.json and did-witness.json over HTTPS\n"
        "                    (did:webvh DID-to-HTTPS transformation)\n"
        "  --base-url URL    fetch from URL instead of https://host (a mirror, a CDN, a local\n"
        "                    server; http:// allowed): URL/<path>/did.jsonl ...\n"
        "  --log FILE        did.jsonl on disk (no network for the files)\n"
        "  --witness FILE    its witness.json\n"
        "  --did-witness FILE  its did-witness.json (needed when the log names witnesses)\n"
        "  --did DID         the DID the log must be for\n"
        "  --json            machine-readable verdict on stdout\n"
        ROOT_OPTS_HELP
        "\n"
        "Each version is ANCHORED (batch, block, tx), PENDING (no anchor yet; only the\n"
        "newest versions may be) or INVALID (the reason), then a summary line.\n"
        "exit: 0 all anchored, 1 any invalid, 2 only pending left, 3 usage or I/O error\n");
}

/* fetchOne: GET the DID's `name` into out. 1 fetched, 0 not found (404), -1 + err. */
static int fetchOne(const didParts *p, const char *name, const char *baseUrl, size_t max, buf *out, char *err) {
    buf url = BUF_INIT;
    long status = 0;
    char e[ERR_MAX];
    int rc = -1;
    if (didHttpsUrl(p, name, baseUrl, &url, e) < 0) errSet(err, "%s: %s", name, e);
    else if (httpGet((const char *)url.p, max, baseUrl != NULL, out, &status, e) < 0) errSet(err, "%s: %s", (const char *)url.p, e);
    else if (status == 404 || status == 410) rc = 0;
    else if (status != 200) errSet(err, "%s: HTTP %ld", (const char *)url.p, status);
    else rc = 1;
    bufFree(&url);
    return rc;
}

/* fetchHistory: the three files of did. EX_VALID or EX_USAGE after a message. */
static int fetchHistory(const char *did, const char *baseUrl, buf f[3], int have[3]) {
    static const char *names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    static const size_t max[3] = {WEBVH_LOG_MAX, WITNESS_MAX_BYTES, WEBVH_WITNESS_MAX};
    didParts p;
    char err[ERR_MAX];
    if (didParse(did, baseUrl ? DID_LOCALHOST : 0, &p, err) < 0) return usage("verify", "not a did:webvh DID", err);
    int rc = EX_VALID;
    for (int i = 0; i < 3 && rc == EX_VALID; i++) {
        int k = fetchOne(&p, names[i], baseUrl, max[i], &f[i], err);
        if (k < 0 || (k == 0 && i == 0)) {
            fprintf(stderr, "didverify: %s\n", k < 0 ? err : "did.jsonl: not found (HTTP 404)");
            rc = EX_USAGE;
        }
        have[i] = k == 1;
    }
    didPartsFree(&p);
    return rc;
}

static int cmdVerify(int argc, char **argv) {
    static const struct option opts[] = {
        ROOT_LONGOPTS, {"base-url", required_argument, NULL, 'b'}, {"log", required_argument, NULL, 'l'},
        {"witness", required_argument, NULL, 'w'}, {"did-witness", required_argument, NULL, 'd'},
        {"did", required_argument, NULL, 'D'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    rootOpts ro = {0};
    const char *baseUrl = NULL, *files[3] = {NULL, NULL, NULL}, *did = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (rootOpt(&ro, c)) continue;
        switch (c) {
        case 'b': baseUrl = optarg; break;
        case 'l': files[0] = optarg; break;
        case 'w': files[1] = optarg; break;
        case 'd': files[2] = optarg; break;
        case 'D': did = optarg; break;
        case 'j': json = 1; break;
        case 'h': verifyHelp(stdout); return EX_VALID;
        default: return usage("verify", "bad option", NULL);
        }
    }
    const char *pos = optind < argc ? argv[optind] : NULL;
    if (pos && !strcmp(pos, "verify")) pos = ++optind < argc ? argv[optind] : NULL;
    if (optind + 1 < argc) return usage("verify", "unexpected argument", argv[optind + 1]);
    if (pos && (files[0] || files[1] || files[2])) return usage("verify", "give a DID or --log/--witness files, not both", NULL);
    if (!pos && (!files[0] || !files[1])) return usage("verify", "give a DID, or --log FILE and --witness FILE", NULL);
    if (!pos && baseUrl) return usage("verify", "--base-url goes with a DID", NULL);
    if (pos && did && strcmp(pos, did)) return usage("verify", "--did differs from the DID given", NULL);
    if (pos) did = pos;

    buf f[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    int have[3] = {0, 0, 0}, rc;
    char err[ERR_MAX];
    static const size_t max[3] = {WEBVH_LOG_MAX, WITNESS_MAX_BYTES, WEBVH_WITNESS_MAX};
    if (pos) rc = fetchHistory(pos, baseUrl, f, have);
    else {
        rc = EX_VALID;
        for (int i = 0; i < 3 && rc == EX_VALID; i++) {
            if (!files[i]) continue;
            if (fileRead(files[i], max[i], &f[i], err) < 0) { fprintf(stderr, "didverify: %s\n", err); rc = EX_USAGE; }
            have[i] = 1;
        }
    }
    chainSrc src;
    memset(&src, 0, sizeof src);
    if (rc == EX_VALID) rc = openRoots(&ro, &src, "verify");
    if (rc != EX_VALID) {
        for (int i = 0; i < 3; i++) bufFree(&f[i]);
        anchorsFree(&ro.file);
        return rc;
    }
    historyInput in = {(const char *)f[0].p, f[0].len, have[1] ? (const char *)f[1].p : NULL, f[1].len,
                       have[2] ? (const char *)f[2].p : NULL, f[2].len, did, 0};
    historyReport r;
    if (!in.log) in.log = "";
    if (verifyHistory(&in, &src, &r, err) < 0) {
        fprintf(stderr, "didverify: %s\n", err);
        rc = EX_USAGE;
    } else if (json) {
        json_t *j = reportJson(&r);
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(j);
        rc = reportExit(historyVerdict(&r));
    } else {
        reportText(stdout, &r, reportFancy(stdout));
        rc = reportExit(historyVerdict(&r));
    }
    historyFree(&r);
    closeRoots(&ro, &src);
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
        "exit: 0 the batch is anchored as its manifest says, 1 it is not (reason),\n"
        "      3 usage or I/O error\n");
}

/* batchCheck: the manifest m is batch id and anchored as it says. 0 / 1 + reason / -1 + err. */
static int batchCheck(const manifest *m, uint64_t id, chainSrc *src, char *reason, char *err) {
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
    return chainBatch(src, &m->ref, reason, err);
}

static int cmdBatch(int argc, char **argv) {
    static const struct option opts[] = {ROOT_LONGOPTS, {"base-url", required_argument, NULL, 'b'},
                                         {"manifest", required_argument, NULL, 'm'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    rootOpts ro = {0};
    const char *baseUrl = NULL, *file = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (rootOpt(&ro, c)) continue;
        switch (c) {
        case 'b': baseUrl = optarg; break;
        case 'm': file = optarg; break;
        case 'h': batchHelp(stdout); return EX_VALID;
        default: return usage("batch", "bad option", NULL);
        }
    }
    uint64_t id;
    if (optind + 1 != argc) return usage("batch", "give exactly one batch ID", NULL);
    if (parseU64(argv[optind], &id) < 0) return usage("batch", "the batch ID is not an unsigned number", argv[optind]);
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
            return EX_USAGE;
        }
    } else if (fileRead(file, MANIFEST_MAX_BYTES, &b, err) < 0) {
        fprintf(stderr, "didverify batch: %s\n", err);
        return EX_USAGE;
    }
    bufFree(&url);
    chainSrc src;
    memset(&src, 0, sizeof src);
    manifest m;
    int rc = openRoots(&ro, &src, "batch");
    if (rc != EX_VALID) { bufFree(&b); anchorsFree(&ro.file); return rc; }
    int k = manifestParse((const char *)b.p, b.len, &m, reason) < 0 ? 1 : batchCheck(&m, id, &src, reason, err);
    if (k < 0) {
        fprintf(stderr, "didverify batch: %s\n", err);
        rc = EX_USAGE;
    } else if (k) {
        printf("INVALID  batch %llu: %s\n", (unsigned long long)id, reason);
        rc = EX_INVALID;
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
        "exit: 0 written, 1 the chain's logs and roots disagree, 3 usage or I/O error\n");
}

static int cmdAnchors(int argc, char **argv) {
    static const struct option opts[] = {ROOT_LONGOPTS, {"from-block", required_argument, NULL, 'f'},
                                         {"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    rootOpts ro = {0};
    const char *out = NULL, *fromS = "0";
    uint64_t from;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'A' && rootOpt(&ro, c)) continue;
        switch (c) {
        case 'f': fromS = optarg; break;
        case 'o': out = optarg; break;
        case 'h': anchorsHelp(stdout); return EX_VALID;
        default: return usage("anchors", "bad option", NULL);
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "export")) return usage("anchors", "the only subcommand is 'export'", NULL);
    if (!out) return usage("anchors", "--out FILE is required", NULL);
    if (parseU64(fromS, &from) < 0) return usage("anchors", "--from-block is not an unsigned number", fromS);
    chainSrc src;
    memset(&src, 0, sizeof src);
    int rc = openRoots(&ro, &src, "anchors");
    if (rc != EX_VALID) return rc;
    anchorsFile a;
    buf b = BUF_INIT;
    char err[ERR_MAX];
    if (chainExport(&src, from, &a, err) < 0) {
        fprintf(stderr, "didverify anchors export: %s\n", err);
        rc = strstr(err, "differs") || strstr(err, "twice") || strstr(err, "beyond") || strstr(err, "batchCount() is") ? EX_INVALID : EX_USAGE;
    } else {
        if (anchorsDump(&a, &b, err) < 0 || bufPutc(&b, '\n') < 0 || fileWrite(out, b.p, b.len, 0644, err) < 0) {
            fprintf(stderr, "didverify anchors export: %s\n", err);
            rc = EX_USAGE;
        } else if (strcmp(out, "-")) {
            fprintf(stderr, "didverify: exported %zu batches of chain %llu to %s\n", a.n, (unsigned long long)a.chainId, out);
        }
        anchorsFree(&a);
    }
    bufFree(&b);
    closeRoots(&ro, &src);
    return rc;
}

/* ---- dispatch ---- */

static const struct command {
    const char *name, *summary;
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
} commands[] = {
    {"verify", "check a DID's history (the default: didverify DID ... / didverify --log ...)", cmdVerify},
    {"batch", "rebuild a batch's Merkle root from its manifest and check it on chain", cmdBatch},
    {"anchors", "anchors export: write the offline roots snapshot from the chain", cmdAnchors},
    {"proof", "check one RFC 9162 Merkle inclusion proof", cmdProof},
};

static void mainHelp(FILE *f) {
    fprintf(f, "usage: didverify DID [--base-url URL] ROOTS [--json]\n"
               "       didverify --log FILE --witness FILE [--did-witness FILE] [--did DID] ROOTS [--json]\n"
               "       didverify <command> [options]\n"
               "       didverify --version\n"
               "ROOTS: --rpc URL --contract ADDR [--chain-id N]  |  --anchors FILE\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nrun 'didverify <command> --help' for a command's options.\n"
               "exit: 0 valid, 1 invalid, 2 pending, 3 usage or I/O error\n");
}

int main(int argc, char **argv) {
    if (argc < 2) { mainHelp(stderr); return EX_USAGE; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        mainHelp(stdout);
        return EX_VALID;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) { printf("didverify %s\n", waVersion()); return EX_VALID; }
    if (sodium_init() < 0) { fprintf(stderr, "didverify: libsodium failed to initialise\n"); return EX_USAGE; }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    if (argv[1][0] == '-' || !strncmp(argv[1], "did:", 4)) return cmdVerify(argc, argv);
    fprintf(stderr, "didverify: unknown command '%s'\n", argv[1]);
    mainHelp(stderr);
    return EX_USAGE;
}
