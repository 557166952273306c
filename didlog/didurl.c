/* didurl.c -- did:webvh identifier parsing and the DID-to-HTTPS transformation. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <idn2.h>
#include "core/err.h"
#include "didlog/didurl.h"

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int didIsBase58(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(B58, s[i])) return 0;
    return 1;
}

void didPartsFree(didParts *p) { bufFree(&p->path); }

static int hexv(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int didPctDecode(const char *s, size_t n, char *out, size_t cap, size_t *outLen) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = hexv((unsigned char)s[i + 1]), l = hexv((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (o + 1 >= cap) return -1;
        out[o++] = (char)c;
    }
    out[o] = 0;
    *outLen = o;
    return 0;
}

int didPctEncode(const char *s, size_t n, buf *out) {
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc = isalnum(c) || c == '.' || c == '-' || c == '_' ? bufPutc(out, c)
               : bufPutc(out, '%') < 0 || bufPutc(out, hx[c >> 4]) < 0 ? -1 : bufPutc(out, hx[c & 15]);
        if (rc < 0) return -1;
    }
    return 0;
}

int didDomain(const char *domain, char out[DID_DOMAIN_MAX], char *err) {
    const char *colon = strchr(domain, ':'), *pct = strstr(domain, "%3A"), *port = NULL;
    if (!pct) pct = strstr(domain, "%3a");
    size_t hn = strlen(domain);
    if (colon) hn = (size_t)(colon - domain), port = colon + 1;
    else if (pct) hn = (size_t)(pct - domain), port = pct + 3;
    if (hn == 0 || hn > 253) return errSet(err, "host must be 1..253 characters");
    for (size_t i = 0; i < hn; i++)
        if (!islower((unsigned char)domain[i]) && !isdigit((unsigned char)domain[i]) && domain[i] != '-' && domain[i] != '.')
            return errSet(err, "host may hold lowercase a-z 0-9 . - only");
    long p = 0;
    if (port) {
        if (!*port || strlen(port) > 5) return errSet(err, "port must be 1..65535");
        for (const char *q = port; *q; q++) {
            if (!isdigit((unsigned char)*q)) return errSet(err, "port must be 1..65535");
            p = p * 10 + (*q - '0');
        }
        if (p < 1 || p > 65535) return errSet(err, "port must be 1..65535");
    }
    snprintf(out, DID_DOMAIN_MAX, "%.*s", (int)hn, domain);
    if (port) snprintf(out + hn, DID_DOMAIN_MAX - hn, "%%3A%ld", p);
    return 0;
}

int didPrefixPath(const char *prefix, buf *out) {
    for (const char *s = prefix; *s;) {
        size_t n = strcspn(s, "/");
        if (n && (bufPutc(out, ':') < 0 || didPctEncode(s, n, out) < 0)) return -1;
        s += n + (s[n] == '/');
    }
    return 0;
}

int didTemplate(const char *domain, const char *prefix, int flags, buf *out, char *err) {
    char dom[DID_DOMAIN_MAX];
    if (didDomain(domain, dom, err) < 0) return -1;
    bufReset(out);
    int rc = bufPrintf(out, "did:webvh:{SCID}:%s", dom);
    if (rc == 0) rc = didPrefixPath(prefix, out);
    if (rc == 0) rc = bufPuts(out, ":{SCID}");
    if (rc < 0) return errSet(err, "out of memory");
    /* the DID as it will be: both placeholders replaced by a SCID-shaped string */
    buf probe = BUF_INIT;
    for (const char *s = (const char *)out->p; rc == 0 && *s;) {
        if (!strncmp(s, "{SCID}", 6)) rc = bufPuts(&probe, "Qm11111111111111111111111111111111111111111111"), s += 6;
        else rc = bufPutc(&probe, *s++);
    }
    didParts p;
    if (rc < 0) rc = errSet(err, "out of memory");
    else if ((rc = didParse((const char *)probe.p, flags, &p, err)) == 0) didPartsFree(&p);
    bufFree(&probe);
    return rc;
}

/* idchar per DID Core: ALPHA / DIGIT / "." / "-" / "_" / pct-encoded ('%'). */
static int isIdchar(int c) { return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '%'; }

/* endsInNumber: the WHATWG URL host parser treats a name whose last label is
 * decimal or 0x-hex as an IPv4 address; such names are refused. */
static int endsInNumber(const char *host) {
    const char *last = strrchr(host, '.');
    last = last ? last + 1 : host;
    if (!*last) return 1;
    if (last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
        for (const char *q = last + 2; *q; q++) if (!isxdigit((unsigned char)*q)) return 0;
        return 1;
    }
    for (const char *q = last; *q; q++) if (!isdigit((unsigned char)*q)) return 0;
    return 1;
}

/* checkHostname: LDH labels of 1..63 octets, at least two labels, <= 253 octets. */
static int checkHostname(const char *h, int flags, char *err) {
    size_t n = strlen(h), lab = 0, labels = 0;
    if (n == 0 || n > 253) return errSet(err, "invalidDid: domain length %zu out of range", n);
    for (size_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (lab == 0 || lab > 63) return errSet(err, "invalidDid: domain label of %zu octets", lab);
            if (h[i - 1] == '-' || h[i - lab] == '-')
                return errSet(err, "invalidDid: domain label starts or ends with '-'");
            labels++;
            lab = 0;
            continue;
        }
        if (!isalnum((unsigned char)h[i]) && h[i] != '-')
            return errSet(err, "invalidDid: character '%c' not allowed in a domain name", h[i]);
        lab++;
    }
    if (labels < 2 && !((flags & DID_LOCALHOST) && !strcmp(h, "localhost")))
        return errSet(err, "invalidDid: domain must be a fully qualified name");
    if (endsInNumber(h)) return errSet(err, "invalidDid: domain is an IP address literal");
    return 0;
}

/* parseDomain: the webvh-domain component (raw, still percent-encoded). */
static int parseDomain(const char *s, size_t n, int flags, didParts *p, char *err) {
    size_t hostLen = n;
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '%')
            return errSet(err, "invalidDid: character '%c' not allowed in the domain", s[i]);
        if (s[i] == '%' && i + 2 < n && s[i + 1] == '3' && (s[i + 2] == 'A' || s[i + 2] == 'a')) {
            if (hostLen != n) return errSet(err, "invalidDid: more than one port separator");
            hostLen = i;
        }
    }
    if (hostLen != n) {
        const char *d = s + hostLen + 3;
        size_t dl = n - hostLen - 3;
        if (dl < 1 || dl > 5) return errSet(err, "invalidDid: port must be 1 to 5 digits");
        long port = 0;
        for (size_t i = 0; i < dl; i++) {
            if (!isdigit((unsigned char)d[i])) return errSet(err, "invalidDid: port is not a decimal number");
            port = port * 10 + (d[i] - '0');
        }
        if (port < 1 || port > 65535) return errSet(err, "invalidDid: port %ld out of range", port);
        p->port = (int)port;
    }
    char dec[512];
    size_t dn;
    if (hostLen >= sizeof dec || didPctDecode(s, hostLen, dec, sizeof dec, &dn) < 0)
        return errSet(err, "invalidDid: invalid percent-encoding in the domain");
    if (strlen(dec) != dn) return errSet(err, "invalidDid: NUL in the domain");
    int ascii = 1;
    for (size_t i = 0; i < dn; i++) {
        unsigned char c = (unsigned char)dec[i];
        if (c >= 0x80) ascii = 0;
        else if (!isalnum(c) && c != '-' && c != '.')
            return errSet(err, "invalidDid: character '%c' not allowed in the domain", c);
    }
    if (ascii) {
        if (dn >= sizeof p->host) return errSet(err, "invalidDid: domain too long");
        for (size_t i = 0; i <= dn; i++) p->host[i] = (char)tolower((unsigned char)dec[i]);
    } else {
        char *a = NULL;
        int rc = idn2_to_ascii_8z(dec, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK) return errSet(err, "invalidDid: IDNA: %s", idn2_strerror(rc));
        size_t al = strlen(a);
        if (al >= sizeof p->host) { idn2_free(a); return errSet(err, "invalidDid: domain too long"); }
        for (size_t i = 0; i <= al; i++) p->host[i] = (char)tolower((unsigned char)a[i]);
        idn2_free(a);
    }
    return checkHostname(p->host, flags, err);
}

/* appendSegment: validate one deployment path segment and append "/" + its
 * RFC 3986 encoding (uppercase hex) to p->path. */
static int appendSegment(const char *s, size_t n, didParts *p, char *err) {
    if (n == 0) return errSet(err, "invalidDid: empty path segment");
    for (size_t i = 0; i < n; i++)
        if (!isIdchar((unsigned char)s[i])) return errSet(err, "invalidDid: character '%c' not allowed in a path segment", s[i]);
    char dec[1024];
    size_t dn;
    if (n >= sizeof dec || didPctDecode(s, n, dec, sizeof dec, &dn) < 0)
        return errSet(err, "invalidDid: invalid percent-encoding in a path segment");
    if (dn == 0) return errSet(err, "invalidDid: empty path segment");
    if (!strcmp(dec, ".") || !strcmp(dec, "..")) return errSet(err, "invalidDid: path segment '%s' (traversal)", dec);
    for (size_t i = 0; i < dn; i++)
        if (dec[i] == '/' || dec[i] == '\\' || dec[i] == 0)
            return errSet(err, "invalidDid: path segment contains '/', '\\' or NUL");
    if (isspace((unsigned char)dec[0]) || isspace((unsigned char)dec[dn - 1]))
        return errSet(err, "invalidDid: path segment begins or ends with whitespace");
    static const char hx[] = "0123456789ABCDEF";
    if (bufPutc(&p->path, '/') < 0) return errSet(err, "out of memory");
    for (size_t i = 0; i < dn; i++) {
        unsigned char c = (unsigned char)dec[i];
        int keep = isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
        char e[3] = {'%', hx[c >> 4], hx[c & 15]};
        if ((keep ? bufPutc(&p->path, c) : bufAppend(&p->path, e, 3)) < 0) return errSet(err, "out of memory");
    }
    return 0;
}

int didParse(const char *did, int flags, didParts *p, char *err) {
    memset(p, 0, sizeof *p);
    size_t pl = strlen(WEBVH_PREFIX);
    if (strncmp(did, WEBVH_PREFIX, pl)) return errSet(err, "invalidDid: not a did:webvh DID");
    const char *msi = did + pl;
    size_t n = strcspn(msi, "/?#");
    p->didLen = pl + n;
    if (msi[n] == '?') {
        p->query = msi + n;
        p->queryLen = strcspn(p->query, "#");
    }
    const char *seg = msi, *end = msi + n;
    int idx = 0;
    while (seg <= end) {
        const char *c = memchr(seg, ':', (size_t)(end - seg));
        size_t sl = c ? (size_t)(c - seg) : (size_t)(end - seg);
        if (idx == 0) {
            if ((flags & DID_PLACEHOLDER) && sl == 6 && !memcmp(seg, "{SCID}", 6)) {
                p->placeholder = 1;
                strcpy(p->scid, "{SCID}");
            } else if (sl != WEBVH_SCID_LEN || !didIsBase58(seg, sl)) {
                return errSet(err, "invalidDid: SCID must be %d base58btc characters", WEBVH_SCID_LEN);
            } else {
                memcpy(p->scid, seg, sl);
                p->scid[sl] = 0;
            }
        } else if (idx == 1) {
            if (parseDomain(seg, sl, flags, p, err) < 0) { didPartsFree(p); return -1; }
        } else if ((flags & DID_PLACEHOLDER) && sl == 6 && !memcmp(seg, "{SCID}", 6)) {
            if (bufPrintf(&p->path, "/{SCID}") < 0) { didPartsFree(p); return errSet(err, "out of memory"); }
        } else if (appendSegment(seg, sl, p, err) < 0) {
            didPartsFree(p);
            return -1;
        }
        idx++;
        if (!c) break;
        seg = c + 1;
    }
    if (idx < 2) return errSet(err, "invalidDid: missing domain");
    if (!p->path.p && bufPuts(&p->path, "") < 0) return errSet(err, "out of memory");
    return 0;
}

int didHttpsUrl(const didParts *p, const char *file, const char *baseUrl, buf *out, char *err) {
    bufReset(out);
    int rc;
    if (baseUrl) {
        size_t bl = strlen(baseUrl);
        while (bl && baseUrl[bl - 1] == '/') bl--;
        rc = bufAppend(out, baseUrl, bl);
    } else if (p->port) {
        rc = bufPrintf(out, "https://%s:%d", p->host, p->port);
    } else {
        rc = bufPrintf(out, "https://%s", p->host);
    }
    if (rc == 0) rc = bufPrintf(out, "%s/%s", p->path.len ? (const char *)p->path.p : "/.well-known", file);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

int didScidValid(const char *s) {
    return strlen(s) == WEBVH_SCID_LEN && !strncmp(s, "Qm", 2) && didIsBase58(s, WEBVH_SCID_LEN);
}

/* didCanonical: didParse decides what a DID is; this adds only the canonical-form rule.
 * didParse's reasons all start with its resolution error code INVALID_DID (this file
 * writes them), which an event's reason does not repeat. */
#define INVALID_DID "invalidDid: "
int didCanonical(const char *did, char scid[WEBVH_SCID_LEN + 1], char *err) {
    didParts p;
    char e[ERR_MAX];
    if (didParse(did, DID_LOCALHOST, &p, e) < 0)
        return errSet(err, "%s", strncmp(e, INVALID_DID, strlen(INVALID_DID)) ? e : e + strlen(INVALID_DID));
    buf c = BUF_INIT;
    int rc = 0;
    if (p.didLen != strlen(did)) rc = errSet(err, "a DID URL (path, query or fragment) is not a DID");
    else if (!didScidValid(p.scid)) rc = errSet(err, "SCID must be a sha2-256 multihash (Qm...)");
    else if (bufPrintf(&c, "did:webvh:%s:%s", p.scid, p.host) < 0 || (p.port && bufPrintf(&c, "%%3A%d", p.port) < 0))
        rc = errSet(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < p.path.len; i++)
        if (bufPutc(&c, p.path.p[i] == '/' ? ':' : p.path.p[i]) < 0) rc = errSet(err, "out of memory");
    if (rc == 0 && strcmp((const char *)c.p, did))
        rc = errSet(err, "not in canonical form (lowercase host, port as %%3A, no needless escapes): %.200s",
                    (const char *)c.p);
    if (rc == 0) strcpy(scid, p.scid);
    bufFree(&c);
    didPartsFree(&p);
    return rc;
}

int didScidOf(const char *did, char scid[WEBVH_SCID_LEN + 1]) {
    size_t pl = strlen(WEBVH_PREFIX);
    if (strncmp(did, WEBVH_PREFIX, pl)) return -1;
    const char *s = did + pl;
    size_t n = strcspn(s, ":/?#");
    if (n != WEBVH_SCID_LEN || s[n] != ':') return -1;
    memcpy(scid, s, n);
    scid[n] = 0;
    return 0;
}
