/* fuzz_json.c -- jsonParse must never crash on any bytes, and whatever it
 * accepts must canonicalize (RFC 8785) to a fixed point: JCS(parse(JCS(x)))
 * == JCS(x). Aborts on any mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[ERR_MAX];
    json_t *v = jsonParse((const char *)data, size, 65536, 32, err);
    if (!v) {
        if (!err[0]) abort();                     /* every rejection says why */
        return 0;
    }
    size_t n1 = 0, n2 = 0;
    char *c1 = jcsDump(v, &n1, err);
    json_decref(v);
    if (!c1) abort();                             /* parsed values always serialise */
    json_t *w = jsonParse(c1, n1, 0, 32, err);
    if (!w) abort();                              /* canonical output must re-parse */
    char *c2 = jcsDump(w, &n2, err);
    json_decref(w);
    if (!c2 || n1 != n2 || memcmp(c1, c2, n1)) abort();
    free(c1);
    free(c2);
    return 0;
}
