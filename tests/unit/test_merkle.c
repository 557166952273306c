/* test_merkle.c -- RFC 6962 / RFC 9162 Merkle tree against published vectors.
 *
 * 1. Every transparency-dev/merkle inclusion vector (tests/vectors/merkle/
 *    inclusion/, recursively) verifies or fails exactly as its wantErr says.
 * 2. The RFC 6962 reference tree heads for the 8 standard leaves (sizes 0..8)
 *    and two reference audit paths (certificate-transparency / transparency-dev
 *    testdata).
 * 3. For every size 1..300: the built root equals the recursive MTH of
 *    RFC 9162 §2.1.1 and every proof equals the recursive PATH of §2.1.3.1,
 *    computed here with OpenSSL's SHA-256 (core/sha256 is nettle's); every
 *    proof verifies and flipping a bit of it, of the leaf or of the root fails. */
#include <ftw.h>
#include <openssl/evp.h>
#include <stdint.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/merkle.h"
#include "tests/unit/t.h"

/* ---- tiny readers for the vector files (fixed, trusted layout) ---- */

/* b64: decode base64 s into out (max bytes); the decoded length, -1 if bad. */
static int b64(const char *s, size_t sl, uint8_t *out, size_t max) {
    if (sl % 4 || sl / 4 * 3 > max) return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)sl);
    if (n < 0) return -1;
    if (sl && s[sl - 1] == '=') n--;
    if (sl > 1 && s[sl - 2] == '=') n--;
    return n;
}

/* after: pointer just past `"key":` and blanks, or NULL. */
static const char *after(const char *js, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(js, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    return p;
}

/* u64: a JSON integer as uint64; "-1"-style values wrap (two's complement),
 * values above 2^64-1 saturate -- all of them are then invalid indexes. */
static uint64_t u64(const char *js, const char *key) {
    const char *p = after(js, key);
    if (!p) return 0;
    if (*p == '-') return (uint64_t)strtoll(p, NULL, 10);
    return strtoull(p, NULL, 10);
}

/* hash32: decode the string at p (pointing to a quote) into h; returns the
 * decoded length (only 32 is a hash) and advances *pp past the string. */
static int hash32(const char **pp, merkleHash h) {
    const char *p = *pp;
    if (*p != '"') return -1;
    const char *e = strchr(p + 1, '"');
    if (!e) return -1;
    uint8_t tmp[96];
    int n = b64(p + 1, (size_t)(e - p - 1), tmp, sizeof tmp);
    if (n == MERKLE_HASH_LEN) memcpy(h, tmp, MERKLE_HASH_LEN);
    *pp = e + 1;
    return n;
}

static int nvec, nvecErr;

/* oneVector: verify one vector file; returns 0 if it behaved as wantErr. */
static int oneVector(const char *path) {
    char *js = t_slurp(path, NULL);
    if (!js) return -1;
    merkleHash leaf, root, proof[MERKLE_MAX_PROOF];
    size_t len = 0;
    int bad = 0;   /* a field that is not a 32-byte hash can never verify */
    const char *p = after(js, "leafHash");
    if (!p || hash32(&p, leaf) != MERKLE_HASH_LEN) bad = 1;
    p = after(js, "root");
    if (!p || hash32(&p, root) != MERKLE_HASH_LEN) bad = 1;
    p = after(js, "proof");
    if (p && *p == '[') {
        for (p++; *p && *p != ']';) {
            while (*p == ' ' || *p == '\n' || *p == ',') p++;
            if (*p == ']') break;
            if (len == MERKLE_MAX_PROOF) { bad = 1; break; }
            if (hash32(&p, proof[len++]) != MERKLE_HASH_LEN) bad = 1;
            while (*p == ' ' || *p == '\n') p++;
        }
    } else if (!p || strncmp(p, "null", 4)) bad = 1;   /* "proof": null = empty */
    uint64_t idx = u64(js, "leafIdx"), size = u64(js, "treeSize");
    const char *w = after(js, "wantErr");
    int wantErr = w && !strncmp(w, "true", 4);
    char err[ERR_MAX] = "";
    int rc = bad ? -1 : merkleVerify(leaf, idx, size, (const merkleHash *)proof, len, root, err);
    free(js);
    nvec++;
    nvecErr += wantErr;
    if ((rc != 0) != wantErr) {
        fprintf(stderr, "vector %s: rc %d wantErr %d (%s)\n", path, rc, wantErr, err);
        return -1;
    }
    return 0;
}

static int vecWalk(const char *path, const struct stat *sb, int type, struct FTW *f) {
    size_t l = strlen(path);
    if (type == FTW_F && l > 5 && !strcmp(path + l - 5, ".json"))
        T_CHECK(oneVector(path) == 0, "inclusion vector %s", path);
    return 0;
}

static void testVectors(void) {
    T_CHECK(nftw(T_VECDIR "/merkle/inclusion", vecWalk, 16, FTW_PHYS) == 0, "walk vectors");
    /* 98 files upstream (6 positive): a silent empty walk must not pass. */
    T_CHECK(nvec >= 98 && nvecErr > 0 && nvecErr < nvec, "vectors seen %d (%d negative)", nvec, nvecErr);
}

/* ---- RFC 6962 reference tree heads ---- */

static const char *ctLeaves[] = {"", "00", "10", "2021", "3031", "40414243",
    "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
static const char *ctRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
static const struct { size_t i; const char *p[3]; } ctPaths[] = {
    {0, {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
         "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
         "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
         "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}}};

static void testReference(void) {
    char hx[2 * MERKLE_HASH_LEN + 1];
    for (size_t n = 0; n <= 8; n++) {
        merkleTree *t = merkleNew(n, NULL);
        for (size_t i = 0; i < n; i++) {
            size_t bl;
            uint8_t *b = *ctLeaves[i] ? hexDecodeAny(ctLeaves[i], &bl) : (bl = 0, calloc(1, 1));
            merkleSetLeaf(t, i, b, bl);
            free(b);
        }
        merkleSeal(t);
        hexEncode(merkleRoot(t), MERKLE_HASH_LEN, hx);
        T_CHECK(!strcmp(hx, ctRoots[n]), "RFC 6962 root of size %zu: %s", n, hx);
        if (n == 8) for (size_t k = 0; k < 2; k++) {
            merkleHash path[MERKLE_MAX_PROOF];
            size_t len;
            T_CHECK(merkleProof(t, ctPaths[k].i, path, &len, NULL) == 0 && len == 3, "path len");
            for (size_t j = 0; j < 3 && j < len; j++) {
                hexEncode(path[j], MERKLE_HASH_LEN, hx);
                T_CHECK(!strcmp(hx, ctPaths[k].p[j]), "RFC 6962 path of leaf %zu [%zu]", ctPaths[k].i, j);
            }
        }
        merkleFree(t);
    }
}

/* ---- recursive definitions of RFC 9162 §2.1.1 and §2.1.3.1 ---- */

static void refNode(const merkleHash l, const merkleHash r, merkleHash out) {
    uint8_t b[1 + 2 * MERKLE_HASH_LEN];
    b[0] = 1;
    memcpy(b + 1, l, MERKLE_HASH_LEN);
    memcpy(b + 1 + MERKLE_HASH_LEN, r, MERKLE_HASH_LEN);
    EVP_Digest(b, sizeof b, out, NULL, EVP_sha256(), NULL);
}

/* largest power of two strictly below n (n > 1) */
static size_t split(size_t n) {
    size_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
}

/* refMTH: MTH(D[0:n]) from leaf hashes (n >= 1), memoised per tree: a
 * subtree is fixed by its first leaf and ceil(log2(its size)), which halves
 * at each step down. refReset clears the memo for a new tree. */
enum { REF_MAXN = 300 };
static merkleHash refMemo[REF_MAXN][10];
static uint8_t refHave[REF_MAXN][10];
static const merkleHash *refBase;

static void refReset(const merkleHash *d) {
    refBase = d;
    memset(refHave, 0, sizeof refHave);
}

static int clog2(size_t n) {
    int l = 0;
    while (((size_t)1 << l) < n) l++;
    return l;
}

static void refMTH(const merkleHash *d, size_t n, merkleHash out) {
    if (n == 1) { memcpy(out, d[0], MERKLE_HASH_LEN); return; }
    size_t s = (size_t)(d - refBase);
    int l = clog2(n);
    if (!refHave[s][l]) {
        size_t k = split(n);
        merkleHash a, b;
        refMTH(d, k, a);
        refMTH(d + k, n - k, b);
        refNode(a, b, refMemo[s][l]);
        refHave[s][l] = 1;
    }
    memcpy(out, refMemo[s][l], MERKLE_HASH_LEN);
}

/* refPATH: PATH(m, D[0:n]) appended at out[*len]. */
static void refPATH(size_t m, const merkleHash *d, size_t n, merkleHash *out, size_t *len) {
    if (n == 1) return;
    size_t k = split(n);
    if (m < k) { refPATH(m, d, k, out, len); refMTH(d + k, n - k, out[(*len)++]); }
    else { refPATH(m - k, d + k, n - k, out, len); refMTH(d, k, out[(*len)++]); }
}

static void testHashes(void) {
    merkleHash a, b, l, r;
    uint8_t in[3] = {0, 'a', 'b'};
    merkleHashLeaf(in + 1, 2, a);
    EVP_Digest(in, 3, b, NULL, EVP_sha256(), NULL);
    T_CHECK(!memcmp(a, b, 32), "leaf = SHA-256(0x00||input)");
    memset(l, 7, 32);
    memset(r, 9, 32);
    merkleHashNode(l, r, a);
    refNode(l, r, b);
    T_CHECK(!memcmp(a, b, 32), "node = SHA-256(0x01||L||R)");
    merkleHashNode(l, r, l);
    T_CHECK(!memcmp(l, b, 32), "node output may alias input");
}

/* verifyFails: merkleVerify rejects (bit flips must never verify). */
static int verifyFails(const merkleHash leaf, size_t i, size_t n, const merkleHash *p,
                       size_t len, const merkleHash root) {
    return merkleVerify(leaf, i, n, p, len, root, NULL) != 0;
}

static void testSizes(void) {
    enum { MAXN = REF_MAXN };
    static merkleHash d[MAXN];
    long ok = 0, bad = 0;
    for (size_t i = 0; i < MAXN; i++) {
        uint8_t in[4] = {(uint8_t)i, (uint8_t)(i >> 8), 0x5a, (uint8_t)(i * 31)};
        merkleHashLeaf(in, sizeof in, d[i]);
    }
    for (size_t n = 1; n <= MAXN; n++) {
        merkleTree *t = merkleBuild((const merkleHash *)d, n, NULL);
        merkleHash want;
        refReset(d);
        refMTH(d, n, want);
        T_CHECK(!memcmp(merkleRoot(t), want, 32), "root of size %zu = MTH", n);
        merkleHash root;
        memcpy(root, merkleRoot(t), 32);
        for (size_t i = 0; i < n; i++) {
            merkleHash p[MERKLE_MAX_PROOF], rp[MERKLE_MAX_PROOF];
            size_t len = 0, rlen = 0;
            merkleProof(t, i, p, &len, NULL);
            refPATH(i, d, n, rp, &rlen);
            if (len != rlen || memcmp(p, rp, len * 32)) { bad++; fprintf(stderr, "PATH(%zu, %zu)\n", i, n); }
            if (merkleVerify(d[i], i, n, (const merkleHash *)p, len, root, NULL)) { bad++; fprintf(stderr, "verify %zu/%zu\n", i, n); }
            /* Every bit of every proof hash for small trees; one rotating bit
             * per hash beyond (all bits everywhere would be ~90M verifies). */
            for (size_t k = 0; k < len; k++)
                for (size_t bit = n <= 24 ? 0 : (i * 7 + k * 13) % 256; bit < 256; bit += n <= 24 ? 1 : 256) {
                    p[k][bit / 8] ^= (uint8_t)(1u << bit % 8);
                    if (!verifyFails(d[i], i, n, (const merkleHash *)p, len, root)) { bad++; fprintf(stderr, "flip %zu/%zu p%zu b%zu\n", i, n, k, bit); }
                    p[k][bit / 8] ^= (uint8_t)(1u << bit % 8);
                    ok++;
                }
            merkleHash x;
            memcpy(x, d[i], 32); x[i % 32] ^= 0x80;
            if (!verifyFails(x, i, n, (const merkleHash *)p, len, root)) bad++;
            memcpy(x, root, 32); x[(i + 5) % 32] ^= 0x01;
            if (!verifyFails(d[i], i, n, (const merkleHash *)p, len, x)) bad++;
            if (len && !verifyFails(d[i], i, n, (const merkleHash *)p, len - 1, root)) bad++;
            if (len < MERKLE_MAX_PROOF) {
                memcpy(p[len], root, 32);
                if (!verifyFails(d[i], i, n, (const merkleHash *)p, len + 1, root)) bad++;
            }
            if (!verifyFails(d[i], n, n, (const merkleHash *)p, len, root)) bad++;
            ok += 5;
        }
        merkleFree(t);
    }
    T_CHECK(bad == 0, "sizes 1..%d: %ld of %ld checks wrong", MAXN, bad, ok);
}

static int countFn(size_t i, const uint8_t *leaf, const merkleHash *p, size_t len, void *ctx) {
    size_t *c = ctx;
    const merkleTree *t = (const merkleTree *)c[1];
    if (i != c[0] || merkleVerify(leaf, i, merkleSize(t), p, len, merkleRoot(t), NULL)) return 1;
    c[0]++;
    return 0;
}

static void testStreamAndEdges(void) {
    merkleHash d[37];
    for (size_t i = 0; i < 37; i++) merkleHashLeaf(&i, sizeof i, d[i]);
    merkleTree *t = merkleBuild((const merkleHash *)d, 37, NULL);
    size_t c[2] = {0, (size_t)t};
    T_CHECK(merkleEachProof(t, countFn, c) == 0 && c[0] == 37, "merkleEachProof streams all 37");
    merkleHash p[MERKLE_MAX_PROOF];
    size_t len;
    char err[ERR_MAX] = "";
    T_CHECK(merkleProof(t, 37, p, &len, err) < 0 && *err, "proof out of range: %s", err);
    merkleFree(t);

    t = merkleNew(0, NULL);
    merkleSeal(t);
    char hx[65];
    hexEncode(merkleRoot(t), 32, hx);
    T_CHECK(!strcmp(hx, ctRoots[0]), "empty tree root = SHA-256()");
    T_CHECK(merkleProof(t, 0, p, &len, NULL) < 0, "no proof in empty tree");
    merkleFree(t);
    T_CHECK(merkleNew(SIZE_MAX / 8, err) == NULL && *err, "huge tree refused: %s", err);
    T_CHECK(merkleNew(SIZE_MAX, err) == NULL, "SIZE_MAX leaves refused (no size overflow)");
    T_CHECK(merkleNew(SIZE_MAX / 64, err) == NULL, "2^58 leaves refused");
    /* index >= size, including 2^64-1 */
    T_CHECK(merkleVerify(d[0], UINT64_MAX, UINT64_MAX, NULL, 0, d[0], err) < 0, "idx max");
    T_CHECK(merkleVerify(d[0], 0, 0, NULL, 0, d[0], err) < 0, "size 0");
    T_CHECK(merkleVerify(d[0], 0, 1, NULL, 0, d[0], NULL) == 0, "size 1 leaf = root");
}

static void testHexList(void) {
    merkleHash out[4];
    size_t len = 9;
    char err[ERR_MAX];
    const char *h = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7";
    char s[400];
    T_CHECK(merkleProofFromHex("", out, 4, &len, err) == 0 && len == 0, "empty list");
    snprintf(s, sizeof s, "%s,0x%s", h, h);
    T_CHECK(merkleProofFromHex(s, out, 4, &len, err) == 0 && len == 2 && out[1][0] == 0x96, "two items");
    snprintf(s, sizeof s, "%s,", h);
    T_CHECK(merkleProofFromHex(s, out, 4, &len, err) < 0, "trailing comma");
    snprintf(s, sizeof s, ",%s", h);
    T_CHECK(merkleProofFromHex(s, out, 4, &len, err) < 0, "leading comma");
    T_CHECK(merkleProofFromHex("abcd", out, 4, &len, err) < 0, "short item");
    snprintf(s, sizeof s, "%s00", h);
    T_CHECK(merkleProofFromHex(s, out, 4, &len, err) < 0, "long item");
    snprintf(s, sizeof s, "%.63sg", h);
    T_CHECK(merkleProofFromHex(s, out, 4, &len, err) < 0, "non-hex");
    snprintf(s, sizeof s, "%s,%s,%s", h, h, h);
    T_CHECK(merkleProofFromHex(s, out, 2, &len, err) < 0, "too many: %s", err);
}

int main(void) {
    testHashes();
    testVectors();
    testReference();
    testSizes();
    testStreamAndEdges();
    testHexList();
    return T_DONE();
}
