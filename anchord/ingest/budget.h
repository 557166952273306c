/* budget.h -- the per-DID log budget (WA_DID_BUDGET, DESIGN.md §8): how many bytes one
 * DID's published files (did.jsonl, witness.json, did-witness.json, did.json) may hold
 * together, and upper bounds of what one more version adds to them.
 *
 * The budget is enforced twice: ingest reserves an estimate per queued event against the
 * DID's published size (queue.h, luaEnqueue) and refuses what would not fit (413
 * budget_exceeded); the worker holds the line on the exact bytes (batch.c while building,
 * publish.c before any PUT), so nothing beyond the budget is ever published, whatever was
 * queued. docs/pipeline.md "Per-DID budget" has the accounting.
 *
 * Pure functions of their arguments; thread-safe. */
#ifndef WA_BUDGET_H
#define WA_BUDGET_H
#include <stddef.h>

/* Bytes added to every ingest estimate (budgetVersionBase) to cover what can differ
 * between the head version and the next one: the "event" member when the head has none,
 * a longer version number, a proofValue one or two characters longer, a rotated key. */
#define BUDGET_SLACK 96

/* budgetDepth: the longest Merkle audit path in a tree of at most maxLeaves leaves. */
size_t budgetDepth(size_t maxLeaves);

/* budgetProofsMax: an upper bound of the bytes one version with this versionId adds to
 * witness.json (its anchor proof in a batch of at most maxLeaves leaves) and to
 * did-witness.json (the service's witness proof), separators included. */
size_t budgetProofsMax(const char *versionId, size_t maxLeaves);

/* budgetFilesMin: the bytes of witness.json and did-witness.json of DID before its first
 * version ({"anchors":[],"did":DID} and []): what a genesis adds besides its own version. */
size_t budgetFilesMin(const char *did);

/* budgetGenesisMax: an upper bound of the bytes a genesis log of logLen bytes (one entry)
 * makes DID's four files hold once it is published (ingest: POST /dids; did.json too). */
size_t budgetGenesisMax(const char *did, size_t logLen, size_t maxLeaves);

/* budgetDidWebMax: an upper bound of the bytes of did.json (the parallel did:web document,
 * didlog/didweb.h) of DID whose head log line is lineLen bytes: the line holds the state,
 * the did:web rewrite only shortens it, and it adds at most the implicit #files / #whois
 * services and an alsoKnownAs entry. did.json is replaced with every version, so it counts
 * once: the worker adds it to the other files' bytes when it builds and holds the line on
 * the exact bytes before publishing; ingest sees it in the published size. */
size_t budgetDidWebMax(const char *did, size_t lineLen);

/* BUDGET_VERSION_DEFAULT: what ingest reserves besides an event's bytes for a DID whose
 * registry record predates budgets (no vbase yet), until its next publication. */
#define BUDGET_VERSION_DEFAULT 4096

/* budgetVersionBase: an upper bound of what the version after a head entry costs besides
 * the bytes of its event (what ingest reserves for an event of n bytes: n + this): the
 * head line (lineLen bytes) without its event (eventLen bytes, 0 for none), its newline,
 * budgetProofsMax and BUDGET_SLACK. Kept in the DID registry ("vbase") at publish. */
size_t budgetVersionBase(size_t lineLen, size_t eventLen, const char *versionId, size_t maxLeaves);

#endif
