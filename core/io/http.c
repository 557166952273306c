/* fetch.c -- bounded HTTP(S) GET with libcurl. */
#include <curl/curl.h>
#include "core/err.h"
#include "core/io/http.h"

typedef struct sink { buf *b; size_t max; int over; } sink;

static size_t onData(char *p, size_t sz, size_t n, void *ud) {
    sink *s = ud;
    size_t len = sz * n;
    if (s->b->len + len > s->max) { s->over = 1; return 0; }
    return bufAppend(s->b, p, len) < 0 ? 0 : len;
}

int httpGet(const char *url, size_t max, int allowHttp, buf *out, long *status, char *err) {
    CURL *c = curl_easy_init();
    if (!c) return errSet(err, "curl: cannot initialise");
    sink s = {out, max, 0};
    bufReset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, allowHttp ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "didlog/1.0");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onData);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    if (s.over) return errSet(err, "%s: response larger than %zu bytes", url, max);
    if (rc != CURLE_OK) return errSet(err, "%s: %s", url, curl_easy_strerror(rc));
    return 0;
}
