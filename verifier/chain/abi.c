/* abi.c -- the registry's ABI: selectors, words, the Anchored log, revert reasons. */
#include <stdio.h>
#include <string.h>
#include "core/err.h"
#include "core/keccak.h"
#include "verifier/chain/abi.h"
#include "verifier/chain/ethrpc.h"

void abiSelector(const char *sig, uint8_t out[4]) {
    uint8_t h[32];
    keccak256(sig, strlen(sig), h);
    memcpy(out, h, 4);
}

void abiPutWord(uint8_t p[32], uint64_t v) {
    memset(p, 0, 32);
    for (int i = 0; i < 8; i++) p[31 - i] = (uint8_t)(v >> (8 * i));
}

int abiWord(const uint8_t p[32], uint64_t *v) {
    for (int i = 0; i < 25; i++) if (p[i]) return -1;
    uint64_t x = 0;
    for (int i = 25; i < 32; i++) x = x << 8 | p[i];
    if (x >> 53) return -1;
    *v = x;
    return 0;
}

void abiRootsCall(uint64_t batchId, uint8_t out[36]) {
    abiSelector("roots(uint256)", out);
    abiPutWord(out + 4, batchId);
}

void abiBatchCountCall(uint8_t out[4]) { abiSelector("batchCount()", out); }

void abiVerifyCall(uint64_t batchId, const uint8_t root[32], uint8_t out[68]) {
    abiSelector("verify(uint256,bytes32)", out);
    abiPutWord(out + 4, batchId);
    memcpy(out + 36, root, 32);
}

void abiAnchorCall(const uint8_t root[32], uint8_t out[36]) {
    abiSelector("anchor(bytes32)", out);
    memcpy(out + 4, root, 32);
}

int abiAnchored(const json_t *lg, const uint8_t contract[ETH_ADDR_LEN], uint64_t *batchId,
                uint8_t root[32], uint64_t *timestamp, char *err) {
    uint8_t topic0[32], t[32], addr[ETH_ADDR_LEN], data[64];
    json_t *topics = json_object_get(lg, "topics");
    keccak256(ABI_ANCHORED_SIG, strlen(ABI_ANCHORED_SIG), topic0);
    if (ethDataFixed(json_object_get(lg, "address"), addr, ETH_ADDR_LEN, NULL) < 0 ||
        memcmp(addr, contract, ETH_ADDR_LEN) || json_array_size(topics) != 2 ||
        ethDataFixed(json_array_get(topics, 0), t, 32, NULL) < 0 || memcmp(t, topic0, 32) ||
        json_is_true(json_object_get(lg, "removed")))
        return 0;
    if (ethDataFixed(json_array_get(topics, 1), t, 32, NULL) < 0 ||
        ethDataFixed(json_object_get(lg, "data"), data, 64, NULL) < 0)
        return errSet(err, "malformed Anchored log");
    if (abiWord(t, batchId) < 0 || abiWord(data + 32, timestamp) < 0)
        return errSet(err, "Anchored batchId/timestamp out of range");
    memcpy(root, data, 32);
    return 1;
}

/* sizeWord: the big-endian 256-bit word at p as size_t, or SIZE_MAX when it does not fit
 * (offsets and lengths inside revert data). */
static size_t sizeWord(const uint8_t *p) {
    for (int i = 0; i < 24; i++) if (p[i]) return SIZE_MAX;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++) v = v << 8 | p[i];
    return v > SIZE_MAX / 2 ? SIZE_MAX : (size_t)v;
}

void abiRevertReason(const uint8_t *d, size_t n, char *out, size_t cap) {
    static const char *custom[] = {"NotRelayer(address)", "NotOwner(address)", "ZeroRoot()", "ZeroAddress()"};
    uint8_t sel[4];
    if (n < 4) { snprintf(out, cap, n ? "malformed revert data" : "no reason given"); return; }
    abiSelector("Error(string)", sel);
    if (!memcmp(d, sel, 4) && n >= 68) {
        size_t off = sizeWord(d + 4), len = off <= n - 36 ? sizeWord(d + 4 + off) : SIZE_MAX;
        if (len <= n - 36 - off && len < 200) {
            char s[201];
            for (size_t i = 0; i < len; i++) s[i] = (d[36 + off + i] >= 0x20 && d[36 + off + i] < 0x7f) ? (char)d[36 + off + i] : '?';
            s[len] = 0;
            snprintf(out, cap, "Error(\"%s\")", s);
            return;
        }
    }
    abiSelector("Panic(uint256)", sel);
    if (!memcmp(d, sel, 4) && n == 36) { snprintf(out, cap, "Panic(0x%02x)", d[35]); return; }
    for (size_t i = 0; i < sizeof custom / sizeof *custom; i++) {
        abiSelector(custom[i], sel);
        if (memcmp(d, sel, 4)) continue;
        if (strstr(custom[i], "(address)") && n == 36) {
            char a[ETH_ADDR_HEX_MAX];
            ethAddrHex(d + 16, a);
            snprintf(out, cap, "%.*s(%s)", (int)(strchr(custom[i], '(') - custom[i]), custom[i], a);
        } else snprintf(out, cap, "%s", custom[i]);
        return;
    }
    snprintf(out, cap, "custom error 0x%02x%02x%02x%02x", d[0], d[1], d[2], d[3]);
}
