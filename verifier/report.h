/* report.h -- how didverify shows a verdict: one line per version and a summary,
 * ✅ ⏳ ❌ on a UTF-8 terminal, plain words otherwise, or JSON for machines. */
#ifndef WA_REPORT_H
#define WA_REPORT_H
#include <stdio.h>
#include <jansson.h>
#include "verifier/verify.h"

/* reportFancy: 1 when f is a terminal and the locale (LC_ALL, else LC_CTYPE,
 * else LANG) names UTF-8, so the symbols can be shown. */
int reportFancy(FILE *f);

/* reportWord: "ANCHORED", "PENDING", "INVALID", "STALE". */
const char *reportWord(verdict v);

/* reportText: the human form: the DID, a line per version, what is known of later
 * batches (the manifest scan, anchors of versions the log lacks), the stale reason, the
 * summary line. */
void reportText(FILE *f, const historyReport *r, int fancy);

/* reportJson: {"did","verdict","anchored","pending","invalid","versions":[{"versionId",
 * "status","kind","batchId","blockNumber","txHash" | "reason"}]} (status in lower case;
 * kind "genesis" | "event" | "maintenance", absent when the document was not checked),
 * and when they apply "stale" (the reason), "ahead" (anchors of versions the log lacks),
 * "freshness" {"lastBatch","batchCount","checked","missing","refused","complete"}. */
json_t *reportJson(const historyReport *r);

/* reportExit: the exit code of a verdict (core/io/exit.h): EXIT_OK anchored, EXIT_FAIL
 * invalid, EXIT_PENDING pending, EXIT_STALE stale. */
int reportExit(verdict v);

#endif
