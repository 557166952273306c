/* multiformat.c -- base58btc, multibase 'z', multihash sha2-256, Ed25519 multikey, did:key. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/sha256.h"
#include "core/multiformat.h"

/* Everything we encode is a key, hash or signature (<= 66 bytes); the bound
 * keeps the quadratic base conversion cheap on hostile input. */
#define B58_MAX 1024
#define B58_DIGITS_MAX (B58_MAX * 138 / 100 + 1)   /* log(256)/log(58) < 1.38 */

static const char b58Alpha[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* b58Val: value of a base58btc digit, -1 for anything else (0, O, I, l too). */
static int b58Val(unsigned c) {
    if (c >= '1' && c <= '9') return (int)(c - '1');
    if (c >= 'A' && c <= 'H') return (int)(c - 'A') + 9;
    if (c >= 'J' && c <= 'N') return (int)(c - 'J') + 17;
    if (c >= 'P' && c <= 'Z') return (int)(c - 'P') + 22;
    if (c >= 'a' && c <= 'k') return (int)(c - 'a') + 33;
    if (c >= 'm' && c <= 'z') return (int)(c - 'm') + 44;
    return -1;
}

/* b58EncodeTo: base58btc of in into dst (cap bytes, NUL-terminated). Returns
 * the length or -1 if n > B58_MAX or dst is too small. The scratch digits
 * are wiped: the input may be a private key. */
static int b58EncodeTo(const uint8_t *in, size_t n, char *dst, size_t cap) {
    uint8_t d[B58_DIGITS_MAX];   /* base-58 digits, least significant first */
    size_t z = 0, len = 0, o = 0;
    if (n > B58_MAX) return -1;
    while (z < n && in[z] == 0) z++;
    for (size_t i = z; i < n; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < len; j++) {
            carry += (unsigned)d[j] << 8;
            d[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry) { d[len++] = (uint8_t)(carry % 58); carry /= 58; }
    }
    if (z + len + 1 > cap) { sodium_memzero(d, len); return -1; }
    for (; o < z; o++) dst[o] = '1';       /* each leading zero byte is a '1' */
    for (size_t j = len; j > 0; j--) dst[o++] = b58Alpha[d[j - 1]];
    dst[o] = 0;
    sodium_memzero(d, len);
    return (int)o;
}

/* b58DecodeTo: strict base58btc decode of s[0..n) into dst (cap bytes);
 * *outn gets the length. Messages count offsets from `base` (1 after a
 * multibase prefix). Five digits at a time into 32-bit limbs (58^5 < 2^32):
 * every signature and key passes through here, and byte-at-a-time was a
 * visible share of didverify's profile. Scratch is wiped (private keys pass
 * through). */
static int b58DecodeTo(const char *s, size_t n, size_t base, uint8_t *dst, size_t cap, size_t *outn,
                       char *err) {
    uint32_t w[B58_MAX / 4 + 2];   /* limbs, least significant first */
    size_t ones = 0, wl = 0, len;
    if (n > B58_MAX) return errSet(err, "base58: %zu chars, more than the %d allowed", n, B58_MAX);
    while (ones < n && s[ones] == '1') ones++;
    for (size_t i = 0; i < n;) {
        uint64_t mul = 1, carry = 0;
        for (int k = 0; k < 5 && i < n; k++, i++) {
            unsigned c = (unsigned char)s[i];
            int v = b58Val(c);
            if (v < 0) {
                sodium_memzero(w, wl * sizeof *w);
                if (c > 0x20 && c < 0x7f)
                    return errSet(err, "base58: invalid character '%c' at offset %zu", (char)c, base + i);
                return errSet(err, "base58: invalid byte 0x%02x at offset %zu", c, base + i);
            }
            carry = carry * 58 + (unsigned)v;
            mul *= 58;
        }
        for (size_t j = 0; j < wl; j++) {
            carry += (uint64_t)w[j] * mul;
            w[j] = (uint32_t)carry;
            carry >>= 32;
        }
        if (carry) w[wl++] = (uint32_t)carry;   /* < 2^32: limb * 58^5 + carry fits one more limb */
    }
    len = wl * 4;
    while (len && !(w[(len - 1) / 4] >> ((len - 1) % 4 * 8) & 0xff)) len--;   /* significant bytes only */
    if (ones + len > cap) {
        sodium_memzero(w, wl * sizeof *w);
        return errSet(err, "base58: decodes to %zu bytes, more than the %zu expected", ones + len, cap);
    }
    memset(dst, 0, ones);
    for (size_t j = 0; j < len; j++) dst[ones + len - 1 - j] = (uint8_t)(w[j / 4] >> (j % 4 * 8));
    sodium_memzero(w, wl * sizeof *w);
    *outn = ones + len;
    return 0;
}

/* b58Encode: append base58btc(in) to out. -1 if too long or out of memory. */
int b58Encode(const uint8_t *in, size_t n, buf *out) {
    size_t cap = n * 138 / 100 + 2;
    if (n > B58_MAX || bufReserve(out, cap) < 0) return -1;
    int l = b58EncodeTo(in, n, (char *)out->p + out->len, cap);
    if (l < 0) return -1;
    out->len += (size_t)l;
    return 0;
}

/* b58Append: b58Decode with offsets in messages counted from base. */
static int b58Append(const char *s, size_t n, size_t base, buf *out, char *err) {
    size_t got = 0;
    if (bufReserve(out, n) < 0) return errSet(err, "base58: out of memory");
    if (b58DecodeTo(s, n, base, out->p + out->len, n, &got, err) < 0) return -1;
    out->len += got;
    out->p[out->len] = 0;
    return 0;
}

/* b58Decode: append the bytes of the base58btc string s[0..n) to out. Any
 * char outside the alphabet (incl. whitespace and NUL) is an error. */
int b58Decode(const char *s, size_t n, buf *out, char *err) {
    return b58Append(s, n, 0, out, err);
}

/* mbEncode: append 'z' + base58btc(in) to out. */
int mbEncode(const uint8_t *in, size_t n, buf *out) {
    if (bufPutc(out, 'z') < 0) return -1;
    return b58Encode(in, n, out);
}

/* mbPayload: check the multibase prefix of NUL-terminated s; *n gets the
 * payload length. Returns the payload (after 'z') or NULL + err. */
static const char *mbPayload(const char *s, size_t *n, char *err) {
    if (!s || !*s) { errSet(err, "multibase: empty string"); return NULL; }
    if (s[0] != 'z') {
        unsigned c = (unsigned char)s[0];
        if (c > 0x20 && c < 0x7f) errSet(err, "multibase: prefix '%c' is not 'z' (base58btc)", (char)c);
        else errSet(err, "multibase: prefix byte 0x%02x is not 'z' (base58btc)", c);
        return NULL;
    }
    *n = strnlen(s + 1, B58_MAX + 1);
    return s + 1;
}

/* mbDecode: append the bytes of multibase base58btc string s to out.
 * Offsets in messages count the prefix. */
int mbDecode(const char *s, buf *out, char *err) {
    size_t n;
    const char *p = mbPayload(s, &n, err);
    return p ? b58Append(p, n, 1, out, err) : -1;
}

/* mhSha256: multihash sha2-256 = code 0x12, length 0x20, digest. */
void mhSha256(const void *data, size_t n, uint8_t out[34]) {
    out[0] = 0x12;
    out[1] = 0x20;
    sha256(data, n, out + 2);
}

/* mhSha256B58: append base58btc(multihash sha2-256(data)) to out. */
int mhSha256B58(const void *data, size_t n, buf *out) {
    uint8_t mh[34];
    mhSha256(data, n, mh);
    return b58Encode(mh, sizeof mh, out);
}

/* mkEncode: 'z' + base58btc(c0 c1 || key) into dst (cap bytes). */
static int mkEncode(uint8_t c0, uint8_t c1, const uint8_t key[32], char *dst, size_t cap) {
    uint8_t raw[34];
    raw[0] = c0;
    raw[1] = c1;
    memcpy(raw + 2, key, 32);
    dst[0] = 'z';
    int l = b58EncodeTo(raw, sizeof raw, dst + 1, cap - 1);
    sodium_memzero(raw, sizeof raw);
    return l < 0 ? -1 : 0;
}

/* mkDecode: decode multikey mk whose multicodec varint must be c0 c1 and
 * whose key is 32 bytes; what names the expected kind in messages. */
static int mkDecode(const char *mk, uint8_t c0, uint8_t c1, const char *what, uint8_t key[32], char *err) {
    uint8_t raw[64];
    size_t n = 0, plen;
    const char *p = mbPayload(mk, &plen, err);
    if (!p) return -1;
    if (b58DecodeTo(p, plen, 1, raw, sizeof raw, &n, err) < 0) return -1;
    int rc = 0;
    if (n < 2 || raw[0] != c0 || raw[1] != c1)
        rc = errSet(err, "multikey: multicodec prefix 0x%02x 0x%02x is not %s (0x%02x 0x%02x)",
                    n > 0 ? raw[0] : 0, n > 1 ? raw[1] : 0, what, c0, c1);
    else if (n != 34)
        rc = errSet(err, "multikey: %s key is %zu bytes, want 32", what, n - 2);
    else
        memcpy(key, raw + 2, 32);
    sodium_memzero(raw, sizeof raw);
    return rc;
}

/* mkEncodeEd25519Pub: "z6Mk..." for pk into out. */
int mkEncodeEd25519Pub(const uint8_t pk[32], char out[MULTIKEY_PUB_MAX]) {
    return mkEncode(0xed, 0x01, pk, out, MULTIKEY_PUB_MAX);
}

/* mkDecodeEd25519Pub: strict decode of a public multikey into pk, refusing weak keys:
 * the one place a public key enters (events, rotations, genesis states, update keys,
 * did:key, witness lists). libsodium's crypto_core_ed25519_is_valid_point accepts only
 * the canonical encoding of a point on the curve, of the prime-order subgroup, not of
 * small order ("Taming the many EdDSAs", Chalkias et al. 2020). A small-order key makes
 * libsodium refuse every signature (a DID under it is bricked) while verifiers that
 * skip the check accept R = identity, S = 0 for any message. */
int mkDecodeEd25519Pub(const char *mk, uint8_t pk[32], char *err) {
    if (mkDecode(mk, 0xed, 0x01, "ed25519-pub", pk, err) < 0) return -1;
    if (sodium_init() < 0) return errSet(err, "multikey: libsodium failed to initialise");
    if (!crypto_core_ed25519_is_valid_point(pk))
        return errSet(err, "multikey: weak Ed25519 public key refused (a small-order, mixed-order or non-canonical "
                           "point, or not on the curve)");
    return 0;
}

/* mkEncodeEd25519Priv: appends to out; the caller wipes out (bufWipe). */
int mkEncodeEd25519Priv(const uint8_t seed[32], buf *out) {
    char tmp[MULTIKEY_PUB_MAX];
    int rc = mkEncode(0x80, 0x26, seed, tmp, sizeof tmp);
    if (rc == 0) rc = bufPuts(out, tmp);
    sodium_memzero(tmp, sizeof tmp);
    return rc;
}

/* mkDecodeEd25519Priv: strict decode of a private multikey; caller wipes seed. */
int mkDecodeEd25519Priv(const char *mk, uint8_t seed[32], char *err) {
    return mkDecode(mk, 0x80, 0x26, "ed25519-priv", seed, err);
}

/* didkeyFromPub: "did:key:" + multikey. */
int didkeyFromPub(const uint8_t pk[32], char out[DIDKEY_MAX]) {
    memcpy(out, "did:key:", 8);
    return mkEncodeEd25519Pub(pk, out + 8);
}

/* didkeyVm: "did:key:<mk>#<mk>", the verification method id of a did:key. */
int didkeyVm(const uint8_t pk[32], char out[DIDKEY_MAX]) {
    char mk[MULTIKEY_PUB_MAX];
    if (mkEncodeEd25519Pub(pk, mk) < 0) return -1;
    int l = snprintf(out, DIDKEY_MAX, "did:key:%s#%s", mk, mk);
    return (l < 0 || l >= DIDKEY_MAX) ? -1 : 0;
}

/* didkeyToPub: Ed25519 key of "did:key:<mk>" or "did:key:<mk>#<mk>". */
int didkeyToPub(const char *did, uint8_t pk[32], char *err) {
    char mk[MULTIKEY_PUB_MAX];
    if (!did || strncmp(did, "did:key:", 8) != 0)
        return errSet(err, "did:key: '%.60s' does not start with \"did:key:\"", did ? did : "");
    const char *body = did + 8, *hash = strchr(body, '#');
    size_t blen = hash ? (size_t)(hash - body) : strlen(body);
    if (hash && (strlen(hash + 1) != blen || memcmp(hash + 1, body, blen) != 0))
        return errSet(err, "did:key: fragment '#%.60s' does not equal the key '%.*s'",
                      hash + 1, (int)(blen < 60 ? blen : 60), body);
    if (blen == 0) return errSet(err, "did:key: no key after \"did:key:\"");
    if (blen >= sizeof mk) return errSet(err, "did:key: key part of %zu chars is too long for Ed25519", blen);
    memcpy(mk, body, blen);
    mk[blen] = 0;
    return mkDecodeEd25519Pub(mk, pk, err);
}
