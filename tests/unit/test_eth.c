/* test_eth.c -- RLP (vectors from the Ethereum wiki's RLP page / Yellow Paper
 * appendix B), EIP-55 (the vectors listed in EIP-55), revert reasons, the chain
 * settings and the relayer key (the JSON-RPC transport: test_chain_rpc.c). The
 * transaction and signature encodings are checked against cast at test time in
 * tests/integration/eth_golden.sh. */
#include <stdlib.h>
#include "anchord/config/config.h"
#include "anchord/chain/eth.h"
#include "anchord/chain/ethkey.h"
#include "verifier/chain/abi.h"
#include "verifier/chain/ethrpc.h"
#include "anchord/chain/rlp.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "tests/unit/t.h"

static char hexbuf[4096];
static const char *hx(const buf *b) { hexEncode(b->p, b->len, hexbuf); return hexbuf; }

static void rlpStr(const char *s, const char *want) {
    buf b = BUF_INIT;
    rlpPutBytes(&b, (const uint8_t *)s, strlen(s));
    T_CHECK(!strcmp(hx(&b), want), "rlp \"%.20s\": got %s want %s", s, hexbuf, want);
    char err[ERR_MAX];
    T_CHECK(rlpValidate(b.p, b.len, err) == 0, "rlp \"%.20s\" decodes: %s", s, err);
    bufFree(&b);
}

static void rlpInt(uint64_t v, const char *want) {
    buf b = BUF_INIT;
    rlpPutUint(&b, v);
    T_CHECK(!strcmp(hx(&b), want), "rlp %llu: got %s want %s", (unsigned long long)v, hexbuf, want);
    rlpItem it;
    uint64_t back = 1234;
    T_CHECK(rlpNext(b.p, b.len, &it, NULL) == 0 && rlpUint(&it, &back, NULL) == 0 && back == v, "rlp %llu round trip", (unsigned long long)v);
    bufFree(&b);
}

static void rlpBad(const char *hex, const char *why) {
    size_t n;
    uint8_t *p = hexDecodeAny(hex, &n);
    char err[ERR_MAX] = "";
    T_CHECK(p && rlpValidate(p, n, err) < 0, "rlp %s must be rejected (%s)", hex, why);
    free(p);
}

static void testRlp(void) {
    rlpStr("dog", "83646f67");
    rlpStr("", "80");
    rlpStr("\x0f", "0f");
    rlpStr("Lorem ipsum dolor sit amet, consectetur adipisicing elit",
           "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974");
    rlpInt(0, "80");
    rlpInt(15, "0f");
    rlpInt(1024, "820400");
    rlpInt(UINT64_MAX, "88ffffffffffffffff");
    /* ["cat","dog"] */
    buf items = BUF_INIT, l = BUF_INIT;
    rlpPutBytes(&items, (const uint8_t *)"cat", 3);
    rlpPutBytes(&items, (const uint8_t *)"dog", 3);
    rlpPutList(&l, items.p, items.len);
    T_CHECK(!strcmp(hx(&l), "c88363617483646f67"), "rlp [cat,dog]: %s", hexbuf);
    /* the set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ] */
    buf e = BUF_INIT, one = BUF_INIT, two = BUF_INIT, three = BUF_INIT, out = BUF_INIT;
    rlpPutList(&e, NULL, 0);                                       /* [] */
    rlpPutList(&one, e.p, e.len);                                  /* [[]] */
    bufAppend(&two, e.p, e.len); bufAppend(&two, one.p, one.len);
    bufAppend(&three, e.p, e.len); bufAppend(&three, one.p, one.len);
    bufReset(&out); rlpPutList(&out, two.p, two.len);              /* [ [], [[]] ] */
    bufAppend(&three, out.p, out.len);
    bufReset(&out); rlpPutList(&out, three.p, three.len);
    T_CHECK(!strcmp(hx(&out), "c7c0c1c0c3c0c1c0"), "rlp three: %s", hexbuf);
    T_CHECK(rlpValidate(out.p, out.len, NULL) == 0, "rlp three decodes");
    bufFree(&items); bufFree(&l); bufFree(&e); bufFree(&one); bufFree(&two); bufFree(&three); bufFree(&out);
    rlpBad("", "empty");
    rlpBad("8100", "single byte < 0x80 as a string");
    rlpBad("b80161", "long form for a short string");
    rlpBad("b90001" , "length with a leading zero");
    rlpBad("83abcd", "truncated");
    rlpBad("c3", "truncated list");
    rlpBad("c2c0", "list payload truncated");
    rlpBad("0102", "trailing bytes");
    rlpBad("bbffffffff", "length beyond input");
    rlpBad("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c0", "nested deeper than 16 (and truncated)");
    /* 20-deep nesting, well formed: refused by the depth bound. */
    uint8_t deep[21];   /* deep[i] is a list holding deep[i+1..20] */
    for (int i = 0; i <= 20; i++) deep[i] = (uint8_t)(0xc0 + 20 - i);
    T_CHECK(rlpValidate(deep, sizeof deep, NULL) < 0, "rlp: nesting beyond RLP_MAX_DEPTH rejected");
    rlpItem it;
    uint64_t v;
    uint8_t lz[] = {0x82, 0x00, 0x01};
    T_CHECK(rlpNext(lz, 3, &it, NULL) == 0 && rlpUint(&it, &v, NULL) < 0, "rlp integer with leading zero rejected");
}

static void testEip55(void) {
    static const char *ok[] = {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                               "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (size_t i = 0; i < 4; i++) {
        uint8_t a[20];
        char back[ETH_ADDR_HEX_MAX];
        T_CHECK(ethAddrParse(ok[i], a, NULL) == 0, "EIP-55 %s parses", ok[i]);
        ethAddrHex(a, back);
        T_CHECK(!strcmp(back, ok[i]), "EIP-55 %s: got %s", ok[i], back);
    }
    uint8_t a[20];
    T_CHECK(ethAddrParse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", a, NULL) < 0, "bad checksum rejected");
    T_CHECK(ethAddrParse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", a, NULL) == 0, "all lowercase accepted");
    T_CHECK(ethAddrParse("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", a, NULL) < 0, "missing 0x rejected");
    T_CHECK(ethAddrParse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", a, NULL) < 0, "short address rejected");
}

static void testRevert(void) {
    char out[200];
    uint8_t d[100] = {0}, h[32];
    keccak256("Error(string)", 13, h);
    memcpy(d, h, 4);
    d[4 + 31] = 0x20; d[36 + 31] = 5; memcpy(d + 68, "nope!", 5);
    abiRevertReason(d, 100, out, sizeof out);
    T_CHECK(!strcmp(out, "Error(\"nope!\")"), "Error(string): %s", out);
    keccak256("NotRelayer(address)", 19, h);
    memset(d, 0, sizeof d);
    memcpy(d, h, 4);
    d[35] = 1;
    abiRevertReason(d, 36, out, sizeof out);
    T_CHECK(!strcmp(out, "NotRelayer(0x0000000000000000000000000000000000000001)"), "NotRelayer: %s", out);
    keccak256("ZeroRoot()", 10, h);
    abiRevertReason(h, 4, out, sizeof out);
    T_CHECK(!strcmp(out, "ZeroRoot()"), "ZeroRoot: %s", out);
    uint8_t u[4] = {1, 2, 3, 4};
    abiRevertReason(u, 4, out, sizeof out);
    T_CHECK(!strcmp(out, "custom error 0x01020304"), "unknown selector: %s", out);
    abiRevertReason(u, 0, out, sizeof out);
    T_CHECK(!strcmp(out, "no reason given"), "empty: %s", out);
    /* A lying Error(string) length must not read out of bounds. */
    keccak256("Error(string)", 13, h);
    memset(d, 0xff, sizeof d);
    memcpy(d, h, 4);
    abiRevertReason(d, 68, out, sizeof out);
    T_CHECK(out[0] != 0, "hostile Error(string) handled: %s", out);
}

static void testConfig(void) {
    char err[ERR_MAX];
    /* The chain settings come from anchord's one configuration (config.c). */
    config ac;
    unsetenv("WA_CONFIG");
    unsetenv("WA_RPC_URLS"); unsetenv("WA_CHAIN_ID"); unsetenv("WA_CONTRACT"); unsetenv("WA_CONFIRMATIONS");
    T_CHECK(configLoad(&ac, NULL, err) == 0 && ac.chainId == 31337 && ac.confirmations == 1 && ac.maxFeeGwei == 200 &&
            ac.rpcAttempts == 3 && !strcmp(ac.rpcUrls, "http://127.0.0.1:8545") && !*ac.contract,
            "defaults: a local dev chain");
    setenv("WA_CHAIN_ID", "11155111x", 1);
    T_CHECK(configLoad(&ac, NULL, err) < 0 && strstr(err, "WA_CHAIN_ID"), "bad chain id: %s", err);
    setenv("WA_CHAIN_ID", "11155111", 1);
    setenv("WA_CONFIRMATIONS", "0", 1);
    T_CHECK(configLoad(&ac, NULL, err) < 0 && strstr(err, "WA_CONFIRMATIONS"), "0 confirmations refused: %s", err);
    setenv("WA_CONFIRMATIONS", "3", 1);
    setenv("WA_CONTRACT", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", 1);
    T_CHECK(configLoad(&ac, NULL, err) < 0 && strstr(err, "WA_CONTRACT") && strstr(err, "checksum"),
            "bad contract checksum: %s", err);
    setenv("WA_CONTRACT", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 1);
    setenv("WA_RPC_URLS", "http://a,ftp://b", 1);
    T_CHECK(configLoad(&ac, NULL, err) < 0 && strstr(err, "WA_RPC_URLS"), "bad RPC URL named: %s", err);
    unsetenv("WA_RPC_URLS");
    T_CHECK(configLoad(&ac, NULL, err) == 0 && ac.chainId == 11155111 && ac.confirmations == 3 && *ac.contract,
            "explicit configuration");
    unsetenv("WA_CHAIN_ID"); unsetenv("WA_CONTRACT"); unsetenv("WA_CONFIRMATIONS");
    /* Key from the environment: read, then zeroed and unset. */
    setenv("WA_RELAYER_KEY", "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d", 1);
    unsetenv("WA_RELAYER_KEY_FILE");
    ethKey k;
    char a[ETH_ADDR_HEX_MAX];
    T_CHECK(ethKeyLoad(&k, "", err) == 0, "key from env: %s", err);
    ethAddrHex(k.addr, a);
    T_CHECK(!strcmp(a, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), "anvil key #1 address: %s", a);
    T_CHECK(getenv("WA_RELAYER_KEY") == NULL, "WA_RELAYER_KEY unset after reading");
    ethKeyWipe(&k);
    static const uint8_t zero[32];
    T_CHECK(!memcmp(k.sk, zero, 32), "secret zeroed by ethKeyWipe");
    setenv("WA_RELAYER_KEY", "0x00", 1);
    T_CHECK(ethKeyLoad(&k, "", err) < 0 && !strstr(err, "0x00"), "short key refused without echoing it: %s", err);
    setenv("WA_RELAYER_KEY", "0000000000000000000000000000000000000000000000000000000000000000", 1);
    T_CHECK(ethKeyLoad(&k, "", err) < 0, "zero key refused");
}

int main(void) {
    testRlp();
    testEip55();
    testRevert();
    testConfig();
    return T_DONE();
}
