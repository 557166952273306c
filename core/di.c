/* di.c -- W3C Data Integrity proofs, cryptosuite eddsa-jcs-2022 (W3C vc-di-eddsa §3.3). */
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "core/di.h"
#include "core/edsigner.h"

#define DI_TYPE  "DataIntegrityProof"
#define DI_SUITE "eddsa-jcs-2022"

/* isDateTime: an XML Schema dateTimeStamp as Data Integrity wants for
 * "created"/"expires": the RFC 3339 §5.6 grammar, any offset, second 60
 * (wider than the project's own rule on purpose: a proof from another writer). */
static int isDateTime(const char *s) {
    rfc3339Parts p;
    return rfc3339Scan(s, &p) == 0;
}

/* needStr: member key of o is a string equal to want (want NULL: any
 * non-empty string); what names o in the message. */
static int needStr(const json_t *o, const char *what, const char *key, const char *want, char *err) {
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || !*v) return errSet(err, "%s: \"%s\" is missing or not a non-empty string", what, key);
    if (want && strcmp(v, want) != 0)
        return errSet(err, "%s: %s \"%.60s\" is not \"%s\"", what, key, v, want);
    return 0;
}

/* checkOptions: the members every eddsa-jcs-2022 proof (or its options)
 * must have right: type, cryptosuite, verificationMethod, proofPurpose, and
 * created/expires as date-times when present. */
static int checkOptions(const json_t *o, const char *what, char *err) {
    static const char *dates[] = {"created", "expires"};
    if (!json_is_object(o)) return errSet(err, "%s: not a JSON object", what);
    if (needStr(o, what, "type", DI_TYPE, err) < 0 || needStr(o, what, "cryptosuite", DI_SUITE, err) < 0 ||
        needStr(o, what, "verificationMethod", NULL, err) < 0 || needStr(o, what, "proofPurpose", NULL, err) < 0)
        return -1;
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(o, dates[i]);
        if (v && (!json_is_string(v) || !isDateTime(json_string_value(v))))
            return errSet(err, "%s: \"%s\" is not an XML Schema dateTimeStamp (e.g. 2024-01-01T00:00:00Z)",
                          what, dates[i]);
    }
    return 0;
}

/* diProofConfig: checked deep copy of opts plus the document's @context. */
json_t *diProofConfig(const json_t *doc, const json_t *opts, char *err) {
    if (!json_is_object(doc)) { errSet(err, "data integrity: the document is not a JSON object"); return NULL; }
    if (checkOptions(opts, "proof options", err) < 0) return NULL;
    if (json_object_get(opts, "proofValue")) {
        errSet(err, "proof options: already carry a proofValue");
        return NULL;
    }
    const json_t *ctx = json_object_get(doc, "@context");
    if (!ctx && json_object_get(opts, "@context")) {
        errSet(err, "proof options: have an @context but the document has none");
        return NULL;
    }
    json_t *cfg = json_deep_copy(opts);
    if (!cfg || (ctx && json_object_set_new(cfg, "@context", json_deep_copy(ctx)) < 0)) {
        json_decref(cfg);
        errSet(err, "data integrity: out of memory");
        return NULL;
    }
    return cfg;
}

/* hashJcs: out = SHA-256(JCS(v)), reusing b as scratch. */
static int hashJcs(const json_t *v, buf *b, uint8_t out[SHA256_LEN], char *err) {
    bufReset(b);
    if (jcsAppend(v, b, err) < 0) return -1;
    sha256(b->p, b->len, out);
    return 0;
}

/* diHashData: hash of the proof configuration, then of the unsecured document. */
int diHashData(const json_t *doc, const json_t *proofConfig, uint8_t out[64], char *err) {
    if (!json_is_object(doc) || !json_is_object(proofConfig))
        return errSet(err, "data integrity: document and proof configuration must be JSON objects");
    /* a shallow copy only takes references: the caller's document is untouched */
    json_t *unsecured = json_copy((json_t *)doc);
    if (!unsecured) return errSet(err, "data integrity: out of memory");
    json_object_del(unsecured, "proof");
    buf b = BUF_INIT;
    int rc = (hashJcs(proofConfig, &b, out, err) == 0 &&
              hashJcs(unsecured, &b, out + SHA256_LEN, err) == 0) ? 0 : -1;
    json_decref(unsecured);
    bufFree(&b);
    return rc;
}

/* diSign: diSignWith over the key in memory. */
json_t *diSign(const json_t *doc, const json_t *opts, const uint8_t sk[64], char *err) {
    edSigner s = edSignerMem(sk);
    return diSignWith(doc, opts, &s, err);
}

/* diSignWith: proof configuration + proofValue = z-base58btc(Ed25519(key, hashData)). */
json_t *diSignWith(const json_t *doc, const json_t *opts, const edSigner *key, char *err) {
    uint8_t hash[64], sig[crypto_sign_BYTES];
    buf pv = BUF_INIT;
    if (sodium_init() < 0) { errSet(err, "data integrity: libsodium init failed"); return NULL; }
    json_t *proof = diProofConfig(doc, opts, err);
    if (!proof) return NULL;
    if (diHashData(doc, proof, hash, err) < 0 || edSignerSign(key, hash, sizeof hash, sig, err) < 0) goto fail;
    if (mbEncode(sig, sizeof sig, &pv) < 0 ||
        json_object_set_new(proof, "proofValue", json_stringn((char *)pv.p, pv.len)) < 0) {
        errSet(err, "data integrity: out of memory");
        goto fail;
    }
    bufFree(&pv);
    return proof;
fail:
    bufFree(&pv);
    json_decref(proof);
    return NULL;
}

/* proofSig: the 64-byte signature in proof's proofValue. */
static int proofSig(const json_t *proof, uint8_t sig[crypto_sign_BYTES], char *err) {
    char e[ERR_MAX];
    buf b = BUF_INIT;
    const char *pv = json_string_value(json_object_get(proof, "proofValue"));
    if (!pv) return errSet(err, "proof: \"proofValue\" is missing or not a string");
    if (mbDecode(pv, &b, e) < 0) { bufFree(&b); return errSet(err, "proof: proofValue: %s", e); }
    if (b.len != crypto_sign_BYTES) {
        size_t n = b.len;
        bufFree(&b);
        return errSet(err, "proof: proofValue decodes to %zu bytes, want a %d-byte Ed25519 signature",
                      n, crypto_sign_BYTES);
    }
    memcpy(sig, b.p, crypto_sign_BYTES);
    bufFree(&b);
    return 0;
}

/* diVerify: the proof's @context, when present, must equal the document's
 * (stricter than the spec's "starts with": see docs/crypto.md). */
int diVerify(const json_t *doc, const json_t *proof, const uint8_t pk[32], char *err) {
    uint8_t sig[crypto_sign_BYTES], hash[64];
    if (sodium_init() < 0) return errSet(err, "data integrity: libsodium init failed");
    if (!json_is_object(doc)) return errSet(err, "data integrity: the document is not a JSON object");
    if (checkOptions(proof, "proof", err) < 0 || proofSig(proof, sig, err) < 0) return -1;
    const json_t *pctx = json_object_get(proof, "@context");
    if (pctx && !json_equal(pctx, json_object_get(doc, "@context")))
        return errSet(err, "proof: @context does not match the document's @context");
    json_t *cfg = json_copy((json_t *)proof);
    if (!cfg) return errSet(err, "data integrity: out of memory");
    json_object_del(cfg, "proofValue");
    int rc = diHashData(doc, cfg, hash, err);
    json_decref(cfg);
    if (rc < 0) return -1;
    if (crypto_sign_verify_detached(sig, hash, sizeof hash, pk) != 0)
        return errSet(err, "proof: Ed25519 signature does not verify (document, proof or key differ)");
    return 0;
}
