/* test_keccak.c -- Keccak-256 known answers. Inputs at the rate boundary
 * (135/136/137 bytes) and multi-block (300 bytes) are also checked against
 * `cast keccak` at test time by tests/integration/eth_golden.sh. */
#include "core/hex.h"
#include "core/keccak.h"
#include "tests/unit/t.h"

static void check(const char *name, const void *in, size_t n, const char *want) {
    uint8_t h[KECCAK256_LEN];
    char hx[2 * KECCAK256_LEN + 1];
    keccak256(in, n, h);
    hexEncode(h, sizeof h, hx);
    T_CHECK(!strcmp(hx, want), "%s: got %s want %s", name, hx, want);
}

int main(void) {
    /* Keccak-256("") -- the well-known Ethereum empty hash (e.g. the empty
     * code hash in the Yellow Paper, KEC(()) ). */
    check("empty", "", 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    /* Keccak-256("abc") from the Keccak team's KAT (not SHA3-256's 3a985da7...). */
    check("abc", "abc", 3, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* ERC-20's Transfer event topic0 (EIP-20), a widely published Keccak-256 value. */
    check("Transfer", "Transfer(address,address,uint256)", 33,
          "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");
    /* Determinism across the rate boundary (the independent check is cast, see above). */
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)i;
    uint8_t a[32], b[32];
    keccak256(buf, 136, a);
    keccak256(buf, 137, b);
    T_CHECK(memcmp(a, b, 32) != 0, "136 and 137 bytes must differ");
    return T_DONE();
}
