/* manifest.h -- batch manifests (batches/<batchId>.json, immutable) and
 * anchors files (the offline snapshot of on-chain roots didverify can use).
 *
 * Manifest: {"batchId","root","treeSize","chainId","contract","txHash","blockNumber",
 *            "leaves":[{"leafHash","did","versionId","status":"published"|"unused"}]}
 * Every leaf of the tree is listed in leaf order, so anyone can rebuild the root;
 * "unused" marks a leaf whose entry lost a race to a foreign writer and was
 * re-queued (it is anchored, but never published).
 * Anchors file: {"chainId","contract","anchors":[{"batchId","root","blockNumber","txHash"}]} */
#ifndef WA_MANIFEST_H
#define WA_MANIFEST_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/merkle.h"

#define MANIFEST_DID_MAX 512
#define MANIFEST_MAX_BYTES (256u << 20)

typedef struct manifestLeaf {
    merkleHash leafHash;
    char *did;
    char *versionId;
    int unused;                      /* 1 = anchored but not published */
} manifestLeaf;

typedef struct chainRef {
    uint64_t batchId, chainId, blockNumber;
    merkleHash root;
    uint8_t contract[20];
    uint8_t txHash[32];
} chainRef;

typedef struct manifest {
    chainRef ref;
    uint64_t treeSize;
    manifestLeaf *leaves;
    size_t n;
} manifest;

/* manifestParse: strict parse; treeSize must equal the number of leaves. */
int manifestParse(const char *s, size_t n, manifest *m, char *err);
/* manifestDump: JCS form appended to out. */
int manifestDump(const manifest *m, buf *out, char *err);
/* manifestRoot: rebuild the Merkle root from the listed leaf hashes into out. */
int manifestRoot(const manifest *m, merkleHash out, char *err);
void manifestFree(manifest *m);

typedef struct anchorsFile {
    uint64_t chainId;
    uint8_t contract[20];
    chainRef *v;                     /* sorted by batchId, unique */
    size_t n;
} anchorsFile;

/* anchorsParse / anchorsDump: the offline roots snapshot. Entries must be in
 * strictly increasing batchId order; each entry's chainId/contract are the file's. */
int anchorsParse(const char *s, size_t n, anchorsFile *a, char *err);
int anchorsDump(const anchorsFile *a, buf *out, char *err);
/* anchorsFind: the entry for batchId, or NULL. */
const chainRef *anchorsFind(const anchorsFile *a, uint64_t batchId);
void anchorsFree(anchorsFile *a);

#endif
