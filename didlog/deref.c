/* deref.c -- DID URL dereferencing for did:webvh: paths, service + relativeRef, fragments. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "core/err.h"
#include "core/io/http.h"
#include "core/json.h"
#include "didlog/deref.h"
#include "didlog/didurl.h"

#define DEREF_CTX "https://w3id.org/did-resolution/v1"
#define DEREF_DEPTH 64

void webvhDidUrlFree(webvhDidUrl *u) {
    bufFree(&u->did);
    bufFree(&u->path);
    bufFree(&u->service);
    bufFree(&u->relativeRef);
    bufFree(&u->fragment);
}

/* isPchar: RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static int isPchar(int c) { return isalnum(c) || (c && strchr("-._~!$&'()*+,;=:@", c)); }

/* badSegment: the n bytes at s, percent-decoded, are ".", "..", or hold '/', '\' or NUL
 * (or do not decode). 1 / 0. */
static int badSegment(const char *s, size_t n) {
    char d[1024];
    size_t dn;
    if (n >= sizeof d || didPctDecode(s, n, d, sizeof d, &dn) < 0) return 1;
    if (!strcmp(d, ".") || !strcmp(d, "..") || dn != strlen(d)) return 1;
    return strchr(d, '/') || strchr(d, '\\');
}

/* checkPath: the n bytes at s are "/seg(/seg)*" of non-empty pchar segments, none bad. */
static int checkPath(const char *s, size_t n, char *err) {
    for (size_t i = 0; i < n;) {
        size_t l = 0;
        i++;                                            /* the '/' */
        while (i + l < n && s[i + l] != '/') {
            int c = (unsigned char)s[i + l];
            if (!isPchar(c) && c != '%') return errSet(err, "invalidDidUrl: character '%c' not allowed in the path", c);
            l++;
        }
        if (l == 0) return errSet(err, "invalidDidUrl: empty path segment");
        if (badSegment(s + i, l)) return errSet(err, "invalidDidUrl: path segment '%.*s' ('.', '..', '/', '\\' or NUL)", (int)l, s + i);
        i += l;
    }
    return 0;
}

/* queryParam: store the decoded value of the service / relativeRef parameter of "k=v". */
static int queryParam(webvhDidUrl *u, const char *kv, size_t n, char *err) {
    const char *eq = memchr(kv, '=', n);
    if (!eq) return 0;
    size_t kl = (size_t)(eq - kv), vl = n - kl - 1;
    buf *dst = NULL;
    if (kl == 7 && !memcmp(kv, "service", 7)) dst = &u->service, u->hasService = 1;
    else if (kl == 11 && !memcmp(kv, "relativeRef", 11)) dst = &u->relativeRef, u->hasRelativeRef = 1;
    if (!dst) return 0;
    char v[2048];
    size_t dn;
    if (vl >= sizeof v || didPctDecode(eq + 1, vl, v, sizeof v, &dn) < 0 || dn != strlen(v))
        return errSet(err, "invalidDidUrl: bad %.*s value", (int)kl, kv);
    bufReset(dst);
    return bufAppend(dst, v, dn) < 0 ? errSet(err, "out of memory") : 0;
}

int webvhDidUrlParse(const char *url, webvhDidUrl *u, char *err) {
    memset(u, 0, sizeof *u);
    if (strncmp(url, WEBVH_PREFIX, strlen(WEBVH_PREFIX))) return errSet(err, "invalidDidUrl: not a did:webvh DID URL");
    size_t dl = strcspn(url, "/?#");
    const char *s = url + dl;
    if (bufAppend(&u->did, url, dl) < 0) return errSet(err, "out of memory");
    if (*s == '/') {
        size_t pl = strcspn(s, "?#");
        if (checkPath(s, pl, err) < 0) return -1;
        if (bufAppend(&u->path, s, pl) < 0) return errSet(err, "out of memory");
        s += pl;
    }
    if (*s == '?') {
        s++;
        size_t ql = strcspn(s, "#");
        for (size_t i = 0; i < ql;) {
            size_t l = strcspn(s + i, "&#");
            if (queryParam(u, s + i, l, err) < 0) return -1;
            i += l + 1;
        }
        s += ql;
    }
    if (*s == '#') {
        u->hasFragment = 1;
        if (bufPuts(&u->fragment, s + 1) < 0) return errSet(err, "out of memory");
    }
    if (u->hasRelativeRef && !u->hasService) return errSet(err, "invalidDidUrl: relativeRef without service");
    if (u->hasService && u->path.len) return errSet(err, "invalidDidUrl: both a path and the service parameter");
    return 0;
}

int webvhDidUrlDereferences(const webvhDidUrl *u) { return u->path.len || u->hasService || u->hasFragment; }

/* findService: the string endpoint of the service "#name" / "<did>#name" of doc. */
static const char *findService(const json_t *doc, const char *name, const char **code, char *err) {
    const char *did = jsonGetStr(doc, "id");
    size_t i, dl = did ? strlen(did) : 0;
    json_t *s;
    json_array_foreach(json_object_get(doc, "service"), i, s) {
        const char *id = jsonGetStr(s, "id");
        const char *h = id ? strchr(id, '#') : NULL;
        if (!h || strcmp(h + 1, name) || (h != id && (!did || (size_t)(h - id) != dl || strncmp(id, did, dl)))) continue;
        const char *ep = jsonGetStr(s, "serviceEndpoint");
        if (!ep) { *code = "invalidDidUrl"; errSet(err, "service #%.80s has no single URL endpoint", name); }
        return ep;
    }
    *code = "notFound";
    errSet(err, "the DID document has no service #%.80s", name);
    return NULL;
}

/* schemeLen: length of "scheme:" at the start of s, 0 when s does not start with one. */
static size_t schemeLen(const char *s) {
    size_t i = 0;
    if (!isalpha((unsigned char)s[0])) return 0;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') i++;
    return s[i] == ':' ? i + 1 : 0;
}

/* joinRef: the service endpoint URL ep (absolute, no query or fragment) with the
 * relative reference ref added after its path, as DID Resolution's example does
 * (https://h/m/8377464 + "/some/path?query" -> https://h/m/8377464/some/path?query): ep is
 * a directory, one '/' between them. ref may not be absolute nor hold "." / ".."
 * segments (nothing can climb above ep). */
static int joinRef(const char *ep, const char *ref, buf *out, char *err) {
    size_t rp = strcspn(ref, "?#"), el = strlen(ep);
    if (!schemeLen(ep) || strpbrk(ep, "?#")) return errSet(err, "service endpoint '%.120s' is not a base URL", ep);
    if (schemeLen(ref) || !strncmp(ref, "//", 2)) return errSet(err, "relativeRef '%.120s' is not relative", ref);
    for (size_t i = 0; i < rp;) {
        size_t l = strcspn(ref + i, "/?#");
        if (l > rp - i) l = rp - i;
        if (l && badSegment(ref + i, l)) return errSet(err, "relativeRef segment '%.*s' ('.', '..', '\\' or NUL)", (int)l, ref + i);
        i += l + 1;
    }
    while (el && ep[el - 1] == '/') el--;
    while (*ref == '/') ref++, rp--;
    bufReset(out);
    int rc = bufAppend(out, ep, el);
    if (rc == 0 && rp) rc = bufPutc(out, '/');
    if (rc == 0) rc = bufPuts(out, ref);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

int webvhServiceUrl(const json_t *doc, const webvhDidUrl *u, buf *url, const char **code, char *err) {
    int whois = u->path.len && !strcmp((const char *)u->path.p, "/whois");
    const char *name = u->path.len ? (whois ? "whois" : "files") : (const char *)(u->service.p ? u->service.p : (unsigned char *)"");
    if (!u->path.len && !u->hasService) { *code = "invalidDidUrl"; return errSet(err, "no path and no service parameter"); }
    const char *ep = findService(doc, name, code, err);
    if (!ep) return -1;
    *code = "invalidDidUrl";
    const char *ref = whois ? NULL : u->path.len ? (const char *)u->path.p : u->hasRelativeRef ? (const char *)u->relativeRef.p : NULL;
    if (ref) return joinRef(ep, ref, url, err);
    bufReset(url);
    return bufPuts(url, ep) < 0 ? errSet(err, "out of memory") : 0;
}

/* derefError: a dereferencing result for the error `code`. */
static json_t *derefError(const char *code, const char *detail) {
    const char *type = !strcmp(code, "notFound") ? "https://w3id.org/security#NOT_FOUND"
                       : !strcmp(code, "invalidDidUrl") ? "https://www.w3.org/ns/did#INVALID_DID_URL"
                       : !strcmp(code, "representationNotSupported") ? "https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED"
                                                                   : "https://w3id.org/security#INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID";
    return json_pack("{ss s{ss s{ss ss}} sn s{}}", "@context", DEREF_CTX, "dereferencingMetadata", "error", code, "problemDetails",
                     "type", type, "detail", detail, "contentStream", "contentMetadata");
}

/* derefOk: a dereferencing result holding content (reference stolen). */
static json_t *derefOk(json_t *content, const char *contentType, json_t *contentMeta) {
    return json_pack("{ss s{ss} so so}", "@context", DEREF_CTX, "dereferencingMetadata", "contentType", contentType, "contentStream",
                     content, "contentMetadata", contentMeta ? contentMeta : json_object());
}

/* findNode: the object under v (depth-first, document order) whose id is a or b. */
static json_t *findNode(json_t *v, const char *a, const char *b, int depth) {
    if (depth > DEREF_DEPTH) return NULL;
    const char *id = json_is_object(v) ? jsonGetStr(v, "id") : NULL;
    if (id && (!strcmp(id, a) || !strcmp(id, b))) return v;
    json_t *c, *hit = NULL;
    size_t i;
    const char *k;
    if (json_is_array(v)) json_array_foreach(v, i, c) if ((hit = findNode(c, a, b, depth + 1))) return hit;
    if (json_is_object(v)) json_object_foreach(v, k, c) if ((hit = findNode(c, a, b, depth + 1))) return hit;
    return NULL;
}

/* isText: the n bytes at s are UTF-8 text without NUL. */
static int isText(const unsigned char *s, size_t n) {
    uint32_t cp;
    for (size_t i = 0, l; i < n; i += l)
        if (!(l = (size_t)jsonUtf8Next(s + i, n - i, &cp)) || cp == 0) return 0;
    return 1;
}

/* fetchUrl: url with the DID's https://host[:port] replaced by baseUrl (when given). */
static int fetchUrl(const char *did, const char *url, const char *baseUrl, buf *out, int *allowHttp, char *err) {
    didParts p;
    buf origin = BUF_INIT;
    bufReset(out);
    *allowHttp = 0;
    if (baseUrl && didParse(did, DID_LOCALHOST, &p, err) == 0) {
        int rc = p.port ? bufPrintf(&origin, "https://%s:%d", p.host, p.port) : bufPrintf(&origin, "https://%s", p.host);
        didPartsFree(&p);
        if (rc < 0) return errSet(err, "out of memory");
        size_t ol = origin.len;
        if (!strncmp(url, (const char *)origin.p, ol) && (url[ol] == '/' || !url[ol])) {
            size_t bl = strlen(baseUrl);
            while (bl && baseUrl[bl - 1] == '/') bl--;
            rc = bufAppend(out, baseUrl, bl) < 0 ? -1 : bufPuts(out, url + ol);
            *allowHttp = 1;
        }
        bufFree(&origin);
        if (rc < 0) return errSet(err, "out of memory");
        if (*allowHttp) return 0;
    }
    return bufPuts(out, url) < 0 ? errSet(err, "out of memory") : 0;
}

/* baseFetch: the default webvhFetchFn: url with the DID's origin replaced by the baseUrl of
 * ctx (when given), then httpGet (https only unless rewritten, no redirects, 30 s). */
typedef struct baseCtx { const char *did, *baseUrl; } baseCtx;
static int baseFetch(void *ctx, const char *url, size_t max, buf *out, long *status, char *err) {
    baseCtx *b = ctx;
    buf get = BUF_INIT;
    int allow;
    int rc = fetchUrl(b->did, url, b->baseUrl, &get, &allow, err) < 0 ? -1 : httpGet((const char *)get.p, max, allow, out, status, err);
    bufFree(&get);
    return rc;
}

/* derefPath: fetch the file a DID URL path names (through fetch) and wrap it. */
static json_t *derefPath(const char *url, webvhFetchFn fetch, void *ctx, char *err) {
    buf body = BUF_INIT;
    long status = 0;
    json_t *out = NULL;
    if (fetch(ctx, url, WEBVH_DEREF_MAX, &body, &status, err) < 0) goto done;
    char detail[ERR_MAX];
    if (status == 404 || status == 410) {
        snprintf(detail, sizeof detail, "%.200s: HTTP %ld", url, status);
        out = derefError("notFound", detail);
    } else if (status != 200) {
        errSet(err, "%.200s: HTTP %ld", url, status);
    } else {
        json_t *v = jsonParse((const char *)body.p, body.len, WEBVH_DEREF_MAX, DEREF_DEPTH, NULL);
        if (v) out = derefOk(v, "application/json", NULL);
        else if (isText(body.p, body.len)) out = derefOk(json_stringn((const char *)body.p, body.len), "text/plain", NULL);
        else out = derefError("representationNotSupported", "the file is neither JSON nor UTF-8 text");
    }
    if (!out && status == 200) errSet(err, "out of memory");
done:
    bufFree(&body);
    return out;
}

json_t *webvhDereference(const json_t *res, const webvhDidUrl *u, const char *baseUrl, char *err) {
    baseCtx b = {(const char *)u->did.p, baseUrl};
    return webvhDereferenceWith(res, u, baseFetch, &b, err);
}

json_t *webvhDereferenceWith(const json_t *res, const webvhDidUrl *u, webvhFetchFn fetch, void *ctx, char *err) {
    const json_t *rm = json_object_get(res, "didResolutionMetadata"), *doc = json_object_get(res, "didDocument");
    const char *code = jsonGetStr(rm, "error"), *detail = jsonGetStr(json_object_get(rm, "problemDetails"), "detail");
    char e[ERR_MAX];
    json_t *out = NULL;
    if (code) return derefError(code, detail ? detail : code);
    if (!json_is_object(doc)) return derefError("notFound", "the DID is deactivated: no DID document");
    if (u->path.len || u->hasService) {
        buf url = BUF_INIT;
        if (webvhServiceUrl(doc, u, &url, &code, e) < 0) out = derefError(code, e);
        else if (u->path.len) out = derefPath((const char *)url.p, fetch, ctx, err);
        else if (u->hasFragment && (bufPutc(&url, '#') < 0 || bufAppend(&url, u->fragment.p, u->fragment.len) < 0)) errSet(err, "out of memory");
        else out = derefOk(json_string((const char *)url.p), "text/uri-list", NULL);
        bufFree(&url);
        return out;
    }
    buf abs = BUF_INIT, rel = BUF_INIT;
    const char *did = jsonGetStr(doc, "id");
    if (bufPrintf(&abs, "%s#%s", did ? did : "", (const char *)(u->fragment.p ? u->fragment.p : (unsigned char *)"")) < 0 ||
        bufPrintf(&rel, "#%s", (const char *)(u->fragment.p ? u->fragment.p : (unsigned char *)"")) < 0) {
        errSet(err, "out of memory");
    } else {
        json_t *node = findNode((json_t *)doc, (const char *)abs.p, (const char *)rel.p, 0);
        snprintf(e, sizeof e, "the DID document has no node #%.200s", (const char *)rel.p + 1);
        out = node ? derefOk(json_deep_copy(node), "application/did+ld+json", json_deep_copy(json_object_get(res, "didDocumentMetadata")))
                   : derefError("notFound", e);
    }
    bufFree(&abs);
    bufFree(&rel);
    return out;
}
