/* test_store.c -- store pieces that need no server: key rules, ETag parsing, headers by
 * name, URL/environment parsing (storeUrlCheck, the one parser of store URLs), the options
 * and their settings (WA_STORE_RETRIES, WA_STORE_TRACE), STORE_DOWN from the probe of a
 * closed port, the local-directory store end to end in a temp dir, and the store contract
 * (store.h) run alike against the file store and the in-memory fake (fake_store.c), so the
 * fake other unit tests use keeps it; then the fake's log and injected faults.
 * (The full suite against the local store and radosgw is tests/integration/store.sh.) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "anchord/config/config.h"
#include "anchord/store/store.h"
#include "anchord/store/store_impl.h"
#include "anchord/store/s3xml.h"
#include "fake_store.h"
#include "t.h"

static void testKeys(void) {
    const char *good[] = {"a", "did.jsonl", ".well-known/did/z6Mk/did.jsonl", "batches/12.json", "a:b@c=d+e,f~g"};
    const char *bad[] = {"", "/a", "a/", "a//b", "./a", "a/../b", "..", "a b", "a\\b", "a?b", "a#b", "a%20b", "a\nb"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) T_CHECK(storeKeyCheck(good[i], NULL) == 0, "good key %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) T_CHECK(storeKeyCheck(bad[i], NULL) < 0, "bad key [%s]", bad[i]);
    char big[STORE_KEY_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    T_CHECK(storeKeyCheck(big, NULL) < 0, "key longer than STORE_KEY_MAX refused");
}

static void testEtag(void) {
    char e[STORE_ETAG_MAX];
    /* RFC 9110 §8.8.3: entity-tag = [ W/ ] DQUOTE etagc DQUOTE; the store keeps it bare. */
    T_CHECK(storeEtagCopy(e, " \"5d41402abc4b2a76b9719d911017c592\"\r\n", 38) == 0 && !strcmp(e, "5d41402abc4b2a76b9719d911017c592"), "quoted etag: %s", e);
    T_CHECK(storeEtagCopy(e, "W/\"x\"", 5) == 0 && !strcmp(e, "x"), "weak etag");
    T_CHECK(storeEtagCopy(e, "abc", 3) == 0 && !strcmp(e, "abc"), "bare etag");
    T_CHECK(storeEtagCopy(e, "\"\"", 2) < 0, "empty etag refused");
}

static void testHeaders(void) {
    T_CHECK(!strcmp(storeContentType("x/did.jsonl"), "text/jsonl"), "jsonl type");
    T_CHECK(!strcmp(storeContentType("x/did-witness.json"), "application/json"), "json type");
    T_CHECK(!strcmp(storeContentType("x/blob"), "application/octet-stream"), "default type");
    T_CHECK(!strcmp(storeCacheControl("batches/9.json"), "public, max-age=31536000, immutable"), "batch immutable");
    T_CHECK(!strcmp(storeCacheControl("a/batches/9.json"), "no-cache"), "only the top-level batches/ is immutable");
    T_CHECK(!strcmp(storeCacheControl("x/did.jsonl"), "no-cache"), "logs revalidate");
}

static void testOpen(void) {
    char err[ERR_MAX];
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_REGION", "eu-central-1", 1);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    store *s = storeOpen("s3://my-bucket/.well-known/did/", NULL, err);
    T_CHECK(s && !strcmp(storeDescribe(s), "s3://my-bucket/.well-known/did (virtual-host-style, https://s3.eu-central-1.amazonaws.com)"),
            "AWS default: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
    s = storeOpen("s3://my-bucket", NULL, err);
    T_CHECK(s && !strcmp(storeDescribe(s), "s3://my-bucket (path-style, http://127.0.0.1:9000)"), "custom endpoint: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AWS_S3_ADDRESSING_STYLE", "virtual", 1);
    s = storeOpen("s3://my-bucket/p", NULL, err);
    T_CHECK(s && strstr(storeDescribe(s), "virtual-host"), "style override");
    storeClose(s);
    setenv("AWS_S3_ADDRESSING_STYLE", "sideways", 1);
    T_CHECK(!storeOpen("s3://my-bucket", NULL, err) && strstr(err, "ADDRESSING_STYLE"), "bad style: %s", err);
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    T_CHECK(!storeOpen("s3://My_Bucket", NULL, err) && strstr(err, "bucket name"), "bad bucket: %s", err);
    T_CHECK(!storeOpen("s3://ab", NULL, err), "short bucket");
    T_CHECK(!storeOpen("gs://x", NULL, err) && strstr(err, "want s3://"), "unknown scheme: %s", err);
    setenv("AWS_ENDPOINT_URL", "http://h:1/path", 1);
    T_CHECK(!storeOpen("s3://my-bucket", NULL, err) && strstr(err, "AWS_ENDPOINT_URL"), "endpoint with a path: %s", err);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    T_CHECK(!storeOpen("s3://my-bucket", NULL, err) && strstr(err, "AWS_SECRET_ACCESS_KEY"), "no secret: %s", err);
}

static void testFile(void) {
    char dir[] = "/tmp/wa-store-unit.XXXXXX", url[64], err[ERR_MAX], e1[STORE_ETAG_MAX], e2[STORE_ETAG_MAX];
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(url, sizeof url, "file://%s/sub/", dir);
    store *s = storeOpen(url, NULL, err);
    T_CHECK(s != NULL, "open file store: %s", err);
    if (!s) return;
    T_CHECK(storeProbe(s, err) == 0, "probe: %s", err);
    T_CHECK(storePut(s, "a/b.json", "{}", 2, STORE_PUT_IF_ABSENT, NULL, e1, err) == STORE_OK, "create");
    T_CHECK(!strcmp(e1, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), "ETag = sha256(\"{}\")");
    T_CHECK(storePut(s, "a/b.json", "[]", 2, STORE_PUT_IF_MATCH, e1, e2, err) == STORE_OK, "cas");
    T_CHECK(storePut(s, "a/b.json", "{}", 2, STORE_PUT_IF_MATCH, e1, e2, err) == STORE_CONFLICT, "stale cas");
    T_CHECK(storePut(s, "a/x.tmp.ABCDEF", "{}", 2, STORE_PUT_ANY, NULL, e2, err) == STORE_ERR, "temp-file names reserved");
    buf b = BUF_INIT;
    T_CHECK(storeGet(s, "a", 10, &b, e2, err) == STORE_NOTFOUND, "a directory is not an object");
    T_CHECK(storeGet(s, "a/b.json", 10, &b, e2, err) == STORE_OK && b.len == 2 && !memcmp(b.p, "[]", 2), "get");
    T_CHECK(storeGet(s, "a/b.json", 1, &b, e2, err) == STORE_TOOLARGE, "an object above max is TOOLARGE, not an error");
    T_CHECK(storePing(s, err) == 0, "ping: the store answers (%s)", err);
    bufFree(&b);
    storeClose(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_CHECK(system(cmd) == 0, "cleanup");
}

static int listOne(void *ctx, const char *key, long long size) {
    buf *b = ctx;
    bufPrintf(b, "%s=%lld;", key, size);
    return 0;
}

/* testFileLinks: the file store never follows a link below its root (issue 14,
 * scenarios store-symlink-did-folder / store-symlink-log): a folder or an object that
 * is a link is a store error for get, put and delete, and not listed; a FIFO in an
 * object's place does not stall a get; the root itself may be a link. */
static void testFileLinks(void) {
    char dir[] = "/tmp/wa-store-links.XXXXXX", url[300], p[256], err[ERR_MAX] = "", e[STORE_ETAG_MAX];
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(p, sizeof p, "%s/real", dir); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/outside", dir); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/outside/secret", dir);
    FILE *f = fopen(p, "w"); if (f) { fputs("hunter2", f); fclose(f); }
    char root[256];
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(p, sizeof p, "%s/real", dir);
    T_CHECK(symlink(p, root) == 0, "the root is a link to real/");
    snprintf(url, sizeof url, "file://%s", root);
    store *s = storeOpen(url, NULL, err);
    T_CHECK(s != NULL, "open through a root link: %s", err);
    if (!s) return;
    T_CHECK(storePut(s, "ok/a.json", "{}", 2, STORE_PUT_IF_ABSENT, NULL, e, err) == STORE_OK, "put below the root link: %s", err);
    char out[256], link[256];
    snprintf(out, sizeof out, "%s/outside", dir);
    snprintf(link, sizeof link, "%s/real/dirlink", dir);
    T_CHECK(symlink(out, link) == 0, "a folder planted as a link");
    snprintf(out, sizeof out, "%s/outside/secret", dir);
    snprintf(link, sizeof link, "%s/real/ok/objlink", dir);
    T_CHECK(symlink(out, link) == 0, "an object planted as a link");
    buf b = BUF_INIT;
    static const storeCond conds[] = {STORE_PUT_IF_ABSENT, STORE_PUT_ANY, STORE_PUT_IF_MATCH};
    for (int i = 0; i < 3; i++) {
        err[0] = 0;
        T_CHECK(storePut(s, "dirlink/did.jsonl", "x", 1, conds[i], "e", e, err) == STORE_ERR && strstr(err, "symbolic link"),
                "put through a folder link refused (cond %d): %s", i, err);
        err[0] = 0;
        T_CHECK(storePut(s, "ok/objlink", "x", 1, conds[i], "e", e, err) == STORE_ERR && strstr(err, "symbolic link"),
                "put over an object link refused (cond %d): %s", i, err);
    }
    T_CHECK(storeGet(s, "dirlink/secret", 100, &b, e, err) == STORE_ERR && strstr(err, "symbolic link"), "get through a folder link: %s", err);
    T_CHECK(storeGet(s, "ok/objlink", 100, &b, e, err) == STORE_ERR && !strstr(err, "hunter") && !strstr(err, "outside"),
            "get of an object link refused, naming neither content nor target: %s", err);
    T_CHECK(storeDelete(s, "ok/objlink", err) == STORE_ERR, "delete of a link refused");
    T_CHECK(storeDelete(s, "dirlink/secret", err) == STORE_ERR, "delete through a folder link refused");
    T_CHECK(storeGet(s, "ok/../ok/a.json", 100, &b, e, err) == STORE_ERR, "'..' segment refused: %s", err);
    buf l = BUF_INIT;
    T_CHECK(storeList(s, "", listOne, &l, err) == STORE_OK && l.p && !strcmp((char *)l.p, "ok/a.json=2;"),
            "list skips links: %s", l.p ? (char *)l.p : "");
    bufFree(&l);
    snprintf(p, sizeof p, "%s/real/ok/fifo", dir);
    T_CHECK(mkfifo(p, 0600) == 0, "a FIFO in an object's place");
    T_CHECK(storeGet(s, "ok/fifo", 100, &b, e, err) == STORE_NOTFOUND, "a FIFO is not an object (and does not stall)");
    FILE *sf = fopen(out, "r");
    char got[16] = "";
    if (sf) { if (!fgets(got, sizeof got, sf)) got[0] = 0; fclose(sf); }
    T_CHECK(!strcmp(got, "hunter2"), "the outside file untouched");
    snprintf(p, sizeof p, "%s/outside", dir);
    T_CHECK(rmdir(p) == -1, "nothing was created outside (the folder still holds only the secret)");
    bufFree(&b);
    storeClose(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_CHECK(system(cmd) == 0, "cleanup");
}

/* s3xmlCorsOpen: the rule anchord needs at start-up (docs/cdn.md): any origin may GET and
 * read the ETag. radosgw's GetBucketCors answer (element order as it writes it) and AWS's. */
static void testCors(void) {
    const char *rgw = "<CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>"
        "<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3600</MaxAgeSeconds><ExposeHeader>ETag</ExposeHeader>"
        "</CORSRule></CORSConfiguration>";
    T_CHECK(s3xmlCorsOpen(rgw) == 1, "radosgw answer with our rule");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule><CORSRule>"
        "<ID>open</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
        "<ExposeHeader>x-amz-meta-a</ExposeHeader><ExposeHeader>etag</ExposeHeader></CORSRule></CORSConfiguration>") == 1,
        "second rule, header name in any case");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>") == 0,
        "one origin only");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>") == 0, "ETag not exposed");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod>"
        "<ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>") == 0, "no GET");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule><CORSRule>"
        "<AllowedMethod>GET</AllowedMethod><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>") == 0,
        "the parts in two different rules");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>**</AllowedOrigin><AllowedMethod>GETX</AllowedMethod>"
        "<ExposeHeader>ETags</ExposeHeader></CORSRule></CORSConfiguration>") == 0, "prefixes are not values");
    T_CHECK(s3xmlCorsOpen("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>") == 0, "truncated");
    T_CHECK(s3xmlCorsOpen("") == 0 && s3xmlCorsOpen(NULL) == 0, "empty, NULL");
}

/* storeUrlCheck: the one parser of store URLs (anchord's WA_STORE validator calls it). */
static void testUrlCheck(void) {
    const char *good[] = {"file:///srv/did", "file://./public", "s3://my-bucket", "s3://my.bucket-1/.well-known/did/",
                          "s3://abc/a/b", "azblob://myaccount/my-container", "azblob://acct123/c0n/pre/fix"};
    const char *bad[] = {"", "file://", "ftp://x", "S3://my-bucket", "s3://ab", "s3://My_Bucket", "s3://my-bucket/a//b",
                         "s3://my-bucket/../x", "s3://my-bucket/a b", "azblob://myaccount", "azblob://My/c0n", "gs://bucket"};
    char why[ERR_MAX];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) T_CHECK(storeUrlCheck(good[i], why) == 0, "good URL %s: %s", good[i], why);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) T_CHECK(storeUrlCheck(bad[i], why) < 0, "bad URL accepted: [%s]", bad[i]);
    T_CHECK(storeUrlCheck("s3://x", why) < 0 && strstr(why, "bucket name"), "names the rule: %s", why);
}

/* storeOpts: NULL = the defaults; values outside their ranges refused at open. */
static void testOpts(void) {
    char dir[] = "/tmp/wa-store-opts.XXXXXX", url[64], err[ERR_MAX];
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(url, sizeof url, "file://%s", dir);
    store *s = storeOpen(url, NULL, err);
    T_CHECK(s != NULL, "NULL options: %s", err);
    storeClose(s);
    static const storeOpts bad[] = {{0, 5, 0}, {257, 5, 0}, {32, -1, 0}, {32, 21, 0}, {32, 5, 2}, {32, 5, -1}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        T_CHECK(!storeOpen(url, &bad[i], err), "options {%d, %d, %d} refused", bad[i].parallel, bad[i].retries, bad[i].trace);
    static const storeOpts ok[] = {{1, 0, 0}, {256, 20, 1}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        s = storeOpen(url, &ok[i], err);
        T_CHECK(s != NULL, "options {%d, %d, %d}: %s", ok[i].parallel, ok[i].retries, ok[i].trace, err);
        storeClose(s);
    }
    T_CHECK(!storeOpen("s3://ab", NULL, err) && strstr(err, "bucket name"), "open checks the URL first: %s", err);
    rmdir(dir);
    /* The settings anchord passes in (anchord/config): validated, no silent fallback. */
    config c;
    configDefaults(&c);
    T_CHECK(c.storeRetries == 5 && c.storeTrace == 0 && c.storeParallel == 32, "defaults 32 / 5 / 0");
    const char *badRetries[] = {"21", "-1", "abc", "5x", ""};
    for (size_t i = 0; i < sizeof badRetries / sizeof *badRetries; i++)
        T_CHECK(configSet(&c, "WA_STORE_RETRIES", badRetries[i], err) < 0 && strstr(err, "WA_STORE_RETRIES"),
                "WA_STORE_RETRIES=%s refused, naming it: %s", badRetries[i], err);
    const char *badTrace[] = {"2", "yes", "on", ""};
    for (size_t i = 0; i < sizeof badTrace / sizeof *badTrace; i++)
        T_CHECK(configSet(&c, "WA_STORE_TRACE", badTrace[i], err) < 0, "WA_STORE_TRACE=%s refused", badTrace[i]);
    T_CHECK(configSet(&c, "WA_STORE_RETRIES", "0", err) == 0 && c.storeRetries == 0, "WA_STORE_RETRIES=0: %s", err);
    T_CHECK(configSet(&c, "WA_STORE_TRACE", "1", err) == 0 && c.storeTrace == 1, "WA_STORE_TRACE=1: %s", err);
    T_CHECK(configSet(&c, "WA_STORE", "s3://My_Bucket", err) < 0 && strstr(err, "bucket name"), "WA_STORE by storeUrlCheck: %s", err);
}

/* closedPort: a 127.0.0.1 port nothing listens on (bound, then closed). 0 if none. */
static int closedPort(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
               getsockname(fd, (struct sockaddr *)&a, &l) == 0 ? ntohs(a.sin_port) : 0;
    if (fd >= 0) close(fd);
    return port;
}

/* storeProbe against a server that cannot be reached: STORE_DOWN (try later), not the
 * -1 of a server that answers and refuses; with retries 0 at once. */
static void testDown(void) {
    char ep[64], err[ERR_MAX] = "";
    int port = closedPort();
    T_CHECK(port > 0, "a free port");
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", port);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_ENDPOINT_URL", ep, 1);
    storeOpts o = {4, 0, 0};
    store *s = storeOpen("s3://my-bucket", &o, err);
    T_CHECK(s != NULL, "open: %s", err);
    if (!s) return;
    int rc = storeProbe(s, err);
    T_CHECK(rc == STORE_DOWN && strstr(err, "cannot reach"), "probe of a closed port: STORE_DOWN (%d: %s)", rc, err);
    T_CHECK(storePing(s, err) < 0, "ping: -1");
    storeClose(s);
    unsetenv("AWS_ENDPOINT_URL");
}

static int collectKeys(void *ctx, const char *key, long long size) {
    buf *b = ctx;
    bufPrintf(b, "%s:%lld,", key, size);
    return 0;
}

/* contract: store.h's answers, the same for every backend (what `test-tool store suite` checks
 * against radosgw and Azurite, reduced to what needs no server). */
static void contract(store *s, const char *what) {
    char err[ERR_MAX] = "", e1[STORE_ETAG_MAX], e2[STORE_ETAG_MAX], e3[STORE_ETAG_MAX];
    buf b = BUF_INIT;
    T_CHECK(storeProbe(s, err) == 0, "%s: probe: %s", what, err);
    T_CHECK(storeGet(s, "c/none.json", 100, &b, e1, err) == STORE_NOTFOUND && b.len == 0, "%s: missing key NOTFOUND", what);
    T_CHECK(storePut(s, "c/a.json", "{}", 2, STORE_PUT_IF_ABSENT, NULL, e1, err) == STORE_OK && *e1, "%s: create: %s", what, err);
    T_CHECK(storePut(s, "c/a.json", "[]", 2, STORE_PUT_IF_ABSENT, NULL, e2, err) == STORE_CONFLICT, "%s: create again: CONFLICT", what);
    T_CHECK(storeGet(s, "c/a.json", 100, &b, e2, err) == STORE_OK && b.len == 2 && !memcmp(b.p, "{}", 2) && !strcmp(e1, e2),
            "%s: the first bytes and their ETag", what);
    T_CHECK(storePut(s, "c/a.json", "[1]", 3, STORE_PUT_IF_MATCH, "0123456789abcdef", e2, err) == STORE_CONFLICT,
            "%s: a stale If-Match: CONFLICT", what);
    T_CHECK(storePut(s, "c/a.json", "[1]", 3, STORE_PUT_IF_MATCH, e1, e2, err) == STORE_OK && strcmp(e1, e2),
            "%s: CAS with the current ETag, a new ETag: %s", what, err);
    T_CHECK(storePut(s, "c/a.json", "[2]", 3, STORE_PUT_IF_MATCH, e1, e3, err) == STORE_CONFLICT, "%s: the old ETag again: CONFLICT", what);
    T_CHECK(storePut(s, "c/gone.json", "x", 1, STORE_PUT_IF_MATCH, e2, e3, err) == STORE_CONFLICT, "%s: If-Match on a missing key", what);
    bufPuts(&b, "left over");
    T_CHECK(storeGet(s, "c/a.json", 2, &b, e3, err) == STORE_TOOLARGE && b.len == 0, "%s: above max: TOOLARGE, nothing returned", what);
    T_CHECK(storeGet(s, "c/a.json", 3, NULL, e3, err) == STORE_OK && !strcmp(e3, e2), "%s: the ETag only", what);
    T_CHECK(storePut(s, "c/b.jsonl", "", 0, STORE_PUT_ANY, NULL, e3, err) == STORE_OK, "%s: an empty object", what);
    T_CHECK(storeGet(s, "c/b.jsonl", 10, &b, NULL, err) == STORE_OK && b.len == 0, "%s: read back empty", what);
    storeReq r[3] = {{.key = "m/1.json", .data = "1", .len = 1, .cond = STORE_PUT_IF_ABSENT},
                     {.key = "c/a.json", .data = "2", .len = 1, .cond = STORE_PUT_IF_ABSENT},
                     {.key = "m/0.json", .data = "0", .len = 1, .cond = STORE_PUT_ANY}};
    T_CHECK(storePutMany(s, r, 3, err) == 0 && r[0].rc == STORE_OK && r[1].rc == STORE_CONFLICT && r[2].rc == STORE_OK && *r[2].etag,
            "%s: put-many, each its own outcome", what);
    storeGetReq g[2] = {{.key = "m/1.json", .max = 10}, {.key = "m/none", .max = 10}};
    T_CHECK(storeGetMany(s, g, 2, err) == 0 && g[0].rc == STORE_OK && g[0].body.len == 1 && g[1].rc == STORE_NOTFOUND,
            "%s: get-many", what);
    bufFree(&g[0].body); bufFree(&g[1].body);
    buf l = BUF_INIT;
    T_CHECK(storeList(s, "m/", collectKeys, &l, err) == STORE_OK && l.p && !strcmp((char *)l.p, "m/0.json:1,m/1.json:1,"),
            "%s: list in byte order: %s", what, l.p ? (char *)l.p : "");
    bufFree(&l);
    T_CHECK(storeDelete(s, "m/0.json", err) == STORE_OK && storeDelete(s, "m/0.json", err) == STORE_OK, "%s: delete, twice", what);
    T_CHECK(storeGet(s, "m/0.json", 10, &b, NULL, err) == STORE_NOTFOUND, "%s: deleted", what);
    T_CHECK(storePut(s, "../x", "x", 1, STORE_PUT_ANY, NULL, NULL, err) == STORE_ERR, "%s: a bad key refused", what);
    bufFree(&b);
}

static void testContract(void) {
    char dir[] = "/tmp/wa-store-contract.XXXXXX", url[64], err[ERR_MAX];
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(url, sizeof url, "file://%s", dir);
    store *s = storeOpen(url, NULL, err);
    T_CHECK(s != NULL, "file store: %s", err);
    if (s) contract(s, "file");
    storeClose(s);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_CHECK(system(cmd) == 0, "cleanup");
    s = fakeStoreOpen();
    T_CHECK(s != NULL, "fake store");
    if (s) contract(s, "fake");
    storeClose(s);
}

/* The fake's own parts: what a unit test of the publisher reads and injects. */
static void testFake(void) {
    store *s = fakeStoreOpen();
    char err[ERR_MAX] = "", e1[STORE_ETAG_MAX], e2[STORE_ETAG_MAX];
    if (!s) { T_CHECK(0, "fake store"); return; }
    T_CHECK(fakeStoreSet(s, "d/did.jsonl", "line\n", 5) == 0 && fakeStoreCount(s) == 1, "set directly");
    T_CHECK(!strcmp(fakeStoreLog(s), ""), "setting directly is not logged");
    T_CHECK(storeGet(s, "d/did.jsonl", 100, NULL, e1, err) == STORE_OK, "get");
    T_CHECK(storePut(s, "d/did.jsonl", "x", 1, STORE_PUT_IF_MATCH, e1, e2, err) == STORE_OK, "CAS");
    T_CHECK(!strcmp(fakeStoreLog(s), "get d/did.jsonl 0\nput d/did.jsonl match 0\n"), "log: %s", fakeStoreLog(s));
    fakeStoreLogReset(s);
    T_CHECK(fakeStoreRule(s, "put", "w.json", 2, FAKE_FAIL, NULL, 0) == 0, "rule: the 2nd put of w.json fails");
    T_CHECK(storePut(s, "w.json", "1", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_OK, "1st put");
    T_CHECK(storePut(s, "w.json", "2", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_ERR && strstr(err, "injected"), "2nd put fails");
    T_CHECK(fakeStoreObject(s, "w.json")->len == 1 && fakeStoreObject(s, "w.json")->p[0] == '1', "nothing written");
    T_CHECK(storePut(s, "w.json", "3", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_OK, "the rule is used once");
    T_CHECK(fakeStoreRule(s, "put", NULL, 1, FAKE_FOREIGN, "theirs", 6) == 0, "rule: a foreign write before the next put");
    T_CHECK(storePut(s, "f.json", "ours", 4, STORE_PUT_IF_ABSENT, NULL, e1, err) == STORE_CONFLICT, "create loses to the foreign write");
    T_CHECK(fakeStoreObject(s, "f.json") && fakeStoreObject(s, "f.json")->len == 6, "the foreign bytes are there");
    T_CHECK(fakeStoreRule(s, "put", "l.json", 1, FAKE_LOST, NULL, 0) == 0, "rule: the answer is lost");
    T_CHECK(storePut(s, "l.json", "x", 1, STORE_PUT_IF_ABSENT, NULL, e1, err) == STORE_ERR && fakeStoreObject(s, "l.json"),
            "ERR, yet written");
    T_CHECK(fakeStoreRule(s, "put", "c.json", 1, FAKE_CONFLICT, NULL, 0) == 0 &&
            storePut(s, "c.json", "x", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_CONFLICT && !fakeStoreObject(s, "c.json"),
            "an injected CONFLICT writes nothing");
    T_CHECK(fakeStoreRule(s, "get", "w.json", 1, FAKE_FAIL, NULL, 0) == 0 && storeGet(s, "w.json", 9, NULL, e1, err) == STORE_ERR,
            "an injected get failure");
    T_CHECK(fakeStoreRule(s, "del", "w.json", 1, FAKE_FAIL, NULL, 0) == 0 && storeDelete(s, "w.json", err) == STORE_ERR &&
            fakeStoreObject(s, "w.json"), "an injected delete failure keeps the object");
    T_CHECK(!strcmp(storeDescribe(s), "fake:// (in memory)"), "describe");
    storeClose(s);
}

int main(void) {
    testContract();
    testFake();
    testCors();
    testUrlCheck();
    testOpts();
    testDown();
    testKeys();
    testEtag();
    testHeaders();
    testOpen();
    testFile();
    testFileLinks();
    return T_DONE();
}
