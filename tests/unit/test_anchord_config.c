/* test_anchord_config.c -- anchord settings: defaults, file, env precedence, validators, secrets. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "t.h"
#include "core/err.h"
#include "anchord/config/config.h"
#include "anchord/ingest/genesis.h"

static int setOk(config *c, const char *k, const char *v) {
    char err[ERR_MAX];
    return configSet(c, k, v, err) == 0;
}

static int setErr(config *c, const char *k, const char *v, const char *want) {
    char err[ERR_MAX] = "";
    int rc = configSet(c, k, v, err);
    if (rc == 0 || !strstr(err, k) || (want && !strstr(err, want))) {
        fprintf(stderr, "  %s=%s -> rc %d err [%s]\n", k, v, rc, err);
        return 0;
    }
    return 1;
}

int main(void) {
    config c;
    char err[ERR_MAX];
    unsetenv("WA_CONFIG");
    configDefaults(&c);
    T_CHECK(!strcmp(c.redisUrl, "redis://127.0.0.1:6379"), "default redis");
    T_CHECK(!strcmp(c.store, "file://./public"), "default store");
    T_CHECK(!strcmp(c.prefix, ".well-known/did"), "default prefix");
    T_CHECK(c.maxBody == 65536 && c.streamShards == 1, "default ints");
    T_CHECK(c.batchMaxWaitMs == 2000 && c.maxAgeMs == 30LL * 86400000, "default durations");

    /* validators name the setting and say why */
    T_CHECK(setErr(&c, "WA_REDIS_URL", "http://x", "redis://"), "redis scheme");
    T_CHECK(setErr(&c, "WA_REDIS_URL", "redis://h:99999", "port"), "redis port");
    T_CHECK(setOk(&c, "WA_REDIS_URL", "redis://:pw@127.0.0.1:7000/2"), "redis full url");
    T_CHECK(setErr(&c, "WA_STORE", "ftp://x", "file://"), "store scheme");
    T_CHECK(setErr(&c, "WA_STORE", "s3://UPPER", "bucket"), "s3 bucket");
    T_CHECK(setOk(&c, "WA_STORE", "s3://my-bucket/pre"), "s3 ok");
    T_CHECK(setOk(&c, "WA_STORE", "azblob://myaccount/my-container/pre"), "azblob ok");
    T_CHECK(setErr(&c, "WA_STORE", "azblob://myaccount/My_Container", "container name"), "azblob container");
    T_CHECK(setErr(&c, "WA_STORE", "azblob://myaccount", "azblob://account/container"), "azblob without container");
    T_CHECK(setErr(&c, "WA_CONTRACT", "0x1234", "40 hex"), "contract");
    T_CHECK(setOk(&c, "WA_CONTRACT", "0x5FbDB2315678afecb367f032d93F642f64180aa3"), "contract ok");
    T_CHECK(setErr(&c, "WA_RPC_URLS", "http://a,ws://b", "http"), "rpc scheme");
    T_CHECK(setErr(&c, "WA_CHAIN_ID", "0", "range"), "chain id range");
    T_CHECK(setErr(&c, "WA_CHAIN_ID", "12a", "whole number"), "chain id number");
    T_CHECK(setErr(&c, "WA_MAX_BODY", "10", "range"), "max body range");
    T_CHECK(setErr(&c, "WA_BATCH_MAX_WAIT", "5 weeks", "duration"), "duration");
    T_CHECK(setOk(&c, "WA_BATCH_MAX_WAIT", "250ms") && c.batchMaxWaitMs == 250, "duration ms");
    T_CHECK(setOk(&c, "WA_BATCH_MAX_WAIT", "5m") && c.batchMaxWaitMs == 300000, "duration m");
    T_CHECK(setErr(&c, "WA_LISTEN", "example.com:80", "IP"), "listen host");
    T_CHECK(setOk(&c, "WA_LISTEN", "[::1]:8080"), "listen v6");
    T_CHECK(setErr(&c, "WA_LISTEN", "127.0.0.1:", "port"), "listen: empty port (serve's atoi made it 0)");
    T_CHECK(setErr(&c, "WA_LISTEN", "127.0.0.1:80x", "port"), "listen: port with a suffix");
    T_CHECK(setErr(&c, "WA_LOG_LEVEL", "loud", "debug"), "log level");
    T_CHECK(setErr(&c, "WA_CRASH_AT", "exploded", "batch state"), "crash at");
    T_CHECK(setOk(&c, "WA_CRASH_AT", "before:submitted"), "crash before");
    T_CHECK(setErr(&c, "WA_DOMAIN", "Example.COM", "lowercase"), "domain case");
    T_CHECK(setOk(&c, "WA_DOMAIN", "example.com:8443") && !strcmp(c.domain, "example.com%3A8443"), "domain port");
    T_CHECK(setErr(&c, "WA_PREFIX", "../etc", ".."), "prefix");
    T_CHECK(setOk(&c, "WA_DOMAIN", "localhost%3A8080"), "domain: localhost (the default)");
    T_CHECK(setErr(&c, "WA_DOMAIN", "127.0.0.1", "IP"), "domain: an IP literal makes no valid DID");
    T_CHECK(setErr(&c, "WA_PREFIX", "a/./b", "."), "prefix: a '.' DID path segment");
    char didPath[300];
    T_CHECK(genesisDidPath(".well-known/did", didPath, err) == 0 && !strcmp(didPath, ":.well-known:did") &&
                genesisDidPath("", didPath, err) == 0 && !strcmp(didPath, ""),
            "WA_PREFIX as a DID path: didlog's didPrefixPath");
    T_CHECK(setErr(&c, "WA_NOPE", "1", "unknown"), "unknown setting");
    T_CHECK(setErr(&c, "WA_STORE", "file://a\nb", "one line"), "newline");

    /* file: comments, quotes, unknown keys and secrets refused with line numbers */
    const char *txt = "# anchord\n\nWA_STREAM_SHARDS = 4\nWA_STORE=\"file:///tmp/x\"\n";
    configDefaults(&c);
    T_CHECK(configParseText(&c, txt, strlen(txt), "f.conf", err) == 0 && c.streamShards == 4 &&
            !strcmp(c.store, "file:///tmp/x"), "file parse: %s", err);
    const char *bad = "WA_STREAM_SHARDS=4\nWA_RELAYER_KEY=0xabc\n";
    T_CHECK(configParseText(&c, bad, strlen(bad), "f.conf", err) < 0 && strstr(err, "f.conf:2") &&
            strstr(err, "WA_RELAYER_KEY_FILE") && !strstr(err, "0xabc"), "secret in file: %s", err);
    const char *bad2 = "WA_STREAM_SHARDS\n";
    T_CHECK(configParseText(&c, bad2, strlen(bad2), "f.conf", err) < 0 && strstr(err, "KEY=VALUE"), "no =");
    const char *bad3 = "WA_STREAM_SHARDS=0\n";
    T_CHECK(configParseText(&c, bad3, strlen(bad3), "f.conf", err) < 0 && strstr(err, "WA_STREAM_SHARDS"),
            "bad value in file names setting: %s", err);

    /* precedence: env wins over the file */
    char dir[] = "/tmp/wa-cfg.XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL, "tmpdir");
    char path[256], key[256];
    snprintf(path, sizeof path, "%s/a.conf", dir);
    FILE *f = fopen(path, "w");
    fputs("WA_STREAM_SHARDS=4\nWA_RATE_LIMIT=7\n", f);
    fclose(f);
    setenv("WA_RATE_LIMIT", "9", 1);
    T_CHECK(configLoad(&c, path, err) == 0 && c.streamShards == 4 && c.rateLimit == 9, "env wins: %s", err);
    setenv("WA_CONFIG", path, 1);
    T_CHECK(configLoad(&c, NULL, err) == 0 && c.streamShards == 4, "WA_CONFIG");
    setenv("WA_RATE_LIMIT", "x", 1);
    T_CHECK(configLoad(&c, NULL, err) < 0 && strstr(err, "WA_RATE_LIMIT"), "bad env named: %s", err);
    unsetenv("WA_RATE_LIMIT");
    unsetenv("WA_CONFIG");
    T_CHECK(configLoad(&c, "/nonexistent/x.conf", err) < 0 && strstr(err, "/nonexistent/x.conf"), "missing file");

    /* secrets: 0600 file or env only */
    buf s = BUF_INIT;
    snprintf(key, sizeof key, "%s/k", dir);
    f = fopen(key, "w");
    fputs("seedvalue\n", f);
    fclose(f);
    chmod(key, 0644);
    configDefaults(&c);
    setOk(&c, "WA_PUBLISHER_KEY_FILE", key);
    unsetenv("WA_PUBLISHER_KEY");
    T_CHECK(configSecret(&c, "PUBLISHER", &s, err) < 0 && strstr(err, "0600"), "0644 refused: %s", err);
    chmod(key, 0600);
    T_CHECK(configSecret(&c, "PUBLISHER", &s, err) == 1 && !strcmp((char *)s.p, "seedvalue"), "0600 read");
    setenv("WA_PUBLISHER_KEY", "envvalue", 1);
    T_CHECK(configSecret(&c, "PUBLISHER", &s, err) < 0 && strstr(err, "both") && !strstr(err, "envvalue"),
            "file and env both set refused: %s", err);
    setOk(&c, "WA_PUBLISHER_KEY_FILE", "");
    T_CHECK(configSecret(&c, "PUBLISHER", &s, err) == 1 && !strcmp((char *)s.p, "envvalue"), "env secret");
    T_CHECK(getenv("WA_PUBLISHER_KEY") == NULL, "env secret unset once read");
    T_CHECK(configSecret(&c, "RELAYER", &s, err) == 0 && s.len == 0, "unset key: none");
    unsetenv("WA_RELAYER_KEY");
    bufWipe(&s);
    unlink(key); unlink(path); rmdir(dir);

    /* help lists every setting with its default */
    char *hb = NULL;
    size_t hn = 0;
    FILE *mf = open_memstream(&hb, &hn);
    configHelp(mf);
    fclose(mf);
    T_CHECK(strstr(hb, "WA_REDIS_URL") && strstr(hb, "redis://127.0.0.1:6379") && strstr(hb, "WA_CRASH_AT"),
            "help");
    free(hb);
    return T_DONE();
}
