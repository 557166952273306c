/* store_impl.h -- what the store backends (store_s3.c, store_file.c, store_az.c) share with store.c. */
#ifndef WA_STORE_IMPL_H
#define WA_STORE_IMPL_H
#include "anchord/store/store.h"

typedef struct storeOps {
    int (*get)(store *s, const char *key, size_t max, buf *body, char *etag, char *err);
    int (*put)(store *s, const char *key, const void *data, size_t len, storeCond cond,
               const char *ifMatch, char *newEtag, char *err);
    int (*putMany)(store *s, storeReq *reqs, size_t n, char *err);
    int (*list)(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err);
    int (*del)(store *s, const char *key, char *err);
    int (*cors)(store *s, char *err);
    int (*altIfMatch)(store *s);    /* try the other If-Match spelling; 0 if switched */
    void (*close)(store *s);
    int (*getMany)(store *s, storeGetReq *reqs, size_t n, char *err);   /* NULL: one by one */
} storeOps;

struct store {
    const storeOps *ops;
    void *be;               /* backend state */
    int parallel;           /* storePutMany / storeGetMany requests in flight */
    int down;               /* the last call could not reach the server (network backends) */
    char desc[512];
};

/* Backend constructors: fill s->ops / s->be / s->desc from the URL rest (checked by
 * storeUrlCheck already) and the options (valid, defaults filled in). */
int storeS3Open(store *s, const char *rest, const storeOpts *o, char *err);     /* rest = "bucket/prefix" */
int storeFileOpen(store *s, const char *rest, char *err);                       /* rest = "/dir" */
int storeAzOpen(store *s, const char *rest, const storeOpts *o, char *err);     /* rest = "account/container/prefix" */

/* storeEtagCopy: copy an ETag without surrounding quotes (and W/) into out; -1 if too long. */
int storeEtagCopy(char out[STORE_ETAG_MAX], const char *p, size_t n);

/* storePutManySerial: storePutMany done one put at a time (backends without parallelism). */
int storePutManySerial(store *s, storeReq *reqs, size_t n, char *err);

#endif
