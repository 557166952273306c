/* multiformat.h -- base58btc, multibase 'z', multihash sha2-256, Ed25519 multikey
 * and did:key, as did:webvh and Data Integrity use them. */
#ifndef WA_MULTIFORMAT_H
#define WA_MULTIFORMAT_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

#define MULTIKEY_PUB_MAX 64    /* "z6Mk" + base58 of 34 bytes, plus NUL */
#define DIDKEY_MAX 160         /* did:key:<mk>#<mk> plus NUL */

/* base58btc (Bitcoin alphabet). Decode rejects any char outside the alphabet. */
int b58Encode(const uint8_t *in, size_t n, buf *out);
int b58Decode(const char *s, size_t n, buf *out, char *err);

/* multibase: 'z' + base58btc. mbDecode rejects any other prefix. */
int mbEncode(const uint8_t *in, size_t n, buf *out);
int mbDecode(const char *s, buf *out, char *err);

/* multihash sha2-256: out = 0x12 0x20 || SHA-256(data). */
void mhSha256(const void *data, size_t n, uint8_t out[34]);
/* mhSha256B58: base58btc(multihash sha2-256(data)) as a NUL-terminated string
 * (the form did:webvh uses for the SCID, entry hashes and nextKeyHashes). */
int mhSha256B58(const void *data, size_t n, buf *out);

/* Ed25519 multikey: public = 'z' + b58(0xed 0x01 || pk), private = 'z' + b58(0x80 0x26 || seed). */
int mkEncodeEd25519Pub(const uint8_t pk[32], char out[MULTIKEY_PUB_MAX]);
int mkDecodeEd25519Pub(const char *mk, uint8_t pk[32], char *err);
int mkEncodeEd25519Priv(const uint8_t seed[32], buf *out);            /* caller wipes out */
int mkDecodeEd25519Priv(const char *mk, uint8_t seed[32], char *err);  /* caller wipes seed */

/* did:key for Ed25519: "did:key:<mk>". didkeyVm gives "did:key:<mk>#<mk>".
 * didkeyToPub accepts either form; with a fragment, the fragment must equal the
 * body (did:webvh rule), else it fails with a message. */
int didkeyFromPub(const uint8_t pk[32], char out[DIDKEY_MAX]);
int didkeyVm(const uint8_t pk[32], char out[DIDKEY_MAX]);
int didkeyToPub(const char *did, uint8_t pk[32], char *err);

#endif
