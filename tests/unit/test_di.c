/* test_di.c -- Data Integrity eddsa-jcs-2022 byte for byte against every file
 * of the W3C vc-di-eddsa test vectors (tests/vectors/eddsa-jcs-2022),
 * every proof in the did:webvh conformance logs of five independent
 * implementations, and each way diVerify must say no. */
#include <glob.h>
#include <stdint.h>
#include <sodium.h>
#include "core/di.h"
#include "core/edkey.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "tests/unit/t.h"

#define VEC T_VECDIR "/eddsa-jcs-2022/"

/* vecText: a vector file (they have no trailing newline), "" if missing. */
static char *vecText(const char *name) {
    char path[256];
    snprintf(path, sizeof path, VEC "%s", name);
    char *s = t_slurp(path, NULL);
    T_CHECK(s != NULL, "read %s", path);
    return s ? s : calloc(1, 1);
}

static json_t *vecJson(const char *name) {
    char err[ERR_MAX] = "";
    char *s = vecText(name);
    json_t *v = jsonParse(s, strlen(s), 0, 0, err);
    T_CHECK(v != NULL, "parse %s: %s", name, err);
    free(s);
    return v;
}

/* jcsIs: JCS(v) equals the text of vector file name, byte for byte. */
static void jcsIs(const json_t *v, const char *name) {
    char err[ERR_MAX] = "";
    char *want = vecText(name), *got = jcsDump(v, NULL, err);
    T_CHECK(got && strcmp(got, want) == 0, "JCS vs %s:\n got  %s\n want %s (%s)", name, got ? got : "(null)", want, err);
    free(got);
    free(want);
}

/* hexIs: the n bytes at p, in hex, equal vector file name. */
static void hexIs(const uint8_t *p, size_t n, const char *name) {
    char hx[2 * 64 + 1];
    char *want = vecText(name);
    hexEncode(p, n, hx);
    T_CHECK(strcmp(hx, want) == 0, "%s: got %s want %s", name, hx, want);
    free(want);
}

static edKey vecKey;   /* the keyPair.json pair, derived from its private multikey */

static void loadKey(void) {
    char err[ERR_MAX] = "";
    uint8_t pub[32];
    json_t *kp = vecJson("keyPair.json");
    T_CHECK(edKeyFromMultikey(jsonGetStr(kp, "privateKeyMultibase"), &vecKey, err) == 0, "key: %s", err);
    T_CHECK(mkDecodeEd25519Pub(jsonGetStr(kp, "publicKeyMultibase"), pub, err) == 0 &&
            memcmp(pub, vecKey.pk, 32) == 0, "private multikey derives the public one (%s)", err);
    buf mk = BUF_INIT;
    T_CHECK(edKeyToMultikey(&vecKey, &mk) == 0 && strcmp((char *)mk.p, jsonGetStr(kp, "privateKeyMultibase")) == 0,
            "edKeyToMultikey round trip");
    bufWipe(&mk);
    json_decref(kp);
}

/* The full W3C vector: canonical document, proof configuration, both hashes,
 * the combined hash, the signature (hex and multibase) and the signed document. */
static void testVector(void) {
    char err[ERR_MAX] = "";
    json_t *doc = vecJson("unsigned.json"), *opts = vecJson("proofConfigJCS.json");
    json_t *signedDoc = vecJson("signedJCS.json");
    if (!doc || !opts || !signedDoc) return;
    jcsIs(doc, "canonDocJCS.txt");

    /* the options without @context: diProofConfig must add the document's */
    json_object_del(opts, "@context");
    json_t *cfg = diProofConfig(doc, opts, err);
    T_CHECK(cfg != NULL, "diProofConfig: %s", err);
    if (cfg) jcsIs(cfg, "proofCanonJCS.txt");

    uint8_t hash[64];
    T_CHECK(cfg && diHashData(doc, cfg, hash, err) == 0, "diHashData: %s", err);
    hexIs(hash, 32, "proofHashJCS.txt");
    hexIs(hash + 32, 32, "docHashJCS.txt");
    hexIs(hash, 64, "combinedHashJCS.txt");

    json_t *proof = diSign(doc, opts, vecKey.sk, err);
    T_CHECK(proof != NULL, "diSign: %s", err);
    if (proof) {
        const char *pv = jsonGetStr(proof, "proofValue");
        char *want = vecText("sigBTC58JCS.txt");
        T_CHECK(pv && strcmp(pv, want) == 0, "proofValue %s want %s", pv, want);
        free(want);
        buf sig = BUF_INIT;
        T_CHECK(pv && mbDecode(pv, &sig, err) == 0 && sig.len == 64, "proofValue decodes: %s", err);
        if (sig.len == 64) hexIs(sig.p, 64, "sigHexJCS.txt");
        bufFree(&sig);

        json_t *mine = json_deep_copy(doc);
        json_object_set(mine, "proof", proof);
        T_CHECK(json_equal(mine, signedDoc), "signed document equals signedJCS.json");
        char *a = jcsDump(mine, NULL, err), *b = jcsDump(signedDoc, NULL, err);
        T_CHECK(a && b && strcmp(a, b) == 0, "signed document JCS equals signedJCS.json's");
        free(a);
        free(b);
        /* an existing "proof" in the input is ignored when signing */
        json_t *again = diSign(mine, opts, vecKey.sk, err);
        T_CHECK(again && json_equal(again, proof), "diSign ignores the document's own proof");
        json_decref(again);
        json_decref(mine);
    }
    T_CHECK(diVerify(signedDoc, json_object_get(signedDoc, "proof"), vecKey.pk, err) == 0,
            "diVerify(signedJCS.json): %s", err);
    T_CHECK(diVerify(doc, json_object_get(signedDoc, "proof"), vecKey.pk, err) == 0,
            "diVerify(unsigned + detached proof): %s", err);
    json_decref(proof);
    json_decref(cfg);
    json_decref(opts);
    json_decref(doc);
    json_decref(signedDoc);
}

/* rejects: diVerify of doc with proof (after mutate) fails with want in err. */
static void rejects(const json_t *doc, const json_t *proof, const uint8_t pk[32], const char *want, const char *what) {
    char err[ERR_MAX] = "";
    int rc = diVerify(doc, proof, pk, err);
    T_CHECK(rc == -1 && strstr(err, want), "%s: rc %d err '%s' want '%s'", what, rc, err, want);
}

/* proofWith: a copy of proof with member key set to v (NULL: deleted). */
static json_t *proofWith(const json_t *proof, const char *key, json_t *v) {
    json_t *p = json_deep_copy(proof);
    if (v) json_object_set_new(p, key, v);
    else json_object_del(p, key);
    return p;
}

static json_t *mbOf(size_t n) {
    uint8_t b[80] = {0};
    buf s = BUF_INIT;
    mbEncode(b, n, &s);
    json_t *v = json_string((char *)s.p);
    bufFree(&s);
    return v;
}

static void testRejects(void) {
    json_t *signedDoc = vecJson("signedJCS.json");
    if (!signedDoc) return;
    json_t *proof = json_incref(json_object_get(signedDoc, "proof")), *p;
    json_t *doc = json_deep_copy(signedDoc);
    const uint8_t *pk = vecKey.pk;
    const char *bad = "Ed25519 signature does not verify";

    json_object_set_new(doc, "name", json_string("Alumni Credential!"));
    rejects(doc, proof, pk, bad, "changed document");
    json_decref(doc);
    doc = json_deep_copy(signedDoc);
    json_object_set_new(json_object_get(doc, "credentialSubject"), "extra", json_true());
    rejects(doc, proof, pk, bad, "member added deep in the document");
    json_decref(doc);
    doc = json_deep_copy(signedDoc);

    rejects(doc, p = proofWith(proof, "created", json_string("2023-02-24T23:36:39Z")), pk, bad, "changed created");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "proofPurpose", json_string("authentication")), pk, bad, "changed purpose");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "challenge", json_string("abc")), pk, bad, "added proof member");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "created", NULL), pk, bad, "removed proof member");
    json_decref(p);

    uint8_t other[32];
    memcpy(other, pk, 32);
    other[0] ^= 1;
    rejects(doc, proof, other, bad, "wrong key (one bit)");
    edKey k2;
    edKeyGenerate(&k2);
    rejects(doc, proof, k2.pk, bad, "wrong key (fresh)");
    edKeyWipe(&k2);

    rejects(doc, p = proofWith(proof, "cryptosuite", json_string("eddsa-rdfc-2022")), pk,
            "cryptosuite \"eddsa-rdfc-2022\" is not \"eddsa-jcs-2022\"", "wrong cryptosuite");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "cryptosuite", NULL), pk, "\"cryptosuite\" is missing", "no cryptosuite");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "type", json_string("Ed25519Signature2020")), pk,
            "type \"Ed25519Signature2020\" is not \"DataIntegrityProof\"", "wrong type");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "verificationMethod", json_integer(1)), pk,
            "\"verificationMethod\" is missing", "verificationMethod not a string");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "created", json_string("2023-02-24 23:36:38")), pk, "dateTimeStamp",
            "created not a date-time");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "proofValue", NULL), pk, "\"proofValue\" is missing", "no proofValue");
    json_decref(p);
    const char *pv = jsonGetStr(proof, "proofValue");
    char mod[200];
    snprintf(mod, sizeof mod, "u%s", pv + 1);
    rejects(doc, p = proofWith(proof, "proofValue", json_string(mod)), pk, "prefix 'u' is not 'z'", "base64url proofValue");
    json_decref(p);
    snprintf(mod, sizeof mod, "%.20s0%s", pv, pv + 21);
    rejects(doc, p = proofWith(proof, "proofValue", json_string(mod)), pk, "invalid character '0' at offset 20",
            "proofValue with a '0'");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "proofValue", mbOf(63)), pk, "63 bytes, want a 64-byte", "63-byte signature");
    json_decref(p);
    rejects(doc, p = proofWith(proof, "proofValue", mbOf(65)), pk, "65 bytes, want a 64-byte", "65-byte signature");
    json_decref(p);

    json_t *ctx = json_pack("[s]", "https://www.w3.org/ns/credentials/v2");
    rejects(doc, p = proofWith(proof, "@context", ctx), pk, "@context does not match", "proof @context differs");
    json_decref(p);
    json_object_del(doc, "@context");
    rejects(doc, proof, pk, "@context does not match", "document lost its @context");
    json_decref(doc);
    json_t *str = json_string("x");
    rejects(str, proof, pk, "not a JSON object", "document not an object");
    rejects(signedDoc, str, pk, "not a JSON object", "proof not an object");
    json_decref(str);
    json_decref(proof);
    json_decref(signedDoc);
}

/* diSign's own refusals, and a round trip without @context with a fresh key. */
static void testSignSide(void) {
    char err[ERR_MAX] = "";
    edKey k;
    T_CHECK(edKeyGenerate(&k) == 0, "edKeyGenerate");
    char vm[DIDKEY_MAX];
    didkeyVm(k.pk, vm);
    json_t *opts = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "DataIntegrityProof", "cryptosuite",
                             "eddsa-jcs-2022", "verificationMethod", vm, "proofPurpose", "assertionMethod",
                             "created", "2024-05-01T10:00:00.123+02:00");
    json_t *doc = json_pack("{s:s, s:{s:f, s:s}}", "id", "urn:x", "data", "n", 1.5, "u", "\xc3\xa9\xf0\x9f\x98\x80");
    json_t *proof = diSign(doc, opts, k.sk, err);
    T_CHECK(proof && !json_object_get(proof, "@context"), "no @context in doc, none in proof (%s)", err);
    T_CHECK(proof && diVerify(doc, proof, k.pk, err) == 0, "fresh-key round trip: %s", err);
    uint8_t pk[32];
    T_CHECK(didkeyToPub(jsonGetStr(proof, "verificationMethod"), pk, err) == 0 && diVerify(doc, proof, pk, err) == 0,
            "verify with the key named by verificationMethod: %s", err);
    json_decref(proof);

    json_t *o = json_deep_copy(opts);
    json_object_set_new(o, "proofValue", json_string("z1"));
    T_CHECK(!diSign(doc, o, k.sk, err) && strstr(err, "already carry a proofValue"), "opts with proofValue: %s", err);
    json_decref(o);
    o = json_deep_copy(opts);
    json_object_set_new(o, "@context", json_string("https://example.org"));
    T_CHECK(!diSign(doc, o, k.sk, err) && strstr(err, "document has none"), "opts @context, doc none: %s", err);
    json_decref(o);
    o = json_deep_copy(opts);
    json_object_set_new(o, "expires", json_string("2024-13-01T00:00:00Z"));
    T_CHECK(!diSign(doc, o, k.sk, err) && strstr(err, "\"expires\" is not"), "bad expires: %s", err);
    json_decref(o);
    o = json_deep_copy(opts);
    json_object_set_new(o, "cryptosuite", json_string("ecdsa-jcs-2019"));
    T_CHECK(!diSign(doc, o, k.sk, err) && strstr(err, "cryptosuite"), "other suite: %s", err);
    json_decref(o);
    T_CHECK(!diSign(json_true(), opts, k.sk, err) && strstr(err, "not a JSON object"), "doc not object: %s", err);
    edKeyWipe(&k);
    json_decref(doc);
    json_decref(opts);
}

/* verifyEntryProofs: every proof of one JSON line (a did:webvh log entry or
 * a did-witness.json item) verifies with the did:key in its verificationMethod. */
static int verifyProofs(const json_t *doc, const json_t *proofs, const char *where, int *count) {
    char err[ERR_MAX] = "";
    size_t i;
    const json_t *p;
    int bad = 0;
    json_array_foreach(proofs, i, p) {
        uint8_t pk[32];
        if (didkeyToPub(jsonGetStr(p, "verificationMethod"), pk, err) < 0 || diVerify(doc, p, pk, err) < 0) {
            fprintf(stderr, "%s proof %zu: %s\n", where, i, err);
            bad++;
        }
        (*count)++;
    }
    return bad;
}

/* Independent implementations (ts, python, rust, java, java-eecc) signed these
 * did:webvh v1.0 logs and witness files with eddsa-jcs-2022. */
static void testInterop(void) {
    glob_t g;
    int bad = 0, count = 0;
    if (glob(T_VECDIR "/didwebvh/[!n]*/*/did.jsonl", 0, NULL, &g) == 0)
        glob(T_VECDIR "/didwebvh/[!n]*/*/did-witness.json", GLOB_APPEND, NULL, &g);
    glob(T_VECDIR "/didwebvh-rs/did-*.json*", GLOB_APPEND, NULL, &g);
    for (size_t f = 0; f < g.gl_pathc; f++) {
        size_t len;
        char *txt = t_slurp(g.gl_pathv[f], &len), err[ERR_MAX];
        if (!txt) continue;
        if (strstr(g.gl_pathv[f], "witness")) {
            json_t *arr = jsonParse(txt, len, 0, 0, err);
            size_t i;
            json_t *it;
            json_array_foreach(arr, i, it) {
                json_t *d = json_pack("{s:O}", "versionId", json_object_get(it, "versionId"));
                bad += verifyProofs(d, json_object_get(it, "proof"), g.gl_pathv[f], &count);
                json_decref(d);
            }
            json_decref(arr);
        } else {
            for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
                json_t *e = jsonParse(line, strlen(line), 0, 0, err);
                if (!e) { fprintf(stderr, "%s: %s\n", g.gl_pathv[f], err); bad++; continue; }
                bad += verifyProofs(e, json_object_get(e, "proof"), g.gl_pathv[f], &count);
                json_decref(e);
            }
        }
        free(txt);
    }
    printf("interop: %d proofs in %zu files\n", count, g.gl_pathc);
    T_CHECK(g.gl_pathc >= 60 && count >= 200, "interop corpus found: %zu files, %d proofs", g.gl_pathc, count);
    T_CHECK(bad == 0, "%d of %d independent eddsa-jcs-2022 proofs failed to verify", bad, count);
    globfree(&g);
}

/* firstProof: verify the first proof of the first entry of a did:webvh log
 * with the key its verificationMethod names. 0 / -1 + err. */
static int firstProof(const char *path, char *err) {
    size_t len;
    char *txt = t_slurp(path, &len);
    if (!txt) return errSet(err, "cannot read %s", path);
    char *nl = strchr(txt, '\n');
    json_t *e = jsonParse(txt, nl ? (size_t)(nl - txt) : len, 0, 0, err);
    free(txt);
    if (!e) return -1;
    const json_t *p = json_array_get(json_object_get(e, "proof"), 0);
    uint8_t pk[32];
    int rc = didkeyToPub(jsonGetStr(p, "verificationMethod"), pk, err) < 0 ? -1 : diVerify(e, p, pk, err);
    json_decref(e);
    return rc;
}

/* did:webvh negative vectors that hinge on this module: a proof with another
 * cryptosuite (audit bug #10) and a did:key whose fragment names another key
 * than its body (audit bug #1). Both must fail before any signature check. */
static void testNegativeVectors(void) {
    char err[ERR_MAX] = "";
    T_CHECK(firstProof(T_VECDIR "/didwebvh/negative-wrong-cryptosuite/ts/did.jsonl", err) == -1 &&
            strstr(err, "cryptosuite \"eddsa-rdfc-2022\" is not"), "negative-wrong-cryptosuite: %s", err);
    T_CHECK(firstProof(T_VECDIR "/didwebvh/negative-did-key-body-fragment-mismatch/ts/did.jsonl", err) == -1 &&
            strstr(err, "does not equal the key"), "negative-did-key-body-fragment-mismatch: %s", err);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    loadKey();
    testVector();
    testRejects();
    testSignSide();
    testInterop();
    testNegativeVectors();
    edKeyWipe(&vecKey);
    return T_DONE();
}
