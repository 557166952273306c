/* svckey.c -- service Ed25519 keys: a key file in memory, or a pkcs11: URI's token key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/edkey.h"
#include "core/err.h"
#include "anchord/keys/pkcs11.h"
#include "anchord/keys/svckey.h"

/* tokenSign / tokenClose: the edSigner backend over a p11Key. */
static int tokenSign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err) {
    return p11KeySign(ctx, msg, len, sig, err);
}

static void tokenClose(void *ctx) {
    p11KeyClose(ctx);
}

/* originOf: how messages name the key of who. */
static const char *originOf(const char *who) {
    return !strcmp(who, "PUBLISHER") ? "publisher key" : !strcmp(who, "WITNESS") ? "witness key" : "previous publisher key";
}

/* openToken: the token key the URI names, as a signer. */
static int openToken(const char *uri, const char *who, int forSigning, edSigner *s, int *code, char *err) {
    char setting[48], env[48];
    snprintf(setting, sizeof setting, "WA_%s_KEY_FILE", who);
    snprintf(env, sizeof env, "WA_%s_KEY", who);
    const char *v = getenv(env);
    if (v && *v) return errSet(err, "both %s and %s are set; use one", env, setting);
    p11Key *k = p11KeyOpen(uri, P11_ED25519, forSigning, setting, code, err);
    if (!k) return -1;
    uint8_t pub[P11_PUB_MAX];
    p11KeyPub(k, pub);   /* 32 bytes for an Ed25519 key */
    memset(s, 0, sizeof *s);
    memcpy(s->pk, pub, 32);
    s->sign = tokenSign;
    s->ctx = k;
    s->close = tokenClose;
    return 1;
}

int svcKeyOpen(const config *c, const char *who, int forSigning, edSigner *s, int *code, char *err) {
    int ignored;
    if (!code) code = &ignored;
    *code = P11_OK;
    memset(s, 0, sizeof *s);
    const char *path = configKeyFile(c, who);
    if (!path) return errSet(err, "svcKeyOpen: unknown key %s", who);
    if (p11IsUri(path)) return openToken(path, who, forSigning, s, code, err);
    edKey k;
    int rc = configEdKey(c, who, originOf(who), &k, err);
    if (rc <= 0) return rc;
    rc = edSignerFromKey(s, &k, err) < 0 ? -1 : 1;
    edKeyWipe(&k);
    return rc;
}

int svcKeysOpen(const config *c, edSigner *pub, edSigner *wit, char *err) {
    int rc = svcKeyOpen(c, "PUBLISHER", 1, pub, NULL, err);
    if (rc == 0) errSet(err, "no publisher key: set WA_PUBLISHER_KEY_FILE (a 0600 file or a pkcs11: URI) or WA_PUBLISHER_KEY");
    if (rc <= 0) return -1;
    if (!wit) return 0;
    rc = svcKeyOpen(c, "WITNESS", 1, wit, NULL, err);
    if (rc == 0) *wit = edSignerBorrow(pub);
    if (rc < 0) edSignerClose(pub);
    return rc < 0 ? -1 : 0;
}

int svcKeysPublic(const config *c, uint8_t pub[32], uint8_t wit[32], char *err) {
    edSigner s;
    int rc = svcKeyOpen(c, "PUBLISHER", 0, &s, NULL, err);
    if (rc == 0) errSet(err, "no publisher key: set WA_PUBLISHER_KEY_FILE (a 0600 file or a pkcs11: URI) or WA_PUBLISHER_KEY");
    if (rc <= 0) return -1;
    memcpy(pub, s.pk, 32);
    edSignerClose(&s);
    if ((rc = svcKeyOpen(c, "WITNESS", 0, &s, NULL, err)) < 0) return -1;
    memcpy(wit, rc ? s.pk : pub, 32);
    edSignerClose(&s);
    return 0;
}
