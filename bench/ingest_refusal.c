/* ingest_refusal.c -- what a body that cannot verify costs the ingest path before it is
 * refused (issue 14: "a 64 KB body of subnormal numbers with a bad signature costs the
 * server ~17x a same-size string body"). For each kind of ~64 KB event body (data of
 * one long string, of distinct subnormal numbers, of distinct 17-digit normal numbers,
 * of small integers, of short strings; and EVENT_MAX_REALS subnormal or 17-digit numbers
 * padded with a string: the cap's worst case, subnormals being refused outright), signed
 * by a registered key and then given another signature,
 * it runs ingestEventCheck (parse, schema, key lookup, canonicalisation, Ed25519) with
 * an in-memory registry (no Redis: refusals never reach it) and prints the mean time
 * of one refusal and its ratio to the string body's. A tool that prints figures, not a
 * timed test (docs/api.md quotes them).
 * Usage: ingest_refusal [SECONDS per kind, default 1] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/di.h"
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"

#define BODY_TARGET 64000   /* bytes: under the default WA_MAX_BODY of 65536 */

static char gDid[200], gVm[260], gMk[MULTIKEY_PUB_MAX];

static int lookup(const didRegistry *r, queue *q, const char *scid, didInfo *out, char *err) {
    memset(out, 0, sizeof *out);
    snprintf(out->did, sizeof out->did, "%s", gDid);
    snprintf(out->keys[0].vm, sizeof out->keys[0].vm, "%s", gVm);
    snprintf(out->keys[0].mk, sizeof out->keys[0].mk, "%s", gMk);
    out->nkeys = 1;
    return 1;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* numberOf: the i-th number of kind k (1 subnormal, 2 normal of 17 digits, 3 integer). */
static double numberOf(int k, size_t i) {
    return k == 1 ? 4.9406564584124654e-324 * (double)(1000003 + i * 7919)   /* distinct subnormals */
         : k == 2 ? 0.12345678901234567 + (double)i * 1e-9                     /* 17 significant digits */
                  : (double)(i % 1000);                                         /* small integers */
}

/* dataOf: the data member of kind k of size parameter n: 0 one string of n bytes; 1..3
 * n numbers of that kind; 6 n short strings; 4, 5 EVENT_MAX_REALS subnormals / 17-digit
 * numbers and a string of n bytes. */
static json_t *dataOf(int k, size_t n) {
    json_t *d = json_object();
    if (k == 0 || k == 4 || k == 5) {
        char *s = malloc(n + 1);
        memset(s, 'a', n);
        s[n] = 0;
        json_object_set_new(d, "s", json_string(s));
        free(s);
    }
    if (k == 0) return d;
    json_t *a = json_array();
    if (k == 6) {   /* n short strings: the per-element floor of any dense body */
        for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string("ab"));
        json_object_set_new(d, "n", a);
        return d;
    }
    size_t count = k >= 4 ? EVENT_MAX_REALS : n;
    for (size_t i = 0; i < count; i++) json_array_append_new(a, json_real(numberOf(k >= 4 ? k - 3 : k, i)));
    json_object_set_new(d, "n", a);
    return d;
}

/* makeBody: a signed event of kind k, ~BODY_TARGET bytes, with the signature of
 * another document (well-formed, does not verify). Caller frees. */
static char *makeBody(int k, const edKey *key, size_t *len) {
    char *out = NULL;
    int padded = k == 0 || k == 4 || k == 5;   /* grown by its string, else by its count */
    for (size_t n = k == 0 ? 60000 : padded ? 20000 : 2000;; n += padded ? 200 : 100) {
        json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", "refusal-1", "did", gDid, "type", "Measured", "time",
                               "2025-01-01T00:00:00Z", "data", dataOf(k, n));
        json_t *opts = json_pack("{s:s,s:s,s:s,s:s}", "type", "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
                                 "verificationMethod", gVm, "proofPurpose", "assertionMethod");
        json_t *other = json_pack("{s:s}", "other", "document");
        json_t *proof = diSign(other, opts, key->sk, NULL);
        json_object_set_new(ev, "proof", proof);
        char *s = jcsDump(ev, len, NULL);
        json_decref(ev); json_decref(opts); json_decref(other);
        if (*len > BODY_TARGET) { free(s); break; }
        free(out);
        out = s;
    }
    *len = strlen(out);
    return out;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    config cfg;
    char err[ERR_MAX];
    if (configLoad(&cfg, NULL, err) < 0) { fprintf(stderr, "ingest_refusal: %s\n", err); return 1; }
    cfg.maxAgeMs = 0;
    uint8_t seed[32];
    sha256("ingest-refusal", 14, seed);
    edKey key;
    edKeyFromSeed(seed, &key);
    mkEncodeEd25519Pub(key.pk, gMk);
    buf sc = BUF_INIT;
    mhSha256B58("ingest-refusal", 14, &sc);
    snprintf(gDid, sizeof gDid, "did:webvh:%s:localhost%%3A8080", (char *)sc.p);
    snprintf(gVm, sizeof gVm, "%s#key-1", gDid);
    bufFree(&sc);
    didRegistry reg = {lookup, NULL};
    ingestCtx ic = {&cfg, &reg, NULL, NULL};
    static const char *const names[] = {"string", "subnormal", "normal17", "integer", "sub1024", "norm1024", "strings"};
    double base = 0;
    printf("%-10s %8s %12s %8s  %s\n", "body", "bytes", "us/refusal", "ratio", "answer");
    for (int k = 0; k < 7; k++) {
        size_t len;
        char *body = makeBody(k, &key, &len);
        ingestResult r;
        ingestPending p;
        long long n = 0;
        double t0 = now(), t;
        do {
            if (ingestEventCheck(&ic, NULL, body, len, &r, &p)) { fprintf(stderr, "accepted?\n"); return 1; }
            n++;
        } while ((t = now() - t0) < secs);
        double us = t / (double)n * 1e6;
        if (k == 0) base = us;
        printf("%-10s %8zu %12.1f %7.1fx  %s %.60s\n", names[k], len, us, us / base, rejectName(r.code), r.detail);
        free(body);
    }
    edKeyWipe(&key);
    return 0;
}
