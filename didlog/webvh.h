/* webvh.h -- did:webvh v1.0 DID logs: parse, verify, create, append, witness.
 *
 * The one API the rest of the system uses for DID logs (spec:
 * decentralized-identity/didwebvh spec-v1.0/specification.md).
 *
 *   webvhLog *log = webvhParse(text, len, err);        // every line parsed once
 *   webvhResult r;  webvhOpts o = {.did = did, .witnessProofs = wj};
 *   if (webvhVerify(log, &o, &r) == 0) {                // every v1.0 rule
 *       const webvhEntry *h = webvhHead(log);           // h->state, h->act.updateKeys…
 *   }
 *   webvhAppend(log, newState, params, "2025-…Z", sk, &line, err);  // JCS line + "\n"
 *   json_t *p = webvhWitnessSign(versionId, witnessSk, created, err);
 *
 * Ownership: a webvhLog owns its entries; every json_t * and const char * in
 * webvhEntry / webvhParams is borrowed from it and lives until webvhFree.
 * Thread safety: no global state; different logs may be used from different
 * threads at once (the benchmark verifies in two threads).
 * Errors: one line "entry N (versionId …): <rule>: <detail>" with a DID
 * resolution error code (invalidDid, invalidProof, invalidParameters). */
#ifndef WA_WEBVH_H
#define WA_WEBVH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/buf.h"
#include "core/err.h"

#define WEBVH_METHOD "did:webvh:1.0"
#define WEBVH_LINE_MAX (1u << 20)          /* one log entry */
#define WEBVH_LOG_MAX (64u << 20)          /* a whole did.jsonl */
#define WEBVH_WITNESS_MAX (16u << 20)      /* a did-witness.json */
#define WEBVH_FUTURE_SKEW 300.0            /* versionTime tolerance, seconds (spec: <= 5 min) */
#define WEBVH_TTL_DEFAULT 3600

typedef struct webvhWitness {       /* a witness configuration; threshold 0 = none */
    int threshold;
    size_t n;
    const char **ids;               /* "did:key:z6Mk…", distinct */
    uint8_t (*pks)[32];             /* their Ed25519 keys */
} webvhWitness;

typedef struct webvhParams {        /* the active parameters after an entry */
    const char *scid;
    json_t *updateKeys;             /* array of multikeys (never NULL once verified) */
    json_t *nextKeyHashes;          /* array, NULL = [] */
    json_t *witness;                /* the witness object, NULL = {} */
    json_t *watchers;               /* array, NULL = [] */
    webvhWitness wit;               /* parsed `witness` */
    int portable, deactivated, prerotation;
    long long ttl;
} webvhParams;

typedef struct webvhEntry {
    json_t *obj;                    /* the parsed line */
    json_t *params, *state;         /* members of obj */
    const char *versionId, *versionTime, *did;   /* did = state.id */
    unsigned long versionNumber;
    double time;                    /* versionTime, Unix seconds */
    size_t off, len;                /* the line's bytes in log->text (no "\n") */
    webvhParams act;                /* active parameters after this entry */
    webvhWitness need;              /* witnesses that must approve this entry */
    webvhWitness own;               /* witness config defined here (owned arrays) */
} webvhEntry;

typedef struct webvhLog {
    webvhEntry *e;
    size_t n, cap;
    buf text;                       /* the raw lines, each followed by "\n" */
    size_t verified;                /* entries that passed webvhVerify (prefix) */
    char parseErr[ERR_MAX];         /* set when line n+1 could not be parsed */
} webvhLog;

typedef struct webvhOpts {
    const char *did;                /* DID resolved (a DID URL's path, query, fragment ignored); NULL = state.id of the last valid entry */
    const json_t *witnessProofs;    /* parsed did-witness.json (array), NULL = none */
    double now;                     /* 0 = the clock */
    double futureSkew;              /* 0 = WEBVH_FUTURE_SKEW */
    int skipWitness;                /* check all but witness thresholds (a witness about to sign) */
    size_t trusted;                 /* entries [0, trusted) are byte for byte a log verified
                                       before (the caller compared a digest): their parameters
                                       and state are applied, their hashes, proofs and witness
                                       approvals are not checked again */
} webvhOpts;

typedef struct webvhResult {
    size_t valid;                   /* entries [0, valid) are valid (version queries may use them) */
    int ok;                         /* the whole log is valid */
    const char *code;               /* NULL, "invalidDid", "invalidProof", "invalidParameters" */
    char error[ERR_MAX];            /* the first failure: entry, rule, detail */
} webvhResult;

/* webvhParse: split a did.jsonl into entries, parsing each line once (bounded
 * by WEBVH_LINE_MAX / WEBVH_LOG_MAX). A line that is not a JSON object ends the
 * log there with log->parseErr set (earlier entries stay usable for version
 * queries, as the spec asks). NULL + err only when nothing usable exists. */
webvhLog *webvhParse(const char *text, size_t len, char *err);
void webvhFree(webvhLog *log);

/* webvhVerify: every rule of v1.0 over every entry, in order, then the witness
 * thresholds. Fills r (r->valid is the verified prefix) and sets log->verified.
 * Returns 0 when the whole log is valid, -1 otherwise (r->error says why). */
int webvhVerify(webvhLog *log, const webvhOpts *o, webvhResult *r);

/* webvhCheckWitnesses: rule 11 alone, for a log verified with skipWitness:
 * the first entry in [0, valid) lacking its witness threshold (msg says how
 * many approvals it has), or valid when all are approved. Lets a caller that
 * must also accept a not-yet-witnessed tail (didverify: pending versions)
 * verify each signature once. */
size_t webvhCheckWitnesses(const webvhLog *log, size_t valid, const json_t *witnessProofs, char msg[ERR_MAX]);

/* webvhHead: the last verified entry (NULL when none). */
const webvhEntry *webvhHead(const webvhLog *log);

/* webvhLine: bytes of entry i as read or written (JCS when written here). */
const char *webvhLine(const webvhLog *log, size_t i, size_t *len);

/* webvhCreate: the genesis entry. state is the DID document with the literal
 * "{SCID}" wherever the SCID goes (its id "did:webvh:{SCID}:host…"); params
 * holds updateKeys and optionally nextKeyHashes, witness, watchers, portable,
 * ttl ("method" and "scid" are added). sk (libsodium 64-byte) must belong to
 * one of updateKeys. The JCS line plus "\n" is appended to line (if non-NULL).
 * Returns a verified one-entry log, or NULL + err. */
webvhLog *webvhCreate(const json_t *state, const json_t *params, const char *versionTime,
                      const uint8_t sk[64], buf *line, char *err);

/* webvhAppend: add the next entry to a fully verified log: state is the new
 * DID document, params the changed parameters ({} for none), versionTime later
 * than the head's. sk must be authorised (the head's updateKeys, or with
 * pre-rotation one of params.updateKeys). The entry is built, signed, then
 * verified by the same code as webvhVerify (witness thresholds excepted)
 * before it joins the log. Appends its JCS line + "\n" to line. 0 / -1 + err. */
int webvhAppend(webvhLog *log, const json_t *state, const json_t *params, const char *versionTime,
                const uint8_t sk[64], buf *line, char *err);

/* webvhDropLast: remove the head entry again (an appended entry the caller will not
 * publish, e.g. one beyond a size budget): the log is as before that webvhAppend. An
 * empty log is left unchanged. */
void webvhDropLast(webvhLog *log);

struct edSigner;
/* webvhAppendWith: webvhAppend signed through a signer (core/edsigner.h: the key
 * in memory or in a token); the signature is verified before the entry joins. */
int webvhAppendWith(webvhLog *log, const json_t *state, const json_t *params, const char *versionTime,
                    const struct edSigner *key, buf *line, char *err);

/* webvhWitnessSign: a witness's eddsa-jcs-2022 proof over {"versionId": id},
 * verificationMethod did:key:<mk>#<mk>, created = `created`. NULL + err. */
json_t *webvhWitnessSign(const char *versionId, const uint8_t sk[64], const char *created, char *err);
/* webvhWitnessSignWith: the same through a signer. */
json_t *webvhWitnessSignWith(const char *versionId, const struct edSigner *key, const char *created, char *err);

/* webvhWitnessAdd: put proof into the did-witness.json array wf under
 * versionId, replacing an earlier proof of the same witness for it. 0 / -1. */
int webvhWitnessAdd(json_t *wf, const char *versionId, json_t *proof, char *err);

/* webvhParseWitnessFile: parse and shape-check a did-witness.json. NULL + err. */
json_t *webvhParseWitnessFile(const char *text, size_t len, char *err);

/* webvhUsesWitnesses: some entry of the (parsed) log names witnesses. */
int webvhUsesWitnesses(const webvhLog *log);

/* webvhKeyHash: the pre-rotation hash base58btc(multihash(multikey)) into out. */
int webvhKeyHash(const char *multikey, buf *out);

/* webvhParseTime / webvhFormatTime: versionTime by core/rfc3339's one rule (rfc3339Parse
 * into Unix seconds, rfc3339Format). No caller outside didlog is left (seed, anchord's
 * pipeline and tests/helper call core/rfc3339); new code calls core/rfc3339 directly, and
 * these go with their last caller. */
int webvhParseTime(const char *s, double *t);
void webvhFormatTime(long long t, char out[32]);

#endif
