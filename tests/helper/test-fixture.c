/* test-fixture.c -- `test-tool fixture`: published Witness Anchor output for didverify's
 * tests, the page tests and the didverify bench, made the way the pipeline publishes it
 * but with what the pipeline never makes on purpose: a chosen number of DIDs and versions
 * in fixed batches (or fake anchors, --no-chain), a pending tail, entries signed by a
 * rotated-out or a forged key:
 *
 *   fixture build DIR N K [--no-chain]
 *       N DIDs of K entries each. Entry k of every DID goes into batch k: an RFC 6962
 *       tree whose root is anchored with anchord's client (WA_RPC_URLS, WA_CHAIN_ID,
 *       WA_CONTRACT, WA_RELAYER_KEY_FILE; real anvil in tests). Writes
 *       DIR/.well-known/did/<scid>/{did.jsonl,witness.json,did-witness.json},
 *       DIR/batches/<batchId>.json and DIR/dids.txt (one DID per line).
 *       Every non-genesis DID document embeds the signed event that made it
 *       ("event"), made as the worker makes it (verifier/event/docevent.h docApply); entry 3 is
 *       a KeyRotation (key-1 -> <DID>#key-3).
 *       --no-chain: fake roots/tx (chain 31337, contract 0x11…), no RPC (bench speed
 *       tests that do not look at the chain).
 *   fixture append DIR I [--signer current|rotated|forged] [--type T]
 *       appends one entry (not anchored) to DID number I, its event signed by the
 *       current assertion key, the rotated-out key-1, or a random key claiming to be
 *       the current one.
 *   fixture publish DIR EVENTS PUBKEY OUT K
 *       the same from seed data (test-seed.c fixturePublish; seed_page.sh).
 * Keys: the test identities (test-tool.h identKey): DID i is subject i, its key
 * generation g after g KeyRotations; the publisher (update key) is subject -1, the
 * witness -2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "core/edkey.h"
#include "core/hex.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/merkle.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "didlog/didurl.h"
#include "core/io/file.h"
#include "didlog/webvh.h"
#include "anchord/config/config.h"
#include "anchord/chain/eth.h"
#include "verifier/event/docevent.h"
#include "verifier/event/event.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "tests/helper/test-tool.h"

#define HOST "dpp.example.com"

static void die(const char *what, const char *err) {
    fprintf(stderr, "test-tool fixture: %s: %s\n", what, err);
    exit(2);
}

static void keyOf(int idx, int gen, edKey *k) { identKey(idx, gen, k); }

static void mkdirs(const char *path) {
    char err[ERR_MAX];
    if (fileMkdirs(path, 0755, err) < 0) die(path, err);
}

static void writeFile(const char *dir, const char *name, const void *p, size_t n) {
    char path[1024], err[ERR_MAX];
    mkdirs(dir);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (fileWrite(path, p, n, 0644, err) < 0) die(path, err);
}

static void writeJson(const char *dir, const char *name, const json_t *j) {
    buf b = BUF_INIT;
    char err[ERR_MAX];
    if (jcsAppend(j, &b, err) < 0) die(name, err);
    writeFile(dir, name, b.p, b.len);
    bufFree(&b);
}

static void stamp(long long t, char out[RFC3339_MAX]) { rfc3339Format(t, out); }

/* signedEvent: the event {id,did,type,time,data} signed with sk as verification method vm. */
static json_t *signedEvent(const char *did, const char *id, const char *type, const char *time, json_t *data,
                           const char *vm, const uint8_t sk[64]) {
    char err[ERR_MAX];
    eventDraft d = {.id = id, .did = did, .type = type, .time = time, .data = data, .vm = vm};
    json_t *ev = eventSign(&d, sk, err);
    json_decref(data);
    if (!ev) die("event", err);
    return ev;
}

/* docWithKey: a DID document whose only assertion key is #key-<gen+1>. */
static json_t *docWithKey(const char *did, int gen, const uint8_t pk[32]) {
    char mk[MULTIKEY_PUB_MAX], frag[24];
    mkEncodeEd25519Pub(pk, mk);
    snprintf(frag, sizeof frag, "#key-%d", (gen + 1) % 100000);
    return json_pack("{s[ss] ss s[{ss ss ss ss}] s[s] s[s]}", "@context", "https://www.w3.org/ns/did/v1",
                     "https://w3id.org/security/multikey/v1", "id", did, "verificationMethod", "id", frag, "type",
                     "Multikey", "controller", did, "publicKeyMultibase", mk, "authentication", frag, "assertionMethod", frag);
}

/* genOf: the key generation of a log: the KeyRotation events it holds. */
static int genOf(const webvhLog *log) {
    int g = 0;
    for (size_t i = 0; i < log->n; i++) {
        const char *t = jsonGetStr(json_object_get(log->e[i].state, "event"), "type");
        g += t && !strcmp(t, DOCEVENT_KEY_ROTATION);
    }
    return g;
}

/* nextEntry: version index k (>= 1) of DID i: the event signed by the current
 * key (a KeyRotation at k == 2 unless type is given), its document made the way the
 * worker makes it (docApply). signerMode: 0 current, 1 the original key-1 (rotated out
 * after entry 3), 2 a random key posing as the current one. The entry is signed by the
 * publisher's update key. */
static void nextEntry(webvhLog *log, int i, size_t k, int signerMode, const char *type, long long t, const edKey *pub, buf *line) {
    const webvhEntry *h = webvhHead(log);
    char did[512], vm[600], evId[32], ts[RFC3339_MAX], evTs[RFC3339_MAX], err[ERR_MAX], mk[MULTIKEY_PUB_MAX];
    snprintf(did, sizeof did, "%s", h->did);
    int gen = genOf(log);
    edKey cur, next, sig;
    docKey keys[1];
    if (docSigningKeys(h->state, keys, 1) != 1) die("append", "the head has no assertion key");
    keyOf(i, gen, &cur);
    keyOf(i, gen + 1, &next);
    if (!type) type = k == 2 ? "KeyRotation" : "Updated";
    int rot = !strcmp(type, "KeyRotation");
    json_t *data;
    if (rot) mkEncodeEd25519Pub(next.pk, mk), data = json_pack("{ss}", "publicKeyMultibase", mk);
    else data = json_pack("{sI ss}", "seq", (json_int_t)k, "site", "Berlin");
    if (signerMode == 1) keyOf(i, 0, &sig), snprintf(vm, sizeof vm, "%s#key-1", did);
    else if (signerMode == 2) edKeyGenerate(&sig), snprintf(vm, sizeof vm, "%s", keys[0].vm);
    else sig = cur, snprintf(vm, sizeof vm, "%s", keys[0].vm);
    snprintf(evId, sizeof evId, "evt-%zu", k);
    stamp(t, ts);
    stamp(t - 1, evTs);
    json_t *ev = signedEvent(did, evId, type, evTs, data, vm, sig.sk);
    json_t *state = docApply(h->state, ev, (unsigned long)log->n + 1, err);
    if (!state) die("docApply", err);
    json_t *params = json_object();
    if (webvhAppend(log, state, params, ts, pub->sk, line, err) < 0) die("append", err);
    json_decref(ev);
    json_decref(state);
    json_decref(params);
    edKeyWipe(&cur), edKeyWipe(&next), edKeyWipe(&sig);
}

static void didDir(const char *dir, const char *scid, char out[1024]) {
    snprintf(out, 1024, "%s/.well-known/did/%s", dir, scid);
}

typedef struct hist {
    webvhLog *log;
    buf text;
    witnessFile wj;
    json_t *dw;
} hist;

static webvhLog *genesis(int i, long long t, const edKey *pub, const char *witnessDid, buf *line) {
    char err[ERR_MAX], ts[RFC3339_MAX], mk[MULTIKEY_PUB_MAX];
    edKey k0;
    keyOf(i, 0, &k0);
    mkEncodeEd25519Pub(pub->pk, mk);
    json_t *st = docWithKey("did:webvh:{SCID}:" HOST ":.well-known:did:{SCID}", 0, k0.pk);
    json_t *params = json_pack("{s[s] s{si s[{ss}]}}", "updateKeys", mk, "witness", "threshold", 1, "witnesses", "id", witnessDid);
    stamp(t, ts);
    webvhLog *log = webvhCreate(st, params, ts, pub->sk, line, err);
    if (!log) die("create", err);
    json_decref(st);
    json_decref(params);
    edKeyWipe(&k0);
    return log;
}

/* anchorRoot: put root on chain (or fake it with --no-chain). */
static void anchorRoot(ethClient *c, int chain, size_t k, const merkleHash root, chainRef *ref) {
    char err[ERR_MAX];
    memset(ref, 0, sizeof *ref);
    memcpy(ref->root, root, 32);
    if (!chain) {
        ref->batchId = k, ref->chainId = 31337, ref->blockNumber = 100 + k;
        memset(ref->contract, 0x11, 20);
        sha256(root, 32, ref->txHash);
        return;
    }
    ethAnchored a;
    if (ethAnchor(c, root, &a, err) != 0) die("anchor", err);
    ref->batchId = a.batchId, ref->chainId = c->rd.chainId, ref->blockNumber = a.rc.mined.blockNumber;
    memcpy(ref->contract, c->rd.contract, 20);
    memcpy(ref->txHash, a.rc.mined.txHash, 32);
    ethReceiptFree(&a.rc);
}

static void publishBatch(const char *dir, hist *hs, int n, merkleTree *t, const chainRef *ref, const edKey *wit, long long now,
                         anchorsFile *af) {
    char err[ERR_MAX], ts[RFC3339_MAX], bdir[1024], name[64];
    manifest m = {.ref = *ref, .treeSize = (uint64_t)n, .n = (size_t)n};
    m.leaves = calloc((size_t)n, sizeof *m.leaves);
    stamp(now, ts);
    for (int i = 0; i < n; i++) {
        const webvhEntry *h = webvhHead(hs[i].log);
        anchorProof p;
        memset(&p, 0, sizeof p);
        snprintf(p.versionId, sizeof p.versionId, "%s", h->versionId);
        p.versionNumber = h->versionNumber;
        p.leafIndex = (uint64_t)i, p.treeSize = (uint64_t)n;
        memcpy(p.leafHash, merkleLeaf(t, (size_t)i), 32);
        if (merkleProof(t, (size_t)i, p.proof, &p.proofLen, err) < 0) die("proof", err);
        memcpy(p.root, ref->root, 32);
        p.batchId = ref->batchId, p.chainId = ref->chainId, p.blockNumber = ref->blockNumber;
        memcpy(p.contract, ref->contract, 20);
        memcpy(p.txHash, ref->txHash, 32);
        if (!hs[i].wj.did) hs[i].wj.did = strdup(h->did);
        if (witnessAdd(&hs[i].wj, &p, err) < 0) die("witness.json", err);
        json_t *wp = webvhWitnessSign(h->versionId, wit->sk, ts, err);
        if (!wp || webvhWitnessAdd(hs[i].dw, h->versionId, wp, err) < 0) die("did-witness", err);
        json_decref(wp);   /* webvhWitnessAdd keeps its own reference */
        memcpy(m.leaves[i].leafHash, p.leafHash, 32);
        m.leaves[i].did = (char *)h->did;
        m.leaves[i].versionId = (char *)h->versionId;
    }
    buf b = BUF_INIT;
    if (manifestDump(&m, &b, err) < 0) die("manifest", err);
    snprintf(bdir, sizeof bdir, "%s/batches", dir);
    snprintf(name, sizeof name, "%llu.json", (unsigned long long)ref->batchId);
    writeFile(bdir, name, b.p, b.len);
    bufFree(&b);
    free(m.leaves);
    af->v = realloc(af->v, (af->n + 1) * sizeof *af->v);
    af->v[af->n++] = *ref;
}

static int build(const char *dir, int n, int K, int chain) {
    char err[ERR_MAX], witnessDid[DIDKEY_MAX], ddir[1024];
    edKey pub, wit;
    ethClient c;
    config ac;
    keyOf(-1, 0, &pub);
    keyOf(-2, 0, &wit);
    didkeyFromPub(wit.pk, witnessDid);
    if (chain && (configLoad(&ac, NULL, err) != 0 || ethOpen(&c, &ac, 1, NULL, err) != 0)) die("chain", err);
    hist *hs = calloc((size_t)n, sizeof *hs);
    anchorsFile af = {0};
    long long now = (long long)time(NULL), base = now - 86400;
    for (int k = 0; k < K; k++) {
        merkleTree *t = merkleNew((size_t)n, err);
        if (!t) die("tree", err);
        for (int i = 0; i < n; i++) {
            buf line = BUF_INIT;
            if (k == 0) hs[i].log = genesis(i, base, &pub, witnessDid, &line), hs[i].dw = json_array();
            else nextEntry(hs[i].log, i, (size_t)k, 0, NULL, base + k * 600, &pub, &line);
            merkleSetLeaf(t, (size_t)i, line.p, line.len - 1);
            bufAppend(&hs[i].text, line.p, line.len);
            bufFree(&line);
        }
        merkleSeal(t);
        chainRef ref;
        anchorRoot(&c, chain, (size_t)k, merkleRoot(t), &ref);
        publishBatch(dir, hs, n, t, &ref, &wit, base + k * 600 + 60, &af);
        merkleFree(t);
    }
    buf list = BUF_INIT, b = BUF_INIT;
    for (int i = 0; i < n; i++) {
        char scid[WEBVH_SCID_LEN + 1];
        snprintf(scid, sizeof scid, "%s", hs[i].log->e[0].act.scid);
        didDir(dir, scid, ddir);
        writeFile(ddir, "did.jsonl", hs[i].text.p, hs[i].text.len);
        bufReset(&b);
        if (witnessDump(&hs[i].wj, &b, err) < 0) die("witness.json", err);
        writeFile(ddir, "witness.json", b.p, b.len);
        writeJson(ddir, "did-witness.json", hs[i].dw);
        bufPrintf(&list, "%s\n", webvhHead(hs[i].log)->did);
        webvhFree(hs[i].log);
        bufFree(&hs[i].text);
        witnessFree(&hs[i].wj);
        json_decref(hs[i].dw);
    }
    writeFile(dir, "dids.txt", list.p, list.len);
    if (!chain) {
        af.chainId = 31337;
        memset(af.contract, 0x11, 20);
        bufReset(&b);
        if (anchorsDump(&af, &b, err) < 0) die("anchors", err);
        writeFile(dir, "anchors.json", b.p, b.len);
    }
    free(af.v);
    bufFree(&list);
    bufFree(&b);
    free(hs);
    if (chain) ethClose(&c);
    edKeyWipe(&pub), edKeyWipe(&wit);
    return 0;
}

static int append(const char *dir, int idx, int mode, const char *type) {
    char err[ERR_MAX], path[1100], ddir[1024], scid[WEBVH_SCID_LEN + 1];
    buf list = BUF_INIT, text = BUF_INIT, line = BUF_INIT;
    snprintf(path, sizeof path, "%s/dids.txt", dir);
    if (fileRead(path, 1u << 26, &list, err) < 0) die(path, err);
    char *p = (char *)list.p;
    for (int i = 0; i < idx && p; i++) p = strchr(p, '\n'), p = p ? p + 1 : NULL;
    if (!p || !*p) die("append", "no such DID index");
    *strchr(p, '\n') = 0;
    if (didScidOf(p, scid) < 0) die("append", "bad DID in dids.txt");
    didDir(dir, scid, ddir);
    snprintf(path, sizeof path, "%s/did.jsonl", ddir);
    if (fileRead(path, WEBVH_LOG_MAX, &text, err) < 0) die(path, err);
    webvhLog *log = webvhParse((const char *)text.p, text.len, err);
    webvhOpts o = {.skipWitness = 1};
    webvhResult r;
    if (!log || webvhVerify(log, &o, &r) < 0) die("append: log", log ? r.error : err);
    edKey pub;
    keyOf(-1, 0, &pub);
    long long t = (long long)time(NULL);
    if (t <= (long long)webvhHead(log)->time) t = (long long)webvhHead(log)->time + 1;
    nextEntry(log, idx, log->n, mode, type, t, &pub, &line);
    bufAppend(&text, line.p, line.len);
    writeFile(ddir, "did.jsonl", text.p, text.len);
    webvhFree(log);
    edKeyWipe(&pub);
    bufFree(&list), bufFree(&text), bufFree(&line);
    return 0;
}

int cmdFixture(int argc, char **argv) {
    if (argc >= 5 && !strcmp(argv[1], "build"))
        return build(argv[2], atoi(argv[3]), atoi(argv[4]), !(argc > 5 && !strcmp(argv[5], "--no-chain")));
    if (argc >= 4 && !strcmp(argv[1], "append")) {
        int mode = 0;
        const char *type = NULL;
        for (int i = 4; i + 1 < argc; i += 2) {
            if (!strcmp(argv[i], "--signer")) mode = !strcmp(argv[i + 1], "rotated") ? 1 : !strcmp(argv[i + 1], "forged") ? 2 : 0;
            else if (!strcmp(argv[i], "--type")) type = argv[i + 1];
        }
        return append(argv[2], atoi(argv[3]), mode, type);
    }
    if (argc >= 2 && !strcmp(argv[1], "publish")) return fixturePublish(argc - 1, argv + 1);
    fprintf(stderr, "usage: test-tool fixture build DIR N K [--no-chain] | append DIR I [--signer current|rotated|forged] "
                    "[--type T] | publish DIR EVENTS PUBKEY OUT K\n");
    return 2;
}
