/* fake_store.c -- an in-memory object store behind storeOps, with an operation log and
 * injected faults (fake_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sha256.h"
#include "anchord/store/store_impl.h"
#include "fake_store.h"

#define FAKE_RULES 32

typedef struct object { char *key; buf data; char etag[65]; } object;

typedef struct rule {
    char op[8];
    char *key;              /* NULL: any key */
    int nth, seen;
    fakeAction action;
    buf foreign;
} rule;

typedef struct fakeBe {
    object *obj;
    size_t n, cap;
    rule rules[FAKE_RULES];
    size_t nrules;
    buf log;
} fakeBe;

/* find: the index of key, or -1. */
static long find(const fakeBe *b, const char *key) {
    for (size_t i = 0; i < b->n; i++) if (!strcmp(b->obj[i].key, key)) return (long)i;
    return -1;
}

/* setObject: key holds data (created or replaced); its ETag is the hex SHA-256. 0 / -1. */
static int setObject(fakeBe *b, const char *key, const void *data, size_t len) {
    long i = find(b, key);
    if (i < 0) {
        if (b->n == b->cap) {
            size_t cap = b->cap ? 2 * b->cap : 16;
            object *o = realloc(b->obj, cap * sizeof *o);
            if (!o) return -1;
            b->obj = o;
            b->cap = cap;
        }
        object *o = &b->obj[b->n];
        memset(o, 0, sizeof *o);
        if (!(o->key = strdup(key))) return -1;
        i = (long)b->n++;
    }
    object *o = &b->obj[i];
    bufReset(&o->data);
    if (len && bufAppend(&o->data, data, len) < 0) return -1;
    sha256Hex(data, len, o->etag);
    return 0;
}

/* logLine: one line of the operation log. */
static void logLine(fakeBe *b, const char *op, const char *key, const char *extra, int rc) {
    bufPrintf(&b->log, "%s %s%s%s %d\n", op, key, extra ? " " : "", extra ? extra : "", rc);
}

/* ruleFor: the action for this operation on key, or 0; *r the rule that matched. */
static fakeAction ruleFor(fakeBe *b, const char *op, const char *key, rule **r) {
    for (size_t i = 0; i < b->nrules; i++) {
        rule *x = &b->rules[i];
        if (x->nth <= 0 || strcmp(x->op, op) || (x->key && strcmp(x->key, key))) continue;
        if (++x->seen != x->nth) continue;
        x->nth = 0;         /* used once */
        *r = x;
        return x->action;
    }
    return 0;
}

static int fakeGet(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    fakeBe *b = s->be;
    rule *r = NULL;
    int rc;
    long i = find(b, key);
    if (ruleFor(b, "get", key, &r) == FAKE_FAIL) rc = errSet(err, "fake get %s: injected failure", key);
    else if (i < 0) rc = STORE_NOTFOUND;
    else if (b->obj[i].data.len > max) rc = STORE_TOOLARGE;
    else {
        rc = STORE_OK;
        if (body) {
            bufReset(body);
            if (b->obj[i].data.len && bufAppend(body, b->obj[i].data.p, b->obj[i].data.len) < 0)
                rc = errSet(err, "out of memory");
        }
        if (rc == STORE_OK && etag) memcpy(etag, b->obj[i].etag, 65);
    }
    if (rc != STORE_OK && body) bufReset(body);
    logLine(b, "get", key, NULL, rc);
    return rc;
}

static const char *condName(storeCond c) {
    return c == STORE_PUT_IF_ABSENT ? "absent" : c == STORE_PUT_IF_MATCH ? "match" : "any";
}

/* putNow: the put proper: the condition against what the key holds now. */
static int putNow(fakeBe *b, const char *key, const void *data, size_t len, storeCond cond, const char *ifMatch,
                  char *newEtag, char *err) {
    long i = find(b, key);
    if (cond == STORE_PUT_IF_ABSENT && i >= 0) return STORE_CONFLICT;
    if (cond == STORE_PUT_IF_MATCH && (i < 0 || strcmp(b->obj[i].etag, ifMatch))) return STORE_CONFLICT;
    if (setObject(b, key, data, len) < 0) return errSet(err, "out of memory");
    memcpy(newEtag, b->obj[find(b, key)].etag, 65);
    return STORE_OK;
}

static int fakePut(store *s, const char *key, const void *data, size_t len, storeCond cond,
                   const char *ifMatch, char *newEtag, char *err) {
    fakeBe *b = s->be;
    rule *r = NULL;
    int rc;
    switch (ruleFor(b, "put", key, &r)) {
    case FAKE_FAIL: rc = errSet(err, "fake put %s: injected failure", key); break;
    case FAKE_CONFLICT: rc = STORE_CONFLICT; break;
    case FAKE_FOREIGN:
        rc = setObject(b, key, r->foreign.p, r->foreign.len) < 0 ? errSet(err, "out of memory")
           : putNow(b, key, data, len, cond, ifMatch, newEtag, err);
        break;
    case FAKE_LOST:
        rc = putNow(b, key, data, len, cond, ifMatch, newEtag, err);
        if (rc == STORE_OK) rc = errSet(err, "fake put %s: the answer was lost (the write was applied)", key);
        break;
    default: rc = putNow(b, key, data, len, cond, ifMatch, newEtag, err);
    }
    logLine(b, "put", key, condName(cond), rc);
    return rc;
}

static int fakePutMany(store *s, storeReq *reqs, size_t n, char *err) { return storePutManySerial(s, reqs, n, err); }

/* keyCmp: byte order of object keys (qsort). */
static int keyCmp(const void *a, const void *b) { return strcmp(((const object *)a)->key, ((const object *)b)->key); }

static int fakeList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    fakeBe *b = s->be;
    qsort(b->obj, b->n, sizeof *b->obj, keyCmp);
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < b->n; i++)
        if (!strncmp(b->obj[i].key, prefix, pl) && fn(ctx, b->obj[i].key, (long long)b->obj[i].data.len)) break;
    logLine(b, "list", *prefix ? prefix : "\"\"", NULL, STORE_OK);
    return STORE_OK;
}

static int fakeDel(store *s, const char *key, char *err) {
    fakeBe *b = s->be;
    rule *r = NULL;
    int rc = STORE_OK;
    long i = find(b, key);
    if (ruleFor(b, "del", key, &r) == FAKE_FAIL) rc = errSet(err, "fake delete %s: injected failure", key);
    else if (i >= 0) {
        free(b->obj[i].key);
        bufFree(&b->obj[i].data);
        b->obj[i] = b->obj[--b->n];
    }
    logLine(b, "del", key, NULL, rc);
    return rc;
}

static int fakeCors(store *s, char *err) { return STORE_OK; }

static void fakeClose(store *s) {
    fakeBe *b = s->be;
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) { free(b->obj[i].key); bufFree(&b->obj[i].data); }
    for (size_t i = 0; i < b->nrules; i++) { free(b->rules[i].key); bufFree(&b->rules[i].foreign); }
    free(b->obj);
    bufFree(&b->log);
    free(b);
    s->be = NULL;
}

static const storeOps fakeOps = {
    .get = fakeGet, .put = fakePut, .putMany = fakePutMany, .list = fakeList, .del = fakeDel,
    .cors = fakeCors, .close = fakeClose,      /* no altIfMatch, getMany: one by one */
};

store *fakeStoreOpen(void) {
    store *s = calloc(1, sizeof *s);
    fakeBe *b = calloc(1, sizeof *b);
    if (!s || !b) { free(s); free(b); return NULL; }
    s->ops = &fakeOps;
    s->be = b;
    s->parallel = 32;
    snprintf(s->desc, sizeof s->desc, "fake:// (in memory)");
    return s;
}

int fakeStoreRule(store *s, const char *op, const char *key, int nth, fakeAction action,
                  const void *foreign, size_t len) {
    fakeBe *b = s->be;
    if (b->nrules >= FAKE_RULES || strlen(op) >= sizeof b->rules[0].op) return -1;
    rule *r = &b->rules[b->nrules];
    memset(r, 0, sizeof *r);
    snprintf(r->op, sizeof r->op, "%s", op);
    if (key && !(r->key = strdup(key))) return -1;
    r->nth = nth;
    r->action = action;
    if (foreign && len && bufAppend(&r->foreign, foreign, len) < 0) { free(r->key); return -1; }
    b->nrules++;
    return 0;
}

const char *fakeStoreLog(const store *s) {
    const fakeBe *b = s->be;
    return b->log.p ? (const char *)b->log.p : "";
}

void fakeStoreLogReset(store *s) {
    fakeBe *b = s->be;
    bufReset(&b->log);
    for (size_t i = 0; i < b->nrules; i++) b->rules[i].seen = 0;
}

int fakeStoreSet(store *s, const char *key, const void *data, size_t len) { return setObject(s->be, key, data, len); }

const buf *fakeStoreObject(const store *s, const char *key) {
    const fakeBe *b = s->be;
    long i = find(b, key);
    return i < 0 ? NULL : &b->obj[i].data;
}

size_t fakeStoreCount(const store *s) { return ((const fakeBe *)s->be)->n; }
