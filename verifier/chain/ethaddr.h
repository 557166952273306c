/* ethaddr.h -- Ethereum addresses as text: EIP-55 checksummed form and strict parsing. */
#ifndef WA_ETHADDR_H
#define WA_ETHADDR_H
#include <stdint.h>

#define ETH_ADDR_LEN 20
#define ETH_ADDR_HEX_MAX 43   /* "0x" + 40 hex + NUL */

/* ethAddrHex: EIP-55 mixed-case checksummed "0x..." form. */
void ethAddrHex(const uint8_t addr[ETH_ADDR_LEN], char out[ETH_ADDR_HEX_MAX]);

/* ethAddrParse: "0x" + 40 hex; mixed case must carry a valid EIP-55 checksum. */
int ethAddrParse(const char *s, uint8_t addr[ETH_ADDR_LEN], char *err);

#endif
