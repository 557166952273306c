/* pkcs11.h -- signing keys that stay in a PKCS#11 token, named by RFC 7512 URIs,
 * loaded through p11-kit.
 *
 *   pkcs11:token=wa;object=publisher?module-path=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so&pin-source=file:/etc/wa/pin
 *
 * The module: module-path= in the URI, else module-name= among the modules
 * registered with p11-kit (/usr/share/p11-kit/modules), else every registered
 * module; exactly one token must match the URI's token attributes. The PIN:
 * pin-source=file:PATH in the URI (a 0600 file), else $WA_PKCS11_PIN (zeroed and
 * unset once read: further keys on a token already logged in need no PIN; keys
 * on another token then need their own pin-source). pin-value= is refused (a PIN
 * in a setting would sit in the config file). Each PIN copy is wiped after C_Login.
 *
 * Nothing private is ever read out: no CKA_VALUE is asked for. The public key
 * comes from the public key object beside the private one (same CKA_ID, else same
 * label), or from the private key's CKA_EC_POINT where a token offers it; opening
 * for signing checks it against a signature of the token. Keys the service
 * generates (p11KeyGenerate) are CKA_SENSITIVE and not CKA_EXTRACTABLE.
 *
 * Errors: NULL / -1 with one line in err that starts with the setting's name, and
 * a P11_E* code in *code for callers and tests (never decide on the text).
 * Thread safety: p11KeySign may be called from any thread: each signature takes one
 * of up to 8 sessions of the key (fewer when the token allows fewer), so threads sign
 * in parallel up to that; open and close from one thread. */
#ifndef WA_PKCS11_H
#define WA_PKCS11_H
#include <stddef.h>
#include <stdint.h>

enum { P11_ED25519 = 1, P11_SECP256K1 = 2 };

/* Why an open failed. */
enum {
    P11_OK = 0,
    P11_EURI = 1,     /* not a usable pkcs11: URI (syntax, pin-value, an unknown attribute) */
    P11_EMODULE = 2,  /* the module does not load or initialise; none registered */
    P11_ETOKEN = 3,   /* no token (or more than one) matches the URI */
    P11_EPIN = 4,     /* no PIN, wrong PIN, PIN locked, unreadable pin-source */
    P11_EKEY = 5,     /* no such key (or several), no public key beside it, already exists */
    P11_ETYPE = 6,    /* a key of another type or curve, or one that may not sign */
    P11_EFAIL = 7,    /* anything else the token answered (see the message) */
};

#define P11_PUB_MAX 65   /* Ed25519: 32 bytes; secp256k1: 65 (0x04 || X || Y) */
#define P11_SIG_LEN 64   /* Ed25519 signature, or ECDSA r || s */

typedef struct p11Key p11Key;

/* p11IsUri: 1 when s names a token key ("pkcs11:..."). */
int p11IsUri(const char *s);

/* p11KeyOpen: the key of kind (P11_ED25519 or P11_SECP256K1) that uri names.
 * forSigning: log in, find the private key, check its type, that it may sign,
 * and that a test signature verifies under the public key; else only the public
 * key object is read (no PIN needed). setting names the setting in messages
 * ("WA_PUBLISHER_KEY_FILE"). NULL + *code + err on failure. */
p11Key *p11KeyOpen(const char *uri, int kind, int forSigning, const char *setting, int *code, char *err);

/* p11KeyPub: the public key (32 or 65 bytes, see P11_PUB_MAX) into pub; its length. */
size_t p11KeyPub(const p11Key *k, uint8_t pub[P11_PUB_MAX]);

/* p11KeyExportable: 1 when the token would let the private key out (not
 * CKA_SENSITIVE, or CKA_EXTRACTABLE; an attribute it does not report counts as
 * the worse case): worth a warning, since this service never asks for it. */
int p11KeyExportable(const p11Key *k);

/* p11KeySign: CKM_EDDSA (Ed25519) over msg, or CKM_ECDSA over msg (a 32-byte
 * digest: the token does not hash) giving r || s, as the token made them (the
 * caller normalises s). Keys opened for signing only. 0 / -1 + err. */
int p11KeySign(p11Key *k, const uint8_t *msg, size_t len, uint8_t sig[P11_SIG_LEN], char *err);

/* p11KeyClose: close the session, release the module. Safe on NULL. */
void p11KeyClose(p11Key *k);

/* p11KeyGenerate: a new key pair of kind in the token uri names, labelled with
 * its object= (required) and id= (16 random bytes when absent): private half
 * CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN; public
 * half CKA_VERIFY, readable without login. Refuses when a key with that label or
 * id exists. Returns the key opened for signing (checked like p11KeyOpen), or
 * NULL + *code + err. */
p11Key *p11KeyGenerate(const char *uri, int kind, const char *setting, int *code, char *err);

#endif
