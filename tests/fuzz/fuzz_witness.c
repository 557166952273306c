/* fuzz_witness.c -- witness.json, batch manifest and anchors file parsers on
 * arbitrary input: never crash, and whatever is accepted re-emits to a form
 * that parses again to the same bytes. */
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"

#define SAME(dump, parse, T, freefn)                                              \
    do {                                                                          \
        T x2;                                                                     \
        buf a = BUF_INIT, b = BUF_INIT;                                           \
        if (dump(&x, &a, err) < 0 || parse((char *)a.p, a.len, &x2, err) < 0) abort(); \
        if (dump(&x2, &b, err) < 0 || a.len != b.len || memcmp(a.p, b.p, a.len)) abort(); \
        freefn(&x2);                                                              \
        bufFree(&a);                                                              \
        bufFree(&b);                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);
int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) {
    char err[ERR_MAX];
    {
        witnessFile x;
        if (witnessParse((const char *)d, n, &x, err) == 0) { SAME(witnessDump, witnessParse, witnessFile, witnessFree); witnessFree(&x); }
    }
    {
        manifest x;
        if (manifestParse((const char *)d, n, &x, err) == 0) {
            merkleHash r;
            if (manifestRoot(&x, r, err) < 0) abort();
            SAME(manifestDump, manifestParse, manifest, manifestFree);
            manifestFree(&x);
        }
    }
    {
        anchorsFile x;
        if (anchorsParse((const char *)d, n, &x, err) == 0) { SAME(anchorsDump, anchorsParse, anchorsFile, anchorsFree); anchorsFree(&x); }
    }
    return 0;
}
