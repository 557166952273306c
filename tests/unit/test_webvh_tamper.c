/* test_webvh_tamper.c -- the library's writer (webvhCreate/webvhAppend/witness
 * proofs) round-trips through its verifier, and every kind of tampering is
 * caught: any changed byte of the log or the witness file, dropped, reordered
 * or duplicated lines, proofs moved between entries or DIDs, a witness proof for
 * another DID, pre-rotation and key misuse. DID-to-HTTPS examples are the spec's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "didlog/didurl.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"
#include "t.h"

static edKey key(int i) {
    uint8_t seed[32] = {0};
    seed[31] = (uint8_t)i;
    edKey k;
    edKeyFromSeed(seed, &k);
    return k;
}

static const char *mkOf(const edKey *k) {
    static char mk[4][MULTIKEY_PUB_MAX];
    static int slot;
    slot = (slot + 1) % 4;
    mkEncodeEd25519Pub(k->pk, mk[slot]);
    return mk[slot];
}

static const char *tm(int day) {
    static char b[4][RFC3339_MAX];
    static int slot;
    slot = (slot + 1) % 4;
    rfc3339Format(946684800LL + day * 86400LL, b[slot]);
    return b[slot];
}

/* verifyText: 1 when text (+ witness json text) verifies completely. */
static int verifyText(const char *text, size_t n, const char *wtext, const char *did) {
    char err[ERR_MAX];
    webvhLog *log = webvhParse(text, n, err);
    if (!log) return 0;
    json_t *wf = wtext ? jsonParse(wtext, strlen(wtext), 1 << 20, 64, NULL) : NULL;
    webvhOpts o = {.did = did, .witnessProofs = wf};
    webvhResult r;
    int ok = webvhVerify(log, &o, &r) == 0;
    webvhFree(log);
    json_decref(wf);
    return ok;
}

/* buildLog: 5 entries (create with witness + pre-rotation, rotate, update x2,
 * deactivate) and a witness file approving the last one. */
static webvhLog *buildLog(const char *host, buf *text, char **witness) {
    char err[ERR_MAX];
    edKey k0 = key(1), k1 = key(2), w = key(16);
    char did[128], dk[DIDKEY_MAX];
    snprintf(did, sizeof did, "did:webvh:{SCID}:%s", host);
    didkeyFromPub(w.pk, dk);
    buf h = BUF_INIT;
    webvhKeyHash(mkOf(&k1), &h);
    json_t *st = json_pack("{s[s] ss}", "@context", "https://www.w3.org/ns/did/v1", "id", did);
    json_t *p = json_pack("{s[s] s[s] s{si s[{ss}]} sb}", "updateKeys", mkOf(&k0), "nextKeyHashes", (const char *)h.p, "witness",
                          "threshold", 1, "witnesses", "id", dk, "portable", 0);
    bufReset(text);
    webvhLog *log = webvhCreate(st, p, tm(0), k0.sk, text, err);
    T_CHECK(log != NULL, "create: %s", err);
    json_decref(p);
    json_decref(st);
    if (!log) return NULL;
    /* Pre-rotation: reveal k1 (committed), stop pre-rotation; signed by k1. */
    p = json_pack("{s[s] s[]}", "updateKeys", mkOf(&k1), "nextKeyHashes");
    T_CHECK(webvhAppend(log, webvhHead(log)->state, p, tm(1), k1.sk, text, err) == 0, "rotate: %s", err);
    json_decref(p);
    for (int i = 2; i <= 3; i++) {
        json_t *s2 = json_deep_copy(webvhHead(log)->state);
        json_object_set_new(s2, "alsoKnownAs", json_pack("[s]", i == 2 ? "https://a.example" : "https://b.example"));
        p = json_object();
        T_CHECK(webvhAppend(log, s2, p, tm(i), k1.sk, text, err) == 0, "update %d: %s", i, err);
        json_decref(p);
        json_decref(s2);
    }
    p = json_pack("{sb s[]}", "deactivated", 1, "updateKeys");
    T_CHECK(webvhAppend(log, webvhHead(log)->state, p, tm(4), k1.sk, text, err) == 0, "deactivate: %s", err);
    json_decref(p);
    json_t *wf = json_array(), *proof = webvhWitnessSign(webvhHead(log)->versionId, w.sk, tm(4), err);
    T_CHECK(proof && webvhWitnessAdd(wf, webvhHead(log)->versionId, proof, err) == 0, "witness: %s", err);
    json_decref(proof);
    *witness = json_dumps(wf, JSON_COMPACT);
    json_decref(wf);
    bufFree(&h);
    return log;
}

static void writerAndApi(void) {
    buf text = BUF_INIT;
    char *wj = NULL, err[ERR_MAX];
    webvhLog *log = buildLog("example.com", &text, &wj);
    if (!log) return;
    T_CHECK(log->n == 5 && log->verified == 5, "5 entries written");
    T_CHECK(verifyText((const char *)text.p, text.len, wj, log->e[0].did), "written log + witness verifies");
    T_CHECK(!verifyText((const char *)text.p, text.len, NULL, NULL), "no witness file: rejected (threshold 1)");
    /* Lines are the entries' JCS bytes. */
    for (size_t i = 0; i < log->n; i++) {
        size_t l;
        const char *line = webvhLine(log, i, &l);
        char *j = jcsDump(log->e[i].obj, NULL, NULL);
        T_CHECK(j && strlen(j) == l && !memcmp(j, line, l), "line %zu is JCS", i + 1);
        free(j);
    }
    /* After deactivation nothing can be appended. */
    edKey k1 = key(2);
    json_t *p = json_object();
    T_CHECK(webvhAppend(log, webvhHead(log)->state, p, tm(5), k1.sk, NULL, err) < 0, "append after deactivate refused");
    json_decref(p);
    webvhFree(log);

    /* Misuse: signing key not authorised; pre-rotation with an uncommitted key; time going back. */
    edKey k0 = key(1), k2 = key(3);
    json_t *st = json_pack("{ss}", "id", "did:webvh:{SCID}:example.com");
    buf h = BUF_INIT;
    webvhKeyHash(mkOf(&k1), &h);
    p = json_pack("{s[s] s[s]}", "updateKeys", mkOf(&k0), "nextKeyHashes", (const char *)h.p);
    T_CHECK(!webvhCreate(st, p, tm(0), k2.sk, NULL, err), "create with a key not in updateKeys refused");
    log = webvhCreate(st, p, tm(0), k0.sk, NULL, err);
    T_CHECK(log != NULL, "create: %s", err);
    json_t *bad = json_pack("{s[s] s[]}", "updateKeys", mkOf(&k2), "nextKeyHashes");
    T_CHECK(webvhAppend(log, st, bad, tm(1), k2.sk, NULL, err) < 0 && strstr(err, "nextKeyHashes"), "uncommitted key refused: %s", err);
    json_t *omit = json_object();
    T_CHECK(webvhAppend(log, webvhHead(log)->state, omit, tm(1), k0.sk, NULL, err) < 0, "pre-rotation without updateKeys refused");
    json_t *good = json_pack("{s[s] s[]}", "updateKeys", mkOf(&k1), "nextKeyHashes");
    T_CHECK(webvhAppend(log, webvhHead(log)->state, good, tm(0), k1.sk, NULL, err) < 0 && strstr(err, "versionTime"), "same versionTime refused");
    T_CHECK(webvhAppend(log, webvhHead(log)->state, good, "2999-01-01T00:00:00Z", k1.sk, NULL, err) < 0, "future versionTime refused");
    T_CHECK(webvhAppend(log, webvhHead(log)->state, good, tm(1), k1.sk, NULL, err) == 0, "committed key accepted: %s", err);
    T_CHECK(log->n == 2, "failed appends left no trace (n=%zu)", log->n);
    json_decref(good);
    json_decref(bad);
    json_decref(omit);
    json_decref(p);
    json_decref(st);
    bufFree(&h);
    webvhFree(log);
    bufFree(&text);
    free(wj);
}

/* lines: split text into line pointers (each without "\n"). */
static size_t lines(char *t, char **l, size_t max) {
    size_t n = 0;
    for (char *s = strtok(t, "\n"); s && n < max; s = strtok(NULL, "\n")) l[n++] = s;
    return n;
}

static int verifyLines(char **l, const size_t *order, size_t n, const char *wj) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++) bufPuts(&b, l[order[i]]), bufPutc(&b, '\n');
    int ok = verifyText((const char *)b.p, b.len, wj, NULL);
    bufFree(&b);
    return ok;
}

static void tamper(void) {
    buf text = BUF_INIT, other = BUF_INIT;
    char *wj = NULL, *wj2 = NULL;
    webvhLog *log = buildLog("example.com", &text, &wj), *log2 = buildLog("other.example", &other, &wj2);
    if (!log || !log2) return;
    /* Any changed byte, anywhere in the log or the witness file. */
    size_t caught = 0;
    for (size_t i = 0; i < text.len; i++) {
        text.p[i] ^= 1;
        caught += !verifyText((const char *)text.p, text.len, wj, NULL);
        text.p[i] ^= 1;
    }
    T_CHECK(caught == text.len, "changed bytes caught: %zu of %zu", caught, text.len);
    size_t wl = strlen(wj);
    caught = 0;
    for (size_t i = 0; i < wl; i++) {
        wj[i] ^= 1;
        caught += !verifyText((const char *)text.p, text.len, wj, NULL);
        wj[i] ^= 1;
    }
    /* A flipped byte in the witness file either breaks its JSON, its proof or the versionId. */
    T_CHECK(caught == wl, "changed witness-file bytes caught: %zu of %zu", caught, wl);
    T_CHECK(verifyText((const char *)text.p, text.len, wj, NULL), "untouched log still verifies");

    char *l[8], *l2[8];
    char *t1 = strdup((const char *)text.p), *t2 = strdup((const char *)other.p);
    size_t n = lines(t1, l, 8);
    lines(t2, l2, 8);
    T_CHECK(n == 5, "5 lines");
    static const size_t drop1[] = {1, 2, 3, 4}, drop3[] = {0, 1, 3, 4}, swap[] = {0, 2, 1, 3, 4}, dup[] = {0, 1, 1, 2, 3, 4};
    static const size_t all[] = {0, 1, 2, 3, 4}, head[] = {0, 1, 2, 3};
    T_CHECK(verifyLines(l, all, 5, wj), "reassembled log verifies");
    T_CHECK(!verifyLines(l, drop1, 4, wj), "first line dropped: rejected");
    T_CHECK(!verifyLines(l, drop3, 4, wj), "middle line dropped: rejected");
    T_CHECK(!verifyLines(l, swap, 5, wj), "lines reordered: rejected");
    T_CHECK(!verifyLines(l, dup, 6, wj), "line duplicated: rejected");
    T_CHECK(!verifyLines(l, head, 4, wj), "last line dropped: witness proof no longer matches, rejected");

    /* Proofs moved between entries, and between DIDs. */
    json_t *e2 = jsonParse(l[2], strlen(l[2]), 1 << 20, 64, NULL), *e3 = jsonParse(l[3], strlen(l[3]), 1 << 20, 64, NULL);
    json_t *o3 = jsonParse(l2[3], strlen(l2[3]), 1 << 20, 64, NULL);
    json_t *p2 = json_incref(json_object_get(e2, "proof"));
    json_object_set(e2, "proof", json_object_get(e3, "proof"));
    char *m2 = jcsDump(e2, NULL, NULL);
    char *keep = l[2];
    l[2] = m2;
    T_CHECK(!verifyLines(l, all, 5, wj), "proof of entry 4 moved onto entry 3: rejected");
    json_object_set(e2, "proof", json_object_get(o3, "proof"));
    free(m2);
    m2 = jcsDump(e2, NULL, NULL);
    l[2] = m2;
    T_CHECK(!verifyLines(l, all, 5, wj), "proof from another DID's entry: rejected");
    l[2] = keep;
    free(m2);
    json_decref(p2);
    /* Another DID's witness file, or its proof under our versionId. */
    T_CHECK(!verifyText((const char *)text.p, text.len, wj2, NULL), "witness file of another DID: rejected");
    json_t *wf = jsonParse(wj, strlen(wj), 1 << 20, 64, NULL), *wf2 = jsonParse(wj2, strlen(wj2), 1 << 20, 64, NULL);
    json_object_set(json_array_get(wf, 0), "proof", json_object_get(json_array_get(wf2, 0), "proof"));
    char *mixed = json_dumps(wf, JSON_COMPACT);
    T_CHECK(!verifyText((const char *)text.p, text.len, mixed, NULL), "witness proof for another DID's version: rejected");
    /* A DID that is not this log's. */
    T_CHECK(!verifyText((const char *)text.p, text.len, wj, log2->e[0].did), "resolving another DID with this log: rejected");
    free(mixed);
    json_decref(wf);
    json_decref(wf2);
    json_decref(e2);
    json_decref(e3);
    json_decref(o3);
    free(t1);
    free(t2);
    webvhFree(log);
    webvhFree(log2);
    bufFree(&text);
    bufFree(&other);
    free(wj);
    free(wj2);
}

/* The spec's DID-to-HTTPS examples, and refusals. */
static void httpsTransform(void) {
    static const char *ok[][2] = {
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com", "https://example.com/.well-known/did.jsonl"},
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:issuer.example.com", "https://issuer.example.com/.well-known/did.jsonl"},
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:dids:issuer", "https://example.com/dids/issuer/did.jsonl"},
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com%3A3000:dids:issuer", "https://example.com:3000/dids/issuer/did.jsonl"},
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:jp%E7%B4%8D%E8%B1%86.%E4%BE%8B.jp:%E7%94%A8%E6%88%B7",
         "https://xn--jp-cd2fp15c.xn--fsq.jp/%E7%94%A8%E6%88%B7/did.jsonl"},
        {"did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com?versionId=1-x#frag", "https://example.com/.well-known/did.jsonl"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        didParts p;
        buf u = BUF_INIT;
        char err[ERR_MAX];
        int rc = didParse(ok[i][0], 0, &p, err);
        T_CHECK(rc == 0, "%s: %s", ok[i][0], err);
        if (rc) continue;
        didHttpsUrl(&p, "did.jsonl", NULL, &u, err);
        T_CHECK(!strcmp((const char *)u.p, ok[i][1]), "%s -> %s", ok[i][0], (const char *)u.p);
        bufFree(&u);
        didPartsFree(&p);
    }
    static const char *bad[] = {
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:127.0.0.1",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:0x7f.1",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com%3A0",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com%3A65536",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com%3A80%3A81",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com::x",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:%2e",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:a%5Cb",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:a%00",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:%20a",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:example.com:%zz",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:exa_mple.com",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:localhost",
        "did:webvh:{SCID}:example.com",
        "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx",
        "did:web:example.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        didParts p;
        char err[ERR_MAX];
        int rc = didParse(bad[i], 0, &p, err);
        if (rc == 0) didPartsFree(&p);
        T_CHECK(rc < 0, "accepted %s", bad[i]);
    }
    didParts p;
    T_CHECK(didParse("did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx:localhost%3A8000", DID_LOCALHOST, &p, NULL) == 0,
            "localhost accepted with DID_LOCALHOST");
    didPartsFree(&p);
}

/* verifyPrefix: the first n lines of text, verified with webvhOpts.trusted = t and
 * without witness file (skipWitness as given); the log (caller frees) and its result. */
static webvhLog *verifyPrefix(const char *text, size_t n, size_t t, int skipWitness, webvhResult *r) {
    const char *end = text;
    for (size_t i = 0; i < n; i++) end = strchr(end, '\n') + 1;
    char err[ERR_MAX];
    webvhLog *log = webvhParse(text, (size_t)(end - text), err);
    webvhOpts o = {.trusted = t, .skipWitness = skipWitness};
    if (log) webvhVerify(log, &o, r);
    return log;
}

/* trustedPrefix: webvhOpts.trusted replays a prefix known good (anchord compares the
 * registry's SHA-256 first): same head and active parameters as a full verification,
 * no proof or witness approval checked in it, every entry after it checked in full. */
static void trustedPrefix(void) {
    buf text = BUF_INIT;
    char *wj = NULL, err[ERR_MAX];
    webvhLog *built = buildLog("example.com", &text, &wj);
    if (!built) return;
    webvhFree(built);
    free(wj);
    const char *t = (const char *)text.p;
    webvhResult full, tr;
    webvhLog *a = verifyPrefix(t, 4, 0, 1, &full), *b = verifyPrefix(t, 4, 4, 0, &tr);
    T_CHECK(a && b && full.ok && tr.ok, "4 entries: full (no witness check) %s / trusted (witness check on) %s",
            a ? full.error : "-", b ? tr.error : "-");
    if (a && b && full.ok && tr.ok) {
        const webvhEntry *ha = webvhHead(a), *hb = webvhHead(b);
        T_CHECK(!strcmp(ha->versionId, hb->versionId) && json_equal(ha->act.updateKeys, hb->act.updateKeys) &&
                    ha->act.prerotation == hb->act.prerotation && ha->act.wit.threshold == hb->act.wit.threshold &&
                    json_equal(ha->state, hb->state),
                "trusted: same head, state and active parameters as a full verification");
        /* Appending to a replayed log: the new entry is checked in full (k1 signs). */
        edKey k1 = key(2), k0 = key(1);
        json_t *p = json_object();
        T_CHECK(webvhAppend(b, webvhHead(b)->state, p, tm(5), k1.sk, NULL, err) == 0, "append after a trusted prefix: %s", err);
        T_CHECK(webvhAppend(b, webvhHead(b)->state, p, tm(6), k0.sk, NULL, err) < 0 && strstr(err, "not an active update key"),
                "append signed by the rotated-away key refused after a trusted prefix: %s", err);
        json_decref(p);
    }
    webvhFree(a);
    webvhFree(b);
    webvhResult r;
    webvhLog *c = verifyPrefix(t, 4, 0, 0, &r);
    T_CHECK(c && !r.ok, "4 entries, no witness file, nothing trusted: threshold missing");
    webvhFree(c);
    /* A corrupted proof inside the trusted prefix is not seen (the caller's digest is
     * what catches it); one entry past the prefix is. */
    char *bad = strdup(t);
    char *pv = bad;
    for (int i = 0; i < 3; i++) pv = strchr(pv, '\n') + 1;   /* line 4 */
    pv = strstr(pv, "\"proofValue\":\"z") + 16;
    *pv = *pv == 'A' ? 'B' : 'A';
    c = verifyPrefix(bad, 4, 4, 1, &r);
    T_CHECK(c && r.ok, "corrupted proof of entry 4, trusted 4: replayed without crypto");
    webvhFree(c);
    c = verifyPrefix(bad, 4, 3, 1, &r);
    T_CHECK(c && !r.ok && r.valid == 3 && r.code && !strcmp(r.code, "invalidProof"), "trusted 3: entry 4's proof fails (%s)",
            c ? r.error : "-");
    webvhFree(c);
    free(bad);
    bufFree(&text);
}

int main(void) {
    writerAndApi();
    trustedPrefix();
    tamper();
    httpsTransform();
    return T_DONE();
}
