/* fuzz_event.c -- libFuzzer target: event parser/validator and signature check
 * (verifier/event/event.c), the canonical-DID and RFC 3339 checks must never crash, leak or accept without a complete schema. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/rfc3339.h"
#include "verifier/event/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const docKey keys[1] = {{"did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:example.com#key-1",
                                    "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"}};
    eventLimits lim = {1738324800000LL, 300000, 0, 65536};
    event ev;
    char d[ERR_MAX];
    if (eventParse((const char *)data, size, &lim, &ev, d) == EVENT_OK) {
        if (!ev.id || !ev.did || !ev.type || !ev.time || !json_is_object(json_object_get(ev.doc, "proof")))
            abort();   /* accepted without the schema */
        eventVerify(&ev, keys, 1, d);
        eventFree(&ev);
    }
    /* the string-level checkers on the raw input */
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char scid[WEBVH_SCID_LEN + 1];
    rfc3339Time t;
    didCanonical(s, scid, d);
    rfc3339Parse(s, &t);
    idValid(s);
    free(s);
    return 0;
}
