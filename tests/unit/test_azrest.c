/* test_azrest.c -- the Azure Blob REST pieces without a server: azblob:// URLs, connection
 * strings, the Shared Key string to sign and signature ("Authorize with Shared Key",
 * learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key), RFC 1123 dates,
 * List Blobs pages, the CORS rules of Get Blob Service Properties (storeSetCors: set when
 * none, keep an open one, refuse only narrower ones), outcomes by status and error code,
 * and storeOpen's reading of the AZURE_STORAGE_* environment.
 * The signature vectors were computed independently (Python hmac/hashlib/base64) with
 * Azurite's published development key; tests/integration/store_azure.sh checks the same
 * signing against Azurite itself. */
#include <stdlib.h>
#include <string.h>
#include "core/io/http.h"
#include "anchord/store/azrest.h"
#include "anchord/store/store.h"
#include "t.h"

#define DEVKEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static void testUrl(void) {
    char *a = NULL, *c = NULL, *p = NULL, err[ERR_MAX];
    T_CHECK(azUrlSplit("myaccount/my-container/.well-known/did/", &a, &c, &p, err) == 0 && !strcmp(a, "myaccount") &&
            !strcmp(c, "my-container") && !strcmp(p, ".well-known/did"), "split: %s", err);
    free(a); free(c); free(p);
    T_CHECK(azUrlSplit("acct123/c0n", &a, &c, &p, err) == 0 && !strcmp(p, ""), "no prefix");
    free(a); free(c); free(p);
    const char *bad[] = {"ab/cont", "UPPER/cont", "a_b_c/cont", "averyveryverylongaccountname/cont", "acct", "acct/",
                         "acct/ab", "acct/-cont", "acct/cont-", "acct/co--nt", "acct/Cont", "acct/cont/a//b", "acct/cont/../x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        T_CHECK(azUrlSplit(bad[i], NULL, NULL, NULL, err) < 0, "bad URL accepted: %s", bad[i]);
}

static void testConn(void) {
    azConn c;
    char err[ERR_MAX];
    /* Azurite's documented connection string, with spaces and a trailing ';'. */
    T_CHECK(azConnParse("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1; AccountKey=" DEVKEY
                        ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/x;", &c, err) == 0,
            "azurite string: %s", err);
    T_CHECK(c.accountName && !strcmp(c.accountName, "devstoreaccount1") && c.accountKey && !strcmp(c.accountKey, DEVKEY) &&
            c.blobEndpoint && !strcmp(c.blobEndpoint, "http://127.0.0.1:10000/devstoreaccount1") &&
            c.protocol && !strcmp(c.protocol, "http") && !c.sas && !c.endpointSuffix, "azurite fields");
    azConnFree(&c);
    T_CHECK(!c.accountKey && !c.accountName, "free zeroes");
    /* A SAS connection string: values hold '=' and '&'; keys are case-insensitive. */
    T_CHECK(azConnParse("blobendpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&ss=b&sig=ab%2Bc%3D", &c, err) == 0 &&
            c.sas && !strcmp(c.sas, "sv=2024-11-04&ss=b&sig=ab%2Bc%3D") && c.blobEndpoint && !c.accountKey, "SAS string");
    azConnFree(&c);
    T_CHECK(azConnParse("AccountName=x;EndpointSuffix=core.chinacloudapi.cn", &c, err) == 0 && c.endpointSuffix &&
            !strcmp(c.endpointSuffix, "core.chinacloudapi.cn"), "suffix");
    azConnFree(&c);
    T_CHECK(azConnParse("AccountName=x;garbage", &c, err) < 0 && strstr(err, "Key=Value"), "part without '=': %s", err);
    T_CHECK(azConnParse("UseDevelopmentStorage=true", &c, err) < 0 && strstr(err, "UseDevelopmentStorage"), "dev storage refused");
    T_CHECK(azConnParse("", &c, err) == 0 && !c.accountName, "empty string parses to nothing");
    azConnFree(&c);
    unsigned char *k;
    size_t n;
    T_CHECK(azKeyDecode(DEVKEY, "AZURE_STORAGE_KEY", &k, &n, err) == 0 && n == 64, "devkey decodes to 64 bytes");
    free(k);
    T_CHECK(azKeyDecode("not*base64", "AZURE_STORAGE_KEY", &k, &n, err) < 0 && strstr(err, "AZURE_STORAGE_KEY") && !k, "bad key: %s", err);
    T_CHECK(azKeyDecode("", "X", &k, &n, err) < 0, "empty key");
}

static void testSign(void) {
    buf canon = BUF_INIT, sts = BUF_INIT;
    char err[ERR_MAX], sig[AZ_SIG_MAX], date[AZ_DATE_MAX];
    azHttpDate(784111777, date);    /* RFC 9110 §5.6.7's example instant */
    T_CHECK(!strcmp(date, "Sun, 06 Nov 1994 08:49:37 GMT"), "RFC 1123 date: %s", date);

    /* Emulator (path-style): the account appears twice in the resource, as documented. */
    T_CHECK(azCanonResource(&canon, "devstoreaccount1", "/devstoreaccount1/wabkt/pfx/a/did.jsonl", NULL, err) == 0 &&
            !strcmp((char *)canon.p, "/devstoreaccount1/devstoreaccount1/wabkt/pfx/a/did.jsonl"), "canon: %s", (char *)canon.p);
    azHdr h[] = {{"x-ms-version", "2024-11-04"}, {"x-ms-blob-type", "BlockBlob"}, {"X-MS-Blob-Content-Type", " text/jsonl "},
                 {"x-ms-blob-cache-control", "no-cache"}, {"If-None-Match", "*"}, {"User-Agent", "ignored"},
                 {"x-ms-date", date}};
    T_CHECK(azStringToSign(&sts, "PUT", h, sizeof h / sizeof *h, 7, (char *)canon.p, err) == 0, "sts");
    const char *want =
        "PUT\n\n\n7\n\n\n\n\n\n*\n\n\n"
        "x-ms-blob-cache-control:no-cache\nx-ms-blob-content-type:text/jsonl\nx-ms-blob-type:BlockBlob\n"
        "x-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\nx-ms-version:2024-11-04\n"
        "/devstoreaccount1/devstoreaccount1/wabkt/pfx/a/did.jsonl";
    T_CHECK(sts.p && !strcmp((char *)sts.p, want), "string to sign:\n%s", sts.p ? (char *)sts.p : "");
    unsigned char *k;
    size_t n;
    T_CHECK(azKeyDecode(DEVKEY, "k", &k, &n, err) == 0, "key");
    azSignature(k, n, (char *)sts.p, sts.len, sig);
    T_CHECK(!strcmp(sig, "1HxmYHUMf7ITar+A+mpNuc+skiz80BX52S7Nqstq6Vg="), "PUT signature: %s", sig);

    /* List Blobs: query parameters lower-cased, sorted, values decoded; Content-Length 0 is "". */
    T_CHECK(azCanonResource(&canon, "myaccount", "/mycontainer",
                            "restype=container&comp=list&maxresults=1000&prefix=pfx%2Fmany%2F"
                            "&Marker=2%2180%21MDAwMDE0IXBmeC9tYW55LzAwOTk5Lmpzb24hMDAwMDI4ITk5OTktMTItMzFUMjM6NTk6NTkuOTk5OTk5OVoh", err) == 0,
            "canon list");
    azHdr g[] = {{"x-ms-date", date}, {"x-ms-version", "2024-11-04"}};
    T_CHECK(azStringToSign(&sts, "GET", g, 2, 0, (char *)canon.p, err) == 0, "sts list");
    want = "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 06 Nov 1994 08:49:37 GMT\nx-ms-version:2024-11-04\n/myaccount/mycontainer\n"
           "comp:list\nmarker:2!80!MDAwMDE0IXBmeC9tYW55LzAwOTk5Lmpzb24hMDAwMDI4ITk5OTktMTItMzFUMjM6NTk6NTkuOTk5OTk5OVoh\n"
           "maxresults:1000\nprefix:pfx/many/\nrestype:container";
    T_CHECK(sts.p && !strcmp((char *)sts.p, want), "list string to sign:\n%s", sts.p ? (char *)sts.p : "");
    azSignature(k, n, (char *)sts.p, sts.len, sig);
    T_CHECK(!strcmp(sig, "weRK4rIGzQTt+9uKEsS/L4JZ3ZeXXjsl/mVQefynIfE="), "list signature: %s", sig);
    /* Repeated parameters: one line, values sorted and joined by ','. */
    T_CHECK(azCanonResource(&canon, "a", "/", "b=2&a=x&b=1", err) == 0 && !strcmp((char *)canon.p, "/a/\na:x\nb:1,2"),
            "repeated: %s", (char *)canon.p);
    free(k);
    bufFree(&canon);
    bufFree(&sts);
}

typedef struct seen { int n; char keys[4][64]; long long size[4]; } seen;
static int collect(void *ctx, const char *key, long long size) {
    seen *s = ctx;
    if (s->n < 4) { snprintf(s->keys[s->n], 64, "%s", key); s->size[s->n] = size; }
    s->n++;
    return 0;
}

static void testList(void) {
    const char *page =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"http://x/\" ContainerName=\"c\">"
        "<Prefix>pfx/</Prefix><MaxResults>2</MaxResults><Blobs>"
        "<Blob><Name>pfx/a&amp;b.json</Name><Properties><Content-Length>12</Content-Length></Properties></Blob>"
        "<Blob><Name>pfx/z/did.jsonl</Name><Properties><Creation-Time>x</Creation-Time><Content-Length>0</Content-Length></Properties></Blob>"
        "</Blobs><NextMarker>2!80!abc</NextMarker></EnumerationResults>";
    seen s = {0};
    char marker[64];
    T_CHECK(azListPage(page, 4, collect, &s, marker, sizeof marker) == 0 && s.n == 2 && !strcmp(s.keys[0], "a&b.json") &&
            s.size[0] == 12 && !strcmp(s.keys[1], "z/did.jsonl") && s.size[1] == 0 && !strcmp(marker, "2!80!abc"), "page 1");
    const char *last = "<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>";
    s.n = 0;
    T_CHECK(azListPage(last, 0, collect, &s, marker, sizeof marker) == 0 && s.n == 0 && !*marker, "last page");
    T_CHECK(azListPage("<Error><Code>x</Code></Error>", 0, collect, &s, marker, sizeof marker) < 0, "not a listing");
    T_CHECK(azListPage("<EnumerationResults><Blobs><Blob><Name>x", 0, collect, &s, marker, sizeof marker) < 0, "truncated");
    T_CHECK(azListPage("<EnumerationResults><NextMarker>0123456789</NextMarker></EnumerationResults>", 0, collect, &s, marker, 8) < 0,
            "marker too long");
}

static void testOpen(void) {
    char err[ERR_MAX];
    unsetenv("AZURE_STORAGE_ACCOUNT"); unsetenv("AZURE_STORAGE_KEY"); unsetenv("AZURE_STORAGE_SAS_TOKEN");
    unsetenv("AZURE_STORAGE_SERVICE_ENDPOINT");
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=myaccount;AccountKey=" DEVKEY, 1);
    store *s = storeOpen("azblob://myaccount/mycontainer/.well-known/did/", NULL, err);
    T_CHECK(s && !strcmp(storeDescribe(s), "azblob://myaccount/mycontainer/.well-known/did (https://myaccount.blob.core.windows.net, Shared Key)"),
            "public endpoint: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" DEVKEY
           ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/", 1);
    s = storeOpen("azblob://devstoreaccount1/c0n", NULL, err);
    T_CHECK(s && !strcmp(storeDescribe(s), "azblob://devstoreaccount1/c0n (http://127.0.0.1:10000/devstoreaccount1, Shared Key)"),
            "emulator endpoint: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    T_CHECK(!storeOpen("azblob://otheraccount/c0n", NULL, err) && strstr(err, "otheraccount"), "account mismatch: %s", err);
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=myaccount;SharedAccessSignature=sv=2024-11-04&sig=x;EndpointSuffix=core.chinacloudapi.cn", 1);
    s = storeOpen("azblob://myaccount/c0n", NULL, err);
    T_CHECK(s && strstr(storeDescribe(s), "https://myaccount.blob.core.chinacloudapi.cn, SAS"), "SAS + suffix: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=myaccount;BlobEndpoint=ftp://x", 1);
    T_CHECK(!storeOpen("azblob://myaccount/c0n", NULL, err) && strstr(err, "neither AccountKey"), "no secret: %s", err);
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountKey=" DEVKEY ";BlobEndpoint=ftp://x", 1);
    T_CHECK(!storeOpen("azblob://myaccount/c0n", NULL, err) && strstr(err, "want http(s)://"), "bad endpoint: %s", err);
    setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountKey=" DEVKEY ";DefaultEndpointsProtocol=gopher", 1);
    T_CHECK(!storeOpen("azblob://myaccount/c0n", NULL, err) && strstr(err, "DefaultEndpointsProtocol"), "bad protocol: %s", err);
    unsetenv("AZURE_STORAGE_CONNECTION_STRING");
    setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2024-11-04&ss=b&sig=abc", 1);
    setenv("AZURE_STORAGE_SERVICE_ENDPOINT", "http://127.0.0.1:10000/myaccount", 1);
    s = storeOpen("azblob://myaccount/c0n", NULL, err);
    T_CHECK(s && strstr(storeDescribe(s), "(http://127.0.0.1:10000/myaccount, SAS)"), "SAS env: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    setenv("AZURE_STORAGE_SAS_TOKEN", "sv=2024-11-04&sp=r", 1);
    T_CHECK(!storeOpen("azblob://myaccount/c0n", NULL, err) && strstr(err, "AZURE_STORAGE_SAS_TOKEN"), "SAS without sig: %s", err);
    unsetenv("AZURE_STORAGE_SAS_TOKEN");
    setenv("AZURE_STORAGE_ACCOUNT", "myaccount", 1);
    setenv("AZURE_STORAGE_KEY", DEVKEY, 1);
    s = storeOpen("azblob://myaccount/c0n", NULL, err);
    T_CHECK(s && strstr(storeDescribe(s), "Shared Key"), "account + key env: %s", s ? storeDescribe(s) : err);
    storeClose(s);
    T_CHECK(!storeOpen("azblob://notmyaccount/c0n", NULL, err) && strstr(err, "AZURE_STORAGE_ACCOUNT"), "env account mismatch: %s", err);
    unsetenv("AZURE_STORAGE_KEY");
    T_CHECK(!storeOpen("azblob://myaccount/c0n", NULL, err) && strstr(err, "AZURE_STORAGE_CONNECTION_STRING"), "no credentials: %s", err);
    T_CHECK(!storeOpen("azblob://My/c0n", NULL, err) && strstr(err, "account name"), "bad account: %s", err);
}

/* The CORS rules of "Get Blob Service Properties" (learn.microsoft.com/rest/api/
 * storageservices/get-blob-service-properties); the rule storeSetCors needs: any origin
 * may GET and read the ETag. */
static void testCors(void) {
#define PROPS(rules) "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Logging><Version>1.0</Version>" \
    "</Logging>" rules "<DefaultServiceVersion>2025-11-05</DefaultServiceVersion></StorageServiceProperties>"
#define RULE(o, m, x) "<CorsRule><AllowedOrigins>" o "</AllowedOrigins><AllowedMethods>" m "</AllowedMethods>" \
    "<AllowedHeaders>*</AllowedHeaders><ExposedHeaders>" x "</ExposedHeaders><MaxAgeInSeconds>60</MaxAgeInSeconds></CorsRule>"
    static const struct { const char *xml; int n, open; const char *what; } v[] = {
        {PROPS("<Cors/>"), 0, 0, "no rule (Azurite: <Cors/>)"},
        {PROPS("<Cors></Cors>"), 0, 0, "no rule (<Cors></Cors>)"},
        {PROPS(""), 0, 0, "no <Cors> element at all"},
        {PROPS("<Cors>" RULE("*", "GET,HEAD", "ETag") "</Cors>"), 1, 1, "our rule"},
        {PROPS("<Cors>" RULE("https://only.example", "GET", "ETag") "</Cors>"), 1, 0, "one origin only"},
        {PROPS("<Cors>" RULE("*", "PUT,POST", "ETag") "</Cors>"), 1, 0, "no GET"},
        {PROPS("<Cors>" RULE("*", "GET", "x-ms-meta-*") "</Cors>"), 1, 0, "ETag not exposed"},
        {PROPS("<Cors>" RULE("*", "GET", "") "</Cors>"), 1, 0, "nothing exposed"},
        {PROPS("<Cors>" RULE("*", "GET", "*") "</Cors>"), 1, 1, "every header exposed (*)"},
        {PROPS("<Cors>" RULE("*", "GET", "e*") "</Cors>"), 1, 1, "a prefix pattern covering etag"},
        {PROPS("<Cors>" RULE("*", "GET", "etags*") "</Cors>"), 1, 0, "a prefix longer than etag"},
        {PROPS("<Cors>" RULE("https://a.example, * ", " head , get", "x-ms-meta-*, etag") "</Cors>"), 1, 1,
         "lists with spaces, any case"},
        {PROPS("<Cors>" RULE("https://*.example", "GET", "ETag") "</Cors>"), 1, 0, "a sub-domain wildcard is not any origin"},
        {PROPS("<Cors>" RULE("https://only.example", "GET", "ETag") RULE("*", "GET", "ETag") "</Cors>"), 2, 1,
         "an open rule after a narrow one"},
        {PROPS("<Cors>" RULE("*", "GETX", "ETag") RULE("*x", "GET", "ETag") "</Cors>"), 2, 0, "near misses"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        int open = -1, n = azCorsRules(v[i].xml, &open);
        T_CHECK(n == v[i].n && open == v[i].open, "cors %s: got %d rules open %d", v[i].what, n, open);
    }
    int open = 1;
    T_CHECK(azCorsRules("<Error><Code>AuthorizationFailure</Code></Error>", &open) < 0 && open == 0, "not a properties answer");
    T_CHECK(azCorsRules(NULL, &open) < 0, "no answer");
    T_CHECK(azCorsRules(PROPS("<Cors><CorsRule><AllowedOrigins>*"), &open) < 0, "truncated rule");
#undef PROPS
#undef RULE
}

/* Outcomes by status and x-ms-error-code ("Blob service error codes", and the Put Blob,
 * Get Blob and Delete Blob references): what the store answers its callers. */
static void testOutcomes(void) {
    T_CHECK(azGetOutcome(HTTP_OK, 200, "") == STORE_OK, "get 200");
    T_CHECK(azGetOutcome(HTTP_OK, 404, "BlobNotFound") == STORE_NOTFOUND, "get 404 BlobNotFound");
    T_CHECK(azGetOutcome(HTTP_OK, 404, "ContainerNotFound") == STORE_ERR, "a missing container is an error, never 'not found'");
    T_CHECK(azGetOutcome(HTTP_OK, 404, "ResourceNotFound") == STORE_ERR && azGetOutcome(HTTP_OK, 404, NULL) == STORE_ERR,
            "no such account; a 404 without a code");
    T_CHECK(azGetOutcome(HTTP_TOO_LARGE, 200, "") == STORE_TOOLARGE, "get over the caller's max");
    T_CHECK(azGetOutcome(HTTP_OK, 403, "AuthenticationFailed") == STORE_ERR && azGetOutcome(HTTP_NOCONN, 0, "") == STORE_ERR,
            "get 403, no connection");
    T_CHECK(azPutOutcome(STORE_PUT_ANY, HTTP_OK, 201, "") == STORE_OK && azPutOutcome(STORE_PUT_IF_MATCH, HTTP_OK, 201, "") == STORE_OK,
            "put 201");
    T_CHECK(azPutOutcome(STORE_PUT_IF_MATCH, HTTP_OK, 412, "ConditionNotMet") == STORE_CONFLICT, "If-Match 412");
    T_CHECK(azPutOutcome(STORE_PUT_IF_ABSENT, HTTP_OK, 412, "ConditionNotMet") == STORE_CONFLICT, "If-None-Match 412");
    T_CHECK(azPutOutcome(STORE_PUT_ANY, HTTP_OK, 412, "ConditionNotMet") == STORE_ERR, "412 without a condition: an error");
    T_CHECK(azPutOutcome(STORE_PUT_IF_ABSENT, HTTP_OK, 409, "BlobAlreadyExists") == STORE_CONFLICT, "create 409 BlobAlreadyExists");
    T_CHECK(azPutOutcome(STORE_PUT_IF_MATCH, HTTP_OK, 409, "BlobAlreadyExists") == STORE_ERR, "409 BlobAlreadyExists to a CAS");
    T_CHECK(azPutOutcome(STORE_PUT_IF_MATCH, HTTP_OK, 404, "BlobNotFound") == STORE_CONFLICT, "If-Match on a missing blob (Azure 404)");
    T_CHECK(azPutOutcome(STORE_PUT_IF_MATCH, HTTP_OK, 404, "ContainerNotFound") == STORE_ERR, "If-Match in a missing container");
    T_CHECK(azPutOutcome(STORE_PUT_ANY, HTTP_OK, 400, "Md5Mismatch") == STORE_ERR && azPutOutcome(STORE_PUT_ANY, HTTP_FAILED, 0, "") == STORE_ERR,
            "put 400 Md5Mismatch, cut off");
    T_CHECK(azDeleteOutcome(HTTP_OK, 202, "") == STORE_OK && azDeleteOutcome(HTTP_OK, 200, "") == STORE_OK, "delete 202, 200");
    T_CHECK(azDeleteOutcome(HTTP_OK, 404, "BlobNotFound") == STORE_OK, "delete of a missing blob is idempotent");
    T_CHECK(azDeleteOutcome(HTTP_OK, 404, "ContainerNotFound") == STORE_ERR, "delete in a missing container");
    T_CHECK(azDefinite409("BlobAlreadyExists") && !azDefinite409("") && !azDefinite409(NULL) && !azDefinite409("LeaseIdMissing"),
            "only BlobAlreadyExists is a definite 409");
    T_CHECK(azHint("AuthorizationPermissionMismatch") && azHint("ContainerNotFound") && !azHint("ServerBusy") && !azHint(NULL),
            "hints");
}

int main(void) {
    testUrl();
    testConn();
    testSign();
    testList();
    testCors();
    testOutcomes();
    testOpen();
    return T_DONE();
}
