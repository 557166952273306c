/* fuzz_multibase.c -- libFuzzer: base58btc / multibase / multikey / did:key
 * decoding of arbitrary input never crashes, and whatever is accepted
 * re-encodes to exactly the same string (the encoding is canonical). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/multiformat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* b58RoundTrip: the raw bytes as a base58 string. */
static void b58RoundTrip(const uint8_t *data, size_t size) {
    char err[ERR_MAX];
    buf d = BUF_INIT, e = BUF_INIT;
    if (b58Decode((const char *)data, size, &d, err) == 0) {
        if (b58Encode(d.p, d.len, &e) < 0 || e.len != size || memcmp(e.p, data, size) != 0) abort();
    }
    bufFree(&d);
    bufFree(&e);
}

/* mbRoundTrip: the input as a NUL-terminated multibase string, also tried
 * as an Ed25519 public/private multikey and as a did:key. */
static void mbRoundTrip(const char *s) {
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX], did[DIDKEY_MAX];
    uint8_t k[32];
    buf d = BUF_INIT, e = BUF_INIT;
    if (mbDecode(s, &d, err) == 0) {
        if (mbEncode(d.p, d.len, &e) < 0 || strcmp((char *)e.p, s) != 0) abort();
    }
    if (mkDecodeEd25519Pub(s, k, err) == 0) {
        if (mkEncodeEd25519Pub(k, mk) < 0 || strcmp(mk, s) != 0) abort();
    }
    bufReset(&e);
    if (mkDecodeEd25519Priv(s, k, err) == 0) {
        if (mkEncodeEd25519Priv(k, &e) < 0 || strcmp((char *)e.p, s) != 0) abort();
    }
    if (didkeyToPub(s, k, err) == 0) {
        int a = didkeyFromPub(k, did) == 0 && strcmp(did, s) == 0;
        int b = didkeyVm(k, did) == 0 && strcmp(did, s) == 0;
        if (!a && !b) abort();
    }
    bufFree(&d);
    bufWipe(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    b58RoundTrip(data, size);
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    mbRoundTrip(s);
    free(s);
    return 0;
}
