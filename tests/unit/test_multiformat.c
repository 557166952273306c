/* test_multiformat.c -- base58btc, multibase, multihash, Ed25519 multikey and
 * did:key against published vectors, round trips and strict rejections. */
#include <stdint.h>
#include <sodium.h>
#include <jansson.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/multiformat.h"
#include "tests/unit/t.h"

/* Bitcoin Core src/test/data/base58_encode_decode.json, the base58 IETF draft
 * (draft-msporny-base58-03 §5) and the multibase spec's leading-zero tests. */
static const struct { const char *hex, *b58; } b58Vec[] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
    {"00", "1"},
    {"48656c6c6f20576f726c6421", "2NEpo7TZRRrLZSi2U"},                 /* "Hello World!" */
    {"0000287fb4cd", "11233QC4"},
    {"00796573206d616e692021", "17paNL19xttacUY"},                      /* "\0yes mani !" */
    {"0000796573206d616e692021", "117paNL19xttacUY"},                   /* two zeros */
    {"ff", "5Q"},
    {"0000ff", "115Q"},
};

static void testB58Vectors(void) {
    for (size_t i = 0; i < sizeof b58Vec / sizeof b58Vec[0]; i++) {
        size_t n = 0;
        uint8_t *raw = strlen(b58Vec[i].hex) ? hexDecodeAny(b58Vec[i].hex, &n) : calloc(1, 1);
        buf e = BUF_INIT, d = BUF_INIT;
        char err[ERR_MAX] = "";
        T_CHECK(b58Encode(raw, n, &e) == 0 && e.len == strlen(b58Vec[i].b58) &&
                memcmp(e.p, b58Vec[i].b58, e.len) == 0,
                "b58Encode(%s) = %s want %s", b58Vec[i].hex, e.p ? (char *)e.p : "(null)", b58Vec[i].b58);
        int rc = b58Decode(b58Vec[i].b58, strlen(b58Vec[i].b58), &d, err);
        T_CHECK(rc == 0 && d.len == n && (n == 0 || memcmp(d.p, raw, n) == 0),
                "b58Decode(%s): rc %d len %zu want %zu (%s)", b58Vec[i].b58, rc, d.len, n, err);
        bufFree(&e);
        bufFree(&d);
        free(raw);
    }
}

/* Encode/decode round trips over random inputs with 0..3 leading zero bytes,
 * plus the alphabet itself: each digit alone decodes to its index. */
static void testB58RoundTrip(void) {
    int bad = 0;
    for (int it = 0; it < 2000; it++) {
        uint8_t in[80];
        size_t n = (size_t)(it % 80);
        randombytes_buf(in, n);
        for (size_t z = 0; z < (size_t)(it % 4) && z < n; z++) in[z] = 0;
        buf e = BUF_INIT, d = BUF_INIT;
        if (b58Encode(in, n, &e) < 0 || b58Decode((char *)e.p, e.len, &d, NULL) < 0 ||
            d.len != n || (n && memcmp(d.p, in, n) != 0)) bad++;
        bufFree(&e);
        bufFree(&d);
    }
    T_CHECK(bad == 0, "base58 round trip failed %d times", bad);
    const char *alpha = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    bad = 0;
    for (int i = 1; i < 58; i++) {
        buf d = BUF_INIT;
        if (b58Decode(alpha + i, 1, &d, NULL) < 0 || d.len != 1 || d.p[0] != i) bad++;
        bufFree(&d);
    }
    T_CHECK(bad == 0, "single base58 digits decode to their index (%d bad)", bad);
}

/* decodeFails: b58Decode of s (n bytes) fails and the message contains want. */
static void decodeFails(const char *s, size_t n, const char *want) {
    buf d = BUF_INIT;
    char err[ERR_MAX] = "";
    int rc = b58Decode(s, n, &d, err);
    T_CHECK(rc == -1 && strstr(err, want), "b58Decode(%.*s) rc %d err '%s' want '%s'", (int)n, s, rc, err, want);
    bufFree(&d);
}

static void testB58Rejects(void) {
    decodeFails("0", 1, "invalid character '0' at offset 0");
    decodeFails("2gO", 3, "invalid character 'O' at offset 2");
    decodeFails("I", 1, "invalid character 'I'");
    decodeFails("abl", 3, "invalid character 'l' at offset 2");
    decodeFails("2g ", 3, "invalid byte 0x20 at offset 2");
    decodeFails("2g\n", 3, "invalid byte 0x0a");
    decodeFails("a\0b", 3, "invalid byte 0x00 at offset 1");
    decodeFails("+/", 2, "invalid character '+'");
    decodeFails("\xc3\xa9", 2, "invalid byte 0xc3");
    char *big = malloc(2000);
    memset(big, '2', 2000);
    decodeFails(big, 2000, "more than the 1024 allowed");
    free(big);
    uint8_t z[1100] = {0};
    buf e = BUF_INIT;
    T_CHECK(b58Encode(z, sizeof z, &e) == -1, "b58Encode refuses over-long input");
    bufFree(&e);
}

static void testMultibase(void) {
    buf b = BUF_INIT;
    char err[ERR_MAX] = "";
    /* multibase spec test vector: "yes mani !" in base58btc */
    T_CHECK(mbEncode((const uint8_t *)"yes mani !", 10, &b) == 0 && strcmp((char *)b.p, "z7paNL19xttacUY") == 0,
            "mbEncode yes mani = %s", b.p);
    bufReset(&b);
    T_CHECK(mbDecode("z7paNL19xttacUY", &b, err) == 0 && b.len == 10 && memcmp(b.p, "yes mani !", 10) == 0,
            "mbDecode yes mani (%s)", err);
    bufReset(&b);
    T_CHECK(mbDecode("", &b, err) == -1 && strstr(err, "empty"), "mbDecode empty: %s", err);
    T_CHECK(mbDecode(NULL, &b, err) == -1 && strstr(err, "empty"), "mbDecode NULL: %s", err);
    T_CHECK(mbDecode("f796573206d616e692021", &b, err) == -1 && strstr(err, "prefix 'f' is not 'z'"),
            "mbDecode base16: %s", err);
    T_CHECK(mbDecode("Z7paNL19xttacUY", &b, err) == -1 && strstr(err, "prefix 'Z'"), "mbDecode Z: %s", err);
    T_CHECK(mbDecode("z7paNL19xttacU0", &b, err) == -1 && strstr(err, "invalid character '0'"),
            "mbDecode bad char: %s", err);
    bufFree(&b);
}

/* multihash README example: base58btc(sha2-256 multihash("multihash")). */
static void testMultihash(void) {
    uint8_t mh[34];
    char hx[69];
    mhSha256("abc", 3, mh);
    hexEncode(mh, sizeof mh, hx);
    T_CHECK(strcmp(hx, "1220ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
            "mhSha256(abc) = %s", hx);
    buf b = BUF_INIT;
    T_CHECK(mhSha256B58("multihash", 9, &b) == 0 &&
            strcmp((char *)b.p, "QmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk") == 0,
            "mhSha256B58(multihash) = %s", b.p);
    bufFree(&b);
}

/* The keyPair.json of the W3C vc-di-eddsa eddsa-jcs-2022 test vectors: the
 * private multikey's seed must derive (libsodium) the public multikey. */
static void testKeyPairVector(void) {
    char *txt = t_slurp(T_VECDIR "/eddsa-jcs-2022/keyPair.json", NULL);
    T_CHECK(txt != NULL, "read keyPair.json");
    if (!txt) return;
    json_t *kp = json_loads(txt, 0, NULL);
    const char *pubMk = json_string_value(json_object_get(kp, "publicKeyMultibase"));
    const char *privMk = json_string_value(json_object_get(kp, "privateKeyMultibase"));
    T_CHECK(pubMk && privMk, "keyPair.json members");
    if (!pubMk || !privMk) { json_decref(kp); free(txt); return; }
    uint8_t pk[32], seed[32], pk2[32], sk[64];
    char err[ERR_MAX] = "", mk[MULTIKEY_PUB_MAX], did[DIDKEY_MAX];
    T_CHECK(mkDecodeEd25519Pub(pubMk, pk, err) == 0, "decode public multikey: %s", err);
    T_CHECK(mkDecodeEd25519Priv(privMk, seed, err) == 0, "decode private multikey: %s", err);
    crypto_sign_seed_keypair(pk2, sk, seed);
    T_CHECK(memcmp(pk, pk2, 32) == 0, "seed of privateKeyMultibase derives publicKeyMultibase");
    T_CHECK(mkEncodeEd25519Pub(pk2, mk) == 0 && strcmp(mk, pubMk) == 0, "re-encode public: %s", mk);
    buf priv = BUF_INIT;
    T_CHECK(mkEncodeEd25519Priv(seed, &priv) == 0 && strcmp((char *)priv.p, privMk) == 0,
            "re-encode private multikey");
    bufWipe(&priv);
    T_CHECK(strncmp(pubMk, "z6Mk", 4) == 0, "Ed25519 multikeys start z6Mk");

    char want[DIDKEY_MAX];
    snprintf(want, sizeof want, "did:key:%s", pubMk);
    T_CHECK(didkeyFromPub(pk, did) == 0 && strcmp(did, want) == 0, "didkeyFromPub = %s", did);
    uint8_t back[32];
    T_CHECK(didkeyToPub(did, back, err) == 0 && memcmp(back, pk, 32) == 0, "didkeyToPub(did): %s", err);
    snprintf(want, sizeof want, "did:key:%s#%s", pubMk, pubMk);
    T_CHECK(didkeyVm(pk, did) == 0 && strcmp(did, want) == 0, "didkeyVm = %s", did);
    memset(back, 0, 32);
    T_CHECK(didkeyToPub(did, back, err) == 0 && memcmp(back, pk, 32) == 0, "didkeyToPub(vm): %s", err);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    json_decref(kp);
    free(txt);
}

/* mkOf: multibase of codec bytes c0 c1 followed by klen bytes of 0x42. */
static void mkOf(uint8_t c0, uint8_t c1, size_t klen, buf *out) {
    uint8_t raw[64];
    raw[0] = c0;
    raw[1] = c1;
    memset(raw + 2, 0x42, klen);
    bufReset(out);
    mbEncode(raw, 2 + klen, out);
}

static void testMultikeyRejects(void) {
    uint8_t k[32];
    char err[ERR_MAX] = "";
    buf b = BUF_INIT;
    mkOf(0xe7, 0x01, 33, &b);   /* secp256k1-pub */
    T_CHECK(mkDecodeEd25519Pub((char *)b.p, k, err) == -1 && strstr(err, "0xe7 0x01 is not ed25519-pub"),
            "secp256k1 multikey: %s", err);
    mkOf(0xed, 0x01, 31, &b);
    T_CHECK(mkDecodeEd25519Pub((char *)b.p, k, err) == -1 && strstr(err, "31 bytes, want 32"), "short: %s", err);
    mkOf(0xed, 0x01, 33, &b);
    T_CHECK(mkDecodeEd25519Pub((char *)b.p, k, err) == -1 && strstr(err, "33 bytes, want 32"), "long: %s", err);
    mkOf(0xed, 0x01, 32, &b);
    T_CHECK(mkDecodeEd25519Priv((char *)b.p, k, err) == -1 && strstr(err, "is not ed25519-priv"),
            "public key as private: %s", err);
    mkOf(0x80, 0x26, 32, &b);
    T_CHECK(mkDecodeEd25519Pub((char *)b.p, k, err) == -1 && strstr(err, "is not ed25519-pub"),
            "private key as public: %s", err);
    T_CHECK(mkDecodeEd25519Priv((char *)b.p, k, err) == 0, "private key decodes: %s", err);
    T_CHECK(mkDecodeEd25519Pub("z", k, err) == -1 && strstr(err, "multicodec"), "empty payload: %s", err);
    T_CHECK(mkDecodeEd25519Pub("u7QE", k, err) == -1 && strstr(err, "prefix 'u'"), "base64url: %s", err);
    bufFree(&b);

    const char *mk = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
    char did[DIDKEY_MAX];
    snprintf(did, sizeof did, "did:key:%s#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", mk);
    T_CHECK(didkeyToPub(did, k, err) == -1 && strstr(err, "does not equal the key"), "fragment mismatch: %s", err);
    snprintf(did, sizeof did, "did:key:%s#", mk);
    T_CHECK(didkeyToPub(did, k, err) == -1 && strstr(err, "does not equal"), "empty fragment: %s", err);
    snprintf(did, sizeof did, "did:web:%s", mk);
    T_CHECK(didkeyToPub(did, k, err) == -1 && strstr(err, "does not start with"), "did:web: %s", err);
    T_CHECK(didkeyToPub("did:key:", k, err) == -1 && strstr(err, "no key"), "no key: %s", err);
    snprintf(did, sizeof did, "did:key:%s?x=1", mk);
    T_CHECK(didkeyToPub(did, k, err) == -1 && strstr(err, "invalid character '?'"), "query: %s", err);
    T_CHECK(didkeyToPub("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", k, err) == -1 &&
            strstr(err, "is not ed25519-pub"), "secp256k1 did:key: %s", err);
}

/* Weak Ed25519 public keys (issue 14: a KeyRotation to the identity point was anchored;
 * libsodium then refuses every signature, OpenSSL-based verifiers accept R=identity,
 * S=0). The eight points of small order, as listed in "Taming the many EdDSAs"
 * (Chalkias, Garillot, Nikolaenko, SSR 2020, §5 and Table 6) and in libsodium's
 * ed25519_ref10.c blocklist (ge25519_has_small_order): orders 1, 2, 4, 4, 8, 8, 8, 8. */
static const char *const smallOrder[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",   /* identity */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",   /* y = -1, order 2 */
    "0000000000000000000000000000000000000000000000000000000000000000",   /* y = 0, order 4 */
    "0000000000000000000000000000000000000000000000000000000000000080",   /* y = 0, x < 0 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",   /* order 8 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};

/* weakRefused: the multikey and the did:key of the 32 bytes pk are both refused. */
static int weakRefused(const uint8_t pk[32], char *err) {
    char mk[MULTIKEY_PUB_MAX], did[DIDKEY_MAX];
    uint8_t out[32];
    if (mkEncodeEd25519Pub(pk, mk) < 0 || didkeyFromPub(pk, did) < 0) return 0;
    return mkDecodeEd25519Pub(mk, out, err) == -1 && didkeyToPub(did, out, NULL) == -1;
}

static void testWeakKeys(void) {
    uint8_t pk[32];
    char err[ERR_MAX] = "";
    for (size_t i = 0; i < sizeof smallOrder / sizeof *smallOrder; i++) {
        hexDecode(smallOrder[i], pk, 32);
        T_CHECK(weakRefused(pk, err) && strstr(err, "small-order"), "small-order point %zu refused: %s", i, err);
    }
    /* non-canonical: y = p + v (v = 0..18), with and without the sign bit; y = p + 3
     * etc. encode points of large order, only not in the one encoding RFC 8032 allows */
    for (int v = 0; v <= 18; v++)
        for (int sign = 0; sign < 2; sign++) {
            memset(pk, 0xff, 32);
            pk[0] = (uint8_t)(0xed + v);
            pk[31] = sign ? 0xff : 0x7f;
            err[0] = 0;
            T_CHECK(weakRefused(pk, err), "non-canonical y = p + %d (sign %d) refused: %s", v, sign, err);
        }
    /* mixed order: a real key plus a point of order 8 (not in the prime-order subgroup) */
    uint8_t seed[32] = {7}, sk[64], t8[32], mixed[32];
    crypto_sign_seed_keypair(pk, sk, seed);
    hexDecode(smallOrder[4], t8, 32);
    T_CHECK(crypto_core_ed25519_add(mixed, pk, t8) == 0, "key + torsion point");
    T_CHECK(weakRefused(mixed, err), "mixed-order key refused: %s", err);
    char mk[MULTIKEY_PUB_MAX];
    uint8_t out[32];
    mkEncodeEd25519Pub(pk, mk);
    T_CHECK(mkDecodeEd25519Pub(mk, out, err) == 0 && !memcmp(out, pk, 32), "the real key still decodes: %s", err);
    sodium_memzero(sk, sizeof sk);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    testB58Vectors();
    testB58RoundTrip();
    testB58Rejects();
    testMultibase();
    testMultihash();
    testKeyPairVector();
    testMultikeyRejects();
    testWeakKeys();
    return T_DONE();
}
