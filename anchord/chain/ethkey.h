/* ethkey.h -- the relayer's secp256k1 key: loading, Ethereum address, recoverable signatures. */
#ifndef WA_ETHKEY_H
#define WA_ETHKEY_H
#include <stddef.h>
#include <stdint.h>
#include "verifier/chain/ethaddr.h"

#define ETH_SIG_LEN 65        /* r || s || recovery id (0/1) */

struct secp256k1_context_struct;
struct p11Key;

/* The relayer key: in memory (sk, ctx), or in a PKCS#11 token (tok; sk unused). */
typedef struct ethKey {
    uint8_t sk[32];                          /* secret; wiped by ethKeyWipe */
    uint8_t addr[ETH_ADDR_LEN];              /* derived address */
    struct secp256k1_context_struct *ctx;    /* signing context (randomised) */
    struct p11Key *tok;                      /* token key (anchord/keys/pkcs11.h), or NULL */
} ethKey;

/* ethKeyLoad: the relayer key from the file path (WA_RELAYER_KEY_FILE, mode
 * 0600 or stricter) or else from $WA_RELAYER_KEY (core/io/secret.h secretRead), 64 hex
 * chars with an optional 0x. The environment copy is zeroed and unset once
 * read. The key is never printed; errors name the source, never the value.
 * A path that is a pkcs11: URI names a secp256k1 key in a token instead
 * (ethKeyTokenOpen). */
int ethKeyLoad(ethKey *k, const char *path, char *err);

/* ethKeyTokenOpen: k over the token's secp256k1 key that uri names (anchord/keys/pkcs11.h:
 * module, PIN, type and pair checks); its address from the token's public key.
 * *code (may be NULL) gets the P11_E* reason. 0 / -1 + err naming WA_RELAYER_KEY_FILE. */
int ethKeyTokenOpen(ethKey *k, const char *uri, int *code, char *err);

/* ethKeyTokenSign: ethSignHash with the token: CKM_ECDSA over the digest, s
 * normalised to the lower half (EIP-2), the recovery id found by recovering
 * both candidates against the key's address. 0 / -1 + err. */
int ethKeyTokenSign(const ethKey *k, const uint8_t hash[32], uint8_t sig[ETH_SIG_LEN], char *err);

/* ethKeyFromBytes: k from a 32-byte secret (checked to be a valid scalar). */
int ethKeyFromBytes(ethKey *k, const uint8_t sk[32], char *err);

/* ethKeyWipe: zero the secret and free the context. Safe on a zeroed ethKey. */
void ethKeyWipe(ethKey *k);

/* ethSignHash: RFC 6979 deterministic, low-s recoverable signature over a
 * 32-byte digest: sig = r || s || recid. 0 / -1 + err. */
int ethSignHash(const ethKey *k, const uint8_t hash[32], uint8_t sig[ETH_SIG_LEN], char *err);

/* ethRecoverAddr: the address that produced sig over hash. 0 / -1 + err. */
int ethRecoverAddr(const uint8_t hash[32], const uint8_t sig[ETH_SIG_LEN], uint8_t addr[ETH_ADDR_LEN], char *err);

#endif
