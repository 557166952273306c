/* ethaddr.c -- EIP-55 address text (needed by the verifier and the relayer alike). */
#include <ctype.h>
#include <string.h>
#include "verifier/chain/ethaddr.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"

void ethAddrHex(const uint8_t addr[ETH_ADDR_LEN], char out[ETH_ADDR_HEX_MAX]) {
    char lower[41];
    uint8_t h[32];
    hexEncode(addr, ETH_ADDR_LEN, lower);
    keccak256(lower, 40, h);   /* EIP-55: hash of the lowercase hex */
    out[0] = '0'; out[1] = 'x';
    for (int i = 0; i < 40; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        out[2 + i] = (char)(nib >= 8 ? toupper((unsigned char)lower[i]) : lower[i]);
    }
    out[42] = 0;
}

int ethAddrParse(const char *s, uint8_t addr[ETH_ADDR_LEN], char *err) {
    if (strncmp(s, "0x", 2) || hexDecode(s, addr, ETH_ADDR_LEN) < 0)
        return errSet(err, "address '%.60s': want 0x + 40 hex characters", s);
    int upper = 0, lower = 0;
    for (const char *c = s + 2; *c; c++) {
        if (isupper((unsigned char)*c)) upper = 1;
        if (islower((unsigned char)*c)) lower = 1;
    }
    if (upper && lower) {
        char want[ETH_ADDR_HEX_MAX];
        ethAddrHex(addr, want);
        if (strcmp(want, s)) return errSet(err, "address %s: bad EIP-55 checksum", s);
    }
    return 0;
}
