/* fuzz_proof.c -- libFuzzer target: the hex-list proof decoder and the verifier.
 *
 * Input layout: index (8 bytes LE) | size (8) | leaf hash (32) | root (32) |
 * the rest as a comma-separated hex proof list. Shorter inputs only go to the
 * decoder. Properties: nothing crashes or reads out of bounds; a decoded list
 * re-encodes to the same hashes; and a tree built from the input's bytes has
 * proofs that verify, and fail for a different index. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* roundTrip: hex-encode a decoded proof and decode it again: same hashes. */
static void roundTrip(const merkleHash *p, size_t len) {
    char *s = malloc(len * 65 + 1), *w = s;
    for (size_t k = 0; k < len; k++) {
        hexEncode(p[k], MERKLE_HASH_LEN, w);
        w += 64;
        *w++ = k + 1 < len ? ',' : 0;
    }
    *w = 0;
    merkleHash q[MERKLE_MAX_PROOF];
    size_t qlen;
    if (merkleProofFromHex(s, q, MERKLE_MAX_PROOF, &qlen, NULL) < 0 || qlen != len ||
        memcmp(p, q, len * sizeof *q))
        abort();
    free(s);
}

/* treeProperty: every proof of a small tree made from the input verifies. */
static void treeProperty(const uint8_t *data, size_t n) {
    size_t leaves = n % 67 + 1;
    merkleTree *t = merkleNew(leaves, NULL);
    merkleHash h;   /* distinct leaves (equal ones would make indexes interchangeable) */
    merkleHashLeaf(data, n, h);
    for (size_t i = 0; i < leaves; i++) {
        h[0] = (uint8_t)i;
        merkleSetLeafHash(t, i, h);
    }
    merkleSeal(t);
    merkleHash p[MERKLE_MAX_PROOF];
    size_t len, i = data[0] % leaves;
    if (merkleProof(t, i, p, &len, NULL) < 0) abort();
    if (merkleVerify(merkleLeaf(t, i), i, leaves, (const merkleHash *)p, len, merkleRoot(t), NULL)) abort();
    if (leaves > 1 && !merkleVerify(merkleLeaf(t, i), (i + 1) % leaves, leaves,
                                    (const merkleHash *)p, len, merkleRoot(t), NULL)) abort();
    merkleFree(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    size_t off = n >= 80 ? 80 : 0;
    char *s = malloc(n - off + 1);
    memcpy(s, data + off, n - off);
    s[n - off] = 0;
    merkleHash p[MERKLE_MAX_PROOF];
    size_t len;
    char err[ERR_MAX];
    if (merkleProofFromHex(s, p, MERKLE_MAX_PROOF, &len, err) == 0) {
        roundTrip((const merkleHash *)p, len);
        if (off) merkleVerify(data + 16, le64(data), le64(data + 8),
                              (const merkleHash *)p, len, data + 48, err);
    }
    free(s);
    if (n) treeProperty(data, n);
    return 0;
}
