/* test-eth.c -- `test-tool eth`: the Ethereum primitives, so that
 * tests/integration/eth_golden.sh can compare them with `cast` at test time.
 * The key comes from WA_RELAYER_KEY / WA_RELAYER_KEY_FILE like anchord's.
 *   eth keccak HEX                       Keccak-256 of the bytes
 *   eth address                          EIP-55 address of the key
 *   eth sign-hash HASH                   r||s||v (v = 27 + recid), like cast wallet sign --no-hash
 *   eth mktx CHAIN NONCE PRIO MAXFEE GAS TO|create VALUE DATA   raw signed type-2 tx
 *   eth decode-tx RAW                    fields and recovered sender of a raw type-2 tx
 *   eth create-address ADDR NONCE        contract address, like cast compute-address
 *   eth rlp-check HEX                    exit 0 iff HEX is one canonical RLP item */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/chain/ethkey.h"
#include "anchord/chain/ethtx.h"
#include "anchord/chain/rlp.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "tests/helper/test-tool.h"

static void printHex(const uint8_t *p, size_t n) {
    char *s = malloc(2 * n + 1);
    if (!s) exit(1);
    hexEncode(p, n, s);
    printf("0x%s\n", s);
    free(s);
}

static uint8_t *mustHex(const char *s, size_t *n) {
    uint8_t *p = hexDecodeAny(s, n);
    if (!p) { fprintf(stderr, "test-tool eth: bad hex '%.40s'\n", s); exit(2); }
    return p;
}

static uint64_t mustU64(const char *s) {
    char *e;
    unsigned long long v = strtoull(s, &e, 0);
    if (!*s || *e) { fprintf(stderr, "test-tool eth: bad number '%s'\n", s); exit(2); }
    return v;
}

static void mustKey(ethKey *k) {
    char err[ERR_MAX];
    const char *v = getenv("WA_RELAYER_KEY");   /* a test vector's key wins over the file */
    if (ethKeyLoad(k, v && *v ? "" : getenv("WA_RELAYER_KEY_FILE"), err) < 0) { fprintf(stderr, "test-tool eth: %s\n", err); exit(1); }
}

static int cmdMktx(char **a) {
    ethKey k;
    ethTx tx = {0};
    char err[ERR_MAX];
    uint8_t h[32];
    size_t dn;
    buf raw = BUF_INIT;
    tx.chainId = mustU64(a[0]); tx.nonce = mustU64(a[1]);
    tx.maxPriorityFeePerGas = mustU64(a[2]); tx.maxFeePerGas = mustU64(a[3]); tx.gas = mustU64(a[4]);
    tx.hasTo = strcmp(a[5], "create") != 0;
    if (tx.hasTo && ethAddrParse(a[5], tx.to, err) < 0) { fprintf(stderr, "test-tool eth: %s\n", err); return 2; }
    tx.value = mustU64(a[6]);
    uint8_t *data = mustHex(a[7], &dn);
    tx.data = data; tx.dataLen = dn;
    mustKey(&k);
    int rc = ethTxSign(&tx, &k, &raw, h, err);
    ethKeyWipe(&k);
    if (rc == 0) printHex(raw.p, raw.len); else fprintf(stderr, "test-tool eth: %s\n", err);
    free(data);
    bufFree(&raw);
    return rc ? 1 : 0;
}

static int cmdDecode(const char *hex) {
    size_t n;
    uint8_t *raw = mustHex(hex, &n), sig[ETH_SIG_LEN], from[ETH_ADDR_LEN];
    ethTx tx;
    char err[ERR_MAX], a[ETH_ADDR_HEX_MAX];
    if (ethTxDecode(raw, n, &tx, sig, from, err) < 0) { fprintf(stderr, "test-tool eth: %s\n", err); free(raw); return 1; }
    printf("chainId %llu\nnonce %llu\nmaxPriorityFeePerGas %llu\nmaxFeePerGas %llu\ngas %llu\n",
           (unsigned long long)tx.chainId, (unsigned long long)tx.nonce,
           (unsigned long long)tx.maxPriorityFeePerGas, (unsigned long long)tx.maxFeePerGas,
           (unsigned long long)tx.gas);
    if (tx.hasTo) { ethAddrHex(tx.to, a); printf("to %s\n", a); } else printf("to create\n");
    printf("value %llu\ndataLen %zu\n", (unsigned long long)tx.value, tx.dataLen);
    ethAddrHex(from, a);
    printf("from %s\n", a);
    free(raw);
    return 0;
}

int cmdEth(int argc, char **argv) {
    char err[ERR_MAX];
    const char *c = argc > 1 ? argv[1] : "--help";
    if (!strcmp(c, "keccak") && argc == 3) {
        size_t n;
        uint8_t *p = mustHex(argv[2], &n), h[32];
        keccak256(p, n, h);
        printHex(h, 32);
        free(p);
        return 0;
    }
    if (!strcmp(c, "address") && argc == 2) {
        ethKey k;
        char a[ETH_ADDR_HEX_MAX];
        mustKey(&k);
        ethAddrHex(k.addr, a);
        ethKeyWipe(&k);
        printf("%s\n", a);
        return 0;
    }
    if (!strcmp(c, "sign-hash") && argc == 3) {
        ethKey k;
        uint8_t h[32], sig[ETH_SIG_LEN];
        if (hexDecode(argv[2], h, 32) < 0) { fprintf(stderr, "test-tool eth: want a 32-byte hash\n"); return 2; }
        mustKey(&k);
        int rc = ethSignHash(&k, h, sig, err);
        ethKeyWipe(&k);
        if (rc < 0) { fprintf(stderr, "test-tool eth: %s\n", err); return 1; }
        sig[64] += 27;   /* cast prints the legacy v */
        printHex(sig, 65);
        return 0;
    }
    if (!strcmp(c, "mktx") && argc == 10) return cmdMktx(argv + 2);
    if (!strcmp(c, "decode-tx") && argc == 3) return cmdDecode(argv[2]);
    if (!strcmp(c, "create-address") && argc == 4) {
        uint8_t from[ETH_ADDR_LEN], out[ETH_ADDR_LEN];
        char a[ETH_ADDR_HEX_MAX];
        if (ethAddrParse(argv[2], from, err) < 0) { fprintf(stderr, "test-tool eth: %s\n", err); return 2; }
        ethCreateAddr(from, mustU64(argv[3]), out);
        ethAddrHex(out, a);
        printf("%s\n", a);
        return 0;
    }
    if (!strcmp(c, "rlp-check") && argc == 3) {
        size_t n;
        uint8_t *p = mustHex(argv[2], &n);
        int rc = rlpValidate(p, n, err);
        free(p);
        if (rc < 0) { printf("%s\n", err); return 1; }
        return 0;
    }
    fprintf(stderr, "usage: test-tool eth keccak HEX | address | sign-hash HASH | mktx CHAIN NONCE PRIO MAXFEE GAS TO|create VALUE DATA\n"
                    "       | decode-tx RAW | create-address ADDR NONCE | rlp-check HEX\n");
    return strcmp(c, "--help") ? 2 : 0;
}
