/* key.c -- Ed25519 key files (JSON, mode 0600) and public keys named on command lines. */
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "core/err.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/io/file.h"
#include "didlog/key.h"

int keyFileWrite(const char *path, const edKey *k, char *err) {
    if (access(path, F_OK) == 0) return errSet(err, "%s: exists; refusing to overwrite a key file", path);
    char pub[MULTIKEY_PUB_MAX];
    buf sec = BUF_INIT, out = BUF_INIT;
    int rc = -1;
    if (mkEncodeEd25519Pub(k->pk, pub) < 0 || edKeyToMultikey(k, &sec) < 0 ||
        bufPrintf(&out, "{\"type\":\"Multikey\",\"publicKeyMultibase\":\"%s\",\"secretKeyMultibase\":\"%s\"}\n", pub,
                  (const char *)sec.p) < 0)
        errSet(err, "out of memory");
    else
        rc = fileWrite(path, out.p, out.len, 0600, err);
    bufWipe(&sec);
    bufWipe(&out);
    return rc;
}

int keyFileRead(const char *path, edKey *k, char *err) {
    buf raw = BUF_INIT;
    if (fileSecretRead(path, KEYFILE_MAX, &raw, err) < 0) { bufWipe(&raw); return -1; }
    int rc = keyParse((const char *)raw.p, raw.len, path, k, err);
    bufWipe(&raw);
    return rc;
}

int keyParse(const char *text, size_t len, const char *origin, edKey *k, char *err) {
    char jerr[ERR_MAX];
    json_t *j = jsonParse(text, len, KEYFILE_MAX, 4, jerr);
    if (!j) return errSet(err, "%s: not a key file: %s", origin, jerr);
    const char *sec = jsonGetStr(j, "secretKeyMultibase"), *pub = jsonGetStr(j, "publicKeyMultibase");
    uint8_t pk[32];
    int rc = -1;
    if (!sec || !pub) errSet(err, "%s: needs publicKeyMultibase and secretKeyMultibase", origin);
    else if (edKeyFromMultikey(sec, k, err) < 0) ;
    else if (mkDecodeEd25519Pub(pub, pk, err) < 0 || sodium_memcmp(pk, k->pk, 32) != 0)
        errSet(err, "%s: publicKeyMultibase does not belong to the secret key", origin), edKeyWipe(k);
    else rc = 0;
    /* The secret string lives in jansson's memory: wipe it before freeing. */
    json_t *s = json_object_get(j, "secretKeyMultibase");
    if (json_is_string(s)) sodium_memzero((char *)json_string_value(s), json_string_length(s));
    json_decref(j);
    return rc;
}

int keyPublicArg(const char *arg, uint8_t pk[32], char *err) {
    if (!strncmp(arg, "did:key:", 8)) return didkeyToPub(arg, pk, err);
    if (arg[0] == 'z' && access(arg, F_OK) != 0) return mkDecodeEd25519Pub(arg, pk, err);
    edKey k;
    if (keyFileRead(arg, &k, err) < 0) return -1;
    memcpy(pk, k.pk, 32);
    edKeyWipe(&k);
    return 0;
}
