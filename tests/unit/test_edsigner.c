/* test_edsigner.c -- Ed25519 signers (core/edsigner.h) and the signing paths that take
 * one (diSignWith, webvhAppendWith, webvhWitnessSignWith): the in-memory signer signs as
 * libsodium does (RFC 8032 §7.1 test 1 vector); a backend is called with the message and
 * its failure reaches the caller, leaving a log unchanged; owned copies are wiped. */
#include <sodium.h>
#include "tests/unit/t.h"
#include "core/di.h"
#include "core/edsigner.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/multiformat.h"
#include "didlog/webvh.h"

/* A backend: libsodium under the hood, counting calls, or failing on demand. */
typedef struct fakeHsm {
    edKey k;
    int calls, fail;
    size_t lastLen;
} fakeHsm;

static int fakeSign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err) {
    fakeHsm *h = ctx;
    h->calls++;
    h->lastLen = len;
    if (h->fail) return errSet(err, "token gone");
    crypto_sign_detached(sig, NULL, msg, len, h->k.sk);
    return 0;
}

static edSigner fakeSigner(fakeHsm *h) {
    edSigner s = {.sign = fakeSign, .ctx = h};
    memcpy(s.pk, h->k.pk, 32);
    return s;
}

int main(void) {
    char err[ERR_MAX];
    uint8_t seed[32], pk[32], sig[ED_SIG_LEN], want[ED_SIG_LEN];
    if (sodium_init() < 0) return 1;

    /* RFC 8032 §7.1 TEST 1: empty message. */
    hexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
    hexDecode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", pk, 32);
    hexDecode("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", want, 64);
    edKey k;
    edKeyFromSeed(seed, &k);
    edSigner m = edSignerMem(k.sk);
    T_CHECK(!memcmp(m.pk, pk, 32) && !m.close, "edSignerMem: the public key, owning nothing");
    T_CHECK(edSignerSign(&m, (const uint8_t *)"", 0, sig, err) == 0 && !memcmp(sig, want, 64), "in memory: RFC 8032 test 1");

    edSigner own;
    T_CHECK(edSignerFromKey(&own, &k, err) == 0 && own.sk != k.sk && own.close, "edSignerFromKey: its own copy");
    edKeyWipe(&k);   /* the caller's copy may go at once */
    T_CHECK(edSignerSign(&own, (const uint8_t *)"", 0, sig, err) == 0 && !memcmp(sig, want, 64), "owned copy still signs");
    edSigner b = edSignerBorrow(&own);
    T_CHECK(!b.close && b.sk == own.sk, "borrowed: same key, owns nothing");
    edSignerClose(&b);   /* a no-op for what it points to */
    T_CHECK(edSignerSign(&own, (const uint8_t *)"", 0, sig, err) == 0 && !memcmp(sig, want, 64), "closing a borrow frees nothing");
    edSignerClose(&own);
    static const uint8_t zero[sizeof own] = {0};
    T_CHECK(!memcmp(&own, zero, sizeof own), "edSignerClose zeroes the signer");
    edSigner none = {0};
    T_CHECK(edSignerSign(&none, (const uint8_t *)"", 0, sig, err) < 0, "no key: refused (%s)", err);

    /* diSignWith: a backend signs the 64-byte hashData; same proof as diSign. */
    fakeHsm h = {0};
    edKeyFromSeed(seed, &h.k);
    edSigner f = fakeSigner(&h);
    char vm[DIDKEY_MAX];
    didkeyVm(h.k.pk, vm);
    json_t *doc = json_pack("{ss}", "versionId", "1-x");
    json_t *opts = json_pack("{ss ss ss ss ss}", "type", "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
                             "verificationMethod", vm, "proofPurpose", "assertionMethod", "created", "2025-01-01T00:00:00Z");
    json_t *p1 = diSign(doc, opts, h.k.sk, err), *p2 = diSignWith(doc, opts, &f, err);
    T_CHECK(p1 && p2 && json_equal(p1, p2), "diSignWith(backend) = diSign(sk)");
    T_CHECK(h.calls == 1 && h.lastLen == 64, "the backend signed hashData once (64 bytes): %d calls", h.calls);
    T_CHECK(p2 && diVerify(doc, p2, h.k.pk, err) == 0, "the backend's proof verifies");
    h.fail = 1;
    json_t *p3 = diSignWith(doc, opts, &f, err);
    T_CHECK(!p3 && strstr(err, "token gone"), "a failing backend: no proof, its error: %s", err);
    json_t *w = webvhWitnessSignWith("1-x", &f, "2025-01-01T00:00:00Z", err);
    T_CHECK(!w, "webvhWitnessSignWith: a failing backend gives no proof");
    h.fail = 0;
    w = webvhWitnessSignWith("1-x", &f, "2025-01-01T00:00:00Z", err);
    json_t *w0 = webvhWitnessSign("1-x", h.k.sk, "2025-01-01T00:00:00Z", err);
    T_CHECK(w && w0 && json_equal(w, w0), "webvhWitnessSignWith = webvhWitnessSign");

    /* webvhAppendWith: a log built with the key in memory, extended through the backend. */
    char mk[MULTIKEY_PUB_MAX];
    mkEncodeEd25519Pub(h.k.pk, mk);
    json_t *st = json_pack("{ss}", "id", "did:webvh:{SCID}:example.com");
    json_t *params = json_pack("{s[s]}", "updateKeys", mk);
    webvhLog *log = webvhCreate(st, params, "2025-01-01T00:00:00Z", h.k.sk, NULL, err);
    T_CHECK(log != NULL, "genesis: %s", err);
    json_t *st2 = log ? json_pack("{ss}", "id", log->e[0].did) : NULL;
    json_t *empty = json_object();
    h.fail = 1;
    T_CHECK(log && webvhAppendWith(log, st2, empty, "2025-01-02T00:00:00Z", &f, NULL, err) < 0 && log->n == 1,
            "append with a failing backend: refused, log unchanged");
    h.fail = 0;
    T_CHECK(log && webvhAppendWith(log, st2, empty, "2025-01-02T00:00:00Z", &f, NULL, err) == 0 && log->n == 2,
            "append through the backend: verified entry 2 (%s)", err);
    webvhFree(log);
    json_decref(st); json_decref(st2); json_decref(params); json_decref(empty);
    json_decref(doc); json_decref(opts); json_decref(p1); json_decref(p2); json_decref(w); json_decref(w0);
    edKeyWipe(&h.k);
    return T_DONE();
}
