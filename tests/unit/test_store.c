/* test_store.c -- store pieces that need no server: key rules, ETag parsing, headers by
 * name, URL/environment parsing, and the local-directory store end to end in a temp dir.
 * (The full suite against the local store and radosgw is tests/integration/store.sh.) */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "anchord/store/store.h"
#include "anchord/store/store_impl.h"
#include "anchord/store/s3xml.h"
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
    char sha[65];
    storeSha256Hex("abc", 3, sha);   /* FIPS 180-2 appendix B.1 */
    T_CHECK(!strcmp(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256(abc)");
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
    store *s = storeOpen("s3://my-bucket/.well-known/did/", err);
    T_CHECK(s && !strcmp(storeDescribe(s), "s3://my-bucket/.well-known/did (virtual-host-style, https://s3.eu-central-1.amazonaws.com)"),
            "AWS default: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/", 1);
    s = storeOpen("s3://my-bucket", err);
    T_CHECK(s && !strcmp(storeDescribe(s), "s3://my-bucket (path-style, http://127.0.0.1:9000)"), "custom endpoint: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AWS_S3_ADDRESSING_STYLE", "virtual", 1);
    s = storeOpen("s3://my-bucket/p", err);
    T_CHECK(s && strstr(storeDescribe(s), "virtual-host"), "style override");
    storeClose(s);
    setenv("AWS_S3_ADDRESSING_STYLE", "sideways", 1);
    T_CHECK(!storeOpen("s3://my-bucket", err) && strstr(err, "ADDRESSING_STYLE"), "bad style: %s", err);
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    T_CHECK(!storeOpen("s3://My_Bucket", err) && strstr(err, "bucket name"), "bad bucket: %s", err);
    T_CHECK(!storeOpen("s3://ab", err), "short bucket");
    T_CHECK(!storeOpen("gs://x", err) && strstr(err, "want s3://"), "unknown scheme: %s", err);
    setenv("AWS_ENDPOINT_URL", "http://h:1/path", 1);
    T_CHECK(!storeOpen("s3://my-bucket", err) && strstr(err, "AWS_ENDPOINT_URL"), "endpoint with a path: %s", err);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    T_CHECK(!storeOpen("s3://my-bucket", err) && strstr(err, "AWS_SECRET_ACCESS_KEY"), "no secret: %s", err);
}

static void testFile(void) {
    char dir[] = "/tmp/wa-store-unit.XXXXXX", url[64], err[ERR_MAX], e1[STORE_ETAG_MAX], e2[STORE_ETAG_MAX];
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(url, sizeof url, "file://%s/sub/", dir);
    store *s = storeOpen(url, err);
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
    store *s = storeOpen(url, err);
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

int main(void) {
    testCors();
    testKeys();
    testEtag();
    testHeaders();
    testOpen();
    testFile();
    testFileLinks();
    return T_DONE();
}
