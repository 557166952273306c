/* edsigner.h -- who makes an Ed25519 signature: libsodium over a key held in memory,
 * or a backend that holds the key and never hands it out (a PKCS#11 token,
 * anchord/keys/svckey.h).
 *
 * Callers sign through edSignerSign and read the public key from pk; neither
 * needs the private key. The in-memory path is one crypto_sign_detached call, as
 * before signers existed. Thread safety: an in-memory signer is safe to share; a
 * backend states its own (the PKCS#11 one serialises its session). Errors: 0 / -1
 * + err (core/err.h); messages never hold key material. */
#ifndef WA_EDSIGNER_H
#define WA_EDSIGNER_H
#include <stddef.h>
#include <stdint.h>
#include "core/edkey.h"

#define ED_SIG_LEN 64

/* edSignFn: a backend's RFC 8032 Ed25519 signature of msg. 0 / -1 + err. */
typedef int (*edSignFn)(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err);

typedef struct edSigner {
    uint8_t pk[32];              /* the public key */
    const uint8_t *sk;           /* in memory: libsodium's 64-byte secret key, else NULL */
    edSignFn sign;               /* else: the backend holding the key */
    void *ctx;                   /* the backend's state, or the heap copy of an edKey */
    void (*close)(void *ctx);    /* releases ctx; NULL when this signer owns nothing */
} edSigner;

/* edSignerMem: a signer over sk (libsodium 64-byte form) that owns nothing: sk
 * must outlive it. */
edSigner edSignerMem(const uint8_t sk[64]);

/* edSignerFromKey: a signer owning a private heap copy of k (the caller may wipe
 * k at once). 0 / -1 + err (out of memory). */
int edSignerFromKey(edSigner *s, const edKey *k, char *err);

/* edSignerBorrow: the same key as s, owning nothing (s must outlive it). */
edSigner edSignerBorrow(const edSigner *s);

/* edSignerSign: sig = Ed25519 signature of msg by s's key. 0 / -1 + err. */
int edSignerSign(const edSigner *s, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err);

/* edSignerClose: release what s owns (the key copy wiped) and zero s. Safe on a
 * zeroed or borrowed signer. */
void edSignerClose(edSigner *s);

#endif
