/* test_rfetch.c -- verifier/resolver/rfetch: the URL rules for untrusted sources (did:webvh
 * v1.0 security considerations; docs/resolver.md): https only, DNS names only (every IPv4
 * spelling a URL parser accepts, IPv6 literals, single labels refused), no userinfo; the
 * test origin is loopback http only; and the ttl cache (rcache) keeps, expires and bounds. */
#include <string.h>
#include "t.h"
#include "core/err.h"
#include "verifier/resolver/rcache.h"
#include "verifier/resolver/rfetch.h"

static int ok(const rfetchRules *r, const char *url) {
    char err[ERR_MAX];
    return rfetchCheckUrl(r, url, err) == 0;
}

int main(void) {
    rfetchRules r = {1000, 1000, 1000, NULL}, t = {1000, 1000, 1000, "http://127.0.0.1:8080"};
    T_CHECK(ok(&r, "https://example.com/a/did.jsonl"), "a DNS name");
    T_CHECK(ok(&r, "https://sub.example.com:8443/did.jsonl"), "a DNS name with a port");
    T_CHECK(ok(&r, "https://xn--bcher-kva.example/did.jsonl"), "an IDNA A-label");
    T_CHECK(!ok(&r, "http://example.com/did.jsonl"), "http refused");
    T_CHECK(!ok(&r, "ftp://example.com/did.jsonl"), "other schemes refused");
    T_CHECK(!ok(&r, "https://127.0.0.1/did.jsonl"), "IPv4 dotted refused");
    T_CHECK(!ok(&r, "https://2130706433/did.jsonl"), "IPv4 as one number refused");
    T_CHECK(!ok(&r, "https://0x7f.1/did.jsonl"), "IPv4 hex parts refused");
    T_CHECK(!ok(&r, "https://10.0.0.0x1/did.jsonl"), "IPv4 hex last part refused");
    T_CHECK(!ok(&r, "https://[::1]/did.jsonl"), "IPv6 literal refused");
    T_CHECK(!ok(&r, "https://[::ffff:127.0.0.1]:443/did.jsonl"), "IPv4-mapped IPv6 refused");
    T_CHECK(!ok(&r, "https://localhost/did.jsonl"), "single label refused");
    T_CHECK(!ok(&r, "https://intranet:8443/did.jsonl"), "single label with a port refused");
    T_CHECK(!ok(&r, "https://user@example.com/did.jsonl"), "userinfo refused");
    T_CHECK(!ok(&r, "https://example.com:80x/did.jsonl"), "bad port refused");
    T_CHECK(!ok(&r, "https://exa_mple.com/did.jsonl"), "'_' refused");
    T_CHECK(!ok(&r, "https://-a.example.com/"), "label starting with '-' refused");
    T_CHECK(!ok(&r, "https://a..example.com/"), "empty label refused");
    T_CHECK(ok(&t, "https://localhost:8080/x"), "test origin: localhost accepted");
    T_CHECK(!ok(&t, "https://127.0.0.1/x"), "test origin: IP literal still refused");
    T_CHECK(!ok(&t, "http://example.com/x"), "test origin: http URLs still refused");
    char err[ERR_MAX];
    T_CHECK(rfetchTestOrigin("http://127.0.0.1:9", err) == 0, "loopback origin");
    T_CHECK(rfetchTestOrigin("http://localhost:65535", err) == 0, "localhost origin");
    T_CHECK(rfetchTestOrigin("http://example.com:80", err) < 0, "non-loopback origin refused");
    T_CHECK(rfetchTestOrigin("https://127.0.0.1:9", err) < 0, "https origin refused");
    T_CHECK(rfetchTestOrigin("http://127.0.0.1:9/p", err) < 0, "origin with a path refused");
    T_CHECK(rfetchTestOrigin("http://127.0.0.1:70000", err) < 0, "port out of range refused");

    /* rcache: kept until its expiry, replaced, bounded (the soonest to expire goes) */
    rcache *c = rcacheNew(2, 1000);
    rcacheEntry e, got;
    memset(&e, 0, sizeof e);
    bufPuts(&e.file[0], "log-a");
    e.have[0] = 1;
    rcachePut(c, "a", &e, 1000);
    T_CHECK(rcacheGet(c, "a", 999, &got) == 1 && got.file[0].len == 5 && !memcmp(got.file[0].p, "log-a", 5), "hit before expiry");
    rcacheEntryFree(&got);
    T_CHECK(rcacheGet(c, "a", 1000, &got) == 0, "miss at expiry");
    rcachePut(c, "b", &e, 5000);
    rcachePut(c, "c", &e, 6000);
    T_CHECK(rcacheSize(c, NULL) == 2, "bounded to 2");
    T_CHECK(rcacheGet(c, "a", 0, &got) == 0, "the soonest to expire was evicted");
    T_CHECK(rcacheGet(c, "b", 0, &got) == 1, "b kept");
    rcacheEntryFree(&got);
    rcacheFree(c);
    /* the byte bound: 3 entries of 400 bytes in 1000 bytes keep 2; one of 1001 is not kept */
    c = rcacheNew(10, 1000);
    rcacheEntry big, big2;
    memset(&big, 0, sizeof big);
    memset(&big2, 0, sizeof big2);
    for (int i = 0; i < 400; i++) bufPutc(&big.file[0], 'x');
    rcachePut(c, "p", &big, 100);
    rcachePut(c, "q", &big, 300);
    rcachePut(c, "r", &big, 200);
    size_t bytes = 0;
    T_CHECK(rcacheSize(c, &bytes) == 2 && bytes == 800, "byte bound: 2 of 3 kept (%zu bytes)", bytes);
    T_CHECK(rcacheGet(c, "p", 0, &got) == 0, "byte bound: the soonest to expire went");
    rcachePut(c, "q", &big, 400);
    T_CHECK(rcacheSize(c, &bytes) == 2 && bytes == 800, "replacing an entry keeps the count of bytes");
    for (int i = 0; i < 1001; i++) bufPutc(&big2.file[1], 'y');
    rcachePut(c, "s", &big2, 900);
    T_CHECK(rcacheGet(c, "s", 0, &got) == 0 && rcacheSize(c, &bytes) == 2 && bytes == 800, "an entry over the bound is not kept");
    rcacheEntryFree(&big);
    rcacheEntryFree(&big2);
    rcacheFree(c);
    c = rcacheNew(0, 1000);
    rcachePut(c, "a", &e, 1000);
    T_CHECK(rcacheGet(c, "a", 0, &got) == 0, "cache off: nothing kept");
    rcacheFree(c);
    rcacheEntryFree(&e);
    return T_DONE();
}
