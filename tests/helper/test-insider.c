/* test-insider.c -- `test-tool insider`: the red-team insider of tests/integration/redteam_trust.sh: someone holding
 * the publisher (update), witness and relayer keys writes what the worker never would,
 * straight into a file store, anchored on the real registry like any batch. What it makes
 * is valid did:webvh, validly anchored and witnessed: only the trust-model checks of
 * didverify (DESIGN.md §9) can tell it from the worker's output.
 *
 *   insider create STATE PARAMS          print a genesis entry (JCS line + "\n") of the DID
 *                                        document in file STATE ("{SCID}" placeholders) with
 *                                        the parameters in file PARAMS, signed by the publisher
 *   insider append SCID STATE [PARAMS]   append an entry whose state is file STATE exactly and
 *                                        whose parameters are file PARAMS (default {}) to
 *                                        <store>/<prefix>/SCID/did.jsonl, signed by the publisher
 *   insider anchor SCID                  anchor every version of that did.jsonl witness.json has
 *                                        no proof for (one tree, one anchor() by the relayer),
 *                                        add their witness.json anchors and did-witness.json
 *                                        proofs, write batches/<batchId>.json; prints the batchId
 * Environment as anchord's: WA_STORE=file://DIR, WA_PREFIX, WA_PUBLISHER_KEY_FILE,
 * WA_WITNESS_KEY_FILE, WA_RPC_URLS, WA_CONTRACT, WA_CHAIN_ID, WA_RELAYER_KEY_FILE.
 * Exit 0 done, 2 usage or failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/merkle.h"
#include "core/rfc3339.h"
#include "core/io/file.h"
#include "didlog/webvh.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "anchord/config/config.h"
#include "anchord/chain/eth.h"
#include "tests/helper/test-tool.h"

static config cfg;

static void die(const char *what, const char *err) {
    fprintf(stderr, "test-tool insider: %s: %s\n", what, err);
    exit(2);
}

static json_t *readJson(const char *path) {
    buf b = BUF_INIT;
    char err[ERR_MAX];
    if (fileRead(path, 1u << 24, &b, err) < 0) die(path, err);
    json_t *j = jsonParse((const char *)b.p, b.len, b.len, 64, err);
    if (!j) die(path, err);
    bufFree(&b);
    return j;
}

/* root: the file store's directory (WA_STORE=file://DIR). */
static const char *root(void) {
    if (strncmp(cfg.store, "file://", 7)) die("WA_STORE", "insider writes to a file:// store only");
    return cfg.store + 7;
}

static void objPath(const char *scid, const char *name, char out[2048]) {
    int n = cfg.prefix[0] ? snprintf(out, 2048, "%s/%s/%s/%s", root(), cfg.prefix, scid, name)
                          : snprintf(out, 2048, "%s/%s/%s", root(), scid, name);
    if (n < 0 || n >= 2048) die(name, "path too long");
}

/* readObj: the object into b; 0 when it does not exist. */
static int readObj(const char *scid, const char *name, buf *b) {
    char path[2048], err[ERR_MAX];
    objPath(scid, name, path);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    if (fileRead(path, 1u << 26, b, err) < 0) die(path, err);
    return 1;
}

static void writeObj(const char *scid, const char *name, const void *p, size_t n) {
    char path[2048], err[ERR_MAX];
    objPath(scid, name, path);
    if (fileWrite(path, p, n, 0644, err) < 0) die(path, err);
}

/* keys: the publisher key and (wit non-NULL) the witness key, which is the publisher
 * key when WA_WITNESS_KEY_FILE / WA_WITNESS_KEY is not set (file keys only). */
static void keys(edKey *pub, edKey *wit) {
    char err[ERR_MAX];
    int rc = configEdKey(&cfg, "PUBLISHER", "publisher key", pub, err);
    if (rc <= 0) die("keys", rc < 0 ? err : "WA_PUBLISHER_KEY_FILE is not set");
    if (wit && (rc = configEdKey(&cfg, "WITNESS", "witness key", wit, err)) < 0) die("keys", err);
    if (wit && rc == 0) *wit = *pub;
}

static int cmdCreate(const char *stateFile, const char *paramsFile) {
    char err[ERR_MAX], t[RFC3339_MAX];
    edKey pub;
    keys(&pub, NULL);
    json_t *st = readJson(stateFile), *params = readJson(paramsFile);
    buf line = BUF_INIT;
    rfc3339Format((long long)time(NULL) - 60, t);
    webvhLog *log = webvhCreate(st, params, t, pub.sk, &line, err);
    edKeyWipe(&pub);
    if (!log) die("create", err);
    fwrite(line.p, 1, line.len, stdout);
    webvhFree(log);
    bufFree(&line);
    json_decref(st);
    json_decref(params);
    return 0;
}

/* loadLog: the DID's did.jsonl, parsed and verified (witness thresholds aside). */
static webvhLog *loadLog(const char *scid, buf *text) {
    char err[ERR_MAX];
    if (!readObj(scid, "did.jsonl", text)) die(scid, "did.jsonl does not exist");
    webvhLog *log = webvhParse((const char *)text->p, text->len, err);
    webvhOpts o = {.skipWitness = 1};
    webvhResult r;
    if (!log || webvhVerify(log, &o, &r) < 0) die("did.jsonl", log ? r.error : err);
    return log;
}

static int cmdAppend(const char *scid, const char *stateFile, const char *paramsFile) {
    char err[ERR_MAX], t[RFC3339_MAX];
    buf text = BUF_INIT, line = BUF_INIT;
    webvhLog *log = loadLog(scid, &text);
    edKey pub;
    keys(&pub, NULL);
    json_t *st = readJson(stateFile), *params = paramsFile ? readJson(paramsFile) : json_object();
    long long now = (long long)time(NULL);
    if (now <= (long long)webvhHead(log)->time) now = (long long)webvhHead(log)->time + 1;
    rfc3339Format(now, t);
    if (webvhAppend(log, st, params, t, pub.sk, &line, err) < 0) die("append", err);
    edKeyWipe(&pub);
    bufAppend(&text, line.p, line.len);
    writeObj(scid, "did.jsonl", text.p, text.len);
    printf("%s\n", webvhHead(log)->versionId);
    webvhFree(log);
    json_decref(st);
    json_decref(params);
    bufFree(&text);
    bufFree(&line);
    return 0;
}

static int cmdAnchor(const char *scid) {
    char err[ERR_MAX], t[RFC3339_MAX], path[2048];
    buf text = BUF_INIT, wb = BUF_INIT, db = BUF_INIT, out = BUF_INIT;
    webvhLog *log = loadLog(scid, &text);
    witnessFile wf = {0};
    json_t *dw = readObj(scid, "did-witness.json", &db) ? webvhParseWitnessFile((const char *)db.p, db.len, err) : json_array();
    if (!dw) die("did-witness.json", err);
    if (readObj(scid, "witness.json", &wb) && witnessParse((const char *)wb.p, wb.len, &wf, err) < 0) die("witness.json", err);
    if (!wf.did) wf.did = strdup(webvhHead(log)->did);
    size_t from = 0;
    while (from < log->n && witnessFind(&wf, log->e[from].versionId)) from++;
    if (from == log->n) die("anchor", "every version already has an anchor");
    size_t n = log->n - from;
    merkleTree *tree = merkleNew(n, err);
    if (!tree) die("tree", err);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *l = webvhLine(log, from + i, &len);
        merkleSetLeaf(tree, i, l, len);
    }
    merkleSeal(tree);
    ethClient c;
    ethAnchored a;
    if (ethOpen(&c, &cfg, 1, NULL, err) < 0) die("chain", err);
    if (ethAnchor(&c, merkleRoot(tree), &a, err) != 0) die("anchor", err);
    edKey pub, wit;
    keys(&pub, &wit);
    edKeyWipe(&pub);
    rfc3339Format((long long)time(NULL), t);
    manifest m = {.treeSize = n, .n = n};
    m.ref.batchId = a.batchId, m.ref.chainId = c.rd.chainId, m.ref.blockNumber = a.rc.mined.blockNumber;
    memcpy(m.ref.root, merkleRoot(tree), 32);
    memcpy(m.ref.contract, c.rd.contract, 20);
    memcpy(m.ref.txHash, a.rc.mined.txHash, 32);
    if (!(m.leaves = calloc(n, sizeof *m.leaves))) die("anchor", "out of memory");
    for (size_t i = 0; i < n; i++) {
        const webvhEntry *e = &log->e[from + i];
        anchorProof p;
        memset(&p, 0, sizeof p);
        snprintf(p.versionId, sizeof p.versionId, "%s", e->versionId);
        p.versionNumber = e->versionNumber;
        p.leafIndex = i, p.treeSize = n;
        memcpy(p.leafHash, merkleLeaf(tree, i), 32);
        if (merkleProof(tree, i, p.proof, &p.proofLen, err) < 0) die("proof", err);
        memcpy(p.root, m.ref.root, 32);
        p.batchId = m.ref.batchId, p.chainId = m.ref.chainId, p.blockNumber = m.ref.blockNumber;
        memcpy(p.contract, m.ref.contract, 20);
        memcpy(p.txHash, m.ref.txHash, 32);
        if (witnessAdd(&wf, &p, err) < 0) die("witness.json", err);
        json_t *wp = webvhWitnessSign(e->versionId, wit.sk, t, err);
        if (!wp || webvhWitnessAdd(dw, e->versionId, wp, err) < 0) die("did-witness.json", err);
        json_decref(wp);
        memcpy(m.leaves[i].leafHash, p.leafHash, 32);
        m.leaves[i].did = (char *)e->did;
        m.leaves[i].versionId = (char *)e->versionId;
    }
    edKeyWipe(&wit);
    if (witnessDump(&wf, &out, err) < 0) die("witness.json", err);
    writeObj(scid, "witness.json", out.p, out.len);
    bufReset(&out);
    if (jcsAppend(dw, &out, err) < 0) die("did-witness.json", err);
    writeObj(scid, "did-witness.json", out.p, out.len);
    bufReset(&out);
    if (manifestDump(&m, &out, err) < 0) die("manifest", err);
    int pn = snprintf(path, sizeof path, "%s/batches/%llu.json", root(), (unsigned long long)m.ref.batchId);
    if (pn < 0 || pn >= (int)sizeof path) die("batches", "path too long");
    if (fileWrite(path, out.p, out.len, 0644, err) < 0) die(path, err);
    printf("%llu\n", (unsigned long long)m.ref.batchId);
    free(m.leaves);
    merkleFree(tree);
    ethReceiptFree(&a.rc);
    ethClose(&c);
    witnessFree(&wf);
    json_decref(dw);
    webvhFree(log);
    bufFree(&text), bufFree(&wb), bufFree(&db), bufFree(&out);
    return 0;
}

int cmdInsider(int argc, char **argv) {
    char err[ERR_MAX];
    if (configLoad(&cfg, NULL, err) < 0) die("config", err);
    if (argc == 4 && !strcmp(argv[1], "create")) return cmdCreate(argv[2], argv[3]);
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "append")) return cmdAppend(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    if (argc == 3 && !strcmp(argv[1], "anchor")) return cmdAnchor(argv[2]);
    fprintf(stderr, "usage: test-tool insider create STATE PARAMS | append SCID STATE [PARAMS] | anchor SCID\n");
    return 2;
}
