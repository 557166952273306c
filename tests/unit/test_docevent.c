/* test_docevent.c -- verifier/event/docevent.h: the entry kinds of a history and the trust-model
 * rules (DESIGN.md §9; docs/formats.md "Entry kinds"): events signed by a key of the
 * previous version, documents that are docApply of the previous one, KeyRotations to
 * exactly the key they name, publisher maintenance entries, the genesis event; each
 * refusal with its code (DOC_INVALID / DOC_BAD_SIGNATURE). */
#include <sodium.h>
#include "t.h"
#include "core/di.h"
#include "core/edkey.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "verifier/event/docevent.h"
#include "verifier/event/event.h"

#define DID "did:webvh:QmSubjectSubjectSubjectSubjectSubjectSubject1:example.com"

static void keyOf(int i, edKey *k) {
    uint8_t seed[32];
    char label[32];
    snprintf(label, sizeof label, "test-docevent-%d", i);
    sha256(label, strlen(label), seed);
    edKeyFromSeed(seed, k);
}

static void mkOf(int i, char mk[MULTIKEY_PUB_MAX]) {
    edKey k;
    keyOf(i, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    edKeyWipe(&k);
}

/* genesisDoc: a document whose only assertion key is #key-1 = key 0. */
static json_t *genesisDoc(void) {
    char mk[MULTIKEY_PUB_MAX];
    mkOf(0, mk);
    return json_pack("{s:s, s:[{s:s,s:s,s:s,s:s}], s:[s], s:[s], s:{s:s}}", "id", DID, "verificationMethod", "id",
                     DID "#key-1", "type", "Multikey", "controller", DID, "publicKeyMultibase", mk, "assertionMethod",
                     DID "#key-1", "authentication", "#key-1", "product", "serial", "W-1");
}

/* signedEvent: id/type/data signed by key k as verification method vm (eventSign). */
static json_t *signedEvent(const char *id, const char *type, json_t *data, int k, const char *vm) {
    edKey key;
    char err[ERR_MAX];
    keyOf(k, &key);
    if (!data) data = json_object();
    eventDraft d = {.id = id, .did = DID, .type = type, .time = "2025-01-01T00:00:00Z", .data = data, .vm = vm};
    json_t *ev = eventSign(&d, key.sk, err);
    edKeyWipe(&key);
    json_decref(data);
    return ev;
}

static json_t *rotation(const char *id, int to, int signer, const char *vm) {
    char mk[MULTIKEY_PUB_MAX];
    mkOf(to, mk);
    return signedEvent(id, DOCEVENT_KEY_ROTATION, json_pack("{s:s}", "publicKeyMultibase", mk), signer, vm);
}

/* check: docEntryCheck with fresh bookkeeping; kind into *kind. */
static int check(const json_t *prev, const json_t *doc, const json_t *params, unsigned long v, json_t *seen, docKind *kind,
                 char *why) {
    return docEntryCheck(prev, doc, params, v, seen, kind, why);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    char why[ERR_MAX], mk[MULTIKEY_PUB_MAX];
    docKind kind;
    json_t *seen = json_object(), *none = json_object(), *ttl = json_pack("{s:i}", "ttl", 60);
    json_t *g = genesisDoc();

    /* genesis without an event; with a signed one; with an unsigned one */
    T_CHECK(check(NULL, g, none, 1, seen, &kind, why) == DOC_OK && kind == DOC_KIND_GENESIS, "plain genesis: %s", why);
    json_t *gs = json_deep_copy(g);
    json_object_set_new(gs, "event", signedEvent("g-1", "Manufactured", NULL, 0, "#key-1"));
    T_CHECK(check(NULL, gs, none, 1, seen, &kind, why) == DOC_OK, "genesis event signed by its own key: %s", why);
    T_CHECK(json_object_get(seen, "g-1") != NULL, "the genesis event id is remembered");
    json_t *gz = json_deep_copy(gs);
    json_object_set_new(json_object_get(json_object_get(gz, "event"), "proof"), "proofValue",
                        json_string("z1111111111111111111111111111111111111111111111111111111111111111"));
    json_t *s2 = json_object();
    T_CHECK(check(NULL, gz, none, 1, s2, &kind, why) == DOC_BAD_SIGNATURE, "genesis event with a zero proofValue");
    json_t *gk = json_deep_copy(g);
    json_object_set_new(gk, "event", signedEvent("g-2", "Manufactured", NULL, 5, "#key-1"));
    T_CHECK(check(NULL, gk, none, 1, s2, &kind, why) == DOC_BAD_SIGNATURE, "genesis event signed by another key");
    json_t *gr = json_deep_copy(g);
    json_object_set_new(gr, "event", rotation("g-3", 1, 0, "#key-1"));
    T_CHECK(check(NULL, gr, none, 1, s2, &kind, why) == DOC_INVALID, "a genesis KeyRotation is refused");

    /* an event entry: docApply of the previous document */
    json_t *e1 = signedEvent("e-1", "Manufactured", NULL, 0, DID "#key-1");
    json_t *d2 = docApply(g, e1, 2, why);
    T_CHECK(d2 && check(g, d2, none, 2, seen, &kind, why) == DOC_OK && kind == DOC_KIND_EVENT, "event entry: %s", why);
    T_CHECK(check(g, d2, none, 2, seen, &kind, why) == DOC_INVALID, "the same event again is a replay");
    json_t *s3 = json_object();
    json_t *bad = json_deep_copy(d2);
    json_object_set_new(json_object_get(bad, "product"), "serial", json_string("W-2"));
    T_CHECK(check(g, bad, none, 2, s3, &kind, why) == DOC_INVALID && strstr(why, "\"product\""),
            "an event entry that edits another member: %s", why);
    json_decref(bad);
    bad = json_deep_copy(d2);
    mkOf(9, mk);
    json_object_set_new(json_array_get(json_object_get(bad, "verificationMethod"), 0), "publicKeyMultibase", json_string(mk));
    T_CHECK(check(g, bad, none, 2, s3, &kind, why) == DOC_INVALID && strstr(why, "without a KeyRotation"),
            "a silent key swap: %s", why);
    json_decref(bad);
    json_t *e9 = signedEvent("e-9", "Manufactured", NULL, 9, DID "#key-1");
    json_t *d9 = docApply(g, e9, 2, why);
    T_CHECK(check(g, d9, none, 2, s3, &kind, why) == DOC_BAD_SIGNATURE, "an event signed by a key not in the previous version");

    /* a KeyRotation: exactly the named key, as <DID>#key-<version> */
    json_t *r3 = rotation("r-1", 1, 0, "#key-1");
    json_t *d3 = docApply(d2, r3, 3, why);
    docKey k[4];
    mkOf(1, mk);
    T_CHECK(d3 && docSigningKeys(d3, k, 4) == 1 && !strcmp(k[0].vm, DID "#key-3") && !strcmp(k[0].mk, mk),
            "docApply: the rotation's key alone, as #key-3");
    T_CHECK(d3 && json_array_size(json_object_get(d3, "authentication")) == 0, "the rotated-out key leaves authentication");
    T_CHECK(check(d2, d3, none, 3, seen, &kind, why) == DOC_OK && kind == DOC_KIND_EVENT, "KeyRotation entry: %s", why);
    bad = json_deep_copy(d3);
    mkOf(9, mk);
    json_array_append_new(json_object_get(bad, "verificationMethod"),
                          json_pack("{s:s,s:s,s:s,s:s}", "id", "#x", "type", "Multikey", "controller", DID, "publicKeyMultibase", mk));
    json_array_append_new(json_object_get(bad, "assertionMethod"), json_string("#x"));
    json_t *s4 = json_object();
    T_CHECK(check(d2, bad, none, 3, s4, &kind, why) == DOC_INVALID && strstr(why, "not exactly the KeyRotation's key"),
            "a rotation with an extra key: %s", why);
    json_decref(bad);
    json_t *rr = rotation("r-2", 1, 1, "#key-3");
    T_CHECK(docApply(d3, rr, 4, why) == NULL, "a rotation to the current key cannot apply");
    json_t *e4 = signedEvent("e-4", "Inspected", NULL, 0, "#key-1");
    json_t *d4 = docApply(d3, e4, 4, why);
    T_CHECK(check(d3, d4, none, 4, seen, &kind, why) == DOC_BAD_SIGNATURE, "the rotated-out key signs no later event");
    json_t *e5 = signedEvent("e-5", "Inspected", NULL, 1, DID "#key-3");
    json_t *d5 = docApply(d3, e5, 4, why);
    T_CHECK(check(d3, d5, none, 4, seen, &kind, why) == DOC_OK, "the new key signs: %s", why);

    /* publisher maintenance: the document unchanged, a parameter changed */
    T_CHECK(check(d5, d5, ttl, 5, seen, &kind, why) == DOC_OK && kind == DOC_KIND_MAINTENANCE, "maintenance: %s", why);
    T_CHECK(check(g, g, ttl, 2, seen, &kind, why) == DOC_OK && kind == DOC_KIND_MAINTENANCE, "maintenance of a genesis-only DID");
    T_CHECK(check(d5, d5, none, 5, seen, &kind, why) == DOC_INVALID, "maintenance that changes no parameter");
    bad = json_deep_copy(d5);
    json_object_set_new(bad, "service", json_pack("[{s:s,s:s,s:s}]", "id", "#s", "type", "X", "serviceEndpoint", "https://x"));
    T_CHECK(check(d5, bad, ttl, 5, seen, &kind, why) == DOC_INVALID && kind == DOC_KIND_MAINTENANCE &&
            strstr(why, "without a new event"), "maintenance that adds a service: %s", why);
    json_decref(bad);
    bad = json_deep_copy(d5);
    json_object_del(bad, "event");
    T_CHECK(check(d5, bad, ttl, 5, seen, &kind, why) == DOC_INVALID && strstr(why, "drops the signed event"),
            "an entry that drops the event: %s", why);
    json_decref(bad);
    bad = json_deep_copy(d5);
    mkOf(9, mk);
    json_object_set_new(json_array_get(json_object_get(bad, "verificationMethod"), 0), "publicKeyMultibase", json_string(mk));
    T_CHECK(check(d5, bad, ttl, 5, seen, &kind, why) == DOC_INVALID && strstr(why, "changes the assertion keys"),
            "maintenance that swaps the key: %s", why);
    json_decref(bad);

    json_t *objs[] = {seen, none, ttl, g, gs, gz, s2, gk, gr, e1, d2, s3, e9, d9, r3, d3, s4, rr, e4, d4, e5, d5};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) json_decref(objs[i]);
    return T_DONE();
}
