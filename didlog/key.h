/* key.h -- Ed25519 key files: one JSON object, mode 0600.
 *
 *   {"type":"Multikey","publicKeyMultibase":"z6Mk…","secretKeyMultibase":"z3u2…"}
 *
 * secretKeyMultibase is the Multikey form of the 32-byte seed (0x80 0x26 prefix). */
#ifndef WA_KEY_H
#define WA_KEY_H
#include "core/edkey.h"

#define KEYFILE_MAX 4096

/* keyFileWrite: write k to a new file (refuses to overwrite), mode 0600. 0 / -1 + err. */
int keyFileWrite(const char *path, const edKey *k, char *err);

/* keyFileRead: read a key file (must be 0600), check that the public key
 * matches the secret. The caller wipes k with edKeyWipe. 0 / -1 + err. */
int keyFileRead(const char *path, edKey *k, char *err);

/* keyParse: keyFileRead on text already read (e.g. a secret from the
 * environment); origin names it in messages. 0 / -1 + err. */
int keyParse(const char *text, size_t len, const char *origin, edKey *k, char *err);

/* keyPublicArg: a public key named on a command line: a multikey "z6Mk…", a
 * did:key, or a key file path. 0 / -1 + err. */
int keyPublicArg(const char *arg, uint8_t pk[32], char *err);

#endif
