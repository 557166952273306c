/* fuzz_rlp.c -- libFuzzer target: the strict RLP decoder and the EIP-1559 raw
 * transaction decoder (which also recovers the signer). */
#include <stddef.h>
#include <stdint.h>
#include "anchord/chain/ethtx.h"
#include "anchord/chain/rlp.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[ERR_MAX];
    ethTx tx;
    uint8_t sig[ETH_SIG_LEN], from[ETH_ADDR_LEN];
    rlpValidate(data, size, err);
    ethTxDecode(data, size, &tx, sig, from, err);
    return 0;
}
