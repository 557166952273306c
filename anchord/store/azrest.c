/* azrest.c -- Azure Blob REST pieces without I/O: URLs, connection strings, Shared Key, dates, list
 * pages, CORS rules, outcomes by status and error code. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "core/io/http.h"
#include "anchord/store/azrest.h"
#include "anchord/store/s3xml.h"

int azUrlSplit(const char *rest, char **account, char **container, char **prefix, char *err) {
    size_t an = strcspn(rest, "/");
    if (an < 3 || an > 24 || strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789") < an)
        return errSet(err, "store URL azblob://%.80s: account name must be 3-24 of a-z 0-9", rest);
    if (rest[an] != '/') return errSet(err, "store URL azblob://%.80s: want azblob://account/container[/prefix]", rest);
    const char *c = rest + an + 1;
    size_t cn = strcspn(c, "/");
    if (cn < 3 || cn > 63 || strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") < cn || c[0] == '-' ||
        c[cn - 1] == '-' || memmem(c, cn, "--", 2))
        return errSet(err, "store URL azblob://%.80s: container name must be 3-63 of a-z 0-9 - "
                      "(starting with a letter or digit, no \"--\", not ending in '-')", rest);
    const char *p = c + cn;
    while (*p == '/') p++;
    size_t pn = strlen(p);
    while (pn && p[pn - 1] == '/') pn--;
    char *pre = strndup(p, pn);
    if (!pre) return errSet(err, "out of memory");
    if (*pre && storeKeyCheck(pre, err) < 0) { free(pre); return -1; }
    int rc = 0;
    if (account && !(*account = strndup(rest, an))) rc = -1;
    if (container && !(*container = strndup(c, cn))) rc = -1;
    if (prefix) *prefix = pre; else free(pre);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

/* wipeFree: zero a secret string, then free it. */
static void wipeFree(char *p) {
    if (p) { sodium_memzero(p, strlen(p)); free(p); }
}

void azConnFree(azConn *c) {
    free(c->accountName); free(c->blobEndpoint); free(c->protocol); free(c->endpointSuffix);
    wipeFree(c->accountKey); wipeFree(c->sas);
    memset(c, 0, sizeof *c);
}

/* connField: where the value of connection-string key name (n bytes) goes, or NULL. */
static char **connField(azConn *c, const char *name, size_t n) {
    static const struct { const char *name; size_t off; } f[] = {
        {"AccountName", offsetof(azConn, accountName)}, {"AccountKey", offsetof(azConn, accountKey)},
        {"BlobEndpoint", offsetof(azConn, blobEndpoint)}, {"DefaultEndpointsProtocol", offsetof(azConn, protocol)},
        {"EndpointSuffix", offsetof(azConn, endpointSuffix)}, {"SharedAccessSignature", offsetof(azConn, sas)},
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (strlen(f[i].name) == n && !strncasecmp(name, f[i].name, n)) return (char **)((char *)c + f[i].off);
    return NULL;
}

int azConnParse(const char *cs, azConn *c, char *err) {
    memset(c, 0, sizeof *c);
    for (const char *p = cs; *p; ) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        while (n && isspace((unsigned char)*p)) { p++; n--; }
        if (n == 0) { p += *p == ';'; continue; }
        if (!eq || eq == p) { azConnFree(c); return errSet(err, "AZURE_STORAGE_CONNECTION_STRING: a part without Key=Value"); }
        size_t kn = (size_t)(eq - p);
        while (kn && isspace((unsigned char)p[kn - 1])) kn--;
        if (kn == 21 && !strncasecmp(p, "UseDevelopmentStorage", 21)) {
            azConnFree(c);
            return errSet(err, "AZURE_STORAGE_CONNECTION_STRING: UseDevelopmentStorage is not supported; "
                          "give AccountName, AccountKey and BlobEndpoint");
        }
        char **dst = connField(c, p, kn);
        if (dst) {
            free(*dst);
            if (!(*dst = strndup(eq + 1, (size_t)(p + n - eq - 1)))) { azConnFree(c); return errSet(err, "out of memory"); }
        }
        p += n;
        if (*p == ';') p++;
    }
    return 0;
}

int azKeyDecode(const char *b64, const char *what, unsigned char **key, size_t *len, char *err) {
    size_t n = strlen(b64), cap = n / 4 * 3 + 3;
    const char *end = NULL;
    *key = NULL;
    *len = 0;
    unsigned char *k = malloc(cap);
    if (!k) return errSet(err, "out of memory");
    if (n == 0 || sodium_base642bin(k, cap, b64, n, NULL, len, &end, sodium_base64_VARIANT_ORIGINAL) < 0 ||
        end != b64 + n || *len == 0) {
        sodium_memzero(k, cap);
        free(k);
        return errSet(err, "%s: the account key is not base64 (copy it from the portal's Access keys)", what);
    }
    *key = k;
    return 0;
}

/* pctDecode: append s[0..n) to b with %XX sequences decoded. */
static int pctDecode(buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            if (bufPutc(b, (int)strtol(h, NULL, 16)) < 0) return -1;
            i += 2;
        } else if (bufPutc(b, s[i]) < 0) return -1;
    }
    return 0;
}

typedef struct qParam { char *name, *value; } qParam;

static int qCmp(const void *a, const void *b) {
    const qParam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* queryParse: the parameters of query (names lower-cased, values decoded) into *out. */
static int queryParse(const char *query, qParam **out, size_t *n) {
    size_t cap = 1;
    for (const char *p = query; *p; p++) cap += *p == '&';
    qParam *q = calloc(cap, sizeof *q);
    *out = q;
    *n = 0;
    if (!q) return -1;
    for (const char *p = query; *p; ) {
        size_t len = strcspn(p, "&");
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t kn = eq ? (size_t)(eq - p) : len;
            buf v = BUF_INIT;
            q[*n].name = strndup(p, kn);
            if (!q[*n].name || pctDecode(&v, eq ? eq + 1 : "", eq ? len - kn - 1 : 0) < 0 || bufPutc(&v, 0) < 0) {
                bufFree(&v);
                (*n)++;
                return -1;
            }
            q[*n].value = bufDetach(&v);
            for (char *c = q[*n].name; *c; c++) *c = (char)tolower((unsigned char)*c);
            (*n)++;
        }
        p += len;
        if (*p == '&') p++;
    }
    return 0;
}

int azCanonResource(buf *out, const char *account, const char *path, const char *query, char *err) {
    bufReset(out);
    int rc = bufPrintf(out, "/%s%s", account, *path ? path : "/");
    qParam *q = NULL;
    size_t n = 0;
    if (rc == 0 && query && *query) {
        rc = queryParse(query, &q, &n);
        if (rc == 0) qsort(q, n, sizeof *q, qCmp);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            int first = i == 0 || strcmp(q[i].name, q[i - 1].name);
            rc = first ? bufPrintf(out, "\n%s:%s", q[i].name, q[i].value) : bufPrintf(out, ",%s", q[i].value);
        }
    }
    for (size_t i = 0; q && i < n; i++) { free(q[i].name); free(q[i].value); }
    free(q);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

/* hdrValue: the value of header name in h (case-insensitive), "" when absent. */
static const char *hdrValue(const azHdr *h, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) if (!strcasecmp(h[i].name, name)) return h[i].value;
    return "";
}

static int hdrCmp(const void *a, const void *b) {
    return strcasecmp((*(const azHdr *const *)a)->name, (*(const azHdr *const *)b)->name);
}

int azStringToSign(buf *out, const char *method, const azHdr *h, size_t n, size_t contentLength,
                   const char *canonRes, char *err) {
    static const char *std1[] = {"Content-Encoding", "Content-Language"};
    static const char *std2[] = {"Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match",
                                 "If-None-Match", "If-Unmodified-Since", "Range"};
    bufReset(out);
    int rc = bufPrintf(out, "%s\n", method);
    for (size_t i = 0; i < 2; i++) rc |= bufPrintf(out, "%s\n", hdrValue(h, n, std1[i]));
    rc |= contentLength ? bufPrintf(out, "%zu\n", contentLength) : bufPutc(out, '\n');
    for (size_t i = 0; i < 8; i++) rc |= bufPrintf(out, "%s\n", hdrValue(h, n, std2[i]));
    const azHdr **x = calloc(n ? n : 1, sizeof *x);
    size_t nx = 0;
    if (!x) return errSet(err, "out of memory");
    for (size_t i = 0; i < n; i++) if (!strncasecmp(h[i].name, "x-ms-", 5)) x[nx++] = &h[i];
    qsort(x, nx, sizeof *x, hdrCmp);
    for (size_t i = 0; i < nx; i++) {
        for (const char *c = x[i]->name; *c; c++) rc |= bufPutc(out, tolower((unsigned char)*c));
        const char *v = x[i]->value;
        size_t vn = strlen(v);
        while (vn && isspace((unsigned char)*v)) { v++; vn--; }
        while (vn && isspace((unsigned char)v[vn - 1])) vn--;
        rc |= bufPutc(out, ':') | bufAppend(out, v, vn) | bufPutc(out, '\n');
    }
    free(x);
    rc |= bufPuts(out, canonRes);
    return rc ? errSet(err, "out of memory") : 0;
}

void azSignature(const unsigned char *key, size_t keylen, const char *sts, size_t n, char out[AZ_SIG_MAX]) {
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)sts, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, AZ_SIG_MAX, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(&st, sizeof st);
}

void azHttpDate(time_t t, char out[AZ_DATE_MAX]) {
    static const char day[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, AZ_DATE_MAX, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday % 7], tm.tm_mday,
             mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int azListPage(const char *xml, size_t skip, storeListFn *fn, void *ctx, char *marker, size_t mlen) {
    marker[0] = 0;
    if (!xml || !strstr(xml, "<EnumerationResults")) return -1;
    for (const char *p = xml; (p = strstr(p, "<Blob>")); p += 6) {
        const char *end = strstr(p, "</Blob>");
        if (!end) return -1;
        char key[STORE_KEY_MAX * 6 + 64], size[32] = "0";
        char *blk = strndup(p, (size_t)(end - p));
        if (!blk) return -1;
        int bad = s3xmlTag(blk, "Name", key, sizeof key);
        s3xmlTag(blk, "Content-Length", size, sizeof size);
        free(blk);
        if (bad) return -1;
        s3xmlUnescape(key);
        if (strlen(key) < skip) continue;
        if (fn(ctx, key + skip, atoll(size))) return 1;
    }
    char m[4096] = "";
    s3xmlTag(xml, "NextMarker", m, sizeof m);    /* absent or <NextMarker /> on the last page */
    s3xmlUnescape(m);
    if (strlen(m) >= mlen || strlen(m) >= sizeof m - 1) return -1;
    memcpy(marker, m, strlen(m) + 1);
    return 0;
}

/* tagIn: the text of the first <tag>...</tag> inside [p, end) as [*a, *z); -1 when absent
 * (an empty element, <tag/>, is absent). */
static int tagIn(const char *p, const char *end, const char *tag, const char **a, const char **z) {
    char open[40], close[40];
    size_t ol = (size_t)snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = memmem(p, (size_t)(end - p), open, ol);
    const char *e = s ? memmem(s + ol, (size_t)(end - s - ol), close, strlen(close)) : NULL;
    if (!e) return -1;
    *a = s + ol;
    *z = e;
    return 0;
}

/* listHas: whether the comma-separated list [a, z) has an item equal to want (ignoring
 * case and surrounding spaces); with patterns, an item ending in '*' covers every value
 * it is a prefix of. */
static int listHas(const char *a, const char *z, const char *want, int patterns) {
    size_t wl = strlen(want);
    while (a < z) {
        const char *e = memchr(a, ',', (size_t)(z - a));
        if (!e) e = z;
        const char *s = a, *t = e;
        while (s < t && isspace((unsigned char)*s)) s++;
        while (t > s && isspace((unsigned char)t[-1])) t--;
        size_t n = (size_t)(t - s);
        if (n == wl && !strncasecmp(s, want, n)) return 1;
        if (patterns && n > 0 && s[n - 1] == '*' && n - 1 <= wl && !strncasecmp(s, want, n - 1)) return 1;
        a = e + 1;
    }
    return 0;
}

int azCorsRules(const char *xml, int *open) {
    *open = 0;
    if (!xml || !strstr(xml, "<StorageServiceProperties")) return -1;
    int n = 0;
    for (const char *p = xml; (p = strstr(p, "<CorsRule>")); p += 10, n++) {
        const char *end = strstr(p, "</CorsRule>"), *a, *z;
        if (!end) return -1;
        int any = tagIn(p, end, "AllowedOrigins", &a, &z) == 0 && listHas(a, z, "*", 0);
        int get = tagIn(p, end, "AllowedMethods", &a, &z) == 0 && listHas(a, z, "GET", 0);
        int etag = tagIn(p, end, "ExposedHeaders", &a, &z) == 0 && listHas(a, z, "ETag", 1);
        if (any && get && etag) *open = 1;
    }
    return n;
}

/* is: whether code is exactly want (code may be NULL). */
static int is(const char *code, const char *want) { return code && !strcmp(code, want); }

int azGetOutcome(int httpRc, long status, const char *code) {
    if (httpRc == HTTP_TOO_LARGE) return STORE_TOOLARGE;
    if (httpRc != HTTP_OK) return STORE_ERR;
    if (status == 200) return STORE_OK;
    return status == 404 && is(code, "BlobNotFound") ? STORE_NOTFOUND : STORE_ERR;
}

int azPutOutcome(storeCond cond, int httpRc, long status, const char *code) {
    if (httpRc != HTTP_OK) return STORE_ERR;
    if (status >= 200 && status < 300) return STORE_OK;
    if (status == 412 && cond != STORE_PUT_ANY) return STORE_CONFLICT;
    if (status == 409 && cond == STORE_PUT_IF_ABSENT && is(code, "BlobAlreadyExists")) return STORE_CONFLICT;
    if (status == 404 && cond == STORE_PUT_IF_MATCH && is(code, "BlobNotFound")) return STORE_CONFLICT;
    return STORE_ERR;
}

int azDeleteOutcome(int httpRc, long status, const char *code) {
    if (httpRc != HTTP_OK) return STORE_ERR;
    return status == 200 || status == 202 || (status == 404 && is(code, "BlobNotFound")) ? STORE_OK : STORE_ERR;
}

int azDefinite409(const char *code) { return is(code, "BlobAlreadyExists"); }

const char *azHint(const char *code) {
    static const struct { const char *code, *hint; } h[] = {
        {"AuthenticationFailed", "signature or SAS rejected: check the account key or SAS token"},
        {"AuthorizationFailure", "refused: a wrong key or SAS (Azurite says so for a bad signature), "
                                 "or the credentials may not do this (network rules)"},
        {"AuthorizationPermissionMismatch", "the SAS or role lacks this permission"},
        {"AuthorizationResourceTypeMismatch", "the SAS lacks this resource type (srt=sco)"},
        {"AuthorizationServiceMismatch", "the SAS is not for the blob service (ss=b)"},
        {"ContainerNotFound", "the container does not exist: create it or fix the azblob:// URL"},
        {"ResourceNotFound", "no such account or container: check the azblob:// URL and the endpoint"},
        {"AccountIsDisabled", "the storage account is disabled"},
        {"InvalidHeaderValue", "the server refused a header (x-ms-version " AZ_VERSION " unknown to it?)"},
        {"RequestTimeTooSkewed", "the clock of this machine is off"},
        {"Md5Mismatch", "the body was changed in transit"},
    };
    for (size_t i = 0; code && i < sizeof h / sizeof h[0]; i++) if (!strcmp(code, h[i].code)) return h[i].hint;
    return NULL;
}
