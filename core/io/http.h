/* fetch.h -- bounded HTTP(S) GET with libcurl for DID resolution. */
#ifndef WA_FETCH_H
#define WA_FETCH_H
#include <stddef.h>
#include "core/buf.h"

/* httpGet: GET url into out, at most max bytes, no redirects, 10 s to
 * connect, 30 s in all. HTTPS only unless allowHttp (tests, --base-url).
 * *status gets the HTTP status. 0 when a response arrived (any status), -1 +
 * err on transport errors or an oversized body. */
int httpGet(const char *url, size_t max, int allowHttp, buf *out, long *status, char *err);

#endif
