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
 * ttl (string). A deactivated DID resolved without a query has didDocument null. */
json_t *webvhResolution(const webvhLog *log, const webvhResult *r, const webvhQuery *q, char *err);

#endif
