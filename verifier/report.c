/* report.c -- verdict output: text (symbols on a UTF-8 terminal) and JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/hex.h"
#include "core/json.h"
#include "core/io/exit.h"
#include "verifier/report.h"

/* utf8Name: the locale string names UTF-8 ("en_US.UTF-8", "C.utf8"). */
static int utf8Name(const char *s) {
    for (; s && *s; s++)
        if (!strncasecmp(s, "utf-8", 5) || !strncasecmp(s, "utf8", 4)) return 1;
    return 0;
}

int reportFancy(FILE *f) {
    if (!isatty(fileno(f))) return 0;
    const char *v = getenv("LC_ALL");
    if (!v || !*v) v = getenv("LC_CTYPE");
    if (!v || !*v) v = getenv("LANG");
    return utf8Name(v);
}

const char *reportWord(verdict v) {
    return v == VERDICT_ANCHORED ? "ANCHORED" : v == VERDICT_PENDING ? "PENDING" : v == VERDICT_STALE ? "STALE" : "INVALID";
}

static const char *symbol(verdict v) {
    return v == VERDICT_ANCHORED ? "\u2705" : v == VERDICT_PENDING ? "\u23f3" : v == VERDICT_STALE ? "\u26a0\ufe0f" : "\u274c";
}

int reportExit(verdict v) {
    return v == VERDICT_ANCHORED ? EXIT_OK : v == VERDICT_PENDING ? EXIT_PENDING : v == VERDICT_STALE ? EXIT_STALE : EXIT_FAIL;
}

/* freshness: one line on the later batches (the manifest scan), or NULL when none ran. */
static void freshness(FILE *f, const historyReport *r) {
    const staleScan *s = &r->scan;
    if (r->ahead && !r->aheadOnChain)
        fprintf(f, "note: witness.json anchors %zu version(s) did.jsonl does not have (a batch publishing?); none of "
                   "them proven on chain: ignored\n", r->ahead);
    if (!s->ran) return;
    if (s->count <= s->last + 1) {
        fprintf(f, "later batches: none (the last anchor is in batch %llu, the newest)\n", (unsigned long long)s->last);
        return;
    }
    fprintf(f, "later batches %llu..%llu: %llu manifests checked, %llu not published, %llu not the chain's%s\n",
            (unsigned long long)s->last + 1, (unsigned long long)s->count - 1, (unsigned long long)s->read,
            (unsigned long long)s->missing, (unsigned long long)s->refused,
            s->stale ? "" : s->complete ? "; no later version of this DID" : "; stopped early (--stale-batches): freshness not known");
}

void reportText(FILE *f, const historyReport *r, int fancy) {
    fprintf(f, "%s\n", r->did[0] ? r->did : "(unknown DID)");
    for (size_t i = 0; i < r->n; i++) {
        const versionReport *x = &r->v[i];
        if (fancy) fprintf(f, "%s ", symbol(x->v));
        fprintf(f, "%-8s %s  ", reportWord(x->v), x->versionId);
        if (x->v == VERDICT_ANCHORED) {
            char tx[65];
            hexEncode(x->txHash, 32, tx);
            fprintf(f, "batch %llu, block %llu, tx 0x%s%s\n", (unsigned long long)x->batchId,
                    (unsigned long long)x->blockNumber, tx,
                    x->kind == DOC_KIND_MAINTENANCE ? "  (publisher maintenance: no new event)" : "");
        } else {
            fprintf(f, "%s\n", x->reason);
        }
    }
    verdict v = historyVerdict(r);
    freshness(f, r);
    if (r->stale) fprintf(f, "stale: %s\n", r->staleWhy);
    fprintf(f, "summary: %s%s%s: %zu anchored, %zu pending, %zu invalid of %zu versions\n", fancy ? symbol(v) : "",
            fancy ? " " : "", reportWord(v), r->anchored, r->pending, r->invalid, r->n);
}

/* jstr: a JSON string of s with any invalid UTF-8 (e.g. a message cut inside a
 * character) replaced by '?', so the output is always valid JSON. */
static json_t *jstr(const char *s) {
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c) return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = jsonUtf8Next((const unsigned char *)s + i, n - i, &cp);
        if (k > 0) memcpy(c + i, s + i, (size_t)k), i += (size_t)k;
        else c[i++] = '?';
    }
    c[n] = 0;
    json_t *j = json_string(c);
    free(c);
    return j;
}

json_t *reportJson(const historyReport *r) {
    json_t *vs = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const versionReport *x = &r->v[i];
        char st[16], tx[67];
        snprintf(st, sizeof st, "%s", reportWord(x->v));
        for (char *p = st; *p; p++) *p = (char)tolower((unsigned char)*p);
        json_t *o = json_pack("{s:o, s:s}", "versionId", jstr(x->versionId), "status", st);
        static const char *const kinds[] = {NULL, "genesis", "event", "maintenance"};
        if (x->kind > DOC_KIND_UNKNOWN && x->kind <= DOC_KIND_MAINTENANCE)
            json_object_set_new(o, "kind", json_string(kinds[x->kind]));
        if (x->v == VERDICT_ANCHORED) {
            hexEncode0x(x->txHash, 32, tx);
            json_object_set_new(o, "batchId", json_integer((json_int_t)x->batchId));
            json_object_set_new(o, "blockNumber", json_integer((json_int_t)x->blockNumber));
            json_object_set_new(o, "txHash", json_string(tx));
        } else {
            json_object_set_new(o, "reason", jstr(x->reason));
        }
        json_array_append_new(vs, o);
    }
    json_t *o = json_pack("{s:o, s:s, s:I, s:I, s:I, s:o}", "did", jstr(r->did), "verdict", reportWord(historyVerdict(r)),
                          "anchored", (json_int_t)r->anchored, "pending", (json_int_t)r->pending, "invalid",
                          (json_int_t)r->invalid, "versions", vs);
    if (o && r->stale) json_object_set_new(o, "stale", jstr(r->staleWhy));
    if (o && r->ahead) json_object_set_new(o, "ahead", json_integer((json_int_t)r->ahead));
    if (o && r->scan.ran)
        json_object_set_new(o, "freshness", json_pack("{s:I, s:I, s:I, s:I, s:I, s:b}", "lastBatch", (json_int_t)r->scan.last,
                                                      "batchCount", (json_int_t)r->scan.count, "checked",
                                                      (json_int_t)r->scan.read, "missing", (json_int_t)r->scan.missing,
                                                      "refused", (json_int_t)r->scan.refused, "complete", r->scan.complete));
    return o;
}
