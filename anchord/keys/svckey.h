/* svckey.h -- the service's Ed25519 keys (publisher update key, the publisher key
 * being rotated out, witness key) as signers (core/edsigner.h).
 *
 * A key's *_KEY_FILE setting holds a 0600 key file (or its WA_*_KEY variable the
 * value), loaded into memory as before; or an RFC 7512 pkcs11: URI, and the key
 * stays in the token (anchord/keys/pkcs11.h: module, PIN, checks). who is "PUBLISHER",
 * "PREVIOUS_PUBLISHER" or "WITNESS" as in configSecret. Errors name the setting.
 * Thread safety: the signers are (see pkcs11.h); loading is for one thread. */
#ifndef WA_SVCKEY_H
#define WA_SVCKEY_H
#include <stdint.h>
#include "core/edsigner.h"
#include "anchord/config/config.h"

/* svcKeyOpen: the key `who` as a signer. forSigning 0: only its public key is
 * wanted (a token key is then read without the PIN). *code (may be NULL) gets the
 * P11_E* reason of a token failure, else P11_OK. 1 loaded (close it with
 * edSignerClose), 0 not configured, -1 + err. */
int svcKeyOpen(const config *c, const char *who, int forSigning, edSigner *s, int *code, char *err);

/* svcKeysOpen: the publisher key (required) and the witness key, which is the
 * publisher key (borrowed) when not configured. wit may be NULL. 0 / -1 + err
 * (nothing left open). */
int svcKeysOpen(const config *c, edSigner *pub, edSigner *wit, char *err);

/* svcKeysPublic: the public keys of the publisher and witness keys (witness =
 * publisher when not configured); a token is not logged in to. 0 / -1 + err. */
int svcKeysPublic(const config *c, uint8_t pub[32], uint8_t wit[32], char *err);

#endif
