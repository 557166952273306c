/* fuzz_rpc.c -- libFuzzer target: the JSON-RPC response parser and the quantity /
 * data / receipt-field decoders applied to whatever result it accepts. */
#include <stddef.h>
#include <stdint.h>
#include "verifier/chain/abi.h"
#include "verifier/chain/ethrpc.h"
#include <stdlib.h>
#include "core/hex.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *r = NULL, *v;
    int code;
    buf d = BUF_INIT, out = BUF_INIT;
    char err[ERR_MAX];
    const char *k;
    uint64_t q;
    uint8_t fixed[32];
    rpcNodeClass cls;
    if (ethRpcParse((const char *)data, size, 1, &r, &code, &d, &cls, err) == 0) {
        ethQty(r, &q, err);
        ethData(r, &out, err);
        ethDataFixed(r, fixed, 32, err);
        json_object_foreach(r, k, v) { ethQty(v, &q, err); ethData(v, &out, err); }
        json_decref(r);
    } else if (d.len) {
        size_t n = 0;
        uint8_t *p = hexDecodeAny((const char *)d.p, &n);
        char reason[200];
        if (p) abiRevertReason(p, n, reason, sizeof reason);
        free(p);
    }
    bufFree(&d);
    bufFree(&out);
    return 0;
}
