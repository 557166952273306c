/* storage.c -- bulk upload of genesis logs to a store, or registration with anchord serve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/store/store.h"
#include "core/io/exit.h"
#include "core/io/file.h"
#include "didlog/webvh.h"
#include "seed/post.h"
#include "seed/progress.h"
#include "seed/storage.h"

/* loadLogs: every genesis log of ix into bodies[i]. */
static int loadLogs(const seedIndex *ix, buf *bodies, char *err) {
    char path[SEED_PATH_MAX];
    for (size_t i = 0; i < ix->n; i++)
        if (seedPath(ix, ix->it[i].log, path) < 0 || fileRead(path, WEBVH_LOG_MAX, &bodies[i], err) < 0) return -1;
    return 0;
}

/* storeKeyOf: the bucket key of a log: its path below "public/". */
static const char *storeKeyOf(const seedItem *it) {
    return !strncmp(it->log, "public/", 7) ? it->log + 7 : it->log;
}

/* toStore: the create-only upload. 0 all done, 1 some failed, or + err -EXIT_CONFIG (the
 * store URL or its settings, or a store that refuses the probe: wrong keys, no bucket,
 * conditions ignored) or -EXIT_UNAVAILABLE (nothing answered), as for anchord run. */
static int toStore(const seedIndex *ix, const storageOpts *o, buf *bodies, char *err) {
    storeOpts so = STORE_OPTS_DEFAULT;     /* seed's own --parallel; retries and trace: the defaults */
    so.parallel = o->parallel;
    store *s = storeOpen(o->storeUrl, &so, err);
    if (!s) return -EXIT_CONFIG;
    int probe = storeProbe(s, err);
    if (probe < 0) { storeClose(s); return probe == STORE_DOWN ? -EXIT_UNAVAILABLE : -EXIT_CONFIG; }
    storeReq *rq = calloc(ix->n, sizeof *rq);
    if (!rq) { storeClose(s); return errSet(err, "out of memory"), -EXIT_FAIL; }
    progress pg;
    progressStart(&pg, "upload", ix->n, o->quiet);
    size_t chunk = (size_t)o->parallel * 4, bad = 0, exists = 0;
    for (size_t i = 0; i < ix->n; i++)
        rq[i] = (storeReq){.key = storeKeyOf(&ix->it[i]), .data = bodies[i].p, .len = bodies[i].len, .cond = STORE_PUT_IF_ABSENT};
    int rc = 0;
    for (size_t i = 0; i < ix->n && rc == 0; i += chunk) {
        size_t m = ix->n - i < chunk ? ix->n - i : chunk;
        if (storePutMany(s, rq + i, m, err) < 0) { rc = -1; break; }
        for (size_t k = i; k < i + m; k++) {
            if (rq[k].rc == STORE_CONFLICT) exists++;
            if (rq[k].rc == STORE_ERR && bad++ < 5) fprintf(stderr, "seed-storage: %s: %s\n", rq[k].key, rq[k].err);
        }
        progressSet(&pg, i + m, bad);
    }
    progressEnd(&pg);
    if (rc == 0 && o->page) {
        buf page = BUF_INIT;
        char e[ERR_MAX];
        if (fileRead(o->page, 1 << 20, &page, e) < 0 || storePut(s, "index.html", page.p, page.len, STORE_PUT_ANY, NULL, NULL, e) != STORE_OK)
            fprintf(stderr, "seed-storage: page: %s\n", e), bad++;
        bufFree(&page);
    }
    if (rc == 0)
        printf("store %s: %zu uploaded, %zu already present, %zu failed\n", storeDescribe(s), ix->n - exists - bad, exists, bad);
    free(rq);
    storeClose(s);
    return rc < 0 ? -EXIT_UNAVAILABLE : bad ? 1 : 0;
}

/* toRegister: POST /dids of every log. 0, 1 some rejected, -EXIT_UNAVAILABLE + err. */
static int toRegister(const seedIndex *ix, const storageOpts *o, buf *bodies, char *err) {
    postJob *jobs = calloc(ix->n, sizeof *jobs);
    if (!jobs) return errSet(err, "out of memory"), -EXIT_FAIL;
    for (size_t i = 0; i < ix->n; i++) jobs[i] = (postJob){.body = (const char *)bodies[i].p, .len = bodies[i].len, .key = i};
    char url[1024], sum[512];
    snprintf(url, sizeof url, "%s/dids", o->registerUrl);
    progress pg;
    progressStart(&pg, "register", ix->n, o->quiet);
    postTally t;
    int rc = postMany(url, "text/jsonl", jobs, ix->n, o->parallel, &pg, &t, err);
    progressEnd(&pg);
    if (rc == 0) {
        postSummary(jobs, ix->n, sum, sizeof sum);
        printf("register %s: %zu queued, %zu already registered, %zu rejected%s%s\n", url, t.accepted, t.conflicts,
               t.rejected, sum[0] ? " -- " : "", sum);
    }
    free(jobs);
    return rc < 0 ? -EXIT_UNAVAILABLE : t.rejected ? 1 : 0;
}

int storageRun(const seedIndex *ix, const storageOpts *o, char *err) {
    buf *bodies = calloc(ix->n, sizeof *bodies);
    if (!bodies) return errSet(err, "out of memory"), -EXIT_FAIL;
    int rc = loadLogs(ix, bodies, err) < 0 ? -EXIT_CONFIG : 0;
    if (rc == 0 && o->registerUrl) rc = toRegister(ix, o, bodies, err);
    if (rc >= 0 && o->storeUrl) {
        int r2 = toStore(ix, o, bodies, err);
        rc = r2 < 0 ? r2 : rc > r2 ? rc : r2;
    }
    for (size_t i = 0; i < ix->n; i++) bufFree(&bodies[i]);
    free(bodies);
    return rc;
}
