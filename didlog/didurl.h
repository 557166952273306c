/* didurl.h -- did:webvh identifiers: strict parsing and the DID-to-HTTPS transformation.
 *
 * Implements the method-specific-id ABNF and the "DID to HTTPS Transformation"
 * of did:webvh v1.0: percent-decoding exactly once, port as %3A, IDNA2008
 * (libidn2) for international names, no IP literals (nor names a URL parser
 * would turn into one), no empty, ".", ".." or encoded-slash path segments. */
#ifndef WA_DIDURL_H
#define WA_DIDURL_H
#include <stddef.h>
#include "core/buf.h"

#define WEBVH_SCID_LEN 46
#define WEBVH_PREFIX "did:webvh:"

typedef struct didParts {
    char scid[WEBVH_SCID_LEN + 1];
    char host[256];        /* ASCII (IDNA A-label) host, lowercase, no port */
    int port;              /* 0 when absent */
    buf path;              /* "/seg1/seg2" RFC 3986 encoded, "" when none */
    size_t didLen;         /* length of the bare DID within the input */
    const char *query;     /* "?..." within the input (no fragment), or NULL */
    size_t queryLen;
    int placeholder;       /* the SCID segment is the literal "{SCID}" */
} didParts;

#define DID_PLACEHOLDER 1   /* the SCID segment may be "{SCID}" (DID creation) */
#define DID_LOCALHOST   2   /* accept the single-label host "localhost" (RFC 6761) */

/* didParse: parse a did:webvh DID or DID URL (path, query and fragment are
 * split off first and never reach the SCID/host/path rules). flags: DID_*.
 * "localhost" is not a fully qualified name, so the strict ABNF refuses it;
 * log verification accepts it (the Rust implementation's own vectors use it),
 * network resolution does not. Fills p (free with didPartsFree). 0 / -1 + err
 * naming the offending part. */
int didParse(const char *did, int flags, didParts *p, char *err);
void didPartsFree(didParts *p);

/* didHttpsUrl: the URL of `file` ("did.jsonl", "did-witness.json") for the
 * parsed DID. baseUrl (e.g. "http://127.0.0.1:8080"), when non-NULL, replaces
 * "https://host[:port]" (tests, mirrors). 0 / -1. */
int didHttpsUrl(const didParts *p, const char *file, const char *baseUrl, buf *out, char *err);

/* didScidOf: copy the SCID segment of a did:webvh DID into scid (no other
 * validation). 0 / -1 when the DID has no SCID segment of the right size. */
int didScidOf(const char *did, char scid[WEBVH_SCID_LEN + 1]);

/* didPctDecode: percent-decode s[0..n) exactly once into out (NUL-terminated;
 * *outLen is the length, which may include NUL bytes). -1 on a bad escape or
 * when out (cap bytes) is too small. */
int didPctDecode(const char *s, size_t n, char *out, size_t cap, size_t *outLen);

/* didPctEncode: percent-encode s[0..n) as one DID component, appended to out: ALPHA,
 * DIGIT, ".", "-" and "_" kept, every other byte as %XX (upper-case hex). 0 / -1 (out
 * of memory). */
int didPctEncode(const char *s, size_t n, buf *out);

#define DID_DOMAIN_MAX 264
/* didDomain: a host with an optional port -- "host", "host:port" or did:webvh's own
 * "host%3Aport" -- into its DID spelling "host[%3Aport]" (out). host: 1..253 characters
 * a-z 0-9 . - (lowercase); port 1..65535. 0 / -1 + err. */
int didDomain(const char *domain, char out[DID_DOMAIN_MAX], char *err);

/* didPrefixPath: a store prefix "a/b" as the DID path segments it gives, appended to out
 * (":a:b"): one segment per non-empty part between "/", each didPctEncode'd; "" none.
 * 0 / -1 (out of memory). */
int didPrefixPath(const char *prefix, buf *out);

/* didTemplate: the DID of a folder of the hosting layout <prefix>/<scid>/did.jsonl,
 * "{SCID}" standing for the SCID: "did:webvh:{SCID}:<domain>[:<segment>...]:{SCID}" for
 * domain (didDomain) and prefix "a/b" (didPrefixPath), then checked as a DID (didParse with flags, a SCID-shaped
 * stand-in in both places: an IP literal, "localhost" without DID_LOCALHOST, "." or
 * ".." segments are refused). The one builder of the service's DIDs (WA_DOMAIN and
 * WA_PREFIX in the settings table, seed generate-identities). 0 / -1 + err. */
int didTemplate(const char *domain, const char *prefix, int flags, buf *out, char *err);

/* didIsBase58: every one of n chars is in the base58btc alphabet. */
int didIsBase58(const char *s, size_t n);

/* didScidValid: s is a SCID as did:webvh v1.0 makes them: base58btc of a sha2-256
 * multihash, WEBVH_SCID_LEN characters starting "Qm" (didParse accepts any base58btc
 * string of that length). 1 / 0. */
int didScidValid(const char *s);

/* didCanonical: did is a bare did:webvh DID (no path, query or fragment) whose SCID
 * passes didScidValid, in canonical form: it equals the DID rebuilt from its parsed
 * parts (lowercase host, the port as "%3A", no needless escapes), so one DID has one
 * spelling (registry, rate limit, replay markers). "localhost" is accepted
 * (DID_LOCALHOST). Copies the SCID into scid. 0 / -1 + err (the reason, without
 * didParse's "invalidDid: " code). */
int didCanonical(const char *did, char scid[WEBVH_SCID_LEN + 1], char *err);

#endif
