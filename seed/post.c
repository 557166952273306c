/* post.c -- bounded-concurrency HTTP POSTs that keep per-key order (libcurl multi). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "core/json.h"
#include "seed/post.h"

#define POST_REPLY_MAX 4096
#define POST_WINDOW 8192      /* how far past the first unsent job the scheduler looks */

typedef struct slot {
    CURL *h;
    size_t job;
    char reply[POST_REPLY_MAX];
    size_t rlen;
    int busy;
} slot;

static size_t onReply(char *p, size_t sz, size_t nm, void *ud) {
    slot *s = ud;
    size_t n = sz * nm, room = POST_REPLY_MAX - 1 - s->rlen;
    memcpy(s->reply + s->rlen, p, n < room ? n : room);
    s->rlen += n < room ? n : room;
    return n;
}

/* finish: record the answer of the request in slot s. */
static void finish(slot *s, postJob *j, CURLcode cc, postTally *t) {
    long code = 0;
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    j->status = cc == CURLE_OK ? (int)code : 0;
    j->error[0] = 0;
    if (cc != CURLE_OK) snprintf(j->error, sizeof j->error, "%s", curl_easy_strerror(cc));
    else if (code < 200 || code > 299) {
        json_t *o = jsonParse(s->reply, s->rlen, 0, 8, NULL);
        snprintf(j->error, sizeof j->error, "%s", jsonGetStr(o, "error") ? jsonGetStr(o, "error") : "http");
        json_decref(o);
    }
    if (j->status >= 200 && j->status <= 299) t->accepted++;
    else if (j->status == 409) t->conflicts++;
    else t->rejected++;
    s->busy = 0;
}

/* start: put job i on slot s. */
static int start(CURLM *m, slot *s, postJob *jobs, size_t i, const char *url, struct curl_slist *hdr) {
    if (!s->h && !(s->h = curl_easy_init())) return -1;
    curl_easy_reset(s->h);
    s->job = i, s->rlen = 0, s->busy = 1;
    curl_easy_setopt(s->h, CURLOPT_URL, url);
    curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, jobs[i].body);
    curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)jobs[i].len);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, onReply);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
    return curl_multi_add_handle(m, s->h) == CURLM_OK ? 0 : -1;
}

typedef struct sched {
    postJob *jobs;
    size_t n, low;            /* jobs [0, low) are all sent */
    unsigned char *sent;
    size_t *pendingOfKey;     /* hash of key -> in-flight or unsent-earlier marker */
    size_t keyCap;
} sched;

/* next: the first unsent job whose key has no request in flight and no earlier unsent job. */
static long next(sched *s, unsigned char *blocked) {
    while (s->low < s->n && s->sent[s->low]) s->low++;
    size_t end = s->low + POST_WINDOW < s->n ? s->low + POST_WINDOW : s->n, i;
    long found = -1;
    for (i = s->low; i < end && found < 0; i++) {
        size_t k = s->jobs[i].key % s->keyCap;
        if (s->sent[i]) continue;
        if (!blocked[k] && !s->pendingOfKey[k]) found = (long)i;
        blocked[k] = 1;   /* a later job of this key must wait for this one */
    }
    for (size_t j = s->low; j < i; j++) blocked[s->jobs[j].key % s->keyCap] = 0;
    return found;
}

int postMany(const char *url, const char *ctype, postJob *jobs, size_t n, int conc, progress *pg, postTally *t,
             char *err) {
    memset(t, 0, sizeof *t);
    if (conc < 1) conc = 1;
    if (conc > 256) conc = 256;
    sched s = {.jobs = jobs, .n = n, .keyCap = n * 2 + 1};
    s.sent = calloc(n + 1, 1);
    s.pendingOfKey = calloc(s.keyCap, sizeof *s.pendingOfKey);
    unsigned char *blocked = calloc(s.keyCap, 1);
    slot *sl = calloc((size_t)conc, sizeof *sl);
    CURLM *m = curl_multi_init();
    char h[128];
    snprintf(h, sizeof h, "Content-Type: %s", ctype);
    struct curl_slist *hdr = curl_slist_append(curl_slist_append(NULL, h), "Expect:");
    int rc = s.sent && s.pendingOfKey && blocked && sl && m && hdr ? 0 : errSet(err, "out of memory");
    size_t done = 0, transport = 0;
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    while (rc == 0 && done < n) {
        for (int i = 0; i < conc; i++) {
            if (sl[i].busy) continue;
            long j = next(&s, blocked);
            if (j < 0) break;
            if (start(m, &sl[i], jobs, (size_t)j, url, hdr) < 0) { rc = errSet(err, "curl: cannot start a request"); break; }
            s.sent[j] = 1;
            s.pendingOfKey[jobs[j].key % s.keyCap]++;
        }
        int running, q;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &q))) {
            if (msg->msg != CURLMSG_DONE) continue;
            slot *x;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            CURLcode cc = msg->data.result;
            curl_multi_remove_handle(m, x->h);
            finish(x, &jobs[x->job], cc, t);
            s.pendingOfKey[jobs[x->job].key % s.keyCap]--;
            if (cc == CURLE_COULDNT_CONNECT) transport++;
            done++;
            if (pg) progressSet(pg, done, t->rejected + t->conflicts);
        }
        if (transport && transport == done) { rc = errSet(err, "%s: cannot connect", url); break; }
        if (done < n) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (int i = 0; sl && i < conc; i++)
        if (sl[i].h) {
            if (sl[i].busy) curl_multi_remove_handle(m, sl[i].h);
            curl_easy_cleanup(sl[i].h);
        }
    curl_multi_cleanup(m);
    curl_slist_free_all(hdr);
    free(sl), free(blocked), free(s.sent), free(s.pendingOfKey);
    return rc;
}

void postSummary(const postJob *jobs, size_t n, char *out, size_t cap) {
    /* few distinct errors: a tiny linear table is enough */
    struct { char e[48]; int status; size_t c; } tab[16];
    int nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].status >= 200 && jobs[i].status <= 299) continue;
        int k = 0;
        while (k < nt && (strcmp(tab[k].e, jobs[i].error) || tab[k].status != jobs[i].status)) k++;
        if (k == nt && nt < 16) snprintf(tab[nt].e, sizeof tab[nt].e, "%s", jobs[i].error), tab[nt].status = jobs[i].status, tab[nt++].c = 0;
        if (k < nt) tab[k].c++;
    }
    size_t o = 0;
    out[0] = 0;
    for (int k = 0; k < nt && o < cap; k++)
        o += (size_t)snprintf(out + o, cap - o, "%s%d %s: %zu", k ? ", " : "", tab[k].status, tab[k].e, tab[k].c);
}
