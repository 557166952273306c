/* fuzz_webvh.c -- libFuzzer target for the did:webvh log parser, verifier,
 * resolution result builder and DID parser. Input: a did.jsonl; when it holds
 * a line "#witness" the rest is taken as a did-witness.json. Seeds: the vectors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/json.h"
#include "didlog/didurl.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data, *w = memmem(s, size, "\n#witness\n", 10);
    size_t logLen = w ? (size_t)(w - s) : size;
    json_t *wf = w ? webvhParseWitnessFile(w + 10, size - logLen - 10, NULL) : NULL;
    webvhLog *log = webvhParse(s, logLen, NULL);
    if (log) {
        webvhOpts o = {.witnessProofs = wf, .now = 4102444800.0};
        webvhResult r;
        webvhVerify(log, &o, &r);
        webvhQuery q = {.versionNumber = 2, .hasNumber = 1};
        json_decref(webvhResolution(log, &r, NULL, NULL));
        json_decref(webvhResolution(log, &r, &q, NULL));
        for (size_t i = 0; i < log->n; i++) {
            const char *id = jsonGetStr(json_object_get(log->e[i].obj, "state"), "id");
            didParts p;
            if (id && didParse(id, DID_LOCALHOST, &p, NULL) == 0) didPartsFree(&p);
        }
        webvhFree(log);
    }
    /* The input's first line as a DID URL too. */
    char did[512];
    const char *nl = memchr(s, '\n', size);
    size_t l = nl ? (size_t)(nl - s) : size;
    if (l < sizeof did && !memchr(s, 0, l)) {
        memcpy(did, s, l);
        did[l] = 0;
        didParts p;
        webvhQuery q;
        if (didParse(did, 0, &p, NULL) == 0) didPartsFree(&p);
        webvhQueryParse(did, &q, NULL);
    }
    json_decref(wf);
    return 0;
}
