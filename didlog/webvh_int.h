/* webvh_int.h -- internals shared by webvh.c (verify) and webvhwrite.c (create/append). */
#ifndef WA_WEBVH_INT_H
#define WA_WEBVH_INT_H
#include "didlog/webvh.h"

typedef struct vctxPub vctxPub;     /* opaque per-verification scratch state */

/* webvhCtxNew / webvhCtxFree: scratch state for webvhCheckEntry (o may be NULL). */
vctxPub *webvhCtxNew(const webvhOpts *o);
void webvhCtxFree(vctxPub *c);

/* webvhCheckEntry: every per-entry rule for entry idx, the entries before it
 * being verified. 0 / -1; webvhCtxError then gives the message and code. */
int webvhCheckEntry(webvhLog *log, size_t idx, vctxPub *c);
const char *webvhCtxError(vctxPub *c, const char **code);

/* webvhPush: append a parsed entry (obj taken over) whose line is text[off, off+len). */
int webvhPush(webvhLog *log, json_t *obj, size_t off, size_t len);

/* webvhReplaceAll: the n bytes at s with every occurrence of from replaced by to, into
 * out (reset first). 0 / -1 (out of memory). */
int webvhReplaceAll(const char *s, size_t n, const char *from, const char *to, buf *out);

#endif
