/* fuzz_verify.c -- the full offline verification (verifyHistory) on arbitrary
 * input split at NUL bytes into did.jsonl, witness.json, did-witness.json and an
 * anchors file (missing parts: no witness files; an empty anchors file of chain
 * 31337). Never crash or leak; every verdict is consistent with its counts, and
 * an ANCHORED history has no pending or invalid version. Seeds in
 * tests/fuzz/corpus/fuzz_verify are real test-tool fixture output. */
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "verifier/proof/manifest.h"
#include "verifier/report.h"
#include "verifier/verify.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);
int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n) {
    const char *part[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0}, k = 0, start = 0;
    for (size_t i = 0; i <= n && k < 4; i++)
        if (i == n || (d[i] == 0 && k < 3)) {
            part[k] = (const char *)d + start, len[k] = i - start, k++;
            start = i + 1;
        }
    anchorsFile af;
    char err[ERR_MAX];
    if (!part[3] || anchorsParse(part[3], len[3], &af, err) < 0) {
        memset(&af, 0, sizeof af);
        af.chainId = 31337;
        memset(af.contract, 0x11, sizeof af.contract);
    }
    rootsSrc src;
    if (rootsOpenAnchors(&src, &af, NULL, 0, err) < 0) abort();
    historyInput in = {part[0], len[0], part[1], len[1], part[2], len[2], NULL, 0, NULL};
    historyReport r;
    if (verifyHistory(&in, &src, &r, err) < 0) abort();   /* offline: nothing can fail to be asked */
    if (r.anchored + r.pending + r.invalid != r.n) abort();
    if (historyVerdict(&r) == VERDICT_ANCHORED && (r.pending || r.invalid || !r.n)) abort();
    json_t *j = reportJson(&r);
    if (!j) abort();
    json_decref(j);
    historyFree(&r);
    rootsClose(&src);
    anchorsFree(&af);
    return 0;
}
