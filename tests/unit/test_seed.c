/* test_seed.c -- seed/: deterministic key derivation and content, DID templates, time
 * arguments, and a known answer for generated identities (same bytes in every build:
 * -O2, ASan -O1, any thread count), checked against a digest recorded from the first run. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include <time.h>
#include "core/hex.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "core/io/file.h"
#include "core/io/opt.h"
#include "didlog/didurl.h"
#include "seed/ident.h"
#include "seed/product.h"
#include "seed/rng.h"

/* digest of index.jsonl for seed 5, 2 groups, dpp, test.example.com, 2025-02-01T00:00:00Z,
 * publisher = witness = the key of SHA-256("seed-test-publisher") */
#define KNOWN_INDEX_SHA256 "c6b0398c560fe39c5be93607ec60179ce0d567fa7d7d7ad933a0994816b9b32e"

static void testRng(void) {
    uint8_t a[32], b[32], c[32];
    rngKeySeed(1, "window", 0, a);
    rngKeySeed(1, "window", 0, b);
    rngKeySeed(1, "window", 1, c);
    T_CHECK(!memcmp(a, b, 32), "same label, same key seed");
    T_CHECK(memcmp(a, c, 32), "another number, another key seed");
    rngKeySeed(2, "window", 0, c);
    T_CHECK(memcmp(a, c, 32), "another seed, another key seed");
    rngKeySeed(1, "frame", 0, c);
    T_CHECK(memcmp(a, c, 32), "another kind, another key seed");
    rng r, s;
    rngInit(&r, 9, "x", 3), rngInit(&s, 9, "x", 3);
    int same = 1, inRange = 1;
    for (int i = 0; i < 1000; i++) {
        long long v = rngRange(&r, -3, 7);
        same &= v == rngRange(&s, -3, 7);
        inRange &= v >= -3 && v <= 7;
        double d = rngReal(&r, 0.5, 0.7, 1);
        rngReal(&s, 0.5, 0.7, 1);
        inRange &= d >= 0.5 && d <= 0.7;
    }
    T_CHECK(same, "streams repeat");
    T_CHECK(inRange, "values stay in range");
}

static void testProduct(void) {
    const productProfile *p = productProfileByName("dpp"), *q = productProfileByName("iot");
    T_CHECK(p && p->nkinds == 3 && p->partsOfFirst && p->defaultCount == 1000, "dpp profile");
    T_CHECK(q && q->nkinds == 2 && !q->partsOfFirst && q->defaultCount == 20, "iot profile");
    T_CHECK(!productProfileByName("x"), "unknown profile");
    json_t *o[PRODUCT_KINDS_MAX];
    T_CHECK(productGroup(p, 1, 41, o) == 0, "dpp group");
    T_CHECK(!strcmp(jsonGetStr(o[0], "serial"), "WIN-2025-000042") && !strcmp(jsonGetStr(o[1], "serial"), "GP-2025-000042"),
            "serials follow the group number");
    int64_t w, gw, face;
    jsonGetInt(o[0], "widthMm", &w), jsonGetInt(o[1], "widthMm", &gw);
    face = (w - gw) / 2;
    T_CHECK(face >= 110 && face <= 140, "pane = window less the frame faces (%lld)", (long long)face);
    const char *g = jsonGetStr(o[0], "gtin");
    int sum = 0;
    for (int i = 0; i < 13; i++) sum += (g[i] - '0') * (i % 2 ? 3 : 1);
    T_CHECK(strlen(g) == 13 && sum % 10 == 0, "GTIN-13 check digit (GS1 mod 10): %s", g);
    for (int i = 0; i < 3; i++) json_decref(o[i]);
}

static void testArgs(void) {
    buf b = BUF_INIT;
    char err[ERR_MAX];
    T_CHECK(didTemplate("dpp.example.com:8443", ".well-known/did", 0, &b, err) == 0 &&
                !strcmp((char *)b.p, "did:webvh:{SCID}:dpp.example.com%3A8443:.well-known:did:{SCID}"),
            "template: %%3A port, prefix segments, SCID last: %s", (char *)b.p);
    T_CHECK(didTemplate("Dpp.Example.com", ".well-known/did", 0, &b, err) < 0, "upper-case host refused (one rule with WA_DOMAIN)");
    T_CHECK(didTemplate("127.0.0.1", ".well-known/did", 0, &b, err) < 0, "IP literal refused");
    T_CHECK(didTemplate("example.com", "a/../b", 0, &b, err) < 0, "dot-dot segment refused");
    bufReset(&b);
    T_CHECK(didPrefixPath("a//b c/", &b) == 0 && !strcmp((char *)b.p, ":a:b%20c"),
            "prefix path: empty parts skipped, each segment percent-encoded: %s", (char *)b.p);
    bufFree(&b);
    long long t;
    T_CHECK(seedTimeArg("2025-01-01T00:00:00Z", &t, err) == 0 && t == 1735689600, "RFC 3339");
    T_CHECK(seedTimeArg("now-2d", &t, err) == 0 && llabs(t - (time(NULL) - 172800)) <= 1, "now-2d");
    T_CHECK(seedTimeArg("tomorrow", &t, err) < 0 && seedTimeArg("now-3x", &t, err) < 0, "bad times refused");
    uint64_t u;
    T_CHECK(optU64("18446744073709551615", &u) == 0 && u == UINT64_MAX, "u64 max");
    T_CHECK(optU64("-1", &u) < 0 && optU64("1x", &u) < 0 && optU64("", &u) < 0, "bad integers refused");
}

static void knownAnswer(void) {
    char dir[] = "/tmp/wa-seed-unit.XXXXXX", err[ERR_MAX], path[256], hx[65];
    T_CHECK(mkdtemp(dir) != NULL, "temp dir");
    uint8_t sd[32];
    sha256("seed-test-publisher", 19, sd);
    edKey k;
    edKeyFromSeed(sd, &k);
    identOpts o = {.publisher = &k, .jobs = 3};
    snprintf(path, sizeof path, "%s/out", dir);
    o.outDir = path;
    seedMeta *m = &o.meta;
    strcpy(m->profile, "dpp"), strcpy(m->domain, "test.example.com"), strcpy(m->prefix, ".well-known/did");
    m->seed = 5, m->count = 2, m->time = 1738368000;
    mkEncodeEd25519Pub(k.pk, m->publisher);
    didkeyFromPub(k.pk, m->witness);
    size_t n = 0;
    T_CHECK(identGenerate(&o, &n, err) == 0 && n == 6, "generate 6 DIDs: %s", err);
    char ip[300];
    snprintf(ip, sizeof ip, "%s/index.jsonl", path);
    buf b = BUF_INIT;
    T_CHECK(fileRead(ip, 1 << 20, &b, err) == 0, "index read");
    uint8_t h[32];
    sha256(b.p, b.len, h);
    hexEncode(h, 32, hx);
    T_CHECK(!strcmp(hx, KNOWN_INDEX_SHA256), "index.jsonl digest %s (recorded %s)", hx, KNOWN_INDEX_SHA256);
    T_CHECK(identGenerate(&o, &n, err) < 0 && strstr(err, "exists"), "refuses a used directory");
    bufFree(&b);
    edKeyWipe(&k);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    T_CHECK(system(cmd) == 0, "cleanup");
}

int main(void) {
    testRng();
    testProduct();
    testArgs();
    knownAnswer();
    return T_DONE();
}
