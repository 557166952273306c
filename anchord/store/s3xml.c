/* s3xml.c -- S3 XML error codes and ListObjectsV2 pages, by bounded substring scanning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "anchord/store/s3xml.h"

int s3xmlTag(const char *p, const char *tag, char *out, size_t outlen) {
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *a = p ? strstr(p, open) : NULL;
    const char *z = a ? strstr(a, close) : NULL;
    if (!z) return -1;
    a += strlen(open);
    size_t n = (size_t)(z - a);
    if (n >= outlen) n = outlen ? outlen - 1 : 0;   /* no int cast of a huge length */
    if (outlen) { memcpy(out, a, n); out[n] = 0; }
    return 0;
}

void s3xmlUnescape(char *s) {
    static const struct { const char *ent; char c; } e[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *w = s;
    for (char *r = s; *r; ) {
        size_t i = 0;
        for (; i < 5; i++) if (!strncmp(r, e[i].ent, strlen(e[i].ent))) break;
        if (i < 5) { *w++ = e[i].c; r += strlen(e[i].ent); } else *w++ = *r++;
    }
    *w = 0;
}

/* hasValue: whether [p, end) holds <tag>value</tag> (value compared ignoring case when nocase). */
static int hasValue(const char *p, const char *end, const char *tag, const char *value, int nocase) {
    char open[64], close[64];
    size_t ol = (size_t)snprintf(open, sizeof open, "<%s>", tag), vl = strlen(value);
    snprintf(close, sizeof close, "</%s>", tag);
    for (const char *a = p; (a = strstr(a, open)) && a < end; a += ol) {
        const char *v = a + ol;
        if ((size_t)(end - v) < vl + strlen(close)) return 0;
        if ((nocase ? strncasecmp(v, value, vl) : strncmp(v, value, vl)) == 0 && !strncmp(v + vl, close, strlen(close)))
            return 1;
    }
    return 0;
}

int s3xmlCorsOpen(const char *xml) {
    for (const char *p = xml; p && (p = strstr(p, "<CORSRule>")); p += 10) {
        const char *end = strstr(p, "</CORSRule>");
        if (!end) return 0;
        if (hasValue(p, end, "AllowedOrigin", "*", 0) && hasValue(p, end, "AllowedMethod", "GET", 0) &&
            hasValue(p, end, "ExposeHeader", "ETag", 1))
            return 1;
    }
    return 0;
}

int s3xmlListPage(const char *xml, size_t skip, storeListFn *fn, void *ctx, char *token, size_t tlen) {
    for (const char *p = xml; (p = strstr(p, "<Contents>")); p += 10) {
        const char *end = strstr(p, "</Contents>");
        if (!end) return -1;
        char key[STORE_KEY_MAX * 6 + 64], size[32] = "0";
        char *blk = strndup(p, (size_t)(end - p));
        if (!blk) return -1;
        int bad = s3xmlTag(blk, "Key", key, sizeof key);
        s3xmlTag(blk, "Size", size, sizeof size);
        free(blk);
        if (bad) return -1;
        s3xmlUnescape(key);
        if (strlen(key) < skip) continue;
        if (fn(ctx, key + skip, atoll(size))) return 1;
    }
    char trunc[8] = "";
    s3xmlTag(xml, "IsTruncated", trunc, sizeof trunc);
    token[0] = 0;
    if (!strcmp(trunc, "true") && s3xmlTag(xml, "NextContinuationToken", token, tlen) < 0) return -1;
    s3xmlUnescape(token);
    return 0;
}
