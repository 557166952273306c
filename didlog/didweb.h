/* didweb.h -- the parallel did:web DID of a did:webvh DID (did:webvh v1.0 "Publishing a
 * Parallel did:web DID"): its identifier and the did.json document published beside
 * did.jsonl. Pure functions of their arguments; thread-safe. */
#ifndef WA_DIDWEB_H
#define WA_DIDWEB_H
#include <jansson.h>
#include "core/buf.h"
#include "didlog/webvh.h"

#define WEBVH_DIDWEB_NAME "did.json"   /* the did:web document, beside did.jsonl */

/* webvhDidWebId: the did:web DID of a bare did:webvh DID: "did:webvh:<SCID>:" replaced by
 * "did:web:" (same host, port and path, so did.json sits beside did.jsonl under the
 * did:web DID-to-HTTPS transformation). 0 / -1 + err (not a valid did:webvh DID). */
int webvhDidWebId(const char *did, buf *out, char *err);

/* webvhDidWebDoc: the did:web document of doc, a resolved did:webvh document (its "id" is
 * the DID), by the spec's steps: the implicit #files and #whois services added when doc
 * does not define them; every "did:webvh:<SCID>:" in the document (keys and values)
 * replaced by "did:web:"; the did:webvh DID appended to alsoKnownAs (created when
 * missing); duplicates in alsoKnownAs and the did:web DID itself removed. doc is not
 * changed. A new document / NULL + err (doc has no valid did:webvh id, its alsoKnownAs
 * is not an array of strings, out of memory). */
json_t *webvhDidWebDoc(const json_t *doc, char *err);

/* webvhDidWebFile: the bytes of did.json (JCS form, no newline) for the latest valid
 * version of a verified log (r from webvhVerify). 0 written, 1 nothing to publish (the
 * DID is deactivated: did:web deactivates a DID by removing did.json), -1 + err. */
int webvhDidWebFile(const webvhLog *log, const webvhResult *r, buf *out, char *err);

#endif
