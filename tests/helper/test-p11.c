/* test-p11.c -- `test-tool p11`: anchord's PKCS#11 keys (anchord/keys/pkcs11.h, svckey.h), for
 * tests/integration/pkcs11*.sh and tests/svc/softhsm.sh. Failures exit 10 + the
 * P11_E* code (P11_EURI 11 ... P11_EFAIL 17), or 1 for a failure outside a token.
 *   p11 pkcs8-ed KEYFILE        PKCS#8 PEM of a didlog key file's Ed25519 key (for softhsm2-util --import)
 *   p11 pkcs8-k1 HEXFILE        PKCS#8 PEM of a relayer hex key (secp256k1, with its public key)
 *   p11 sign-ed WHO MSGHEX      the service key WHO (PUBLISHER, WITNESS, PREVIOUS_PUBLISHER; from the
 *                                   WA_* settings, a file or a pkcs11: URI) signs: prints "PK SIG" (hex)
 *   p11 public WHO              its public key read without the PIN (hex)
 *   p11 open KIND URI [public]  open a token key (KIND ed25519 | secp256k1): prints its public key
 *                                   and, opened for signing, "exportable" or "non-exportable"
 *   p11 generate KIND URI       generate a key pair in the token: prints the same
 *   p11 threads URI T N         T threads each sign N distinct messages with the Ed25519 key at
 *                                   once (the session pool): prints how many signatures verify */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <secp256k1.h>
#include "core/buf.h"
#include "core/edkey.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/io/file.h"
#include "didlog/key.h"
#include "anchord/config/config.h"
#include "anchord/keys/pkcs11.h"
#include "anchord/keys/svckey.h"
#include "tests/helper/test-tool.h"

static int die(const char *what, const char *err, int rc) {
    fprintf(stderr, "test-tool p11: %s: %s\n", what, err);
    exit(rc);
}

static void printHex(const uint8_t *p, size_t n, const char *end) {
    char s[2 * 128 + 1];
    hexEncode(p, n, s);
    printf("%s%s", s, end);
}

/* pem: DER as a PRIVATE KEY PEM on stdout (64-character lines). */
static void pem(const uint8_t *der, size_t n) {
    char b64[512];
    sodium_bin2base64(b64, sizeof b64, der, n, sodium_base64_VARIANT_ORIGINAL);
    printf("-----BEGIN PRIVATE KEY-----\n");
    for (size_t i = 0, l = strlen(b64); i < l; i += 64) printf("%.64s\n", b64 + i);
    printf("-----END PRIVATE KEY-----\n");
}

/* RFC 8410 §7: PrivateKeyInfo { 0, id-Ed25519, OCTET STRING { OCTET STRING seed } }. */
static int pkcs8Ed(const char *path) {
    static const uint8_t head[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b,
                                   0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    uint8_t der[sizeof head + 32];
    edKey k;
    char err[ERR_MAX];
    if (keyFileRead(path, &k, err) < 0) die("key file", err, 1);
    memcpy(der, head, sizeof head);
    crypto_sign_ed25519_sk_to_seed(der + sizeof head, k.sk);
    pem(der, sizeof der);
    sodium_memzero(der, sizeof der);
    edKeyWipe(&k);
    return 0;
}

/* RFC 5915 ECPrivateKey { 1, key, [1] public key } inside PKCS#8 with id-ecPublicKey, secp256k1. */
static int pkcs8K1(const char *path) {
    static const uint8_t head[] = {0x30, 0x81, 0x84, 0x02, 0x01, 0x00, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0x04, 0x6d, 0x30, 0x6b,
                                   0x02, 0x01, 0x01, 0x04, 0x20};
    static const uint8_t mid[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
    uint8_t der[sizeof head + 32 + sizeof mid + 65];
    buf b = BUF_INIT;
    char err[ERR_MAX];
    secp256k1_pubkey pub;
    size_t n = 65;
    if (fileSecretRead(path, 256, &b, err) < 0) die("key file", err, 1);
    while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' ')) b.p[--b.len] = 0;
    memcpy(der, head, sizeof head);
    if (hexDecode((char *)b.p, der + sizeof head, 32) < 0) die("key file", "want 64 hex characters", 1);
    bufWipe(&b);
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx || !secp256k1_ec_pubkey_create(ctx, &pub, der + sizeof head)) die("key", "not a secp256k1 key", 1);
    secp256k1_context_destroy(ctx);
    memcpy(der + sizeof head + 32, mid, sizeof mid);
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, der + sizeof head + 32 + sizeof mid, &n, &pub,
                                  SECP256K1_EC_UNCOMPRESSED);
    pem(der, sizeof der);
    sodium_memzero(der, sizeof der);
    return 0;
}

static int signEd(const char *who, const char *msgHex, int forSigning) {
    config c;
    edSigner s;
    char err[ERR_MAX];
    int code;
    size_t n = 0;
    uint8_t sig[ED_SIG_LEN], *msg = forSigning ? hexDecodeAny(msgHex, &n) : NULL;
    if (forSigning && !msg) die("message", "not hex", 2);
    if (configLoad(&c, NULL, err) < 0) die("config", err, 1);
    int rc = svcKeyOpen(&c, who, forSigning, &s, &code, err);
    if (rc <= 0) die(who, rc ? err : "not configured", code ? 10 + code : 1);
    printHex(s.pk, 32, forSigning ? " " : "\n");
    if (forSigning) {
        if (edSignerSign(&s, msg, n, sig, err) < 0) die("sign", err, 1);
        printHex(sig, sizeof sig, "\n");
    }
    edSignerClose(&s);
    free(msg);
    return 0;
}

static int openKey(const char *kind, const char *uri, int forSigning, int gen) {
    char err[ERR_MAX];
    int code, k = !strcmp(kind, "ed25519") ? P11_ED25519 : !strcmp(kind, "secp256k1") ? P11_SECP256K1 : 0;
    uint8_t pub[P11_PUB_MAX];
    if (!k) die("kind", "ed25519 or secp256k1", 2);
    p11Key *key = gen ? p11KeyGenerate(uri, k, "P11TOOL", &code, err) : p11KeyOpen(uri, k, forSigning, "P11TOOL", &code, err);
    if (!key) die(gen ? "generate" : "open", err, 10 + code);
    printHex(pub, p11KeyPub(key, pub), forSigning ? " " : "\n");
    if (forSigning) printf("%s\n", p11KeyExportable(key) ? "exportable" : "non-exportable");
    p11KeyClose(key);
    return 0;
}

typedef struct worker {
    p11Key *key;
    uint8_t pub[P11_PUB_MAX];
    int id, n, good;
    pthread_t th;
} worker;

static void *signMany(void *arg) {
    worker *w = arg;
    char err[ERR_MAX];
    for (int i = 0; i < w->n; i++) {
        uint8_t msg[16], sig[P11_SIG_LEN];
        snprintf((char *)msg, sizeof msg, "t%d-m%d", w->id, i);
        if (p11KeySign(w->key, msg, sizeof msg, sig, err) == 0 && crypto_sign_verify_detached(sig, msg, sizeof msg, w->pub) == 0)
            w->good++;
    }
    return NULL;
}

static int threads(const char *uri, int t, int n) {
    char err[ERR_MAX];
    int code, good = 0;
    worker w[16];
    if (t < 1 || t > 16 || n < 1) die("threads", "1..16 threads, N >= 1", 2);
    p11Key *key = p11KeyOpen(uri, P11_ED25519, 1, "P11TOOL", &code, err);
    if (!key) die("open", err, 10 + code);
    for (int i = 0; i < t; i++) {
        w[i] = (worker){.key = key, .id = i, .n = n};
        p11KeyPub(key, w[i].pub);
        pthread_create(&w[i].th, NULL, signMany, &w[i]);
    }
    for (int i = 0; i < t; i++) pthread_join(w[i].th, NULL), good += w[i].good;
    p11KeyClose(key);
    printf("%d\n", good);
    return 0;
}

int cmdP11(int argc, char **argv) {
    if (sodium_init() < 0) return 1;
    if (argc == 3 && !strcmp(argv[1], "pkcs8-ed")) return pkcs8Ed(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "pkcs8-k1")) return pkcs8K1(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "sign-ed")) return signEd(argv[2], argv[3], 1);
    if (argc == 3 && !strcmp(argv[1], "public")) return signEd(argv[2], NULL, 0);
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "open")) return openKey(argv[2], argv[3], argc == 4, 0);
    if (argc == 4 && !strcmp(argv[1], "generate")) return openKey(argv[2], argv[3], 1, 1);
    if (argc == 5 && !strcmp(argv[1], "threads")) return threads(argv[2], atoi(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: test-tool p11 pkcs8-ed KEYFILE | pkcs8-k1 HEXFILE | sign-ed WHO MSGHEX | public WHO |\n"
                    "               open ed25519|secp256k1 URI [public] | generate ed25519|secp256k1 URI |\n"
                    "               threads URI THREADS N\n");
    return 2;
}
