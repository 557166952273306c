/* events.h -- signed events for generated identities: drafts, signing, JSONL.
 *
 * A generator (lifecycle.c, telemetry.c) adds drafts: which identity, when, what type
 * and data. eventsSign puts them in time order (ties: identity, then draft order),
 * gives each an id unique per DID ("<serial>.e<k>", k counting that DID's events),
 * and signs it eddsa-jcs-2022 with the DID's own key as its assertionMethod
 * (DESIGN.md §3). Each signed event is one JCS line. */
#ifndef WA_SEED_EVENTS_H
#define WA_SEED_EVENTS_H
#include <stddef.h>
#include <jansson.h>
#include "seed/meta.h"

typedef struct evDraft {
    size_t item;          /* index into the seedIndex */
    long long time;       /* Unix seconds */
    const char *type;     /* static string */
    json_t *data;         /* owned */
    size_t seq;           /* draft order, for stable ties */
    char *line;           /* the signed event (JCS, no newline), after eventsSign */
    size_t len;
} evDraft;

typedef struct evList {
    evDraft *v;
    size_t n, cap;
    int credential;       /* eventsSign writes the credential form (docs/formats.md
                           * "Events as Verifiable Credentials"), else the plain one */
} evList;

/* evAdd: add a draft (takes data). 0 / -1 (out of memory; data released). */
int evAdd(evList *l, size_t item, long long time, const char *type, json_t *data);
void evListFree(evList *l);

/* eventsSign: sort, number and sign every draft with its identity's key file, in the
 * plain form (eventSign) or, when l->credential, as a credential (eventSignCredential):
 * id urn:uuid:<a UUID derived from "<serial>.e<k>">, credentialSubject the EPCIS event
 * of the draft's type (eventSubjectOf, verifier/event). 0 / -1 + err. */
int eventsSign(const seedIndex *ix, evList *l, char *err);

/* eventsWrite: the signed events as JSON Lines to path ("-" = stdout). 0 / -1 + err. */
int eventsWrite(const evList *l, const char *path, char *err);

/* eventsItem: the index position of group n, kind k (checks the index order). -1 if absent. */
long eventsItem(const seedIndex *ix, long long n, int k);

#endif
