/* genesis.c -- checks a genesis did.jsonl against the service's keys and domain. */
#include <stdio.h>
#include <string.h>
#include "core/edkey.h"
#include "didlog/didurl.h"
#include "didlog/webvh.h"
#include "anchord/genesis.h"

int genesisPolicyFromConfig(const config *c, genesisPolicy *p, char *err) {
    edKey pub, wit;
    memset(p, 0, sizeof *p);
    if (configServiceKeys(c, &pub, &wit, err) < 0) return -1;
    int rc = mkEncodeEd25519Pub(pub.pk, p->updateKey) < 0 || didkeyFromPub(wit.pk, p->witness) < 0
                 ? errSet(err, "cannot encode the service's public keys") : 0;
    edKeyWipe(&pub);
    edKeyWipe(&wit);
    snprintf(p->domain, sizeof p->domain, "%s", c->domain);
    return rc;
}

/* hasKey: the JSON array of multikeys holds mk. */
static int hasKey(const json_t *keys, const char *mk) {
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), mk)) return 1;
    return 0;
}

/* hostOf: the did's host with "%3Aport" as WA_DOMAIN spells it. */
static int domainMatches(const char *did, const char *domain) {
    didParts dp;
    char e[ERR_MAX], host[300];
    if (didParse(did, DID_LOCALHOST, &dp, e) < 0) return 0;
    if (dp.port) snprintf(host, sizeof host, "%s%%3A%d", dp.host, dp.port);
    else snprintf(host, sizeof host, "%s", dp.host);
    didPartsFree(&dp);
    return !strcmp(host, domain);
}

/* rules: everything but the parse, on a parsed log. */
static rejectCode rules(const genesisPolicy *p, webvhLog *log, char scid[SCID_LEN + 1], char did[DIDREG_DID_MAX],
                        char *detail) {
    if (log->n != 1 || log->parseErr[0])
        return rejectSay(detail, REJ_INVALID, "a genesis log has exactly one entry (got %zu%s)", log->n,
                  log->parseErr[0] ? " and an unparsable line" : "");
    webvhOpts o = {.skipWitness = 1};   /* the service witnesses it once anchored */
    webvhResult r;
    if (webvhVerify(log, &o, &r) < 0)
        return rejectSay(detail, r.code && !strcmp(r.code, "invalidProof") ? REJ_BAD_SIGNATURE : REJ_INVALID, "%s", r.error);
    const webvhEntry *h = webvhHead(log);
    char e[ERR_MAX];
    if (didWebvhParse(h->did, scid, e) < 0) return rejectSay(detail, REJ_INVALID, "state.id: %s", e);
    if (strlen(h->did) >= DIDREG_DID_MAX) return rejectSay(detail, REJ_INVALID, "state.id: longer than %d bytes", DIDREG_DID_MAX - 1);
    if (!domainMatches(h->did, p->domain))
        return rejectSay(detail, REJ_INVALID, "%.200s is not on this service's domain %s (WA_DOMAIN)", h->did, p->domain);
    if (!hasKey(h->act.updateKeys, p->updateKey))
        return rejectSay(detail, REJ_BAD_SIGNATURE, "updateKeys must include the publisher's update key %s", p->updateKey);
    const webvhWitness *w = &h->act.wit;
    if (w->threshold != 1 || w->n != 1 || strcmp(w->ids[0], p->witness))
        return rejectSay(detail, REJ_INVALID, "parameters.witness must be {\"threshold\":1,\"witnesses\":[{\"id\":\"%s\"}]}",
                  p->witness);
    strcpy(did, h->did);
    return REJ_OK;
}

rejectCode genesisCheck(void *ctx, const char *log, size_t len, char scid[SCID_LEN + 1], char did[DIDREG_DID_MAX],
                        char *detail) {
    char e[ERR_MAX];
    if (len > WEBVH_LINE_MAX) return rejectSay(detail, REJ_TOO_LARGE, "a genesis log is at most %u bytes", WEBVH_LINE_MAX);
    webvhLog *l = webvhParse(log, len, e);
    if (!l) return rejectSay(detail, REJ_MALFORMED, "not a did:webvh log: %s", e);
    rejectCode rc = rules(ctx, l, scid, did, detail);
    webvhFree(l);
    return rc;
}
