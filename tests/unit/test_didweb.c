/* test_didweb.c -- didlog/didweb.h: the parallel did:web DID and document of did:webvh
 * v1.0 "Publishing a Parallel did:web DID" (implicit services, text replacement,
 * alsoKnownAs both ways, duplicates), and the did.json bytes of a verified log.
 * A did:web resolver from npm reads what the worker publishes in
 * tests/integration/didlog.sh and pipeline suites. */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"
#include "didlog/didweb.h"

#define SCID "QmSubjectSubjectSubjectSubjectSubjectSubject12"
#define DID "did:webvh:" SCID ":example.com%3A8443:dids:alice"
#define WEB "did:web:example.com%3A8443:dids:alice"

/* webOf: the did:web document of the JSON text s as JCS ("" + err on failure). */
static const char *webOf(const char *s) {
    static char out[4096];
    char err[ERR_MAX];
    json_t *doc = jsonParse(s, strlen(s), 65536, 64, err), *web = doc ? webvhDidWebDoc(doc, err) : NULL;
    char *j = web ? jcsDump(web, NULL, err) : NULL;
    snprintf(out, sizeof out, "%s", j ? j : "");
    free(j);
    json_decref(doc);
    json_decref(web);
    return out;
}

int main(void) {
    char err[ERR_MAX];
    buf b = BUF_INIT;
    T_CHECK(webvhDidWebId(DID, &b, err) == 0 && !strcmp((const char *)b.p, WEB), "did:web id: same host, port and path");
    T_CHECK(webvhDidWebId("did:webvh:" SCID ":example.com", &b, err) == 0 && !strcmp((const char *)b.p, "did:web:example.com"),
            "did:web id without a path (did.json under .well-known)");
    T_CHECK(webvhDidWebId("did:webvh:{SCID}:example.com", &b, err) < 0, "a placeholder DID has no did:web");
    T_CHECK(webvhDidWebId("did:web:example.com", &b, err) < 0, "not a did:webvh DID");

    const char *w = webOf("{\"@context\":[\"https://www.w3.org/ns/did/v1\"],\"id\":\"" DID "\","
                          "\"verificationMethod\":[{\"id\":\"" DID "#k1\",\"controller\":\"" DID "\",\"type\":\"Multikey\","
                          "\"publicKeyMultibase\":\"z6Mk\"}],\"assertionMethod\":[\"" DID "#k1\"],\"n\":690,\"f\":0.6}");
    T_CHECK(!strstr(w, "did:webvh:" SCID ":example.com%3A8443:dids:alice#"), "no did:webvh reference left but alsoKnownAs");
    T_CHECK(strstr(w, "\"id\":\"" WEB "\"") != NULL, "id is the did:web DID");
    T_CHECK(strstr(w, "\"controller\":\"" WEB "\"") && strstr(w, "\"assertionMethod\":[\"" WEB "#k1\"]"), "references replaced");
    T_CHECK(strstr(w, "\"alsoKnownAs\":[\"" DID "\"]") != NULL, "alsoKnownAs holds the did:webvh DID");
    T_CHECK(strstr(w, "{\"id\":\"" WEB "#files\",\"serviceEndpoint\":\"https://example.com:8443/dids/alice/\",\"type\":\"relativeRef\"}") != NULL,
            "implicit #files service added (did:web id)");
    T_CHECK(strstr(w, "\"id\":\"" WEB "#whois\"") && strstr(w, "\"serviceEndpoint\":\"https://example.com:8443/dids/alice/whois.vp\""),
            "implicit #whois service added");
    T_CHECK(strstr(w, "\"n\":690") && strstr(w, "\"f\":0.6"), "numbers kept in JCS form");

    w = webOf("{\"id\":\"" DID "\",\"alsoKnownAs\":[\"" WEB "\",\"https://a.example\",\"" DID "\",\"https://a.example\"],"
              "\"service\":[{\"id\":\"#files\",\"type\":\"relativeRef\",\"serviceEndpoint\":\"https://cdn.example/x/\"}]}");
    T_CHECK(strstr(w, "\"alsoKnownAs\":[\"https://a.example\",\"" DID "\"]") != NULL,
            "alsoKnownAs: the did:web DID itself and duplicates removed, did:webvh once");
    T_CHECK(strstr(w, "https://cdn.example/x/") && !strstr(w, WEB "#files"), "a defined #files service is kept, not doubled");

    T_CHECK(!webOf("{\"id\":\"" DID "\",\"alsoKnownAs\":\"x\"}")[0], "alsoKnownAs not an array: refused");
    T_CHECK(!webOf("{\"id\":\"" DID "\",\"alsoKnownAs\":[1]}")[0], "alsoKnownAs with a number: refused");
    T_CHECK(!webOf("{\"id\":\"did:web:example.com\"}")[0], "a did:web document is not a did:webvh one");
    T_CHECK(!webOf("{\"a\":1}")[0], "no id: refused");
    bufFree(&b);
    return T_DONE();
}
