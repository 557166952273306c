/* didweb.c -- the parallel did:web DID and document of a did:webvh DID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"
#include "didlog/didurl.h"
#include "didlog/didweb.h"
#include "didlog/resolution.h"
#include "didlog/webvh_int.h"

#define DIDWEB_PREFIX "did:web:"
#define DIDWEB_DEPTH 64

/* webvhPrefixLen: the length of "did:webvh:<SCID>:" when did is a valid did:webvh DID
 * (log verification's rules: "localhost" allowed), else 0 + err. */
static size_t webvhPrefixLen(const char *did, char *err) {
    didParts p;
    if (didParse(did, DID_LOCALHOST, &p, err) < 0) return 0;
    didPartsFree(&p);
    if (p.placeholder) return errSet(err, "the DID still holds the {SCID} placeholder"), 0;
    return strlen(WEBVH_PREFIX) + WEBVH_SCID_LEN + 1;
}

int webvhDidWebId(const char *did, buf *out, char *err) {
    size_t n = webvhPrefixLen(did, err);
    if (!n) return -1;
    bufReset(out);
    if (bufPuts(out, DIDWEB_PREFIX) < 0 || bufPuts(out, did + n) < 0) return errSet(err, "out of memory");
    return 0;
}

/* akaSet: doc's alsoKnownAs = its strings in order plus did, each once, never self. 0 / -1 + err. */
static int akaSet(json_t *doc, const char *did, const char *self, char *err) {
    json_t *aka = json_object_get(doc, "alsoKnownAs"), *out = json_array(), *v;
    size_t i, k;
    if (!out) return errSet(err, "out of memory");
    if (aka && !json_is_array(aka)) { json_decref(out); return errSet(err, "alsoKnownAs is not an array"); }
    json_t *all = aka ? json_copy(aka) : json_array();
    if (!all || json_array_append_new(all, json_string(did)) < 0) {
        json_decref(all);
        json_decref(out);
        return errSet(err, "out of memory");
    }
    int rc = 0;
    json_array_foreach(all, i, v) {
        const char *s = json_string_value(v);
        if (!s) { rc = errSet(err, "alsoKnownAs holds a value that is not a string"); break; }
        int dup = !strcmp(s, self);
        json_t *w;
        json_array_foreach(out, k, w) dup |= !strcmp(s, json_string_value(w));
        if (!dup && json_array_append(out, v) < 0) { rc = errSet(err, "out of memory"); break; }
    }
    json_decref(all);
    if (rc == 0 && json_object_set_new(doc, "alsoKnownAs", out) < 0) return errSet(err, "out of memory");
    if (rc < 0) json_decref(out);
    return rc;
}

json_t *webvhDidWebDoc(const json_t *doc, char *err) {
    const char *did = jsonGetStr(doc, "id");
    if (!did) return errSet(err, "the DID document has no id"), NULL;
    size_t n = webvhPrefixLen(did, err);
    if (!n) return NULL;
    char from[sizeof WEBVH_PREFIX + WEBVH_SCID_LEN + 1];
    snprintf(from, sizeof from, "%.*s", (int)n, did);
    json_t *d = json_deep_copy(doc), *web = NULL;
    buf text = BUF_INIT, self = BUF_INIT;
    char *canon = NULL;
    size_t len;
    if (!d) errSet(err, "out of memory");
    else if (webvhImplicitServices(d, err) < 0) {}
    else if (!(canon = jcsDump(d, &len, err))) {}
    else if (webvhReplaceAll(canon, len, from, DIDWEB_PREFIX, &text) < 0 || webvhDidWebId(did, &self, err) < 0)
        errSet(err, "out of memory");
    else if ((web = jsonParse((const char *)text.p, text.len, text.len + 1, DIDWEB_DEPTH, err)) &&
             akaSet(web, did, (const char *)self.p, err) < 0) {
        json_decref(web);
        web = NULL;
    }
    free(canon);
    bufFree(&text);
    bufFree(&self);
    json_decref(d);
    return web;
}

int webvhDidWebFile(const webvhLog *log, const webvhResult *r, buf *out, char *err) {
    if (!r->valid) return errSet(err, "the log has no valid entry");
    const webvhEntry *h = &log->e[r->valid - 1];
    if (h->act.deactivated) return 1;
    json_t *web = webvhDidWebDoc(h->state, err);
    if (!web) return -1;
    bufReset(out);
    int rc = jcsAppend(web, out, err);
    json_decref(web);
    return rc;
}
