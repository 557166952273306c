/* resolution.c -- DID resolution results and version queries for did:webvh logs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/json.h"
#include "core/rfc3339.h"
#include "didlog/didurl.h"
#include "didlog/resolution.h"

int webvhQuerySet(webvhQuery *q, const char *name, const char *v, char *err) {
    if (!strcmp(name, "versionId")) {
        if (strlen(v) >= sizeof q->versionId || !*v) return errSet(err, "versionId: bad value");
        strcpy(q->versionId, v);
    } else if (!strcmp(name, "versionNumber")) {
        char *end;
        long n = strtol(v, &end, 10);
        q->hasNumber = 1;
        q->versionNumber = (*v && !*end && n > 0 && isdigit((unsigned char)*v)) ? n : -1;
    } else if (!strcmp(name, "versionTime")) {
        rfc3339Time t;
        if (rfc3339Parse(v, &t) < 0) return errSet(err, "versionTime: '%.40s' is not an RFC 3339 UTC time", v);
        q->versionTime = rfc3339Seconds(&t);
        q->hasTime = 1;
    }
    return 0;
}

int webvhQueryParse(const char *url, webvhQuery *q, char *err) {
    memset(q, 0, sizeof *q);
    const char *s = strchr(url, '?');
    if (!s) return 0;
    s++;
    size_t end = strcspn(s, "#");
    while (end) {
        size_t l = strcspn(s, "&");
        if (l > end) l = end;
        char kv[256], val[256];
        if (l >= sizeof kv) return errSet(err, "query parameter too long");
        memcpy(kv, s, l);
        kv[l] = 0;
        char *eq = strchr(kv, '=');
        if (eq) {
            size_t vl;
            *eq = 0;
            if (didPctDecode(eq + 1, strlen(eq + 1), val, sizeof val, &vl) < 0 || strlen(val) != vl)
                return errSet(err, "invalid percent-encoding in the query");
            if (webvhQuerySet(q, kv, val, err) < 0) return -1;
        }
        s += l;
        end -= l;
        if (end) s++, end--;
    }
    return 0;
}

/* entryVid: versionId of entry i even when it was not verified. */
static const char *entryVid(const webvhLog *log, size_t i) {
    return jsonGetStr(log->e[i].obj, "versionId");
}

long webvhSelect(const webvhLog *log, const webvhResult *r, const webvhQuery *q, const char **code) {
    const char *bad = r->code ? r->code : "invalidDid";
    /* Not found in what parsed, but the log has an unparsable rest: cannot say "not found". */
    const char *missing = log->parseErr[0] ? bad : "notFound";
    long k = -1;
    if (!q || (!q->versionId[0] && !q->hasNumber && !q->hasTime)) {
        if (!r->ok) { *code = bad; return -1; }
        return (long)log->n - 1;
    }
    if (q->versionId[0]) {
        for (size_t i = 0; i < log->n && k < 0; i++)
            if (entryVid(log, i) && !strcmp(entryVid(log, i), q->versionId)) k = (long)i;
        if (k < 0) { *code = missing; return -1; }
    }
    if (q->hasNumber) {
        if (q->versionNumber < 1) { *code = "notFound"; return -1; }
        if ((size_t)q->versionNumber > log->n) { *code = missing; return -1; }
        if (k >= 0 && k != q->versionNumber - 1) { *code = "notFound"; return -1; }
        k = q->versionNumber - 1;
    }
    if (q->hasTime) {
        long t = -1;
        for (size_t i = 0; i < r->valid; i++)
            if (log->e[i].time <= q->versionTime) t = (long)i;
        if (t < 0) { *code = "notFound"; return -1; }
        /* An invalid later entry that was already in force at that time poisons the answer. */
        if ((size_t)t + 1 == r->valid && !r->ok) {
            rfc3339Time tt;
            const char *vt = r->valid < log->n ? jsonGetStr(log->e[r->valid].obj, "versionTime") : NULL;
            if (r->valid == log->n || !vt || rfc3339Parse(vt, &tt) < 0 || rfc3339Seconds(&tt) <= q->versionTime) {
                *code = bad;
                return -1;
            }
        }
        if (k >= 0 && k != t) { *code = "notFound"; return -1; }
        k = t;
    }
    if ((size_t)k >= r->valid) { *code = bad; return -1; }
    return k;
}

/* witnessMeta: the witness parameter with threshold as a string (DID Resolution
 * metadata carries no numbers). */
static json_t *witnessMeta(const webvhParams *a) {
    if (!a->wit.threshold) return json_object();
    json_t *w = json_deep_copy(a->witness);
    char th[24];
    snprintf(th, sizeof th, "%d", a->wit.threshold);
    json_object_set_new(w, "threshold", json_string(th));
    return w;
}

static json_t *arrOrEmpty(json_t *a) { return a ? json_deep_copy(a) : json_array(); }

int webvhFilesBase(const char *did, buf *out, char *err) {
    didParts p;
    if (didParse(did, DID_LOCALHOST, &p, err) < 0) return -1;
    bufReset(out);
    int rc = bufPrintf(out, "https://%s", p.host);
    if (rc == 0 && p.port) rc = bufPrintf(out, ":%d", p.port);
    if (rc == 0) rc = bufPrintf(out, "%s/", p.path.len ? (const char *)p.path.p : "");
    didPartsFree(&p);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

/* serviceDefined: doc's service array holds `frag` ("#files") as "#files" or "<did>#files". */
static int serviceDefined(json_t *svc, const char *did, const char *frag) {
    size_t i, dl = strlen(did);
    json_t *s;
    json_array_foreach(svc, i, s) {
        const char *id = jsonGetStr(s, "id");
        if (id && (!strcmp(id, frag) || (!strncmp(id, did, dl) && !strcmp(id + dl, frag)))) return 1;
    }
    return 0;
}

int webvhImplicitServices(json_t *doc, char *err) {
    const char *did = jsonGetStr(doc, "id");
    json_t *svc = json_object_get(doc, "service");
    buf base = BUF_INIT;
    if (!did || (svc && !json_is_array(svc))) return 0;
    if (webvhFilesBase(did, &base, err) < 0) return -1;
    if (!svc) json_object_set_new(doc, "service", svc = json_array());
    char id[1024];
    int rc = 0;
    if (!serviceDefined(svc, did, "#files")) {
        snprintf(id, sizeof id, "%s#files", did);
        rc |= json_array_append_new(svc, json_pack("{ss ss ss}", "id", id, "type", "relativeRef", "serviceEndpoint", (const char *)base.p));
    }
    if (rc == 0 && !serviceDefined(svc, did, "#whois")) {
        snprintf(id, sizeof id, "%s#whois", did);
        rc |= bufPuts(&base, "whois.vp");
        rc |= json_array_append_new(svc, json_pack("{ss ss ss ss}", "@context", "https://identity.foundation/linked-vp/contexts/v1", "id", id,
                                                   "type", "LinkedVerifiablePresentation", "serviceEndpoint", (const char *)base.p));
    }
    bufFree(&base);
    return rc ? errSet(err, "out of memory") : 0;
}

json_t *webvhResolution(const webvhLog *log, const webvhResult *r, const webvhQuery *q, char *err) {
    const char *code = NULL;
    long k = webvhSelect(log, r, q, &code);
    json_t *res = json_object();
    if (!res) { errSet(err, "out of memory"); return NULL; }
    json_object_set_new(res, "@context", json_string("https://w3id.org/did-resolution/v1"));
    if (k < 0) {
        const char *detail = !strcmp(code, "notFound") ? "no such version of the DID" : r->error[0] ? r->error : "invalid DID log";
        json_object_set_new(res, "didDocument", json_null());
        json_object_set_new(res, "didDocumentMetadata", json_object());
        json_object_set_new(res, "didResolutionMetadata",
                            json_pack("{ss s{ss ss ss}}", "error", code, "problemDetails", "type",
                                      !strcmp(code, "notFound") ? "https://w3id.org/security#NOT_FOUND"
                                                                : "https://w3id.org/security#INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID",
                                      "title", !strcmp(code, "notFound") ? "The DID or version was not found." : "The resolved DID is invalid.",
                                      "detail", detail));
        return res;
    }
    const webvhEntry *e = &log->e[k], *head = &log->e[r->valid - 1];
    const webvhParams *a = &head->act;
    int noQuery = !q || (!q->versionId[0] && !q->hasNumber && !q->hasTime);
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%lld", a->ttl);
    json_t *doc = a->deactivated && noQuery ? json_null() : json_deep_copy(e->state);
    if (!doc || (json_is_object(doc) && webvhImplicitServices(doc, err) < 0)) {
        json_decref(doc);
        json_decref(res);
        return NULL;
    }
    json_object_set_new(res, "didDocument", doc);
    json_object_set_new(res, "didDocumentMetadata",
                        json_pack("{ss sI ss ss ss ss sb sb so so sb so so ss}", "versionId", e->versionId, "versionNumber",
                                  (json_int_t)e->versionNumber, "versionTime", e->versionTime, "created", log->e[0].versionTime,
                                  "updated", head->versionTime, "scid", a->scid, "portable", a->portable, "deactivated",
                                  a->deactivated, "updateKeys", arrOrEmpty(a->updateKeys), "nextKeyHashes",
                                  arrOrEmpty(a->nextKeyHashes), "prerotation", a->prerotation, "witness", witnessMeta(a),
                                  "watchers", arrOrEmpty(a->watchers), "ttl", ttl));
    json_object_set_new(res, "didResolutionMetadata", json_pack("{ss}", "contentType", "application/did+ld+json"));
    return res;
}
