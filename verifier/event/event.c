/* event.c -- event schema validation, signing and signature check. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "core/di.h"
#include "core/fnv.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "didlog/didurl.h"
#include "verifier/event/docstate.h"
#include "verifier/event/event.h"

int idValid(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > EVENT_ID_MAX || !isalnum((unsigned char)id[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i])) return 0;
    return 1;
}

/* eventTimeMs: t by the one RFC 3339 rule (core/rfc3339.h: "Z" or "+00:00", at most 9
 * fraction digits) and the events' own policy on top of it, no year before 1970, into ms
 * since the epoch (the fraction cut to ms). 0 / -1. */
static int eventTimeMs(const char *t, long long *ms) {
    rfc3339Time rt;
    if (rfc3339Parse(t, &rt) < 0 || rt.sec < 0) return -1;
    *ms = rfc3339Ms(&rt);
    return 0;
}

/* onlyKeys: every member of o is one of allowed (NULL-terminated). */
static int onlyKeys(const json_t *o, const char *const *allowed, const char *what, char *detail) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++) if (!strcmp(k, *a)) ok = 1;
        if (!ok) return errSet(detail, "%s: unexpected field \"%.60s\"", what, k);
    }
    return 0;
}

static const char *needStr(const json_t *o, const char *key, const char *what, char *detail) {
    json_t *v = json_object_get(o, key);
    if (!v) { errSet(detail, "%s: missing field \"%s\"", what, key); return NULL; }
    if (!json_is_string(v) || !json_string_length(v)) {
        errSet(detail, "%s: \"%s\" must be a non-empty string", what, key);
        return NULL;
    }
    return json_string_value(v);
}

/* timeWithin: the time t (what names it; ms since the epoch) lies in lim's window: at
 * most maxSkewMs ahead, at most maxAgeMs behind (0 = no limit). 0 / -1 + detail. */
static int timeWithin(const char *what, const char *t, long long ms, const eventLimits *lim, char *detail) {
    if (!lim) return 0;   /* a history's check: no clock */
    if (ms > lim->nowMs + lim->maxSkewMs)
        return errSet(detail, "%s %s is more than %llds in the future", what, t, lim->maxSkewMs / 1000);
    if (lim->maxAgeMs && ms < lim->nowMs - lim->maxAgeMs)
        return errSet(detail, "%s %s is older than %llds", what, t, lim->maxAgeMs / 1000);
    return 0;
}

/* checkProof: the one DataIntegrityProof of an event; ctx: the credential's @context
 * (the proof must carry it, as eddsa-jcs-2022 makes it), NULL for the plain form. */
static int checkProof(const json_t *p, const json_t *ctx, const eventLimits *lim, char *detail) {
    static const char *const allowed[] = {"type", "cryptosuite", "verificationMethod", "proofPurpose",
                                          "proofValue", "created", NULL};
    static const char *const allowedCred[] = {"type", "cryptosuite", "verificationMethod", "proofPurpose",
                                              "proofValue", "created", "@context", NULL};
    if (!json_is_object(p)) return errSet(detail, "\"proof\" must be an object (one DataIntegrityProof)");
    if (onlyKeys(p, ctx ? allowedCred : allowed, "proof", detail) < 0) return -1;
    if (ctx && !json_equal(json_object_get(p, "@context"), ctx))
        return errSet(detail, "proof: \"@context\" must be the credential's @context");
    const char *type = needStr(p, "type", "proof", detail), *cs, *vm, *pp, *pv;
    if (!type || !(cs = needStr(p, "cryptosuite", "proof", detail)) ||
        !(vm = needStr(p, "verificationMethod", "proof", detail)) ||
        !(pp = needStr(p, "proofPurpose", "proof", detail)) || !(pv = needStr(p, "proofValue", "proof", detail)))
        return -1;
    if (strcmp(type, "DataIntegrityProof")) return errSet(detail, "proof: type must be DataIntegrityProof");
    if (strcmp(cs, "eddsa-jcs-2022")) return errSet(detail, "proof: cryptosuite must be eddsa-jcs-2022");
    if (strcmp(pp, "assertionMethod")) return errSet(detail, "proof: proofPurpose must be assertionMethod");
    if (ctx && vm[0] == '#')   /* a credential is read by verifiers that resolve URLs: no relative one */
        return errSet(detail, "proof: verificationMethod must be absolute (DID#fragment) in a credential");
    if (pv[0] != 'z') return errSet(detail, "proof: proofValue must be multibase base58btc ('z...')");
    json_t *cr = json_object_get(p, "created");
    long long ms;
    if (cr && (!json_is_string(cr) || eventTimeMs(json_string_value(cr), &ms) < 0))
        return errSet(detail, "proof: created must be an RFC 3339 UTC time (\"Z\" or \"+00:00\", from 1970)");
    /* bounded like the event's time: a proof dated 9999 says nothing true */
    if (cr && timeWithin("proof: created", json_string_value(cr), ms, lim, detail) < 0) return -1;
    return 0;
}

/* realCount: how many numbers in v (depth-bounded by the parse) are not integers of
 * magnitude below 2^53, stopping once above max; *subnormal set when one of them is a
 * subnormal (0 < |n| < DBL_MIN). */
static size_t realCount(const json_t *v, size_t max, int *subnormal) {
    size_t n = 0, i;
    const char *k;
    json_t *x;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != 0 && fabs(d) < DBL_MIN) *subnormal = 1;
        return !(d > -9007199254740992.0 && d < 9007199254740992.0 && d == trunc(d));
    }
    if (json_is_object(v)) json_object_foreach((json_t *)v, k, x) if ((n += realCount(x, max, subnormal)) > max) return n;
    if (json_is_array(v)) json_array_foreach(v, i, x) if ((n += realCount(x, max, subnormal)) > max) return n;
    return n;
}

/* numbersCheck: the cost bound on numbers (EVENT_MAX_REALS, no subnormals) over doc;
 * where names the member in the message. 0 / -1 + detail. */
static int numbersCheck(const json_t *doc, const char *where, char *detail) {
    int subnormal = 0;
    if (realCount(doc, EVENT_MAX_REALS, &subnormal) > EVENT_MAX_REALS)
        return errSet(detail, "%s: more than %d numbers that are not integers (each costs a shortest round-trip "
                              "conversion to canonicalise)", where, EVENT_MAX_REALS);
    if (subnormal)
        return errSet(detail, "%s: subnormal numbers (0 < |n| < 2.2250738585072014e-308) are not accepted (the "
                              "costliest to canonicalise; no event needs them)", where);
    return 0;
}

/* ---- the credential form (docs/formats.md "Events as Verifiable Credentials") ---- */

#define CRED_CONTEXT "https://www.w3.org/ns/credentials/v2"
#define CRED_TYPE "DigitalTraceabilityEvent"
#define CRED_ID_PREFIX "urn:uuid:"

int eventIsCredential(const json_t *doc) { return json_object_get(doc, "@context") != NULL; }

/* uuidValid: 8-4-4-4-12 lower-case hex digits (RFC 9562's text form). */
static int uuidValid(const char *u) {
    if (strlen(u) != 36) return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u[i] != '-' : !strchr("0123456789abcdef", u[i])) return 0;
    }
    return 1;
}

const char *eventDid(const json_t *doc) { return jsonGetStr(doc, eventIsCredential(doc) ? "issuer" : "did"); }

const char *eventId(const json_t *doc) {
    const char *id = jsonGetStr(doc, "id");
    if (!id || !eventIsCredential(doc)) return id;
    return !strncmp(id, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) ? id + strlen(CRED_ID_PREFIX) : NULL;
}

/* listsDid: arr is an array of strings one of which is did. */
static int listsDid(const json_t *arr, const char *did) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), did)) return 1;
    return 0;
}

/* subjectCheck: credentialSubject is one EPCIS 2.0 event about did (the issuer):
 * ObjectEvent/TransactionEvent list it in epcList, AggregationEvent/AssociationEvent
 * name it parentID or list it in childEPCs, TransformationEvent in outputEPCList;
 * eventTime (RFC 3339 UTC, in the window), bizStep and, but for a
 * TransformationEvent, action (ADD/OBSERVE/DELETE). *type gets its type. */
static int subjectCheck(const json_t *cs, const char *did, const eventLimits *lim, const char **type, char *detail) {
    static const char *const types[] = {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
                                        "AssociationEvent", NULL};
    const char *t, *et, *bs, *ac = NULL;
    long long ms;
    if (!json_is_object(cs))
        return errSet(detail, "credentialSubject: must be one object (an EPCIS 2.0 event)");
    if (!(t = needStr(cs, "type", "credentialSubject", detail)) || !(et = needStr(cs, "eventTime", "credentialSubject", detail)) ||
        !(bs = needStr(cs, "bizStep", "credentialSubject", detail)))
        return -1;
    int k = 0;
    while (types[k] && strcmp(types[k], t)) k++;
    if (!types[k])
        return errSet(detail, "credentialSubject: type must be an EPCIS 2.0 event type (ObjectEvent, AggregationEvent, "
                              "TransactionEvent, TransformationEvent, AssociationEvent)");
    if (eventTimeMs(et, &ms) < 0)
        return errSet(detail, "credentialSubject: eventTime must be RFC 3339 UTC (\"Z\" or \"+00:00\", from 1970)");
    if (timeWithin("credentialSubject: eventTime", et, ms, lim, detail) < 0) return -1;
    if (strcmp(t, "TransformationEvent")) {
        if (!(ac = needStr(cs, "action", "credentialSubject", detail))) return -1;
        if (strcmp(ac, "ADD") && strcmp(ac, "OBSERVE") && strcmp(ac, "DELETE"))
            return errSet(detail, "credentialSubject: action must be ADD, OBSERVE or DELETE");
    }
    int about = 0;
    const char *where = "epcList";
    if (!strcmp(t, "ObjectEvent") || !strcmp(t, "TransactionEvent")) about = listsDid(json_object_get(cs, "epcList"), did);
    else if (!strcmp(t, "TransformationEvent")) about = listsDid(json_object_get(cs, "outputEPCList"), did), where = "outputEPCList";
    else {
        const char *parent = jsonGetStr(cs, "parentID");
        about = (parent && !strcmp(parent, did)) || listsDid(json_object_get(cs, "childEPCs"), did);
        where = "parentID or childEPCs";
    }
    if (!about)
        return errSet(detail, "credentialSubject: the %s is not about the issuer %.200s (its %s must name it)", t, did, where);
    *type = t;
    return 0;
}

/* credentialValidate: eventValidate of the credential form. */
static eventCode credentialValidate(json_t *doc, const eventLimits *lim, event *ev, char *detail) {
    static const char *const allowed[] = {"@context", "id", "type", "issuer", "validFrom", "validUntil",
                                          "credentialSubject", "proof", NULL};
    char e[ERR_MAX];
    const json_t *ctx = json_object_get(doc, "@context"), *types = json_object_get(doc, "type");
    if (onlyKeys(doc, allowed, "credential", detail) < 0) return EVENT_INVALID;
    if (!json_is_array(ctx) || json_array_size(ctx) != 1 || !json_is_string(json_array_get(ctx, 0)) ||
        strcmp(json_string_value(json_array_get(ctx, 0)), CRED_CONTEXT))
        return errSet(detail, "@context: must be [\"" CRED_CONTEXT "\"] (no other context is accepted)"), EVENT_INVALID;
    const char *id = needStr(doc, "id", "credential", detail);
    if (!id) return EVENT_INVALID;
    if (strncmp(id, CRED_ID_PREFIX, strlen(CRED_ID_PREFIX)) || !uuidValid(id + strlen(CRED_ID_PREFIX)))
        return errSet(detail, "id: must be urn:uuid: and a lower-case UUID (the event id)"), EVENT_INVALID;
    ev->id = id + strlen(CRED_ID_PREFIX);
    if (!json_is_array(types) || json_array_size(types) != 2 ||
        !json_is_string(json_array_get(types, 0)) || strcmp(json_string_value(json_array_get(types, 0)), "VerifiableCredential") ||
        !json_is_string(json_array_get(types, 1)) || strcmp(json_string_value(json_array_get(types, 1)), CRED_TYPE))
        return errSet(detail, "type: must be [\"VerifiableCredential\",\"" CRED_TYPE "\"]"), EVENT_INVALID;
    json_t *iss = json_object_get(doc, "issuer");
    if (iss && !json_is_string(iss))
        return errSet(detail, "issuer: must be the subject's DID as a string"), EVENT_INVALID;
    if (!(ev->did = needStr(doc, "issuer", "credential", detail))) return EVENT_INVALID;
    if (didCanonical(ev->did, ev->scid, e) < 0) return errSet(detail, "issuer: %s", e), EVENT_INVALID;
    if (!(ev->time = needStr(doc, "validFrom", "credential", detail))) return EVENT_INVALID;
    if (eventTimeMs(ev->time, &ev->timeMs) < 0)
        return errSet(detail, "validFrom: must be RFC 3339 UTC like 2025-01-31T12:00:00Z (\"Z\" or \"+00:00\", from 1970)"),
               EVENT_INVALID;
    if (timeWithin("validFrom", ev->time, ev->timeMs, lim, detail) < 0) return EVENT_INVALID;
    json_t *vu = json_object_get(doc, "validUntil");
    long long until;
    if (vu) {
        if (!json_is_string(vu) || eventTimeMs(json_string_value(vu), &until) < 0)
            return errSet(detail, "validUntil: must be RFC 3339 UTC (\"Z\" or \"+00:00\", from 1970)"), EVENT_INVALID;
        if (until <= ev->timeMs) return errSet(detail, "validUntil: must be after validFrom"), EVENT_INVALID;
        if (lim && until <= lim->nowMs)
            return errSet(detail, "validUntil: %s has passed (the credential expired)", json_string_value(vu)), EVENT_INVALID;
    }
    json_t *cs = json_object_get(doc, "credentialSubject");
    if (!cs) return errSet(detail, "credential: missing field \"credentialSubject\""), EVENT_INVALID;
    if (subjectCheck(cs, ev->did, lim, &ev->type, detail) < 0) return EVENT_INVALID;
    if (numbersCheck(doc, "credentialSubject", detail) < 0) return EVENT_INVALID;
    json_t *proof = json_object_get(doc, "proof");
    if (!proof) return errSet(detail, "credential: missing field \"proof\""), EVENT_INVALID;
    if (checkProof(proof, ctx, lim, detail) < 0) return EVENT_INVALID;
    return EVENT_OK;
}

eventCode eventValidate(json_t *doc, const eventLimits *lim, event *ev, char detail[ERR_MAX]) {
    static const char *const allowed[] = {"id", "did", "type", "time", "data", "proof", NULL};
    char e[ERR_MAX];
    memset(ev, 0, sizeof *ev);
    if (!json_is_object(doc)) return errSet(detail, "the event must be a JSON object"), EVENT_INVALID;
    if (eventIsCredential(doc)) {
        eventCode rc = credentialValidate(doc, lim, ev, detail);
        if (rc != EVENT_OK) memset(ev, 0, sizeof *ev);
        return rc;
    }
    if (onlyKeys(doc, allowed, "event", detail) < 0) return EVENT_INVALID;
    if (!(ev->id = needStr(doc, "id", "event", detail)) || !(ev->did = needStr(doc, "did", "event", detail)) ||
        !(ev->type = needStr(doc, "type", "event", detail)) || !(ev->time = needStr(doc, "time", "event", detail)))
        return EVENT_INVALID;
    if (!idValid(ev->id))
        return errSet(detail, "id: 1..%d characters of A-Z a-z 0-9 . _ -, starting with a letter or digit",
                      EVENT_ID_MAX), EVENT_INVALID;
    if (didCanonical(ev->did, ev->scid, e) < 0) return errSet(detail, "did: %s", e), EVENT_INVALID;
    size_t tn = strlen(ev->type);
    if (tn > EVENT_TYPE_MAX || strspn(ev->type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-") != tn)
        return errSet(detail, "type: 1..%d characters of A-Z a-z 0-9 . _ : / -", EVENT_TYPE_MAX), EVENT_INVALID;
    if (eventTimeMs(ev->time, &ev->timeMs) < 0)
        return errSet(detail, "time: must be RFC 3339 UTC like 2025-01-31T12:00:00Z (\"Z\" or \"+00:00\", from 1970)"), EVENT_INVALID;
    if (timeWithin("time:", ev->time, ev->timeMs, lim, detail) < 0) return EVENT_INVALID;
    json_t *data = json_object_get(doc, "data");
    if (!data) return errSet(detail, "event: missing field \"data\""), EVENT_INVALID;
    if (!json_is_object(data)) return errSet(detail, "data: must be a JSON object"), EVENT_INVALID;
    if (numbersCheck(doc, "data", detail) < 0) return EVENT_INVALID;
    /* a KeyRotation's new key is checked before it is queued (a weak key, anchored,
     * would brick the DID); the worker checks it again (docNextState) */
    if (!strcmp(ev->type, DOCEVENT_KEY_ROTATION) && docRotationKey(doc, detail) < 0) return EVENT_INVALID;
    json_t *proof = json_object_get(doc, "proof");
    if (!proof) return errSet(detail, "event: missing field \"proof\""), EVENT_INVALID;
    if (checkProof(proof, NULL, lim, detail) < 0) return EVENT_INVALID;
    return EVENT_OK;
}

eventCode eventParse(const char *body, size_t len, const eventLimits *lim, event *ev, char detail[ERR_MAX]) {
    char e[ERR_MAX];
    memset(ev, 0, sizeof *ev);
    if (lim->maxBody && len > lim->maxBody)
        return errSet(detail, "body of %zu bytes is above the limit of %zu", len, lim->maxBody), EVENT_TOO_LARGE;
    json_t *doc = jsonParse(body, len, lim->maxBody ? lim->maxBody : len, EVENT_DEPTH, e);
    if (!doc) return errSet(detail, "not valid JSON: %s", e), EVENT_MALFORMED;
    eventCode rc = eventValidate(doc, lim, ev, detail);
    if (rc != EVENT_OK) {
        json_decref(doc);
        memset(ev, 0, sizeof *ev);
        return rc;
    }
    ev->doc = doc;
    return EVENT_OK;
}

/* Public keys already found strong (mkDecodeEd25519Pub costs a scalar multiplication by the
 * group order, about as much as the signature check itself, and every event of a DID is
 * checked against the same few keys): direct-mapped by the multikey string, which is the
 * whole input, so a hit is the same answer. Only strong keys are kept. Thread-safe. */
#define KEY_CACHE_SLOTS 4096   /* ~330 KB */
static struct { char mk[MULTIKEY_PUB_MAX]; uint8_t pk[32]; } keyCache[KEY_CACHE_SLOTS];
static pthread_mutex_t keyCacheMu = PTHREAD_MUTEX_INITIALIZER;

/* strongKey: mkDecodeEd25519Pub(mk) through keyCache. 0 / -1 + err. */
static int strongKey(const char *mk, uint8_t pk[32], char *err) {
    size_t n = strlen(mk), s = fnv1a32(mk) % KEY_CACHE_SLOTS;
    int hit = 0;
    if (n && n < MULTIKEY_PUB_MAX) {
        pthread_mutex_lock(&keyCacheMu);
        if ((hit = !strcmp(keyCache[s].mk, mk))) memcpy(pk, keyCache[s].pk, 32);
        pthread_mutex_unlock(&keyCacheMu);
    }
    if (hit) return 0;
    if (mkDecodeEd25519Pub(mk, pk, err) < 0) return -1;
    if (n && n < MULTIKEY_PUB_MAX) {
        pthread_mutex_lock(&keyCacheMu);
        memcpy(keyCache[s].mk, mk, n + 1);
        memcpy(keyCache[s].pk, pk, 32);
        pthread_mutex_unlock(&keyCacheMu);
    }
    return 0;
}

eventCode eventVerify(const event *ev, const docKey *keys, size_t nkeys, char detail[ERR_MAX]) {
    json_t *proof = json_object_get(ev->doc, "proof");
    const char *vm = jsonGetStr(proof, "verificationMethod");
    char abs[DOC_DID_MAX + EVENT_ID_MAX];
    if (!vm) return errSet(detail, "proof: no verificationMethod"), EVENT_BAD_SIGNATURE;
    if (vm[0] == '#') {
        snprintf(abs, sizeof abs, "%s%s", ev->did, vm);
        vm = abs;
    }
    const docKey *k = NULL;
    for (size_t i = 0; i < nkeys && !k; i++) if (!strcmp(keys[i].vm, vm)) k = &keys[i];
    if (!k)
        /* the method in full (its fragment is the point); the DID is the event's own */
        return errSet(detail, "proof: verificationMethod %.200s is not an assertionMethod of the event's DID", vm),
               EVENT_BAD_SIGNATURE;
    uint8_t pk[32];
    char e[ERR_MAX];
    if (strongKey(k->mk, pk, e) < 0)
        return errSet(detail, "registered key of %.120s: %s", vm, e), EVENT_BAD_SIGNATURE;
    if (diVerify(ev->doc, proof, pk, e) < 0) return errSet(detail, "%s", e), EVENT_BAD_SIGNATURE;
    return EVENT_OK;
}

void eventFree(event *ev) {
    json_decref(ev->doc);
    memset(ev, 0, sizeof *ev);
}

json_t *eventSubjectOf(const char *type, const char *did, const char *t, const json_t *data) {
    static const struct { const char *type, *kind, *action, *step, *disp; } map[] = {
        {"Manufactured", "ObjectEvent", "ADD", "commissioning", "active"},
        {"Assembled", "AssociationEvent", "ADD", "assembling", NULL},
        {"Installed", "ObjectEvent", "OBSERVE", "installing", NULL},
        {"QualityChecked", "ObjectEvent", "OBSERVE", "inspecting", NULL},
        {"Inspected", "ObjectEvent", "OBSERVE", "inspecting", NULL},
        {"Shipped", "ObjectEvent", "OBSERVE", "shipping", "in_transit"},
    };
    size_t i = 0, n = sizeof map / sizeof *map;
    while (i < n && strcmp(map[i].type, type)) i++;
    const char *kind = i < n ? map[i].kind : "ObjectEvent", *action = i < n ? map[i].action : "OBSERVE";
    json_t *cs = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O}", "type", kind, "eventTime", t, "eventTimeZoneOffset", "+00:00",
                           "action", action, "bizStep", i < n ? map[i].step : type, "details", data);
    if (!cs) return NULL;
    if (i < n && map[i].disp) json_object_set_new(cs, "disposition", json_string(map[i].disp));
    if (strcmp(kind, "AssociationEvent")) {
        json_object_set_new(cs, "epcList", json_pack("[s]", did));
        return cs;
    }
    const char *into = jsonGetStr(data, "into"), *pane = jsonGetStr(data, "glassPane"), *frame = jsonGetStr(data, "frame");
    if (into) json_object_set_new(cs, "parentID", json_string(into)), json_object_set_new(cs, "childEPCs", json_pack("[s]", did));
    else {
        json_t *kids = json_array();
        if (pane) json_array_append_new(kids, json_string(pane));
        if (frame) json_array_append_new(kids, json_string(frame));
        json_object_set_new(cs, "parentID", json_string(did));
        json_object_set_new(cs, "childEPCs", kids);
    }
    return cs;
}

int eventSignDoc(json_t *doc, const char *vm, const char *created, const uint8_t sk[64], char *err) {
    json_t *opts = json_pack("{s:s,s:s,s:s,s:s}", "type", "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
                             "verificationMethod", vm, "proofPurpose", "assertionMethod");
    json_t *proof = NULL;
    if (!opts || (created && json_object_set_new(opts, "created", json_string(created)) < 0))
        errSet(err, "out of memory (or a field is not UTF-8)");
    else if ((proof = diSign(doc, opts, sk, err)) && json_object_set_new(doc, "proof", proof) < 0)
        proof = NULL, errSet(err, "out of memory");
    json_decref(opts);
    return proof ? 0 : -1;
}

json_t *eventSignCredential(const credDraft *d, const uint8_t sk[64], char *err) {
    char id[sizeof CRED_ID_PREFIX + 64];
    snprintf(id, sizeof id, CRED_ID_PREFIX "%.60s", d->uuid ? d->uuid : "");
    json_t *cs = d->subject ? json_deep_copy(d->subject) : NULL;
    json_t *vc = cs ? json_pack("{s:[s],s:s,s:[s,s],s:s,s:s,s:o}", "@context", CRED_CONTEXT, "id", id, "type",
                                "VerifiableCredential", CRED_TYPE, "issuer", d->did, "validFrom", d->validFrom,
                                "credentialSubject", cs)
                    : NULL;
    if (!vc || (d->validUntil && json_object_set_new(vc, "validUntil", json_string(d->validUntil)) < 0)) {
        errSet(err, "out of memory (or a field is not UTF-8, or no credentialSubject)");
        json_decref(vc);
        return NULL;
    }
    if (eventSignDoc(vc, d->vm, d->created, sk, err) < 0) {
        json_decref(vc);
        return NULL;
    }
    return vc;
}

json_t *eventSign(const eventDraft *d, const uint8_t sk[64], char *err) {
    json_t *data = d->data ? json_deep_copy(d->data) : NULL;
    json_t *ev = data ? json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", d->id, "did", d->did, "type", d->type, "time", d->time,
                                  "data", data)
                      : NULL;
    if (!ev) {
        errSet(err, "out of memory (or a field is not UTF-8)");
        return NULL;
    }
    if (eventSignDoc(ev, d->vm, d->created, sk, err) < 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

char *eventSignLine(const eventDraft *d, const uint8_t sk[64], size_t *len, char *err) {
    json_t *ev = eventSign(d, sk, err);
    char *s = ev ? jcsDump(ev, len, err) : NULL;
    json_decref(ev);
    return s;
}
