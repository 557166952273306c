/* di.h -- W3C Data Integrity proofs with the eddsa-jcs-2022 cryptosuite.
 *
 * hashData = SHA-256(JCS(proofConfig)) || SHA-256(JCS(document without proof));
 * proofValue = multibase base58btc of the Ed25519 signature over hashData.
 * proofConfig carries the document's @context when the document has one. */
#ifndef WA_DI_H
#define WA_DI_H
#include <stdint.h>
#include <jansson.h>

/* diSign: build and return a new proof object for doc (doc's own "proof", if
 * any, is ignored). opts holds the proof options: "type" (DataIntegrityProof),
 * "cryptosuite" (eddsa-jcs-2022), "verificationMethod", "proofPurpose" and
 * optionally "created", "challenge", "domain", "expires". sk is libsodium's
 * 64-byte secret key. NULL + err on failure. */
json_t *diSign(const json_t *doc, const json_t *opts, const uint8_t sk[64], char *err);

struct edSigner;
/* diSignWith: diSign with the key of a signer (core/edsigner.h: in memory or
 * in a token). NULL + err, also when the signer fails. */
json_t *diSignWith(const json_t *doc, const json_t *opts, const struct edSigner *key, char *err);

/* diVerify: check one proof over doc (doc's own "proof" member, if any, is
 * ignored) with the Ed25519 public key pk. Checks type, cryptosuite, that
 * proofValue is multibase z and 64 bytes, @context consistency, then the
 * signature. 0 valid, -1 + err with the specific reason. */
int diVerify(const json_t *doc, const json_t *proof, const uint8_t pk[32], char *err);

/* diProofConfig: the proof configuration diSign signs for doc: a copy of opts
 * (checked as diSign does) with "@context" set to the document's when it has
 * one. Exposed for tests and tools. New object, or NULL + err. */
json_t *diProofConfig(const json_t *doc, const json_t *opts, char *err);

/* diHashData: the 64 bytes that are signed: SHA-256(JCS(proofConfig)) ||
 * SHA-256(JCS(doc without "proof")). 0 / -1 + err (e.g. a value JCS refuses). */
int diHashData(const json_t *doc, const json_t *proofConfig, uint8_t out[64], char *err);

#endif
