/* resolution.h -- DID resolution results (W3C DID Resolution) for did:webvh logs,
 * with the versionId / versionTime / versionNumber queries of v1.0. */
#ifndef WA_RESOLUTION_H
#define WA_RESOLUTION_H
#include <jansson.h>
#include "didlog/webvh.h"

typedef struct webvhQuery {
    char versionId[128];         /* "" = not asked */
    long versionNumber;          /* 0 = not asked; < 0 = asked but not a positive integer */
    int hasNumber;
    double versionTime;
    int hasTime;
} webvhQuery;

/* webvhQueryParse: the query of a DID URL ("did:webvh:…?versionId=…&…"),
 * values percent-decoded; unknown parameters are ignored. 0 / -1 + err. */
int webvhQueryParse(const char *didUrl, webvhQuery *q, char *err);

/* webvhQuerySet: set one query parameter by name from a CLI value. 0 / -1 + err. */
int webvhQuerySet(webvhQuery *q, const char *name, const char *value, char *err);

/* webvhSelect: the entry index a query (NULL = latest) resolves to in a
 * verified log, or -1 with *code = "notFound" / r->code. */
long webvhSelect(const webvhLog *log, const webvhResult *r, const webvhQuery *q, const char **code);

/* webvhResolution: the DID resolution result {didDocument, didDocumentMetadata,
 * didResolutionMetadata} for a verified log and query. Metadata: versionId,
 * versionNumber, versionTime, created, updated, scid, portable, deactivated,
 * updateKeys, nextKeyHashes, prerotation, witness (threshold as a string), watchers,
 * ttl (string). A deactivated DID resolved without a query has didDocument null. The
 * document carries the implicit services (webvhImplicitServices). */
json_t *webvhResolution(const webvhLog *log, const webvhResult *r, const webvhQuery *q, char *err);

/* webvhFilesBase: the base URL of a did:webvh DID's files, the endpoint of its implicit
 * #files service: "https://host[:port]/path/" (always ending in '/'; no .well-known).
 * 0 / -1 + err (not a did:webvh DID). */
int webvhFilesBase(const char *did, buf *out, char *err);

/* webvhImplicitServices: add to doc (a DID document; its "id" is the DID) the services
 * did:webvh v1.0 implies, unless doc's service array already has that id ("#files" or
 * "<did>#files"): {"id":"<did>#files","type":"relativeRef","serviceEndpoint":<files base>}
 * and {"@context":"https://identity.foundation/linked-vp/contexts/v1","id":"<did>#whois",
 * "type":"LinkedVerifiablePresentation","serviceEndpoint":<files base>"whois.vp"}.
 * A doc whose service is not an array is left as is. 0 / -1 + err. */
int webvhImplicitServices(json_t *doc, char *err);

#endif
