/* deref.h -- DID URL dereferencing for did:webvh (W3C DID Resolution "DID URL
 * Dereferencing"; did:webvh v1.0 "DID URL Resolution"): <did>/whois and
 * <did>/path/to/file through the #whois and #files services, ?service=NAME
 * [&relativeRef=REF], and #fragment. Resolution itself is resolution.h.
 * Thread safety: no global state; different webvhDidUrl values may be used from
 * different threads at once (a path's fetch uses its own short-lived HTTP client). */
#ifndef WA_DEREF_H
#define WA_DEREF_H
#include <jansson.h>
#include "core/buf.h"

#define WEBVH_DEREF_MAX (16u << 20)   /* a file fetched for a DID URL path */

typedef struct webvhDidUrl {
    buf did;           /* the bare DID (no path, query or fragment) */
    buf path;          /* "/a/b" as written (still percent-encoded); "" none */
    buf service;       /* the service parameter, decoded; hasService */
    buf relativeRef;   /* the relativeRef parameter, decoded; hasRelativeRef */
    buf fragment;      /* after '#', as written; hasFragment */
    int hasService, hasRelativeRef, hasFragment;
} webvhDidUrl;

/* webvhDidUrlParse: split a did:webvh DID URL into u (free with webvhDidUrlFree, also
 * after a failure). The path must be RFC 3986 pchars in non-empty segments none of
 * which decodes to ".", ".." or holds '/', '\' or NUL; relativeRef without the service
 * parameter is refused. 0 / -1 + err (the DID URL is invalid: invalidDidUrl). */
int webvhDidUrlParse(const char *url, webvhDidUrl *u, char *err);
/* webvhDidUrlFree: free u's buffers (u may be zeroed or half-parsed); u can be parsed
 * into again. */
void webvhDidUrlFree(webvhDidUrl *u);

/* webvhDidUrlDereferences: u asks for more than the DID document (a path, the service
 * parameter or a fragment). 1 / 0. */
int webvhDidUrlDereferences(const webvhDidUrl *u);

/* webvhServiceUrl: the URL u's path or service parameter names through the services of
 * doc (a resolved document, implicit services included): "/whois" -> the #whois
 * endpoint; any other path P -> the #files endpoint joined with P; ?service=NAME
 * [&relativeRef=REF] -> NAME's endpoint [joined with REF]. Joining (DID Resolution's
 * service endpoint example, not RFC 3986 §5.2 merging): the endpoint is a directory,
 * REF goes after its path with one '/' between, so <did>/a/b and
 * ?service=files&relativeRef=/a/b name the same URL; REF may not be absolute nor hold
 * "." / ".." segments, the endpoint not a query or fragment. A service is found by id
 * "#NAME" or "<did>#NAME" and needs one string endpoint. 0 / -1 + err with *code
 * "notFound" (no such service) or "invalidDidUrl". */
int webvhServiceUrl(const json_t *doc, const webvhDidUrl *u, buf *url, const char **code, char *err);

/* webvhDereference: the dereferencing result {"@context", dereferencingMetadata,
 * contentStream, contentMetadata} of u, given res = webvhResolution of u's DID:
 * - a path: the file at webvhServiceUrl, fetched over HTTPS (baseUrl, when non-NULL,
 *   replaces the DID's https://host[:port] as for did.jsonl and allows http);
 *   contentStream is the JSON value when the file is JSON ("application/json"), else
 *   its text ("text/plain"; binary content: representationNotSupported); HTTP 404/410:
 *   notFound;
 * - the service parameter (no path): contentStream is the URL ("text/uri-list"), with
 *   u's fragment appended (DID Resolution);
 * - only a fragment: the document node whose id is "<did>#frag" or "#frag"
 *   ("application/did+ld+json"), contentMetadata the didDocumentMetadata; none: notFound.
 * A resolution error is carried over. Errors are in dereferencingMetadata.error
 * (+ problemDetails); NULL + err only when the fetch itself failed (network, other
 * HTTP status) or out of memory. */
json_t *webvhDereference(const json_t *res, const webvhDidUrl *u, const char *baseUrl, char *err);

/* webvhFetchFn: GET url (at most max body bytes) into out, *status the HTTP status: 0 when
 * a response arrived (any status), -1 + err otherwise. */
typedef int (*webvhFetchFn)(void *ctx, const char *url, size_t max, buf *out, long *status, char *err);

/* webvhDereferenceWith: webvhDereference with a path's file fetched by fetch(ctx, url, ...)
 * instead of httpGet: the URL is the one the service names, unchanged; the fetcher applies
 * its own rules (the resolver endpoint's rules for untrusted sources, docs/resolver.md). */
json_t *webvhDereferenceWith(const json_t *res, const webvhDidUrl *u, webvhFetchFn fetch, void *ctx, char *err);

#endif
