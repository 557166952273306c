/* test_anchord_event.c -- event schema (DESIGN.md §3), RFC 3339 UTC times, did:webvh DID
 * syntax (did:webvh v1.0 §DID format; DIDs from the didwebvh test-suite vectors), signing
 * (eventSign) and the eddsa-jcs-2022 signature check against a list of assertion keys;
 * the event outcomes as API refusals (rejectOfEvent). */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "core/di.h"
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "verifier/event/event.h"
#include "anchord/ingest/reject.h"

static const char *SCID = "Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg";   /* basic-create vector */
static eventLimits lim = {1738324800000LL, 300000, 86400000LL * 30, 65536};     /* 2025-01-31T12:00:00Z */

static eventCode parse(const char *s, event *ev, char *d) { return eventParse(s, strlen(s), &lim, ev, d); }

static char *signedEvent(const edKey *k, const char *vm, const char *time) {
    char did[128], err[ERR_MAX];
    snprintf(did, sizeof did, "did:webvh:%s:example.com", SCID);
    json_t *data = json_pack("{s:s}", "site", "Berlin");
    eventDraft dr = {.id = "e-1", .did = did, .type = "Installed", .time = time, .data = data, .vm = vm};
    char *s = eventSignLine(&dr, k->sk, NULL, err);
    json_decref(data);
    return s;
}

/* signCheck: eventSign is the signing side of eventVerify: the same proof diSign makes,
 * proof.created signed when given, the data copied (not taken). */
static void signCheck(const edKey *k, const char *vm) {
    char did[128], err[ERR_MAX], d[ERR_MAX];
    snprintf(did, sizeof did, "did:webvh:%s:example.com", SCID);
    json_t *data = json_pack("{s:s,s:i}", "site", "Berlin", "n", 7);
    eventDraft dr = {"e-9", did, "Installed", "2025-01-31T11:59:00Z", data, vm, "2025-01-31T11:59:30Z"};
    json_t *ev = eventSign(&dr, k->sk, err);
    T_CHECK(ev && json_object_size(ev) == 6 && json_equal(json_object_get(ev, "data"), data) &&
            json_object_get(ev, "data") != data, "eventSign: six members, data copied: %s", err);
    const json_t *pf = json_object_get(ev, "proof");
    T_CHECK(!strcmp(jsonGetStr(pf, "type"), "DataIntegrityProof") && !strcmp(jsonGetStr(pf, "cryptosuite"), "eddsa-jcs-2022") &&
            !strcmp(jsonGetStr(pf, "proofPurpose"), "assertionMethod") && !strcmp(jsonGetStr(pf, "verificationMethod"), vm) &&
            !strcmp(jsonGetStr(pf, "created"), "2025-01-31T11:59:30Z"), "eventSign: the proof's members");
    T_CHECK(diVerify(ev, pf, k->pk, err) == 0, "eventSign: diVerify: %s", err);
    json_object_set_new(json_object_get(ev, "proof"), "created", json_string("2025-01-31T11:59:31Z"));
    T_CHECK(diVerify(ev, json_object_get(ev, "proof"), k->pk, err) < 0, "eventSign: created is signed");
    size_t len = 0;
    char *line = eventSignLine(&dr, k->sk, &len, err), *again = NULL;
    json_t *ev2 = eventSign(&dr, k->sk, err);
    again = jcsDump(ev2, NULL, err);
    T_CHECK(line && again && len == strlen(line) && !strcmp(line, again) && !strchr(line, '\n'),
            "eventSignLine = JCS of eventSign (Ed25519 is deterministic)");
    event e;
    T_CHECK(parse(line, &e, d) == EVENT_OK, "eventSign's event validates: %s", d);
    eventFree(&e);
    dr.data = NULL;
    T_CHECK(eventSign(&dr, k->sk, err) == NULL, "eventSign: no data -> NULL");
    free(line), free(again);
    json_decref(ev), json_decref(ev2), json_decref(data);
}

/* timeOf: parse an event dated t under lim; its code, timeMs into *ms. */
static eventCode timeOf(const edKey *k, const char *vm, const char *t, const eventLimits *l, long long *ms) {
    char *s = signedEvent(k, vm, t), d[ERR_MAX];
    event ev;
    eventCode rc = eventParse(s, strlen(s), l, &ev, d);
    *ms = rc == EVENT_OK ? ev.timeMs : -1;
    if (rc == EVENT_OK) eventFree(&ev);
    free(s);
    return rc;
}

/* timeCheck: "time" follows core/rfc3339.h's rule (docs/io.md "Timestamps": "Z" or
 * "+00:00", 1..9 fraction digits) and the events' policy (no year before 1970). */
static void timeCheck(const edKey *k, const char *vm) {
    eventLimits open = {lim.nowMs, lim.maxSkewMs, 0, lim.maxBody};   /* no age limit */
    long long ms;
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00Z", &lim, &ms) == EVENT_OK && ms == 1738324800000LL, "time");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00.25Z", &lim, &ms) == EVENT_OK && ms == 1738324800250LL, "fraction");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00.123456789Z", &lim, &ms) == EVENT_OK && ms == 1738324800123LL,
            "9 fraction digits, cut to ms");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00.1234567891Z", &lim, &ms) == EVENT_INVALID, "10 fraction digits");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00+00:00", &lim, &ms) == EVENT_OK && ms == 1738324800000LL,
            "+00:00 is UTC");
    T_CHECK(timeOf(k, vm, "2025-01-31T13:00:00+01:00", &lim, &ms) == EVENT_INVALID, "other offsets refused");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00-00:00", &lim, &ms) == EVENT_INVALID, "-00:00 (unknown offset) refused");
    T_CHECK(timeOf(k, vm, "2024-02-29T00:00:00Z", &open, &ms) == EVENT_OK, "leap day");
    T_CHECK(timeOf(k, vm, "2023-02-29T00:00:00Z", &open, &ms) == EVENT_INVALID, "not a leap year");
    T_CHECK(timeOf(k, vm, "2025-01-31 12:00:00Z", &lim, &ms) == EVENT_INVALID, "space");
    T_CHECK(timeOf(k, vm, "2025-13-01T00:00:00Z", &open, &ms) == EVENT_INVALID, "month 13");
    T_CHECK(timeOf(k, vm, "2025-01-31T12:00:00.Z", &lim, &ms) == EVENT_INVALID, "empty fraction");
    T_CHECK(timeOf(k, vm, "1970-01-01T00:00:00Z", &open, &ms) == EVENT_OK && ms == 0, "1970");
    T_CHECK(timeOf(k, vm, "1969-12-31T23:59:59Z", &open, &ms) == EVENT_INVALID, "before 1970 refused (events' policy)");
}

/* credCheck: the credential form: eventSignCredential's credential validates and
 * verifies like a plain event (id = its UUID, did = issuer, type = the EPCIS type,
 * time = validFrom); its schema without a clock (lim NULL) ignores validUntil; a
 * subject about another DID, a second @context and an object issuer are refused. */
static void credCheck(const edKey *k, const char *vm) {
    char did[128], err[ERR_MAX], d[ERR_MAX];
    snprintf(did, sizeof did, "did:webvh:%s:example.com", SCID);
    json_t *cs = json_pack("{s:s,s:s,s:s,s:s,s:[s]}", "type", "ObjectEvent", "eventTime", "2025-01-31T11:59:00Z",
                           "action", "ADD", "bizStep", "commissioning", "epcList", did);
    credDraft dr = {"0f8fad5b-d9cb-469f-a165-70867728950e", did, "2025-01-31T11:59:00Z", "2025-02-01T00:00:00Z", cs, vm, NULL};
    json_t *vc = eventSignCredential(&dr, k->sk, err);
    T_CHECK(vc && eventIsCredential(vc) && !strcmp(eventId(vc), dr.uuid) && !strcmp(eventDid(vc), did),
            "eventSignCredential: accessors: %s", err);
    char *line = jcsDump(vc, NULL, err);
    event ev;
    docKey key;
    snprintf(key.vm, sizeof key.vm, "%s#key-1", did);
    T_CHECK(mkEncodeEd25519Pub(k->pk, key.mk) == 0, "multikey");
    T_CHECK(parse(line, &ev, d) == EVENT_OK && !strcmp(ev.id, dr.uuid) && !strcmp(ev.did, did) &&
            !strcmp(ev.type, "ObjectEvent") && !strcmp(ev.time, dr.validFrom), "credential validates: %s", d);
    T_CHECK(eventVerify(&ev, &key, 1, d) == EVENT_OK, "credential verifies: %s", d);
    eventFree(&ev);
    eventLimits later = lim;
    later.nowMs += 86400000LL;
    T_CHECK(eventParse(line, strlen(line), &later, &ev, d) == EVENT_INVALID && strstr(d, "expired"), "expired: %s", d);
    event v;
    T_CHECK(eventValidate(vc, NULL, &v, d) == EVENT_OK, "no clock: validUntil not applied: %s", d);
    json_t *bad = json_deep_copy(vc);
    json_array_set_new(json_object_get(json_object_get(bad, "credentialSubject"), "epcList"), 0, json_string("did:example:x"));
    T_CHECK(eventValidate(bad, &lim, &v, d) == EVENT_INVALID && strstr(d, "not about the issuer"), "subject: %s", d);
    json_decref(bad);
    bad = json_deep_copy(vc);
    json_array_append_new(json_object_get(bad, "@context"), json_string("https://example.com/ctx"));
    T_CHECK(eventValidate(bad, &lim, &v, d) == EVENT_INVALID && strstr(d, "@context"), "context: %s", d);
    json_decref(bad);
    bad = json_deep_copy(vc);
    json_object_set_new(bad, "issuer", json_pack("{s:s}", "id", did));
    T_CHECK(eventValidate(bad, &lim, &v, d) == EVENT_INVALID && strstr(d, "issuer"), "issuer object: %s", d);
    json_decref(bad);
    free(line);
    json_decref(vc);
    json_decref(cs);
}

int main(void) {
    char scid[WEBVH_SCID_LEN + 1], err[ERR_MAX], d[ERR_MAX];
    /* did:webvh syntax, canonical form */
    char did[160];
    snprintf(did, sizeof did, "did:webvh:%s:example.com", SCID);
    T_CHECK(didCanonical(did, scid, err) == 0 && !strcmp(scid, SCID), "vector DID: %s", err);
    snprintf(did, sizeof did, "did:webvh:%s:localhost%%3A8080:.well-known:did:%s", SCID, SCID);
    T_CHECK(didCanonical(did, scid, err) == 0, "port and path: %s", err);
    const char *bad[] = {"did:web:example.com", "did:webvh:QmShort:example.com",
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p20g:example.com",  /* '0' */
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:Example.com",
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:example.com%3a80",
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:example.com#key-1",
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:example.com:..",
                         "did:webvh:Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg:", NULL};
    for (int i = 0; bad[i]; i++) T_CHECK(didCanonical(bad[i], scid, err) < 0, "bad DID accepted: %s", bad[i]);
    /* Canonical form on top of didlog's didParse: one spelling per DID. */
    const char *noncanon[] = {":b\xc3\xbc" "cher.example", ":example.com%3A080", ":example.com:%61b", ":example.com/p", NULL};
    for (int i = 0; noncanon[i]; i++) {
        snprintf(did, sizeof did, "did:webvh:%s%s", SCID, noncanon[i]);
        T_CHECK(didCanonical(did, scid, err) < 0, "non-canonical DID accepted: %s", did);
    }
    snprintf(did, sizeof did, "did:webvh:%s:xn--bcher-kva.example:dpp:a-b", SCID);
    T_CHECK(didCanonical(did, scid, err) == 0, "IDNA A-label host and path: %s", err);
    snprintf(did, sizeof did, "did:webvh:%s:127.0.0.1", SCID);
    T_CHECK(didCanonical(did, scid, err) < 0, "IP literal refused (did:webvh): %s", did);
    T_CHECK(didScidValid(SCID) && !didScidValid("Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2D") &&
            !didScidValid("Xmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p2Dg") &&
            !didScidValid("Qmdxt11AjZewCNXX69bpEDobgjySeZ7eFwjf4tgpF6p20g"), "SCIDs (length, Qm, base58btc)");
    T_CHECK(didCanonical("did:webvh:QmShort:example.com", scid, err) < 0 && strncmp(err, "invalidDid", 10),
            "reason without didParse's code: %s", err);
    T_CHECK(idValid("evt-1.a_b") && !idValid("") && !idValid(".x") && !idValid("a/b") && !idValid("a b"), "ids");

    /* schema: specific messages */
    edKey k, k2;
    uint8_t seed[32] = {1}, seed2[32] = {2};
    edKeyFromSeed(seed, &k);
    edKeyFromSeed(seed2, &k2);
    char vm[160];
    snprintf(vm, sizeof vm, "did:webvh:%s:example.com#key-1", SCID);
    char *good = signedEvent(&k, vm, "2025-01-31T11:59:00Z");
    event ev;
    T_CHECK(parse(good, &ev, d) == EVENT_OK && !strcmp(ev.scid, SCID) && !strcmp(ev.id, "e-1"), "good: %s", d);
    docKey keys[2] = {{"", ""}, {"", ""}};
    snprintf(keys[0].vm, sizeof keys[0].vm, "did:webvh:%s:example.com#key-0", SCID);
    mkEncodeEd25519Pub(k2.pk, keys[0].mk);
    snprintf(keys[1].vm, sizeof keys[1].vm, "%s", vm);
    mkEncodeEd25519Pub(k.pk, keys[1].mk);
    T_CHECK(eventVerify(&ev, keys, 2, d) == EVENT_OK, "verify: %s", d);
    T_CHECK(eventVerify(&ev, keys, 1, d) == EVENT_BAD_SIGNATURE && strstr(d, "not an assertionMethod"), "key list: %s", d);
    mkEncodeEd25519Pub(k2.pk, keys[1].mk);   /* rotated: same VM id, other key */
    T_CHECK(eventVerify(&ev, keys, 2, d) == EVENT_BAD_SIGNATURE && strstr(d, "does not verify"), "wrong key: %s", d);
    mkEncodeEd25519Pub(k.pk, keys[1].mk);
    json_object_set_new(json_object_get(ev.doc, "data"), "site", json_string("Paris"));
    T_CHECK(eventVerify(&ev, keys, 2, d) == EVENT_BAD_SIGNATURE, "tampered data");
    eventFree(&ev);
    free(good);
    good = signedEvent(&k, "#key-1", "2025-01-31T11:59:00Z");   /* relative VM */
    T_CHECK(parse(good, &ev, d) == EVENT_OK && eventVerify(&ev, keys, 2, d) == EVENT_OK, "relative vm: %s", d);
    /* the checked keys are cached (strongKey): a weak registered key is refused every time */
    uint8_t ident[32] = {1};   /* the identity point: small order */
    char strongMk[MULTIKEY_PUB_MAX];
    snprintf(strongMk, sizeof strongMk, "%s", keys[1].mk);
    mkEncodeEd25519Pub(ident, keys[1].mk);
    for (int i = 0; i < 2; i++)
        T_CHECK(eventVerify(&ev, keys, 2, d) == EVENT_BAD_SIGNATURE && strstr(d, "weak Ed25519"), "weak key %d: %s", i, d);
    snprintf(keys[1].mk, sizeof keys[1].mk, "%s", strongMk);
    T_CHECK(eventVerify(&ev, keys, 2, d) == EVENT_OK, "the strong key again: %s", d);
    eventFree(&ev);
    free(good);
    good = signedEvent(&k, vm, "2025-01-31T12:10:00Z");
    T_CHECK(parse(good, &ev, d) == EVENT_INVALID && strstr(d, "future"), "future: %s", d);
    free(good);
    good = signedEvent(&k, vm, "2024-01-31T12:10:00Z");
    T_CHECK(parse(good, &ev, d) == EVENT_INVALID && strstr(d, "older"), "too old: %s", d);
    free(good);

    signCheck(&k, vm);
    timeCheck(&k, vm);
    struct { const char *doc, *want; eventCode code; } cases[] = {
        {"{", "not valid JSON", EVENT_MALFORMED},
        {"[]", "JSON object", EVENT_INVALID},
        {"{\"id\":\"a\"}", "missing field \"did\"", EVENT_INVALID},
        {"{\"id\":\"a\",\"did\":\"x\",\"type\":\"t\",\"time\":\"t\",\"data\":{},\"proof\":{},\"x\":1}", "unexpected field \"x\"", EVENT_INVALID},
        {"{\"id\":1,\"did\":\"x\"}", "\"id\" must be a non-empty string", EVENT_INVALID},
        {"{\"id\":\"a b\",\"did\":\"x\",\"type\":\"t\",\"time\":\"t\"}", "id:", EVENT_INVALID},
        {"{\"id\":\"a\",\"did\":\"did:key:z6Mk\",\"type\":\"t\",\"time\":\"t\"}", "did: not a did:webvh", EVENT_INVALID},
        {NULL, NULL, 0}};
    for (int i = 0; cases[i].doc; i++) {
        eventCode rc = parse(cases[i].doc, &ev, d);
        T_CHECK(rc == cases[i].code && strstr(d, cases[i].want), "case %d: %d [%s]", i, rc, d);
    }
    char doc[1024];
    const char *proofs[][2] = {
        {"{\"type\":\"Ed25519Signature2020\",\"cryptosuite\":\"eddsa-jcs-2022\",\"verificationMethod\":\"v\",\"proofPurpose\":\"assertionMethod\",\"proofValue\":\"z1\"}", "DataIntegrityProof"},
        {"{\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-rdfc-2022\",\"verificationMethod\":\"v\",\"proofPurpose\":\"assertionMethod\",\"proofValue\":\"z1\"}", "eddsa-jcs-2022"},
        {"{\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-jcs-2022\",\"verificationMethod\":\"v\",\"proofPurpose\":\"authentication\",\"proofValue\":\"z1\"}", "assertionMethod"},
        {"{\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-jcs-2022\",\"verificationMethod\":\"v\",\"proofPurpose\":\"assertionMethod\"}", "proofValue"},
        {"{\"type\":\"DataIntegrityProof\",\"cryptosuite\":\"eddsa-jcs-2022\",\"verificationMethod\":\"v\",\"proofPurpose\":\"assertionMethod\",\"proofValue\":\"z1\",\"nonce\":1}", "unexpected field \"nonce\""},
        {"[]", "must be an object"}};
    for (size_t i = 0; i < sizeof proofs / sizeof *proofs; i++) {
        snprintf(doc, sizeof doc, "{\"id\":\"a\",\"did\":\"did:webvh:%s:example.com\",\"type\":\"t\",\"time\":\"2025-01-31T12:00:00Z\",\"data\":{},\"proof\":%s}", SCID, proofs[i][0]);
        T_CHECK(parse(doc, &ev, d) == EVENT_INVALID && strstr(d, proofs[i][1]), "proof case %zu: [%s]", i, d);
    }
    snprintf(doc, sizeof doc, "{\"id\":\"a\",\"did\":\"did:webvh:%s:example.com\",\"type\":\"t\",\"time\":\"2025-01-31T12:00:00Z\",\"data\":\"x\",\"proof\":{}}", SCID);
    T_CHECK(parse(doc, &ev, d) == EVENT_INVALID && strstr(d, "data: must be a JSON object"), "data: [%s]", d);
    eventLimits small = lim;
    small.maxBody = 10;
    T_CHECK(eventParse(doc, strlen(doc), &small, &ev, d) == EVENT_TOO_LARGE, "too large");
    T_CHECK(rejectOfEvent(EVENT_OK) == REJ_OK && rejectOfEvent(EVENT_MALFORMED) == REJ_MALFORMED &&
            rejectOfEvent(EVENT_TOO_LARGE) == REJ_TOO_LARGE && rejectOfEvent(EVENT_INVALID) == REJ_INVALID &&
            rejectOfEvent(EVENT_BAD_SIGNATURE) == REJ_BAD_SIGNATURE, "rejectOfEvent: one to one");
    T_CHECK(rejectStatus(REJ_BAD_SIGNATURE) == 401 && rejectStatus(REJ_REPLAY) == 409 && rejectStatus(REJ_RATE_LIMITED) == 429 &&
            rejectStatus(REJ_UNAVAILABLE) == 503 && !strcmp(rejectName(REJ_UNKNOWN_DID), "unknown_did"), "statuses");
    {
        char vm1[200];
        snprintf(vm1, sizeof vm1, "did:webvh:%s:example.com#key-1", SCID);
        credCheck(&k, vm1);
    }
    edKeyWipe(&k);
    edKeyWipe(&k2);
    return T_DONE();
}
