/* fuzz_config.c -- libFuzzer target: the KEY=VALUE config file parser and the
 * setting validators (anchord/config/config.c) must never crash and leave a valid config. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "anchord/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    config c;
    char err[ERR_MAX];
    configDefaults(&c);
    if (configParseText(&c, (const char *)data, size, "fuzz", err) == 0) {
        /* whatever was accepted must itself be acceptable again */
        if (c.streamShards < 1 || c.maxBody < 1024 || !memchr(c.redisUrl, 0, sizeof c.redisUrl)) abort();
        if (configSet(&c, "WA_REDIS_URL", c.redisUrl, err) < 0) abort();
        if (c.domain[0] && configSet(&c, "WA_DOMAIN", c.domain, err) < 0) abort();
    }
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    long long ms;
    configDuration(s, &ms);
    free(s);
    return 0;
}
