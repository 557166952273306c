/* test_s3.c -- the S3 store's decisions without a server (anchord/store/s3.h) and the
 * shared runner's judgement of one attempt and read-back of an ambiguous conditional put
 * (anchord/store/storecall.h), which the Azure store uses too.
 *
 * Cited: the S3 API reference (GetObject, HeadObject, PutObject with If-None-Match and
 * If-Match: 412 Precondition Failed, 409 ConditionalRequestConflict; DeleteObject 204),
 * AWS SigV4 "Create a canonical request" (URI-encode every byte except A-Z a-z 0-9 - . _ ~,
 * upper-case hex, '/' kept in the path), RFC 9110 §13.1.1 (If-Match: entity-tags are
 * quoted), and docs/store.md "Lost races". The same rules against radosgw:
 * tests/integration/store.sh and fault_s3.sh. */
#include <stdlib.h>
#include <string.h>
#include "core/io/http.h"
#include "anchord/store/s3.h"
#include "anchord/store/storecall.h"
#include "t.h"

static void testCodes(void) {
    T_CHECK(s3ErrOf(NULL) == S3E_NONE && s3ErrOf("") == S3E_NONE, "no code");
    T_CHECK(s3ErrOf("NoSuchKey") == S3E_NO_SUCH_KEY, "NoSuchKey");
    T_CHECK(s3ErrOf("NoSuchBucket") == S3E_NO_SUCH_BUCKET, "NoSuchBucket");
    T_CHECK(s3ErrOf("NoSuchCORSConfiguration") == S3E_NO_SUCH_CORS, "NoSuchCORSConfiguration");
    T_CHECK(s3ErrOf("nosuchkey") == S3E_OTHER && s3ErrOf("AccessDenied") == S3E_OTHER, "codes are case-sensitive; others");
    T_CHECK(s3Hint("SignatureDoesNotMatch") && strstr(s3Hint("SignatureDoesNotMatch"), "AWS_SECRET_ACCESS_KEY"),
            "hint names the setting");
    T_CHECK(s3Hint("InvalidAccessKeyId") && strstr(s3Hint("InvalidAccessKeyId"), "AWS_ACCESS_KEY_ID"), "key id hint");
    T_CHECK(s3Hint("NoSuchBucket") && s3Hint("RequestTimeTooSkewed") && s3Hint("ExpiredToken"), "more hints");
    T_CHECK(!s3Hint("SlowDown") && !s3Hint(NULL) && !s3Hint(""), "no hint for the rest");
}

static void testGet(void) {
    static const struct { int rc; long status; s3ErrCode code; int want; const char *what; } v[] = {
        {HTTP_OK, 200, S3E_NONE, STORE_OK, "200"},
        {HTTP_OK, 404, S3E_NO_SUCH_KEY, STORE_NOTFOUND, "404 NoSuchKey"},
        {HTTP_OK, 404, S3E_NONE, STORE_NOTFOUND, "404 without a body"},
        {HTTP_OK, 404, S3E_NO_SUCH_BUCKET, STORE_ERR, "404 NoSuchBucket is an error, never 'not found'"},
        {HTTP_OK, 403, S3E_OTHER, STORE_ERR, "403"},
        {HTTP_OK, 206, S3E_NONE, STORE_ERR, "206: a part is not the object"},
        {HTTP_OK, 503, S3E_OTHER, STORE_ERR, "503 after the retries"},
        {HTTP_TOO_LARGE, 200, S3E_NONE, STORE_TOOLARGE, "over the caller's max"},
        {HTTP_NOCONN, 0, S3E_NONE, STORE_ERR, "cannot connect"},
        {HTTP_FAILED, 200, S3E_NONE, STORE_ERR, "cut off"},
        {HTTP_SETUP, 0, S3E_NONE, STORE_ERR, "never sent"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        T_CHECK(s3GetOutcome(v[i].rc, v[i].status, v[i].code) == v[i].want, "get %s", v[i].what);
    T_CHECK(s3HeadOutcome(HTTP_OK, 200) == STORE_OK && s3HeadOutcome(HTTP_OK, 404) == STORE_NOTFOUND &&
            s3HeadOutcome(HTTP_OK, 403) == STORE_ERR && s3HeadOutcome(HTTP_FAILED, 0) == STORE_ERR, "head");
}

static void testPut(void) {
    static const struct { storeCond cond; int rc; long status; s3ErrCode code; int want; const char *what; } v[] = {
        {STORE_PUT_ANY, HTTP_OK, 200, S3E_NONE, STORE_OK, "plain 200"},
        {STORE_PUT_IF_ABSENT, HTTP_OK, 200, S3E_NONE, STORE_OK, "create 200"},
        {STORE_PUT_IF_ABSENT, HTTP_OK, 412, S3E_OTHER, STORE_CONFLICT, "If-None-Match: * 412"},
        {STORE_PUT_IF_MATCH, HTTP_OK, 412, S3E_OTHER, STORE_CONFLICT, "If-Match 412"},
        {STORE_PUT_IF_MATCH, HTTP_OK, 404, S3E_NO_SUCH_KEY, STORE_CONFLICT, "If-Match on a key that is gone (AWS 404 NoSuchKey)"},
        {STORE_PUT_IF_ABSENT, HTTP_OK, 404, S3E_NO_SUCH_KEY, STORE_ERR, "404 NoSuchKey to a create is not a lost race"},
        {STORE_PUT_IF_MATCH, HTTP_OK, 404, S3E_NO_SUCH_BUCKET, STORE_ERR, "If-Match in a missing bucket"},
        {STORE_PUT_ANY, HTTP_OK, 403, S3E_OTHER, STORE_ERR, "403"},
        {STORE_PUT_ANY, HTTP_OK, 500, S3E_OTHER, STORE_ERR, "500 after the retries"},
        {STORE_PUT_IF_MATCH, HTTP_OK, 409, S3E_OTHER, STORE_ERR, "409 after the read-back said unchanged, retries spent"},
        {STORE_PUT_ANY, HTTP_FAILED, 0, S3E_NONE, STORE_ERR, "cut off"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        T_CHECK(s3PutOutcome(v[i].cond, v[i].rc, v[i].status, v[i].code) == v[i].want, "put %s", v[i].what);
    T_CHECK(s3DeleteOutcome(HTTP_OK, 204, S3E_NONE) == STORE_OK && s3DeleteOutcome(HTTP_OK, 200, S3E_NONE) == STORE_OK,
            "delete 204, 200");
    T_CHECK(s3DeleteOutcome(HTTP_OK, 404, S3E_NO_SUCH_KEY) == STORE_OK, "delete of a missing key is idempotent");
    T_CHECK(s3DeleteOutcome(HTTP_OK, 404, S3E_NO_SUCH_BUCKET) == STORE_ERR, "delete in a missing bucket");
    T_CHECK(s3DeleteOutcome(HTTP_OK, 403, S3E_OTHER) == STORE_ERR && s3DeleteOutcome(HTTP_NOCONN, 0, S3E_NONE) == STORE_ERR,
            "delete 403, no connection");
}

/* storeCallJudge: the runner's decision on one attempt (docs/store.md "Retries", "Lost races"). */
static void testJudge(void) {
    enum { S = STORECALL_SETTLED, R = STORECALL_RETRY, A = STORECALL_AMBIGUOUS };
    static const struct { const char *m; storeCond cond; int rc; long status; int definite, want; const char *what; } v[] = {
        {"GET", STORE_PUT_ANY, HTTP_OK, 200, 0, S, "GET 200"},
        {"GET", STORE_PUT_ANY, HTTP_OK, 404, 0, S, "GET 404 is an answer"},
        {"GET", STORE_PUT_ANY, HTTP_OK, 503, 0, R, "GET 503"},
        {"GET", STORE_PUT_ANY, HTTP_OK, 500, 0, R, "GET 500"},
        {"GET", STORE_PUT_ANY, HTTP_OK, 408, 0, R, "GET 408"},
        {"GET", STORE_PUT_ANY, HTTP_OK, 429, 0, R, "GET 429"},
        {"GET", STORE_PUT_ANY, HTTP_FAILED, 0, 0, R, "GET timeout"},
        {"GET", STORE_PUT_ANY, HTTP_NOCONN, 0, 0, R, "GET refused connection"},
        {"GET", STORE_PUT_ANY, HTTP_TOO_LARGE, 200, 0, S, "GET over max: an answer, never resent"},
        {"HEAD", STORE_PUT_ANY, HTTP_OK, 404, 0, S, "HEAD 404"},
        {"DELETE", STORE_PUT_ANY, HTTP_OK, 503, 0, R, "DELETE 503 (idempotent)"},
        {"PUT", STORE_PUT_ANY, HTTP_OK, 200, 0, S, "plain PUT 200"},
        {"PUT", STORE_PUT_ANY, HTTP_OK, 503, 0, R, "plain PUT 503: resent"},
        {"PUT", STORE_PUT_ANY, HTTP_FAILED, 0, 0, R, "plain PUT timeout: resent (same bytes, no condition)"},
        {"PUT", STORE_PUT_ANY, HTTP_OK, 409, 0, S, "plain PUT 409: an answer"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 201, 0, S, "create 201"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 412, 0, S, "create 412: a definite lost race"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 500, 0, A, "create 500: may have been applied"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 503, 0, A, "create 503"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 408, 0, A, "create 408"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 429, 0, A, "create 429"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_FAILED, 0, 0, A, "create cut off"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 409, 0, A, "create 409 (S3 ConditionalRequestConflict)"},
        {"PUT", STORE_PUT_IF_ABSENT, HTTP_OK, 409, 1, S, "create 409 the backend knows as definite (Azure BlobAlreadyExists)"},
        {"PUT", STORE_PUT_IF_MATCH, HTTP_OK, 409, 0, A, "CAS 409"},
        {"PUT", STORE_PUT_IF_MATCH, HTTP_OK, 412, 0, S, "CAS 412"},
        {"PUT", STORE_PUT_IF_MATCH, HTTP_NOCONN, 0, 0, R, "CAS refused connection: nothing sent, resent"},
        {"PUT", STORE_PUT_IF_MATCH, HTTP_SETUP, 0, 0, S, "CAS never set up"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        T_CHECK(storeCallJudge(v[i].m, v[i].cond, v[i].rc, v[i].status, v[i].definite) == (storeCallVerdict)v[i].want,
                "judge %s", v[i].what);
}

/* storeCallSettle: what the HEAD after an ambiguous conditional put says. */
static void testSettle(void) {
    T_CHECK(storeCallSettle(STORE_PUT_IF_ABSENT, STORE_OK, 1, "e1", NULL) == STORE_OK, "create, our bytes there: OK");
    T_CHECK(storeCallSettle(STORE_PUT_IF_ABSENT, STORE_NOTFOUND, 0, "", NULL) == 1, "create, still absent: send again");
    T_CHECK(storeCallSettle(STORE_PUT_IF_ABSENT, STORE_OK, 0, "e2", NULL) == STORE_CONFLICT, "create, other bytes: CONFLICT");
    T_CHECK(storeCallSettle(STORE_PUT_IF_MATCH, STORE_OK, 1, "e3", "e1") == STORE_OK, "CAS, our bytes there: OK");
    T_CHECK(storeCallSettle(STORE_PUT_IF_MATCH, STORE_OK, 0, "e1", "e1") == 1, "CAS, unchanged: send again");
    T_CHECK(storeCallSettle(STORE_PUT_IF_MATCH, STORE_OK, 0, "e9", "e1") == STORE_CONFLICT, "CAS, changed by another: CONFLICT");
    T_CHECK(storeCallSettle(STORE_PUT_IF_MATCH, STORE_NOTFOUND, 0, "", "e1") == STORE_CONFLICT, "CAS, key gone: CONFLICT");
    T_CHECK(storeCallSettle(STORE_PUT_IF_MATCH, STORE_OK, 1, "e1", "e1") == STORE_OK,
            "CAS, unchanged ETag but our bytes (the same bytes rewritten): OK");
}

static void testUrl(void) {
    buf b = BUF_INIT;
    T_CHECK(s3Encode(&b, "documents and settings/", 1) == 0 && !strcmp((char *)b.p, "documents%20and%20settings/"),
            "SigV4 path example: %s", b.p ? (char *)b.p : "");
    bufReset(&b);
    T_CHECK(s3Encode(&b, "a/b+c=d&e:f@g~h_i-j.k", 0) == 0 && !strcmp((char *)b.p, "a%2Fb%2Bc%3Dd%26e%3Af%40g~h_i-j.k"),
            "query value: every reserved byte encoded, unreserved kept: %s", (char *)b.p);
    bufReset(&b);
    T_CHECK(s3Encode(&b, "\xc3\xa9\x7f", 1) == 0 && !strcmp((char *)b.p, "%C3%A9%7F"), "UTF-8 and DEL in upper-case hex");
    bufFree(&b);
    char *u = s3ObjectUrl("http://127.0.0.1:9000/bkt", "", "a/did.jsonl", NULL);
    T_CHECK(u && !strcmp(u, "http://127.0.0.1:9000/bkt/a/did.jsonl"), "no prefix: %s", u);
    free(u);
    u = s3ObjectUrl("https://bkt.s3.eu-central-1.amazonaws.com", ".well-known/did", "z6Mk:x/did.jsonl", NULL);
    T_CHECK(u && !strcmp(u, "https://bkt.s3.eu-central-1.amazonaws.com/.well-known/did/z6Mk%3Ax/did.jsonl"), "prefix: %s", u);
    free(u);
    u = s3ObjectUrl("http://h/bkt", "p", "", "list-type=2&prefix=p%2F");
    T_CHECK(u && !strcmp(u, "http://h/bkt/p?list-type=2&prefix=p%2F"), "the prefix itself, with a query: %s", u);
    free(u);
    char q[STORE_ETAG_MAX + 2];
    s3IfMatch("5d41402abc4b2a76b9719d911017c592", 1, q);
    T_CHECK(!strcmp(q, "\"5d41402abc4b2a76b9719d911017c592\""), "If-Match quoted: %s", q);
    s3IfMatch("5d41402abc4b2a76b9719d911017c592", 0, q);
    T_CHECK(!strcmp(q, "5d41402abc4b2a76b9719d911017c592"), "If-Match bare (radosgw): %s", q);
}

int main(void) {
    testCodes();
    testGet();
    testPut();
    testJudge();
    testSettle();
    testUrl();
    return T_DONE();
}
