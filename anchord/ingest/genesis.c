/* genesis.c -- checks a genesis did.jsonl against the service's keys and domain. */
#include <stdio.h>
#include <string.h>
#include "didlog/didurl.h"
#include "didlog/webvh.h"
#include "verifier/event/docevent.h"
#include "verifier/event/docstate.h"
#include "anchord/ingest/genesis.h"
#include "anchord/keys/svckey.h"

int genesisPolicyFromConfig(const config *c, genesisPolicy *p, char *err) {
    uint8_t pub[32], wit[32];
    memset(p, 0, sizeof *p);
    if (svcKeysPublic(c, pub, wit, err) < 0) return -1;
    int rc = mkEncodeEd25519Pub(pub, p->updateKey) < 0 || didkeyFromPub(wit, p->witness) < 0
                 ? errSet(err, "cannot encode the service's public keys") : 0;
    snprintf(p->domain, sizeof p->domain, "%s", c->domain);
    if (rc == 0) rc = genesisDidPath(c->prefix, p->didPath, err);
    return rc;
}

int genesisDidPath(const char *prefix, char out[300], char *err) {
    buf b = BUF_INIT;   /* the rule of didTemplate, which the settings table checked WA_PREFIX with */
    int rc = didPrefixPath(prefix, &b) < 0 ? errSet(err, "out of memory")
           : snprintf(out, 300, "%s", b.p ? (const char *)b.p : "") >= 300 ? errSet(err, "WA_PREFIX is too long")
           : 0;
    bufFree(&b);
    return rc;
}

/* rules: everything but the parse, on a parsed log. */
static rejectCode rules(const genesisPolicy *p, webvhLog *log, char scid[WEBVH_SCID_LEN + 1], char did[DOC_DID_MAX],
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
    json_t *seen = json_object();
    int dk = seen ? docEntryCheck(NULL, h->state, h->params, 1, seen, NULL, e) : errSet(e, "out of memory");
    json_decref(seen);
    if (dk != DOC_OK) return rejectSay(detail, dk == DOC_BAD_SIGNATURE ? REJ_BAD_SIGNATURE : REJ_INVALID, "%s", e);
    if (didCanonical(h->did, scid, e) < 0) return rejectSay(detail, REJ_INVALID, "state.id: %s", e);
    if (strlen(h->did) >= DOC_DID_MAX) return rejectSay(detail, REJ_INVALID, "state.id: longer than %d bytes", DOC_DID_MAX - 1);
    char want[DOC_DID_MAX];
    if (snprintf(want, sizeof want, "did:webvh:%s:%s%s:%s", scid, p->domain, p->didPath, scid) >= (int)sizeof want ||
        strcmp(h->did, want))
        return rejectSay(detail, REJ_INVALID, "the DID must be %.200s, where this service publishes it (WA_DOMAIN, WA_PREFIX)",
                         want);
    const json_t *uk = h->act.updateKeys;
    if (json_array_size(uk) != 1 || !json_is_string(json_array_get(uk, 0)) ||
        strcmp(json_string_value(json_array_get(uk, 0)), p->updateKey))
        return rejectSay(detail, REJ_BAD_SIGNATURE, "updateKeys must be exactly the publisher's update key %s", p->updateKey);
    if (h->act.portable) return rejectSay(detail, REJ_INVALID, "portable DIDs are not hosted here");
    if (docKeysCheck(h->state, e) < 0) return rejectSay(detail, REJ_INVALID, "state: %s", e);
    const webvhWitness *w = &h->act.wit;
    if (w->threshold != 1 || w->n != 1 || strcmp(w->ids[0], p->witness))
        return rejectSay(detail, REJ_INVALID, "parameters.witness must be {\"threshold\":1,\"witnesses\":[{\"id\":\"%s\"}]}",
                  p->witness);
    strcpy(did, h->did);
    return REJ_OK;
}

rejectCode genesisCheck(void *ctx, const char *log, size_t len, char scid[WEBVH_SCID_LEN + 1], char did[DOC_DID_MAX],
                        char *detail) {
    char e[ERR_MAX];
    if (len > WEBVH_LINE_MAX) return rejectSay(detail, REJ_TOO_LARGE, "a genesis log is at most %u bytes", WEBVH_LINE_MAX);
    webvhLog *l = webvhParse(log, len, e);
    if (!l) return rejectSay(detail, REJ_MALFORMED, "not a did:webvh log: %s", e);
    rejectCode rc = rules(ctx, l, scid, did, detail);
    webvhFree(l);
    return rc;
}
