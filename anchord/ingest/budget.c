/* budget.c -- upper bounds of what a DID version adds to its published files. */
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "didlog/webvh.h"
#include "verifier/proof/witness.h"
#include "anchord/ingest/budget.h"

#define PROOF_VALUE_MAX 89                 /* "z" + base58btc of a 64-byte signature (at most 88) */

size_t budgetDepth(size_t maxLeaves) {
    size_t d = 0;
    while (d < MERKLE_MAX_PROOF && ((uint64_t)1 << d) < (uint64_t)maxLeaves) d++;
    return d;
}

/* dumpLen: the JCS length of a witness.json holding w (0 on failure). */
static size_t dumpLen(const witnessFile *w) {
    buf b = BUF_INIT;
    char err[ERR_MAX];
    size_t n = witnessDump(w, &b, err) == 0 ? b.len : 0;
    bufFree(&b);
    return n;
}

/* anchorMax: the bytes one anchor proof of a tree of maxLeaves adds to witness.json: the
 * JSON of an anchor with every number at its widest and the longest audit path, plus the
 * comma between items. */
static size_t anchorMax(const char *versionId, size_t maxLeaves) {
    anchorProof a;   /* only the sizes of its fields matter */
    memset(&a, 0, sizeof a);
    snprintf(a.versionId, sizeof a.versionId, "%s", versionId);
    a.versionNumber = 1;
    a.leafIndex = a.treeSize = maxLeaves > 0 ? maxLeaves : 1;
    a.proofLen = budgetDepth(maxLeaves);
    a.batchId = a.chainId = a.blockNumber = (uint64_t)JSON_INT_MAX;   /* JSON integers below 2^53 */
    witnessFile none = {0}, one = {.v = &a, .n = 1, .cap = 1};
    size_t full = dumpLen(&one), empty = dumpLen(&none);
    return full > empty ? full - empty + 1 : 4096;
}

/* The did-witness.json item of a version with an empty versionId and its proofValue's
 * length: every other part of the proof (did:key method, created time) has a fixed size. */
static size_t dwItemEmpty, dwProofValue;
static pthread_once_t dwOnce = PTHREAD_ONCE_INIT;

static void dwMeasure(void) {
    uint8_t seed[32] = {0};
    edKey k;
    char err[ERR_MAX];
    edKeyFromSeed(seed, &k);
    json_t *proof = webvhWitnessSign("", k.sk, "2000-01-01T00:00:00Z", err);
    json_t *item = proof ? json_pack("{s:s,s:[O]}", "versionId", "", "proof", proof) : NULL;
    buf b = BUF_INIT;
    const char *pv = jsonGetStr(proof, "proofValue");
    if (item && pv && jcsAppend(item, &b, err) == 0) {
        dwItemEmpty = b.len;
        dwProofValue = strlen(pv);
    } else {
        dwItemEmpty = 1024;   /* cannot measure: a generous bound (an item is ~330 bytes) */
        dwProofValue = PROOF_VALUE_MAX;
    }
    bufFree(&b);
    json_decref(item);
    json_decref(proof);
    edKeyWipe(&k);
}

size_t budgetProofsMax(const char *versionId, size_t maxLeaves) {
    pthread_once(&dwOnce, dwMeasure);
    size_t dw = dwItemEmpty - dwProofValue + PROOF_VALUE_MAX + strlen(versionId) + 1;
    return anchorMax(versionId, maxLeaves) + dw;
}

size_t budgetFilesMin(const char *did) {
    witnessFile w = {.did = (char *)did};
    return dumpLen(&w) + 2;   /* + "[]" */
}

size_t budgetGenesisMax(const char *did, size_t logLen, size_t maxLeaves) {
    char vid[65];   /* version 1: "1-" + a base58 multihash (46 characters); 64 to spare */
    memset(vid, 'x', 64);
    vid[64] = 0;
    return logLen + 1 + budgetFilesMin(did) + budgetProofsMax(vid, maxLeaves) + budgetDidWebMax(did, logLen);
}

size_t budgetVersionBase(size_t lineLen, size_t eventLen, const char *versionId, size_t maxLeaves) {
    size_t line = lineLen + 1 > eventLen ? lineLen + 1 - eventLen : 0;
    return line + budgetProofsMax(versionId, maxLeaves) + BUDGET_SLACK;
}

size_t budgetDidWebMax(const char *did, size_t lineLen) {
    /* services: ids and endpoints are each at most the DID (+ a host of 253 octets as an
     * A-label) plus fixed JSON; alsoKnownAs: the DID and its brackets */
    return lineLen + 3 * strlen(did) + 1024;
}
