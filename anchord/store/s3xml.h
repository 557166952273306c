/* s3xml.h -- the little S3 XML the store reads: error codes and ListObjectsV2 pages.
 * Plain substring scanning (no XML library): S3 answers are machine-written and flat;
 * every output is bounded by its buffer. Fuzzed by tests/fuzz/fuzz_s3xml.c. */
#ifndef WA_S3XML_H
#define WA_S3XML_H
#include <stddef.h>
#include "anchord/store/store.h"

/* s3xmlTag: the text of the first <tag>...</tag> in the NUL-terminated p (NULL allowed)
 * into out (truncated to outlen - 1, entities left as they are). 0, or -1 if absent. */
int s3xmlTag(const char *p, const char *tag, char *out, size_t outlen);

/* s3xmlUnescape: undo the five predefined XML entities in place. */
void s3xmlUnescape(char *s);

/* s3xmlCorsOpen: 1 when the GetBucketCors answer xml has a <CORSRule> that lets any origin
 * (<AllowedOrigin>*</AllowedOrigin>) GET and exposes the ETag header, else 0. */
int s3xmlCorsOpen(const char *xml);

/* s3xmlListPage: hand each <Contents><Key>'s key (minus its first `skip` bytes) and Size
 * of one ListObjectsV2 page to fn; token gets the continuation token ("" = last page).
 * 0, 1 (fn stopped) or -1 (malformed page). */
int s3xmlListPage(const char *xml, size_t skip, storeListFn *fn, void *ctx, char *token, size_t tlen);

#endif
