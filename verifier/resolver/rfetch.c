/* rfetch.c -- fetching from untrusted sources for the resolver endpoint (rfetch.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/io/http.h"
#include "verifier/resolver/rfetch.h"

#define RFETCH_HOST_MAX 253

/* originLen: the length of "scheme://authority" at the start of url (0 when none). */
static size_t originLen(const char *url, size_t schemeLen) {
    return schemeLen + strcspn(url + schemeLen, "/?#");
}

int rfetchTestOrigin(const char *o, char *err) {
    const char *p = !strncmp(o, "http://127.0.0.1:", 17) ? o + 17 : !strncmp(o, "http://localhost:", 17) ? o + 17 : NULL;
    if (!p || !*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5 || atoi(p) < 1 || atoi(p) > 65535)
        return errSet(err, "the test origin must be http://127.0.0.1:PORT or http://localhost:PORT (loopback, no path)");
    return 0;
}

/* numericLabel: a label a URL parser reads as a number (IPv4 parts: decimal, 0x hex). */
static int numericLabel(const char *s, size_t n) {
    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < n; i++) if (!isxdigit((unsigned char)s[i])) return 0;
        return 1;
    }
    if (n == 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return 1;
    for (size_t i = 0; i < n; i++) if (!isdigit((unsigned char)s[i])) return 0;
    return n > 0;
}

/* hostCheck: h[0..n) is a DNS name (RFC 1123 labels, at least two, the last not numeric),
 * or "localhost" when allowed. 0 / -1 + err. */
static int hostCheck(const char *h, size_t n, int allowLocalhost, char *err) {
    if (n && h[0] == '[') return errSet(err, "an IP literal host is refused (DNS names only)");
    if (!n || n > RFETCH_HOST_MAX) return errSet(err, "the host is empty or too long");
    if (allowLocalhost && n == 9 && !strncasecmp(h, "localhost", 9)) return 0;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && h[i] != '.') {
            if (!isalnum((unsigned char)h[i]) && h[i] != '-') return errSet(err, "the host has a character a DNS name cannot have");
            continue;
        }
        size_t len = i - start;
        if (!len || len > 63) return errSet(err, "the host has an empty or too long label");
        if (h[start] == '-' || h[i - 1] == '-') return errSet(err, "a host label starts or ends with '-'");
        labels++;
        if (i == n && numericLabel(h + start, len)) return errSet(err, "an IP literal host is refused (DNS names only)");
        start = i + 1;
    }
    if (labels < 2) return errSet(err, "a single-label host is refused (DNS names only)");
    return 0;
}

int rfetchCheckUrl(const rfetchRules *r, const char *url, char *err) {
    if (strncmp(url, "https://", 8)) return errSet(err, "only https:// URLs are fetched");
    size_t ol = originLen(url, 8);
    const char *a = url + 8, *end = url + ol;
    if (memchr(a, '@', (size_t)(end - a))) return errSet(err, "a URL with userinfo is refused");
    const char *colon = a < end && a[0] != '[' ? memchr(a, ':', (size_t)(end - a)) : NULL;
    const char *hostEnd = colon ? colon : end;
    if (a < end && a[0] == '[') return errSet(err, "an IP literal host is refused (DNS names only)");
    if (colon) {
        const char *pt = colon + 1;
        size_t pl = (size_t)(end - pt);
        if (!pl || pl > 5 || strspn(pt, "0123456789") < pl) return errSet(err, "the URL's port is not a number");
    }
    return hostCheck(a, (size_t)(hostEnd - a), r->testOrigin != NULL, err);
}

/* target: the URL actually requested: url, or with the test origin in place of its own. */
static int target(const rfetchRules *r, const char *url, buf *out, char *err) {
    bufReset(out);
    int rc = r->testOrigin ? bufPuts(out, r->testOrigin) < 0 || bufPuts(out, url + originLen(url, 8)) < 0 ? -1 : 0
                           : bufPuts(out, url);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

int rfetchGet(const rfetchRules *r, const char *url, buf *out, long *status, char *err) {
    *status = 0;
    bufReset(out);
    if (rfetchCheckUrl(r, url, err) < 0) return RFETCH_REFUSED;
    buf u = BUF_INIT;
    if (target(r, url, &u, err) < 0) return RFETCH_UPSTREAM;
    httpClient *c = httpClientNew(1, err);
    if (!c) { bufFree(&u); return RFETCH_UPSTREAM; }
    httpReq q = {.method = "GET", .url = (const char *)u.p, .maxBody = r->maxBytes, .maxErrBody = 1024,
                 .connectTimeoutMs = r->connectTimeoutMs, .timeoutMs = r->timeoutMs, .allowHttp = r->testOrigin != NULL,
                 .userAgent = "didverify-resolver/1.0"};
    int rc = RFETCH_UPSTREAM;
    if (httpDo(c, &q, err) < 0) goto out;
    *status = q.status;
    if (q.rc == HTTP_TOO_LARGE) errSet(err, "%.300s: larger than %zu bytes", url, r->maxBytes);
    else if (q.rc != HTTP_OK) errSet(err, "%.300s: %s", url, q.err);
    else if (q.status == 200) rc = RFETCH_OK;
    else if (q.status == 404 || q.status == 410 || q.status == 403) { rc = RFETCH_NOTFOUND; errSet(err, "%.300s: HTTP %ld", url, q.status); }
    else if (q.status >= 300 && q.status < 400) errSet(err, "%.300s: HTTP %ld: redirects are not followed", url, q.status);
    else errSet(err, "%.300s: HTTP %ld", url, q.status);
    if (rc == RFETCH_OK) { bufFree(out); *out = q.body; q.body = (buf)BUF_INIT; }
out:
    httpReqFree(&q);
    httpClientFree(c);
    bufFree(&u);
    return rc;
}
