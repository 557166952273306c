/* merkle.h -- RFC 6962 / RFC 9162 Merkle tree: build, inclusion proofs, verify.
 *
 * Leaf hash = SHA-256(0x00 || input), node = SHA-256(0x01 || left || right),
 * tree shape of RFC 9162 §2.1.1 for any size. A built tree keeps every level,
 * so each inclusion proof (RFC 9162 §2.1.3 audit path, leaf's sibling first)
 * is read from memory with no hashing; callers pull proofs one at a time. */
#ifndef WA_MERKLE_H
#define WA_MERKLE_H
#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32
#define MERKLE_MAX_PROOF 64   /* the longest audit path any uint64 tree size has */

typedef uint8_t merkleHash[MERKLE_HASH_LEN];
typedef struct merkleTree merkleTree;

/* merkleHashLeaf: out = SHA-256(0x00 || in). */
void merkleHashLeaf(const void *in, size_t n, merkleHash out);

/* merkleHashNode: out = SHA-256(0x01 || l || r); out may alias l or r. */
void merkleHashNode(const merkleHash l, const merkleHash r, merkleHash out);

/* merkleNew: an empty tree of n leaves to fill with merkleSetLeaf* and then
 * merkleSeal. NULL + err when n is too large to allocate. */
merkleTree *merkleNew(size_t n, char *err);

/* merkleSetLeaf: leaf i's hash = merkleHashLeaf(input). i < n, before Seal. */
void merkleSetLeaf(merkleTree *t, size_t i, const void *input, size_t len);

/* merkleSetLeafHash: leaf i's hash given directly (e.g. from a batch manifest). */
void merkleSetLeafHash(merkleTree *t, size_t i, const merkleHash h);

/* merkleSeal: compute every level above the leaves (n-1 node hashes). */
void merkleSeal(merkleTree *t);

/* merkleBuild: merkleNew + merkleSetLeafHash for each of hashes[0..n) + Seal. */
merkleTree *merkleBuild(const merkleHash *hashes, size_t n, char *err);

/* merkleSize: the number of leaves. */
size_t merkleSize(const merkleTree *t);

/* merkleRoot: MTH of the sealed tree (SHA-256 of "" for an empty tree). */
const uint8_t *merkleRoot(const merkleTree *t);

/* merkleLeaf: leaf i's hash (i < size). */
const uint8_t *merkleLeaf(const merkleTree *t, size_t i);

/* merkleProof: the audit path of leaf i of a sealed tree into out (room for
 * MERKLE_MAX_PROOF hashes), *len = its length. No hashing. 0, or -1 + err
 * when i is out of range. */
int merkleProof(const merkleTree *t, size_t i, merkleHash out[MERKLE_MAX_PROOF],
                size_t *len, char *err);

/* merkleEachFn: called once per leaf by merkleEachProof; non-zero stops. */
typedef int (*merkleEachFn)(size_t i, const uint8_t *leafHash,
                            const merkleHash *proof, size_t len, void *ctx);

/* merkleEachProof: stream every leaf's proof, in leaf order, to fn; only one
 * proof exists at a time. Returns 0, or fn's first non-zero value. */
int merkleEachProof(const merkleTree *t, merkleEachFn fn, void *ctx);

/* merkleFree: release the tree (NULL is fine). */
void merkleFree(merkleTree *t);

/* merkleVerify: RFC 9162 §2.1.3.2, exactly: leaf `index` with hash leafHash
 * is in the tree of `size` leaves whose root is `root`, by proof[0..len).
 * 0 when it holds, -1 + err saying why not. */
int merkleVerify(const merkleHash leafHash, uint64_t index, uint64_t size,
                 const merkleHash *proof, size_t len, const merkleHash root, char *err);

/* merkleProofFromHex: parse a comma-separated list of 64-hex-digit hashes
 * (each may start with 0x; "" = empty proof) into out (room for max).
 * Rejects empty items, wrong lengths, non-hex and more than max items.
 * 0 + *len, or -1 + err. */
int merkleProofFromHex(const char *s, merkleHash *out, size_t max, size_t *len, char *err);

#endif
