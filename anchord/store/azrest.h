/* azrest.h -- the Azure Blob REST pieces without I/O: azblob:// URLs, connection strings,
 * Shared Key signing, RFC 1123 dates and List Blobs pages. store_az.c does the HTTP.
 *
 * Shared Key as "Authorize with Shared Key" (learn.microsoft.com/rest/api/storageservices/
 * authorize-with-shared-key) gives it for the Blob service, version 2009-09-19 and later:
 *   StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length \n
 *                  Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
 *                  If-None-Match \n If-Unmodified-Since \n Range \n
 *                  CanonicalizedHeaders CanonicalizedResource
 *   Authorization: SharedKey <account>:Base64(HMAC-SHA256(Base64Decode(key), StringToSign))
 * Content-Length is empty when it is 0 (version 2015-02-21 and later).
 *
 * Pure functions, thread-safe; 0 / -1 + err (core/err.h). Secrets (keys, SAS tokens) are
 * never written into err. Unit-tested by tests/unit/test_azrest.c. */
#ifndef WA_AZREST_H
#define WA_AZREST_H
#include <stddef.h>
#include <time.h>
#include "core/buf.h"
#include "anchord/store/store.h"

#define AZ_VERSION "2024-11-04"  /* x-ms-version: pinned (Azure and Azurite 3.35.0 both serve it) */
#define AZ_SIG_MAX 48        /* base64 of a 32-byte HMAC (44) + NUL, rounded */
#define AZ_DATE_MAX 32       /* "Sun, 06 Nov 1994 08:49:37 GMT" + NUL */

/* One request header: name as sent, value as sent. */
typedef struct azHdr { const char *name, *value; } azHdr;

/* The connection-string fields the store uses; each malloc'd, NULL when absent. */
typedef struct azConn {
    char *accountName, *accountKey, *blobEndpoint, *protocol, *endpointSuffix, *sas;
} azConn;

/* azUrlSplit: rest of "azblob://ACCOUNT/CONTAINER[/PREFIX]" into its parts (each
 * malloc'd; prefix "" when absent, without leading or trailing '/'). Account: 3-24 of
 * a-z 0-9; container: 3-63 of a-z 0-9 -, starting with a letter or digit, no "--", not
 * ending in '-'; prefix: a store key (storeKeyCheck). NULL outputs only check. */
int azUrlSplit(const char *rest, char **account, char **container, char **prefix, char *err);

/* azConnParse: "Key=Value;..." (keys case-insensitive, values may hold '=', empty parts
 * ignored) into c. Unknown keys are ignored (QueueEndpoint, ...); UseDevelopmentStorage
 * is refused (spell the emulator out with BlobEndpoint). Free with azConnFree. */
int azConnParse(const char *cs, azConn *c, char *err);

/* azConnFree: wipe the secrets and free every field; c is zeroed. */
void azConnFree(azConn *c);

/* azKeyDecode: the base64 account key into a malloc'd *key of *len bytes (wipe it with
 * sodium_memzero before free). -1 + err naming `what` (the setting) if not base64. */
int azKeyDecode(const char *b64, const char *what, unsigned char **key, size_t *len, char *err);

/* azCanonResource: "/" account path, then one "\nname:value" line per query parameter,
 * names lower-cased and sorted, values percent-decoded (several values of one name:
 * sorted, joined by ','). path is the URL path exactly as sent (percent-encoded); query
 * the raw query without '?' (NULL or "" = none). */
int azCanonResource(buf *out, const char *account, const char *path, const char *query, char *err);

/* azStringToSign: the Shared Key string for method, the request headers h[0..n) (the
 * standard ones are picked by name, case-insensitive; every x-ms-* header is
 * canonicalized: lower-cased, sorted, value trimmed, runs of whitespace made one space),
 * the body length and the canonicalized resource. */
int azStringToSign(buf *out, const char *method, const azHdr *h, size_t n, size_t contentLength,
                   const char *canonRes, char *err);

/* azSignature: Base64(HMAC-SHA256(key, sts)) into out. */
void azSignature(const unsigned char *key, size_t keylen, const char *sts, size_t n, char out[AZ_SIG_MAX]);

/* azHttpDate: t as an RFC 1123 date ("Sun, 06 Nov 1994 08:49:37 GMT"), locale-free. */
void azHttpDate(time_t t, char out[AZ_DATE_MAX]);

/* azListPage: hand each <Blob>'s <Name> (minus its first `skip` bytes) and
 * <Content-Length> of one List Blobs page to fn; marker gets <NextMarker> ("" = last
 * page). 0, 1 (fn stopped) or -1 (malformed page, or a marker longer than mlen - 1). */
int azListPage(const char *xml, size_t skip, storeListFn *fn, void *ctx, char *marker, size_t mlen);

/* azGetOutcome: a finished Get Blob or Get Blob Properties (HEAD) of transport outcome
 * httpRc (HTTP_*, core/io/http.h) and code (x-ms-error-code): 200 STORE_OK; a body over
 * the caller's max STORE_TOOLARGE; 404 BlobNotFound STORE_NOTFOUND (a missing container or
 * account is an error, never "not found"); anything else STORE_ERR. */
int azGetOutcome(int httpRc, long status, const char *code);

/* azPutOutcome: a settled, unambiguous Put Blob under cond: 2xx STORE_OK; lost races
 * STORE_CONFLICT -- 412 ConditionNotMet (If-Match stale; Azurite also for If-Match on a
 * missing blob), 409 BlobAlreadyExists (If-None-Match: *), 404 BlobNotFound (If-Match);
 * anything else STORE_ERR. */
int azPutOutcome(storeCond cond, int httpRc, long status, const char *code);

/* azDeleteOutcome: Delete Blob: 200, 202 and 404 BlobNotFound (already gone) STORE_OK;
 * anything else (a missing container included) STORE_ERR. */
int azDeleteOutcome(int httpRc, long status, const char *code);

/* azDefinite409: 1 when a 409 to a conditional Put Blob with this code is a definite lost
 * race (BlobAlreadyExists: the blob was there before); any other 409 is ambiguous. */
int azDefinite409(const char *code);

/* azHint: what to check for a well-known Azure error code, or NULL. */
const char *azHint(const char *code);

/* azCorsRules: the CORS rules of a Get Blob Service Properties answer (the account's
 * blob service): returns how many <CorsRule>s it holds (0 = none), and *open = 1 when one
 * of them lets any origin GET and read the ETag -- AllowedOrigins lists "*", AllowedMethods
 * GET, ExposedHeaders "ETag" or a pattern covering it ("*", "e*"); lists are comma-
 * separated, compared ignoring case and spaces. -1 when xml is not such an answer. */
int azCorsRules(const char *xml, int *open);

#endif
