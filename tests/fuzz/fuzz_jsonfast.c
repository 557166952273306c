/* fuzz_jsonfast.c -- jsonParse (fast loader, jansson as fallback) must agree with
 * jansson's own loader (jsonParseJansson) on every input: both accept or both
 * refuse, with the same message, and what they accept is the same value with the
 * same member order and bit-identical numbers. Aborts on any difference. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* dump: the value with members in insertion order and every real in 17 digits. */
static char *dump(const json_t *v) {
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char e1[ERR_MAX] = "", e2[ERR_MAX] = "";
    json_t *a = jsonParse((const char *)data, size, 65536, 32, e1);
    json_t *b = jsonParseJansson((const char *)data, size, 65536, 32, e2);
    if (!a != !b) abort();
    if (!a) {
        if (strcmp(e1, e2)) abort();
        return 0;
    }
    char *x = dump(a), *y = dump(b);
    if (!x || !y || strcmp(x, y) || !json_equal(a, b)) abort();
    free(x);
    free(y);
    json_decref(a);
    json_decref(b);
    return 0;
}
