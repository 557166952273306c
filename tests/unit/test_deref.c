/* test_deref.c -- didlog/deref.h and the implicit services of resolution.h without a
 * network: DID URL parsing (path checks), the #files / #whois endpoints
 * (webvhImplicitServices), service URLs (path and ?service=&relativeRef= agree; DID
 * Resolution's example), fragment dereferencing and carried-over resolution errors.
 * Paths that fetch are tested end to end in tests/integration/didlog.sh. */
#include "t.h"
#include "core/err.h"
#include "core/json.h"
#include "didlog/deref.h"
#include "didlog/resolution.h"

#define DID "did:webvh:QmSubjectSubjectSubjectSubjectSubjectSubject12:example.com%3A8443:dids:alice"

/* parseOk: url parses; 1 / 0. */
static int parseOk(const char *url) {
    webvhDidUrl u;
    char err[ERR_MAX];
    int ok = webvhDidUrlParse(url, &u, err) == 0;
    webvhDidUrlFree(&u);
    return ok;
}

/* svcUrl: webvhServiceUrl of url against doc, "" + code on failure. */
static const char *svcUrl(const json_t *doc, const char *url, const char **code) {
    static char out[512];
    webvhDidUrl u;
    buf b = BUF_INIT;
    char err[ERR_MAX];
    out[0] = 0;
    *code = NULL;
    if (webvhDidUrlParse(url, &u, err) == 0 && webvhServiceUrl(doc, &u, &b, code, err) == 0) snprintf(out, sizeof out, "%s", (const char *)b.p);
    webvhDidUrlFree(&u);
    bufFree(&b);
    return out;
}

/* deref: webvhDereference of url against res (no fetch: service / fragment only). */
static json_t *deref(const json_t *res, const char *url) {
    webvhDidUrl u;
    char err[ERR_MAX];
    json_t *d = webvhDidUrlParse(url, &u, err) == 0 ? webvhDereference(res, &u, NULL, err) : NULL;
    webvhDidUrlFree(&u);
    return d;
}

static const char *derefErr(const json_t *d) { return jsonGetStr(json_object_get(d, "dereferencingMetadata"), "error"); }

int main(void) {
    char err[ERR_MAX];
    T_CHECK(parseOk(DID "/whois"), "a /whois path parses");
    T_CHECK(parseOk(DID "/path/to/file.txt?versionNumber=1"), "a path with a version query parses");
    T_CHECK(!parseOk(DID "/a/../b"), "'..' refused");
    T_CHECK(!parseOk(DID "/a/%2e%2E/b"), "encoded '..' refused");
    T_CHECK(!parseOk(DID "/a/%2Fetc"), "encoded '/' refused");
    T_CHECK(!parseOk(DID "/a//b"), "empty segment refused");
    T_CHECK(!parseOk(DID "/"), "bare '/' refused");
    T_CHECK(!parseOk(DID "/a%00b"), "NUL refused");
    T_CHECK(!parseOk(DID "/a b"), "space refused");
    T_CHECK(!parseOk(DID "?relativeRef=/x"), "relativeRef without service refused");
    T_CHECK(!parseOk(DID "/x?service=files"), "a path and service refused");
    T_CHECK(!parseOk("did:web:example.com/x"), "not did:webvh refused");

    json_t *doc = json_pack("{ss s[{ss ss ss}]}", "id", DID, "verificationMethod", "id", DID "#k1", "type", "Multikey",
                            "publicKeyMultibase", "z6Mk");
    T_CHECK(webvhImplicitServices(doc, err) == 0, "implicit services added");
    json_t *svc = json_object_get(doc, "service");
    T_CHECK(json_array_size(svc) == 2, "two services");
    T_CHECK(!strcmp(jsonGetStr(json_array_get(svc, 0), "serviceEndpoint"), "https://example.com:8443/dids/alice/"), "#files endpoint");
    T_CHECK(!strcmp(jsonGetStr(json_array_get(svc, 0), "id"), DID "#files"), "#files id absolute");
    T_CHECK(!strcmp(jsonGetStr(json_array_get(svc, 1), "serviceEndpoint"), "https://example.com:8443/dids/alice/whois.vp"), "#whois endpoint");
    T_CHECK(webvhImplicitServices(doc, err) == 0 && json_array_size(svc) == 2, "not added twice");
    json_t *own = json_pack("{ss s[{ss ss ss}]}", "id", DID, "service", "id", "#files", "type", "relativeRef", "serviceEndpoint",
                            "https://cdn.example.org/alice");
    T_CHECK(webvhImplicitServices(own, err) == 0 && json_array_size(json_object_get(own, "service")) == 2, "own #files kept, #whois added");

    const char *code;
    T_CHECK(!strcmp(svcUrl(doc, DID "/whois", &code), "https://example.com:8443/dids/alice/whois.vp"), "/whois");
    T_CHECK(!strcmp(svcUrl(doc, DID "/a/b.json", &code), "https://example.com:8443/dids/alice/a/b.json"), "/a/b.json");
    T_CHECK(!strcmp(svcUrl(doc, DID "?service=files&relativeRef=%2Fa%2Fb.json", &code), "https://example.com:8443/dids/alice/a/b.json"),
            "relativeRef equals the path");
    T_CHECK(!strcmp(svcUrl(own, DID "/a/b.json", &code), "https://cdn.example.org/alice/a/b.json"), "own #files without '/' is a directory");
    T_CHECK(!*svcUrl(doc, DID "?service=files&relativeRef=https://evil.example/x", &code) && !strcmp(code, "invalidDidUrl"), "absolute relativeRef refused");
    T_CHECK(!*svcUrl(doc, DID "?service=files&relativeRef=/a/%2E%2E/%2E%2E/x", &code) && !strcmp(code, "invalidDidUrl"), "relativeRef '..' refused");
    T_CHECK(!*svcUrl(doc, DID "?service=nope", &code) && !strcmp(code, "notFound"), "unknown service notFound");

    json_t *ex = json_pack("{ss s[{ss ss ss}]}", "id", "did:example:123456789abcdefghi", "service", "id", "#messages", "type", "X",
                           "serviceEndpoint", "https://example.com/messages/8377464");
    json_t *res = json_pack("{sO s{si} s{}}", "didDocument", ex, "didDocumentMetadata", "versionNumber", 3, "didResolutionMetadata");
    /* DID Resolution's service endpoint example (its DID URL, our did:webvh prefix rule aside). */
    webvhDidUrl u = {0};
    buf b = BUF_INIT;
    bufPuts(&u.service, "messages"), u.hasService = 1;
    bufPuts(&u.relativeRef, "/some/path?query"), u.hasRelativeRef = 1;
    T_CHECK(webvhServiceUrl(ex, &u, &b, &code, err) == 0 && !strcmp((const char *)b.p, "https://example.com/messages/8377464/some/path?query"),
            "DID Resolution example: %s", b.p ? (const char *)b.p : err);
    webvhDidUrlFree(&u);
    bufFree(&b);

    json_t *dres = json_pack("{sO s{si} s{}}", "didDocument", doc, "didDocumentMetadata", "versionNumber", 2, "didResolutionMetadata");
    json_t *d = deref(dres, DID "#k1");
    T_CHECK(d && !derefErr(d) && !strcmp(jsonGetStr(json_object_get(d, "contentStream"), "type"), "Multikey"), "#k1 is the method");
    T_CHECK(d && json_integer_value(json_object_get(json_object_get(d, "contentMetadata"), "versionNumber")) == 2, "document metadata");
    json_decref(d);
    d = deref(dres, DID "#whois");
    T_CHECK(d && !strcmp(jsonGetStr(json_object_get(d, "contentStream"), "type"), "LinkedVerifiablePresentation"), "#whois node");
    json_decref(d);
    d = deref(dres, DID "#nope");
    T_CHECK(d && derefErr(d) && !strcmp(derefErr(d), "notFound"), "#nope notFound");
    json_decref(d);
    d = deref(dres, DID "?service=files&relativeRef=/x.json#sec");
    T_CHECK(d && !strcmp(json_string_value(json_object_get(d, "contentStream")), "https://example.com:8443/dids/alice/x.json#sec"),
            "service URL with the fragment");
    json_decref(d);
    json_t *bad = json_pack("{sn s{} s{ss s{ss}}}", "didDocument", "didDocumentMetadata", "didResolutionMetadata", "error", "invalidDid",
                            "problemDetails", "detail", "entry 2: bad proof");
    d = deref(bad, DID "#k1");
    T_CHECK(d && derefErr(d) && !strcmp(derefErr(d), "invalidDid"), "resolution error carried over");
    json_decref(d);
    json_decref(bad);
    json_decref(dres);
    json_decref(res);
    json_decref(ex);
    json_decref(own);
    json_decref(doc);
    return T_DONE();
}
