/* cmd_chain.c -- the chain subcommands of anchord: deploy, anchor-root, roots, verify-root,
 * batch-count, resume-tx, address and config (docs/eth.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/cmd.h"
#include "anchord/chain/eth.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/io/file.h"

/* ethStart: the loaded configuration into cfg (a bad setting is named and exits 3; the
 * client borrows cfg), connection, chain id check, then the relayer key when withKey.
 * An exit code. */
static int ethStart(const cmdCtx *ctx, ethClient *c, config *cfg, int withKey) {
    char err[ERR_MAX];
    int rc = configLoad(cfg, ctx->configPath, err) < 0 ? -CHAIN_ECONFIG : 0;
    if (rc == 0) rc = ethOpen(c, cfg, withKey, NULL, err);
    if (rc) fprintf(stderr, "anchord: %s\n", err);
    return exitOfEth(rc);
}

/* done: close c; the exit code of the eth.h result rc (its message printed). */
static int done(ethClient *c, int rc, const char *err) {
    if (rc) fprintf(stderr, "anchord: %s\n", err);
    ethClose(c);
    return exitOfEth(rc);
}

/* parseRoot: "0x" + 64 hex digits into root. 0, or -1 after the usage message. */
static int parseRoot(const char *s, uint8_t root[32]) {
    if (strncmp(s, "0x", 2) || hexDecode(s, root, 32) < 0) {
        fprintf(stderr, "anchord: root must be 0x + 64 hex characters\n");
        return -1;
    }
    return 0;
}

/* parseId: a batch id (optU64's strict decimal). 0, or -1 after the usage message. */
static int parseId(const char *s, uint64_t *id) {
    if (optU64(s, id) < 0) { fprintf(stderr, "anchord: batch id must be a decimal integer\n"); return -1; }
    return 0;
}

int cmdDeploy(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    ethReceipt r;
    uint8_t a[ETH_ADDR_LEN];
    char err[ERR_MAX], as[ETH_ADDR_HEX_MAX];
    int rc = ethStart(ctx, &c, &cfg, 1);
    if (rc) return rc;
    rc = ethDeploy(&c, a, &r, err);
    if (rc == 0) {
        ethAddrHex(a, as);
        printf("%s\n", as);
    }
    ethReceiptFree(&r);
    return done(&c, rc, err);
}

int cmdAnchorRoot(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    ethAnchored a;
    uint8_t root[32];
    char err[ERR_MAX], tx[67], bh[67], rs[67], ca[ETH_ADDR_HEX_MAX];
    if (parseRoot(argv[0], root) < 0) return EXIT_USAGE;
    int rc = ethStart(ctx, &c, &cfg, 1);
    if (rc) return rc;
    rc = ethAnchor(&c, root, &a, err);
    if (rc == 0) {
        hexEncode0x(a.rc.mined.txHash, 32, tx);
        hexEncode0x(a.rc.mined.blockHash, 32, bh);
        hexEncode0x(a.root, 32, rs);
        ethAddrHex(c.rd.contract, ca);
        printf("{\"batchId\":%llu,\"root\":\"%s\",\"timestamp\":%llu,\"chainId\":%llu,\"contract\":\"%s\","
               "\"txHash\":\"%s\",\"blockNumber\":%llu,\"blockHash\":\"%s\",\"nonce\":%llu,\"replacements\":%u}\n",
               (unsigned long long)a.batchId, rs, (unsigned long long)a.timestamp,
               (unsigned long long)c.rd.chainId, ca, tx, (unsigned long long)a.rc.mined.blockNumber, bh,
               (unsigned long long)a.rc.nonce, a.rc.replacements);
    }
    ethReceiptFree(&a.rc);
    return done(&c, rc, err);
}

int cmdRoots(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    uint64_t id;
    uint8_t root[32];
    char err[ERR_MAX], s[67];
    if (parseId(argv[0], &id) < 0) return EXIT_USAGE;
    int rc = ethStart(ctx, &c, &cfg, 0);
    if (rc) return rc;
    if ((rc = ethNeedContract(&c, err)) == 0 && (rc = chainRoots(&c.rd, id, "latest", root, err)) == 0) {
        hexEncode0x(root, 32, s);
        printf("%s\n", s);
    }
    return done(&c, rc, err);
}

int cmdVerifyRoot(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    uint64_t id;
    uint8_t root[32];
    int ok = 0;
    char err[ERR_MAX];
    if (parseId(argv[0], &id) < 0 || parseRoot(argv[1], root) < 0) return EXIT_USAGE;
    int rc = ethStart(ctx, &c, &cfg, 0);
    if (rc) return rc;
    if ((rc = ethNeedContract(&c, err)) == 0 && (rc = chainVerifyRoot(&c.rd, id, root, &ok, err)) == 0) printf("%s\n", ok ? "true" : "false");
    rc = done(&c, rc, err);
    return rc ? rc : ok ? EXIT_OK : EXIT_FAIL;
}

int cmdBatchCount(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    uint64_t n;
    char err[ERR_MAX];
    int rc = ethStart(ctx, &c, &cfg, 0);
    if (rc) return rc;
    if ((rc = ethNeedContract(&c, err)) == 0 && (rc = chainBatchCount(&c.rd, "latest", &n, err)) == 0) printf("%llu\n", (unsigned long long)n);
    return done(&c, rc, err);
}

int cmdResumeTx(const cmdCtx *ctx, int argc, char **argv) {
    ethClient c;
    config cfg;
    ethReceipt r;
    buf b = BUF_INIT;
    size_t n = 0;
    char err[ERR_MAX], tx[67];
    if (fileRead(argv[0], 1 << 20, &b, err) < 0) { fprintf(stderr, "anchord: %s\n", err); return EXIT_CONFIG; }
    while (b.len && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == ' ')) b.p[--b.len] = 0;
    uint8_t *raw = hexDecodeAny((char *)b.p, &n);
    bufFree(&b);
    if (!raw) { fprintf(stderr, "anchord: %s: want one raw transaction as hex\n", argv[0]); return EXIT_CONFIG; }
    int rc = ethStart(ctx, &c, &cfg, 1);
    if (rc) { free(raw); return rc; }
    rc = ethResume(&c, raw, n, &r, err);
    free(raw);
    if (rc == 0) {
        hexEncode0x(r.mined.txHash, 32, tx);
        printf("{\"txHash\":\"%s\",\"blockNumber\":%llu,\"nonce\":%llu,\"status\":%d,\"replacements\":%u}\n", tx,
               (unsigned long long)r.mined.blockNumber, (unsigned long long)r.nonce, r.mined.status, r.replacements);
    }
    ethReceiptFree(&r);
    return done(&c, rc, err);
}

int cmdAddress(const cmdCtx *ctx, int argc, char **argv) {
    ethKey k;
    config cfg;
    char err[ERR_MAX], a[ETH_ADDR_HEX_MAX];
    if (configLoad(&cfg, ctx->configPath, err) < 0 || ethKeyLoad(&k, cfg.relayerKeyFile, err) < 0) {
        fprintf(stderr, "anchord: %s\n", err);
        return EXIT_CONFIG;
    }
    ethAddrHex(k.addr, a);
    ethKeyWipe(&k);
    printf("%s\n", a);
    return 0;
}

int cmdConfig(const cmdCtx *ctx, int argc, char **argv) {
    config cfg;
    char err[ERR_MAX];
    if (configLoad(&cfg, ctx->configPath, err) < 0) { fprintf(stderr, "anchord: %s\n", err); return EXIT_CONFIG; }
    configPrint(stdout, &cfg);
    return 0;
}
