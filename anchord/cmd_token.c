/* cmd_token.c -- `anchord token-keygen`: a new key pair born in a PKCS#11 token. */
#include <stdio.h>
#include <string.h>
#include "core/err.h"
#include "core/keccak.h"
#include "core/multiformat.h"
#include "verifier/chain/ethaddr.h"
#include "anchord/cmd.h"
#include "anchord/keys/pkcs11.h"

static void usage(FILE *f) {
    fprintf(f, "usage: anchord token-keygen ed25519|secp256k1 URI\n"
               "  Generate a key pair inside the PKCS#11 token the RFC 7512 URI names (object= labels it;\n"
               "  id= optional), private half CKA_SENSITIVE and not CKA_EXTRACTABLE: it never exists\n"
               "  outside the token. PIN: pin-source=file:PATH (0600) in the URI or WA_PKCS11_PIN. Put the\n"
               "  URI in WA_PUBLISHER_KEY_FILE / WA_WITNESS_KEY_FILE (ed25519) or WA_RELAYER_KEY_FILE\n"
               "  (secp256k1). Prints one JSON line: the public key multikey and did:key, or the address.\n"
               "  0 made, 3 the token or PIN is refused, or a key of that label is already there\n"
               "  (docs/hsm.md).\n\n");
    exitHelp(f, EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG));
}

int cmdTokenKeygen(const cmdCtx *c, int argc, char **argv) {
    optArgs a;
    char err[ERR_MAX];
    if (optParse(argc, argv, 1, NULL, 2, 0, &a, err) < 0) return optUsageError("anchord token-keygen", err);
    if (a.help) { usage(stdout); return EXIT_OK; }
    int kind = a.npos != 2 ? 0 : !strcmp(a.pos[0], "ed25519") ? P11_ED25519 : !strcmp(a.pos[0], "secp256k1") ? P11_SECP256K1 : 0;
    if (!kind || !p11IsUri(a.pos[1]))
        return optUsageError("anchord token-keygen", "want ed25519|secp256k1 and a pkcs11: URI");
    int code;
    uint8_t pub[P11_PUB_MAX];
    p11Key *k = p11KeyGenerate(a.pos[1], kind, "token-keygen", &code, err);
    if (!k) {
        fprintf(stderr, "anchord %s\n", err);
        return EXIT_CONFIG;
    }
    p11KeyPub(k, pub);
    p11KeyClose(k);
    if (kind == P11_ED25519) {
        char mk[MULTIKEY_PUB_MAX], did[DIDKEY_MAX];
        mkEncodeEd25519Pub(pub, mk);
        didkeyFromPub(pub, did);
        printf("{\"kind\":\"ed25519\",\"publicKeyMultibase\":\"%s\",\"did\":\"%s\"}\n", mk, did);
    } else {
        uint8_t h[32];
        char addr[ETH_ADDR_HEX_MAX];
        keccak256(pub + 1, 64, h);
        ethAddrHex(h + 12, addr);
        printf("{\"kind\":\"secp256k1\",\"address\":\"%s\"}\n", addr);
    }
    return EXIT_OK;
}
