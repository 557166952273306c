/* witness.h -- witness.json: the per-DID Merkle anchor proofs, one per anchored version.
 *
 * File format (JCS, see docs/formats.md):
 *   {"did":"did:webvh:…","anchors":[{"versionId","leafIndex","treeSize","leafHash",
 *     "proof":[hex…],"root","batchId","chainId","contract","txHash","blockNumber"}, …]}
 * Merkle hashes are 64 lowercase hex digits; contract and txHash are 0x-prefixed
 * as Ethereum prints them; numbers are JSON integers below 2^53. Anchors are kept
 * in version order and a versionId appears at most once. */
#ifndef WA_WITNESS_H
#define WA_WITNESS_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/merkle.h"

#define WITNESS_VID_MAX 128
#define WITNESS_MAX_ANCHORS 100000
#define WITNESS_MAX_BYTES (64u << 20)

typedef struct anchorProof {
    char versionId[WITNESS_VID_MAX];
    uint64_t versionNumber;          /* the number before '-' in versionId */
    uint64_t leafIndex, treeSize;
    merkleHash leafHash;
    merkleHash proof[MERKLE_MAX_PROOF];
    size_t proofLen;
    merkleHash root;
    uint64_t batchId, chainId, blockNumber;
    uint8_t contract[20];
    uint8_t txHash[32];
} anchorProof;

typedef struct witnessFile {
    char *did;                       /* NULL until set */
    anchorProof *v;
    size_t n, cap;
} witnessFile;

/* witnessParse: parse a witness.json document (bounded, strict: unknown or
 * missing fields, bad hex, non-integers, duplicate or out-of-order versions
 * are errors). w must be zeroed or freed. 0 / -1 + err. */
int witnessParse(const char *s, size_t n, witnessFile *w, char *err);

/* witnessAdd: append a proof; its versionNumber must be above every present
 * one. The entry is copied. 0 / -1 + err. */
int witnessAdd(witnessFile *w, const anchorProof *p, char *err);

/* witnessFind: the proof for versionId, or NULL. */
const anchorProof *witnessFind(const witnessFile *w, const char *versionId);

/* witnessDump: the JCS form of w appended to out. 0 / -1 + err. */
int witnessDump(const witnessFile *w, buf *out, char *err);

/* witnessFree: release w's memory; w is empty again. */
void witnessFree(witnessFile *w);

/* witnessVersionNumber: the integer before '-' in a did:webvh versionId
 * ("3-Qm…" -> 3). 0 / -1 when the form is wrong. */
int witnessVersionNumber(const char *versionId, uint64_t *out);

#endif
