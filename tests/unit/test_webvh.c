/* test_webvh.c -- did:webvh v1.0 log verification against the published vectors
 * (decentralized-identity/didwebvh-test-suite vectors/, didwebvh-rs and the
 * Python resolver suite), plus tamper tests and a create/append round trip.
 *
 * Deliberate differences from some expected results (see docs/didwebvh.md):
 *  - rust/witness-threshold writes witness ids as bare multikeys ("z6Mk…"),
 *    not did:key DIDs. v1.0 says the id MUST be a did:key DID, so we reject it
 *    (invalidParameters) and the test expects that rejection.
 *  - resolutionResult didDocument: implementations add the implicit #files and
 *    #whois services in different forms (ids "#files" or "<did>#files", endpoint with or
 *    without the final '/'; docs/didwebvh.md), so the comparison drops services whose id
 *    ends in #files or #whois.
 *  - "updated" is not compared for version queries (implementations disagree;
 *    we follow the spec: the last valid entry), and python/multi-update's
 *    resolutionResult.{1,2}.json are skipped (its harness ignored the query).
 *  - a deactivated DID resolves with didDocument null (spec: "MUST NOT return
 *    the DIDDoc"); the vectors return the document, which we compare with state. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/edkey.h"
#include "didlog/didurl.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"
#include "t.h"

#define VDIR T_VECDIR "/didwebvh"

static json_t *loadJson(const char *path) {
    size_t n;
    char *s = t_slurp(path, &n);
    if (!s) return NULL;
    json_t *j = jsonParse(s, n, 1u << 24, 64, NULL);
    free(s);
    return j;
}

/* verifyFiles: verify dir/did.jsonl (+ did-witness.json); fills r; returns the log. */
static webvhLog *verifyFiles(const char *dir, const char *did, webvhResult *r, json_t **wfOut) {
    char p[1024];
    size_t n;
    snprintf(p, sizeof p, "%s/did.jsonl", dir);
    char *s = t_slurp(p, &n), err[ERR_MAX];
    memset(r, 0, sizeof *r);
    if (!s) { snprintf(r->error, sizeof r->error, "missing %.200s", p); r->code = "io"; return NULL; }
    webvhLog *log = webvhParse(s, n, err);
    free(s);
    if (!log) { snprintf(r->error, sizeof r->error, "%s", err); r->code = "invalidDid"; return NULL; }
    snprintf(p, sizeof p, "%s/did-witness.json", dir);
    json_t *wf = loadJson(p);
    webvhOpts o = {.did = did, .witnessProofs = wf};
    webvhVerify(log, &o, r);
    if (wfOut) *wfOut = wf; else json_decref(wf);
    return log;
}

/* serviceIsImplicit: #files / #whois services added by resolvers. */
static int serviceIsImplicit(json_t *s) {
    const char *id = jsonGetStr(s, "id");
    size_t l = id ? strlen(id) : 0;
    return l >= 6 && (!strcmp(id + l - 6, "#files") || !strcmp(id + l - 6, "#whois"));
}

static json_t *stripImplicit(const json_t *doc) {
    json_t *d = json_deep_copy(doc), *sv = json_object_get(d, "service");
    if (json_is_array(sv)) {
        for (size_t i = json_array_size(sv); i-- > 0;)
            if (serviceIsImplicit(json_array_get(sv, i))) json_array_remove(sv, i);
        if (json_array_size(sv) == 0) json_object_del(d, "service");
    }
    return d;
}

/* sameValue: JSON equality where 2 and 2.0 are the same number (the vectors
 * are parsed as I-JSON doubles). */
static int sameValue(const json_t *a, const json_t *b) {
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    return a && b && json_equal((json_t *)a, (json_t *)b);
}

static int jsonSame(const json_t *a, const json_t *b) {
    char *x = jcsDump(a, NULL, NULL), *y = jcsDump(b, NULL, NULL);
    int same = x && y && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

/* comparePositive: our resolution result vs resolutionResult.json: didDocument
 * (implicit services aside), versionId, versionNumber, versionTime, created,
 * updated, and deactivated/portable/scid when the expected result has them. */
static void comparePositive(const char *name, webvhLog *log, const webvhResult *r, const char *expPath, long number) {
    json_t *exp = loadJson(expPath);
    T_CHECK(exp != NULL, "%s: cannot read %s", name, expPath);
    if (!exp) return;
    webvhQuery q = {.versionNumber = number, .hasNumber = number > 0};
    json_t *got = webvhResolution(log, r, &q, NULL);
    json_t *em = json_object_get(exp, "didDocumentMetadata"), *gm = json_object_get(got, "didDocumentMetadata");
    static const char *keys[] = {"versionId", "versionNumber", "versionTime", "created", "updated", "deactivated", "portable", "scid"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *ev = json_object_get(em, keys[i]);
        /* "updated" of a version query: the spec (and rust, and the Python resolver
         * suite) say the last valid entry; ts and java give the queried version's. */
        if (!ev || (number > 0 && !strcmp(keys[i], "updated"))) continue;
        json_t *gv = json_object_get(gm, keys[i]);
        T_CHECK(sameValue(ev, gv), "%s: didDocumentMetadata.%s differs", name, keys[i]);
    }
    /* A deactivated DID's document is not returned (spec); all vector writers still return it. */
    const webvhEntry *h = number > 0 ? &log->e[number - 1] : webvhHead(log);
    json_t *ed = stripImplicit(json_object_get(exp, "didDocument")), *gd = stripImplicit(h->state);
    T_CHECK(jsonSame(ed, gd), "%s: didDocument differs from the expected one", name);
    if (h->act.deactivated && number == 0) T_CHECK(json_is_null(json_object_get(got, "didDocument")), "%s: deactivated DID returned a document", name);
    json_decref(ed);
    json_decref(gd);
    json_decref(got);
    json_decref(exp);
}

static void positiveVectors(void) {
    static const char *scen[] = {"basic-create", "basic-update", "deactivate", "key-rotation", "multi-update",
                                 "multiple-update-keys", "portable", "portable-move", "pre-rotation",
                                 "pre-rotation-consume", "services", "witness-threshold"};
    static const char *impl[] = {"ts", "python", "rust", "java", "java-eecc"};
    int seen = 0;
    for (size_t s = 0; s < sizeof scen / sizeof *scen; s++)
        for (size_t i = 0; i < sizeof impl / sizeof *impl; i++) {
            char dir[512], name[128];
            snprintf(dir, sizeof dir, "%s/%s/%s", VDIR, scen[s], impl[i]);
            snprintf(name, sizeof name, "%s/%s", scen[s], impl[i]);
            struct stat st;
            if (stat(dir, &st) < 0) continue;   /* not every implementation has every scenario */
            seen++;
            webvhResult r;
            webvhLog *log = verifyFiles(dir, NULL, &r, NULL);
            if (!strcmp(name, "witness-threshold/rust")) {
                /* Bare-multikey witness ids: rejected by design (v1.0: witness id MUST be did:key). */
                T_CHECK(log && !r.ok && r.code && !strcmp(r.code, "invalidParameters"), "%s: bare multikey witness id accepted", name);
                webvhFree(log);
                continue;
            }
            T_CHECK(log && r.ok, "%s: %s", name, r.error);
            if (log && r.ok) {
                DIR *d = opendir(dir);
                struct dirent *de;
                while (d && (de = readdir(d)))
                    if (!strncmp(de->d_name, "resolutionResult", 16)) {
                        /* python/multi-update: its harness ignored versionNumber, so
                         * resolutionResult.{1,2}.json hold version 3; skipped. */
                        if (!strcmp(name, "multi-update/python") && strcmp(de->d_name, "resolutionResult.json")) continue;
                        char rp[1024];
                        snprintf(rp, sizeof rp, "%s/%s", dir, de->d_name);
                        /* resolutionResult.<N>.json is the answer for ?versionNumber=N */
                        comparePositive(name, log, &r, rp, strtol(de->d_name + 17, NULL, 10));
                    }
                if (d) closedir(d);
            }
            webvhFree(log);
        }
    T_CHECK(seen >= 55, "only %d positive vector folders found", seen);
}

/* Negative vectors: each must fail with the error code its resolutionResult names. */
static void negativeVectors(void) {
    DIR *d = opendir(VDIR);
    struct dirent *de;
    int seen = 0;
    T_CHECK(d != NULL, "no vector dir %s", VDIR);
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, "negative-", 9)) continue;
        char dir[512], p[600];
        snprintf(dir, sizeof dir, "%s/%s/ts", VDIR, de->d_name);
        snprintf(p, sizeof p, "%s/resolutionResult.json", dir);
        json_t *exp = loadJson(p);
        const char *want = jsonGetStr(json_object_get(exp, "didResolutionMetadata"), "error");
        seen++;
        snprintf(p, sizeof p, "%s/did.jsonl", dir);
        struct stat st;
        if (stat(p, &st) == 0 && st.st_size == 0) {
            /* A DID-string attack: every resolve-did DID in script.yaml must be refused at parse. */
            snprintf(p, sizeof p, "%s/%s/script.yaml", VDIR, de->d_name);
            char *y = t_slurp(p, NULL), *q = y;
            int dids = 0;
            while (q && (q = strstr(q, "did: \""))) {
                q += 6;
                char *e = strchr(q, '"');
                if (!e) break;
                *e = 0;
                didParts dp;
                char err[ERR_MAX];
                int rc = didParse(q, 0, &dp, err);
                T_CHECK(rc < 0 && !strncmp(err, "invalidDid", 10), "%s: DID %s accepted", de->d_name, q);
                /* Same DID with a well-formed SCID, so the domain/path rule itself is what refuses it. */
                char alt[512];
                snprintf(alt, sizeof alt, "did:webvh:QmWbebxXcUEq9YE9cB12DKxd4tCpntFn6Z1dUEbdw61cyx%s", strchr(q + 10, ':'));
                rc = didParse(alt, 0, &dp, err);
                if (rc == 0) didPartsFree(&dp);
                T_CHECK(rc < 0, "%s: DID %s accepted", de->d_name, alt);
                dids++;
                q = e + 1;
            }
            T_CHECK(dids > 0, "%s: no DID in script.yaml", de->d_name);
            free(y);
        } else {
            webvhResult r;
            webvhLog *log = verifyFiles(dir, NULL, &r, NULL);
            T_CHECK(!r.ok, "%s: accepted", de->d_name);
            T_CHECK(want && r.code && !strcmp(r.code, want), "%s: error code %s, want %s (%s)", de->d_name, r.code ? r.code : "none",
                    want ? want : "?", r.error);
            fprintf(stderr, "  %s -> %s: %s\n", de->d_name, r.code ? r.code : "-", r.error);
            webvhFree(log);
        }
        json_decref(exp);
    }
    if (d) closedir(d);
    T_CHECK(seen == 16, "%d negative vectors, expected 16", seen);
}

/* The Rust implementation's test logs (README: which are valid and which not). */
static void rustLogs(void) {
    static const struct { const char *file, *wit; int valid; } c[] = {
        {"did-generate_history.jsonl", "did-witness-generate_history.json", 1},
        {"first_log_entry_good.jsonl", NULL, 1},
        {"first_log_entry_verify_full.jsonl", NULL, 1},
        {"first_log_entry_verify_tampered.jsonl", NULL, 0},
        {"plain_rotation_no_prerotation.jsonl", NULL, 0},
        /* README: "an older spec version": it sets watchers/ttl to null, which v1.0
         * deprecates but tells resolvers to accept as the default; so it verifies. */
        {"pre-1_0-spec.jsonl", NULL, 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char p[512], err[ERR_MAX];
        size_t n;
        snprintf(p, sizeof p, "%s/didwebvh-rs/%s", T_VECDIR, c[i].file);
        char *s = t_slurp(p, &n);
        T_CHECK(s != NULL, "missing %s", p);
        if (!s) continue;
        webvhLog *log = webvhParse(s, n, err);
        json_t *wf = NULL;
        if (c[i].wit) {
            snprintf(p, sizeof p, "%s/didwebvh-rs/%s", T_VECDIR, c[i].wit);
            wf = loadJson(p);
        }
        webvhOpts o = {.witnessProofs = wf};
        webvhResult r = {0};
        if (log) webvhVerify(log, &o, &r);
        T_CHECK((log && r.ok) == c[i].valid, "rs %s: valid=%d want %d (%s)", c[i].file, log && r.ok, c[i].valid, log ? r.error : err);
        fprintf(stderr, "  rs %s -> %s\n", c[i].file, log && r.ok ? "valid" : (log ? r.error : err));
        webvhFree(log);
        json_decref(wf);
        free(s);
    }
}

/* The Python resolver suite: resolver-suite.json gives the result of each DID URL. */
static void pySuite(void) {
    json_t *suite = loadJson(T_VECDIR "/didwebvh-py-suite/resolver-suite.json");
    T_CHECK(json_is_array(suite), "no resolver-suite.json");
    size_t i;
    json_t *c;
    json_array_foreach(suite, i, c) {
        const char *logName = jsonGetStr(c, "log"), *url = jsonGetStr(c, "did_url"), *status = jsonGetStr(c, "status");
        char dir[512];
        snprintf(dir, sizeof dir, "%s/didwebvh-py-suite/logs/%s", T_VECDIR, logName);
        webvhResult r;
        webvhQuery q;
        char err[ERR_MAX];
        json_t *wf = NULL;
        T_CHECK(webvhQueryParse(url, &q, err) == 0, "py %s: query %s", url, err);
        webvhLog *log = verifyFiles(dir, url, &r, &wf);
        json_t *got = log ? webvhResolution(log, &r, &q, NULL) : NULL;
        json_t *gm = json_object_get(got, "didDocumentMetadata");
        const char *gerr = jsonGetStr(json_object_get(got, "didResolutionMetadata"), "error");
        if (!log) gerr = "invalidDid";
        if (!strcmp(status, "ok")) {
            T_CHECK(!gerr, "py %s %s: got error %s (%s)", logName, url + 56, gerr, r.error);
            json_t *em = json_object_get(c, "didDocumentMetadata");
            static const char *keys[] = {"versionId", "versionNumber", "versionTime", "created"};
            for (size_t k = 0; !gerr && k < 4; k++) {
                json_t *ev = json_object_get(em, keys[k]);
                if (ev) T_CHECK(sameValue(ev, json_object_get(gm, keys[k])), "py %s %s: %s differs", logName, url + 56, keys[k]);
            }
        } else {
            const char *want = jsonGetStr(json_object_get(c, "didResolutionMetadata"), "error");
            T_CHECK(gerr && want && !strcmp(gerr, want), "py %s %s: error %s, want %s", logName, url + 56, gerr ? gerr : "none", want);
        }
        json_decref(got);
        json_decref(wf);
        webvhFree(log);
    }
    json_decref(suite);
}

int main(void) {
    positiveVectors();
    negativeVectors();
    rustLogs();
    pySuite();
    return T_DONE();
}
