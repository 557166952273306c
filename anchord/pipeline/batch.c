/* batch.c -- one batch in memory: its release, the journal writes, the build threads,
 * the phase clock and the store keys of a DID (batch.h). The phases live beside it:
 * claim.c, group.c, objects.c, build.c, staging.c, publish.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/json.h"
#include "core/io/clock.h"
#include "anchord/pipeline/batch.h"

double batchSince(int64_t startMonoMs) { return (double)(clockMonoMs() - startMonoMs) / 1000.0; }

void batchObjKey(const pipeCtx *c, const char *scid, const char *name, char *out, size_t cap) {
    if (c->cfg->prefix[0]) snprintf(out, cap, "%s/%s/%s", c->cfg->prefix, scid, name);
    else snprintf(out, cap, "%s/%s", scid, name);
}

int batchJournal(pipeCtx *c, batch *b, const char *token, int state, const char *const *kv, size_t nkv,
                 char *err) {
    for (int attempt = 0;; attempt++) {
        int rc = journalAdvance(c->q, &b->j, token, state, kv, nkv, err);
        /* Only a Redis failure (-1) may go away: a dropped connection comes back. A
         * JOURNAL_* answer (the lease lost, the state behind) is final. */
        if (rc != -1 || attempt == 2) return rc;
        clockSleepMs(250LL << attempt);
    }
}

static void storeObjFree(storeObj *o) { bufFree(&o->body); }

static void workFree(didWork *w) {
    free(w->ev);
    free(w->reg);
    storeObjFree(&w->log); storeObjFree(&w->wj); storeObjFree(&w->dw);
    for (size_t i = 0; i < w->nne; i++) free(w->ne[i].line);
    free(w->ne);
    free(w->rej);
    bufFree(&w->newLog); bufFree(&w->newWj); bufFree(&w->newDw); bufFree(&w->newDj);
    free(w->keys);
}

void batchFree(batch *b) {
    for (size_t i = 0; i < b->nw; i++) workFree(&b->w[i]);
    free(b->w);
    free(b->junk);
    queueEntriesFree(&b->dids);
    queueEntriesFree(&b->events);
    merkleFree(b->tree);
    journalFree(&b->j);
    memset(b, 0, sizeof *b);
}

/* ---- threads ---- */

typedef struct pool {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n, next;
    pthread_mutex_t mu;
} pool;

static void *poolRun(void *arg) {
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->mu);
        if (i >= p->n) return NULL;
        p->fn(p->ctx, i);
    }
}

void batchRunThreads(const pipeCtx *c, size_t n, void (*fn)(void *ctx, size_t i), void *ctx) {
    pool p = {fn, ctx, n, 0, PTHREAD_MUTEX_INITIALIZER};
    int t = c->threads < 1 ? 1 : c->threads > 64 ? 64 : c->threads;
    pthread_t th[64];
    int started = 0;
    json_object_seed(0);   /* jansson's hash seed, once, before threads race to set it */
    for (int i = 1; i < t && (size_t)i < n; i++)
        if (pthread_create(&th[started], NULL, poolRun, &p) == 0) started++;
    poolRun(&p);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
}

int batchSids(const batch *b, const char *field, char **copy, const char ***sids, size_t *n, char *err) {
    const char *v = journalField(&b->j, field);
    *copy = NULL;
    *sids = NULL;
    *n = 0;
    if (!v || !*v) return 0;
    size_t cap = 1;
    for (const char *p = v; *p; p++) cap += *p == ',';
    *copy = strdup(v);
    *sids = malloc(cap * sizeof **sids);
    if (!*copy || !*sids) {
        free(*copy);
        free(*sids);
        *copy = NULL;
        *sids = NULL;
        return errSet(err, "out of memory");
    }
    for (char *save = NULL, *t = strtok_r(*copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) (*sids)[(*n)++] = t;
    return 0;
}
