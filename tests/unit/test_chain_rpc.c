/* test_chain_rpc.c -- the JSON-RPC transport (verifier/chain/ethrpc.h): response parsing
 * (JSON-RPC 2.0 §5), the node error kinds of rpcClassify in each node's own words,
 * quantities and data (Ethereum JSON-RPC API "hex encoding"), URL lists and redaction. */
#include <stdlib.h>
#include "core/err.h"
#include "verifier/chain/ethrpc.h"
#include "tests/unit/t.h"

static rpcNodeClass cls;

static int parse(const char *body, long id, json_t **res, int *code, buf *data, char *err) {
    return ethRpcParse(body, strlen(body), id, res, code, data, &cls, err);
}

static void testRpcParse(void) {
    json_t *r;
    int code = 0;
    buf data = BUF_INIT;
    char err[ERR_MAX];
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x7a69\"}", 7, &r, &code, &data, err) == 0 &&
            !strcmp(json_string_value(r), "0x7a69"), "result parsed");
    json_decref(r);
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":null}", 7, &r, &code, &data, err) == 0 && json_is_null(r), "null result");
    json_decref(r);
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x1b35972d\"}}",
                  3, &r, &code, &data, err) == ETH_RPC_ENODE && code == 3 && !strcmp((char *)data.p, "0x1b35972d") &&
            strstr(err, "execution reverted") && cls == RPC_NODE_REVERT, "error object parsed: %s", err);
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32000,\"message\":\"bad\\u0007\\nthing\"}}",
                  3, &r, &code, &data, err) == ETH_RPC_ENODE && !strchr(err, '\n') && !strchr(err, 7), "message sanitised: %s", err);
    static const char *bad[] = {
        "", "nope", "[]", "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":1}" /* id mismatch */,
        "{\"id\":7,\"result\":1}", "{\"jsonrpc\":\"1.0\",\"id\":7,\"result\":1}",
        "{\"jsonrpc\":\"2.0\",\"id\":7}", "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1,\"error\":{}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1,\"result\":2}" /* duplicate key */,
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":\"x\",\"message\":\"m\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"7\",\"result\":1}", "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":1} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        T_CHECK(parse(bad[i], 7, &r, &code, &data, err) == -1 && r == NULL, "malformed response %zu rejected", i);
    bufFree(&data);
}

static void testQty(void) {
    uint64_t v = 0;
    json_t *j;
#define Q(s, ok, want) j = json_string(s); T_CHECK((ethQty(j, &v, NULL) == 0) == ok && (!ok || v == want), "qty %s", s); json_decref(j)
    Q("0x0", 1, 0);
    Q("0x7a69", 1, 31337);
    Q("0xffffffffffffffff", 1, UINT64_MAX);
    Q("0x00ff", 1, 255);
    Q("0x", 0, 0);
    Q("7a69", 0, 0);
    Q("0x1g", 0, 0);
    Q("0x10000000000000000", 0, 0);
#undef Q
    j = json_integer(5);
    T_CHECK(ethQty(j, &v, NULL) < 0, "qty: a JSON number is rejected");
    json_decref(j);
    char s[19];
    ethQtyStr(0, s); T_CHECK(!strcmp(s, "0x0"), "qtyStr 0");
    ethQtyStr(31337, s); T_CHECK(!strcmp(s, "0x7a69"), "qtyStr 31337");
}

/* The words each node uses (taken from the nodes' sources and error tables), and the
 * kind the worker must see: a wrong kind would resend a transaction that is already
 * known, or give up on one that only needs a fresh nonce or higher fees. */
static void testClassify(void) {
    static const struct { int code; const char *msg; size_t data; rpcNodeClass want; } v[] = {
        {-32000, "already known", 0, RPC_NODE_KNOWN},                                  /* geth, anvil */
        {-32000, "known transaction: 0x3a1f", 0, RPC_NODE_KNOWN},                      /* older geth */
        {-32000, "Known transaction", 0, RPC_NODE_KNOWN},                              /* Besu */
        {-32010, "AlreadyKnown", 0, RPC_NODE_KNOWN},                                   /* Nethermind */
        {-32000, "INTERNAL_ERROR: existing tx with same hash", 0, RPC_NODE_KNOWN},     /* Erigon */
        {-32010, "Transaction with the same hash was already imported.", 0, RPC_NODE_KNOWN}, /* OpenEthereum */
        {-32000, "nonce too low", 0, RPC_NODE_NONCE_LOW},                              /* geth, anvil, Erigon */
        {-32000, "nonce too low: next nonce 7, tx nonce 5", 0, RPC_NODE_NONCE_LOW},    /* geth >= 1.11 */
        {-32001, "Nonce too low", 0, RPC_NODE_NONCE_LOW},                              /* Besu */
        {-32010, "Transaction nonce is too low. Try incrementing the nonce.", 0, RPC_NODE_NONCE_LOW}, /* OpenEthereum */
        {-32010, "OldNonce, Current nonce: 5, nonce of rejected tx: 3", 0, RPC_NODE_NONCE_LOW}, /* Nethermind */
        {-32000, "replacement transaction underpriced", 0, RPC_NODE_UNDERPRICED},      /* geth, anvil, Erigon */
        {-32000, "transaction underpriced", 0, RPC_NODE_UNDERPRICED},                  /* geth */
        {-32000, "Replacement transaction underpriced", 0, RPC_NODE_UNDERPRICED},      /* Besu */
        {-32010, "FeeTooLow, MaxFeePerGas too low.", 0, RPC_NODE_UNDERPRICED},         /* Nethermind */
        {-32010, "FeeTooLowToCompete", 0, RPC_NODE_UNDERPRICED},                       /* Nethermind */
        {-32000, "insufficient funds for gas * price + value", 0, RPC_NODE_FUNDS},     /* geth, anvil, Erigon */
        {-32004, "Upfront cost exceeds account balance", 0, RPC_NODE_FUNDS},           /* Besu */
        {-32010, "InsufficientFunds, Account balance: 4, cumulative cost: 9", 0, RPC_NODE_FUNDS}, /* Nethermind */
        {3, "execution reverted: NotRelayer", 36, RPC_NODE_REVERT},                    /* geth, anvil: code 3 + data */
        {3, "execution reverted", 0, RPC_NODE_REVERT},                                 /* code 3, no data */
        {-32000, "execution reverted", 0, RPC_NODE_REVERT},                            /* anvil without data */
        {-32015, "Execution reverted", 0, RPC_NODE_REVERT},                            /* Besu */
        {-32015, "Reverted 0x08c379a0", 0, RPC_NODE_REVERT},                           /* Nethermind */
        {-32000, "some other words", 4, RPC_NODE_REVERT},                              /* revert data decides */
        {-32603, "internal error: database is locked", 0, RPC_NODE_OTHER},
        {-32602, "invalid argument 0: hex string has odd length", 0, RPC_NODE_OTHER},
        {-32000, "", 0, RPC_NODE_OTHER},
        {-32601, "the method eth_feeHistory does not exist/is not available", 0, RPC_NODE_OTHER},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        rpcNodeClass k = rpcClassify(v[i].code, v[i].msg, v[i].data);
        T_CHECK(k == v[i].want, "rpcClassify(%d, \"%s\"): %d, want %d", v[i].code, v[i].msg, (int)k, (int)v[i].want);
    }
    T_CHECK(rpcClassify(-32000, NULL, 0) == RPC_NODE_OTHER, "rpcClassify: no message is OTHER");
    /* The kind comes from the node's own words, not from anything parsed around them. */
    json_t *r;
    int code = 0;
    buf data = BUF_INIT;
    char err[ERR_MAX];
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32000,\"message\":\"already known\"}}", 4, &r, &code,
                  &data, err) == ETH_RPC_ENODE && cls == RPC_NODE_KNOWN && data.len == 0, "parsed error: KNOWN");
    T_CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32000,\"message\":\"nonce too low\",\"data\":\"nonce\"}}", 4,
                  &r, &code, &data, err) == ETH_RPC_ENODE && cls == RPC_NODE_NONCE_LOW && data.len == 0,
            "parsed error: non-hex data is not revert data");
    bufFree(&data);
}

static void testUrls(void) {
    char s[ETH_RPC_SHOWN_MAX], err[ERR_MAX];
    ethRpcShowUrl("https://sepolia.infura.io/v3/0123456789abcdef", s);
    T_CHECK(!strcmp(s, "https://sepolia.infura.io/..."), "API key path hidden: %s", s);
    ethRpcShowUrl("http://user:pw@127.0.0.1:8545", s);
    T_CHECK(!strcmp(s, "http://127.0.0.1:8545"), "userinfo hidden: %s", s);
    ethRpc r;
    T_CHECK(ethRpcInit(&r, "ftp://x", err) < 0 && strstr(err, "http"), "non-http URL refused: %s", err);
    T_CHECK(ethRpcInit(&r, "http://a,ftp://alice:s3cretPW@rpc.example/v3/k3yPath", err) < 0 &&
                !strstr(err, "s3cretPW") && !strstr(err, "alice") && !strstr(err, "k3yPath") && strstr(err, "rpc.example"),
            "a refused URL is shown without user:password@ or path: %s", err);
    T_CHECK(ethRpcInit(&r, " , ", err) < 0, "empty URL list refused");
    T_CHECK(ethRpcInit(&r, "http://a, https://b ,http://c", err) == 0 && r.nurls == 3 && !strcmp(r.urls[1], "https://b"),
            "three URLs parsed");
    ethRpcFree(&r);
}

int main(void) {
    testRpcParse();
    testClassify();
    testQty();
    testUrls();
    return T_DONE();
}
