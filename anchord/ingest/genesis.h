/* genesis.h -- the rules a new DID's genesis log must meet before this service anchors it.
 *
 * A genesis log (POST /dids, `anchord submit --dids`) is accepted when:
 *   - it is one did:webvh v1.0 entry that verifies (didlog's webvhVerify; the
 *     witness threshold is not checked yet: the service witnesses it after anchoring);
 *   - an event its document embeds is checked as didverify checks it (verifier/event/docevent.h:
 *     signed for this DID by one of the document's own assertion keys, not a KeyRotation);
 *   - its DID is exactly did:webvh:<scid>:<WA_DOMAIN>:<WA_PREFIX as path>:<scid>,
 *     the place this service publishes it (<prefix>/<scid>/did.jsonl);
 *   - its updateKeys are exactly the publisher's update key (WA_PUBLISHER_KEY_FILE):
 *     the service signs every later entry (custodial model), so no one else can
 *     write a version that would race ours; and it is not portable;
 *   - its witness parameter is exactly {threshold:1, witnesses:[{id: the service's
 *     did:key}]} (WA_WITNESS_KEY_FILE, default the publisher key), so any did:webvh
 *     resolver refuses a version this service has not witnessed, i.e. anchored.
 * "Not registered yet" is checked by ingestDid (registry + replay marker). */
#ifndef WA_GENESIS_H
#define WA_GENESIS_H
#include "core/multiformat.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"

typedef struct genesisPolicy {
    char updateKey[MULTIKEY_PUB_MAX];   /* the publisher's public multikey */
    char witness[DIDKEY_MAX];           /* the service's witness did:key */
    char domain[256];                   /* WA_DOMAIN, canonical (host%3Aport) */
    char didPath[300];                  /* WA_PREFIX as DID path: ":.well-known:did" */
} genesisPolicy;

/* genesisDidPath: WA_PREFIX ("a/b") as the DID path segments it gives (":a:b"):
 * didlog/didurl.h didPrefixPath, the rule WA_PREFIX was validated with (didTemplate).
 * 0 / -1 + err (out of memory; longer than out, which the settings table's bound on
 * WA_PREFIX rules out). */
int genesisDidPath(const char *prefix, char out[300], char *err);

/* genesisPolicyFromConfig: the public halves of the service keys (the secrets
 * are read, used for the public keys, and wiped) and the domain. 0 / -1 + err. */
int genesisPolicyFromConfig(const config *c, genesisPolicy *p, char *err);

/* genesisCheck: a genesisCheckFn; ctx is a genesisPolicy. REJ_OK with scid and
 * did, or REJ_MALFORMED / REJ_INVALID / REJ_BAD_SIGNATURE + detail. */
rejectCode genesisCheck(void *ctx, const char *log, size_t len, char scid[WEBVH_SCID_LEN + 1],
                        char did[DOC_DID_MAX], char *detail);

#endif
