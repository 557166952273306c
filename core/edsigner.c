/* edsigner.c -- Ed25519 signers: libsodium in memory, or a backend's sign function. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/edsigner.h"

edSigner edSignerMem(const uint8_t sk[64]) {
    edSigner s = {.sk = sk};
    memcpy(s.pk, sk + 32, 32);   /* libsodium's sk is seed || pk */
    return s;
}

/* memClose: wipe and free the heap copy of edSignerFromKey. */
static void memClose(void *ctx) {
    edKeyWipe(ctx);
    free(ctx);
}

int edSignerFromKey(edSigner *s, const edKey *k, char *err) {
    memset(s, 0, sizeof *s);
    edKey *copy = malloc(sizeof *copy);
    if (!copy) return errSet(err, "ed25519 signer: out of memory");
    *copy = *k;
    *s = edSignerMem(copy->sk);
    s->ctx = copy;
    s->close = memClose;
    return 0;
}

edSigner edSignerBorrow(const edSigner *s) {
    edSigner b = *s;
    b.close = NULL;
    return b;
}

int edSignerSign(const edSigner *s, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err) {
    if (s->sk) {
        crypto_sign_detached(sig, NULL, msg, len, s->sk);
        return 0;
    }
    if (!s->sign) return errSet(err, "ed25519 signer: no key loaded");
    return s->sign(s->ctx, msg, len, sig, err);
}

void edSignerClose(edSigner *s) {
    if (s->close) s->close(s->ctx);
    sodium_memzero(s, sizeof *s);
}
