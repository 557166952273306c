/* fake_store.h -- an in-memory object store behind the store seam (anchord/store/store_impl.h),
 * for unit tests that need a store without a server: the publish order, conflict handling,
 * what a batch writes.
 *
 * It keeps the contract of anchord/store/store.h, as tests/unit/test_store.c checks against
 * it and the file store alike: a conditional put is a compare-and-set on the ETag (the hex
 * SHA-256 of the bytes, as the file store's), a get above max is STORE_TOOLARGE with nothing
 * returned, a missing key STORE_NOTFOUND, delete is idempotent, list is in byte order.
 * Every operation is recorded, and a rule can make the Nth operation on a key misbehave.
 * Built into $(BUILD)/tests/libfake.a, linked with every unit test; not in the product.
 * Thread safety: none (a store handle is used by one thread). */
#ifndef WA_FAKE_STORE_H
#define WA_FAKE_STORE_H
#include "anchord/store/store.h"

/* What a rule does to the operation it matches. */
typedef enum {
    FAKE_FAIL = 1,      /* answer STORE_ERR ("injected failure"), nothing changes */
    FAKE_CONFLICT,      /* answer STORE_CONFLICT, nothing changes (put only) */
    FAKE_FOREIGN,       /* another writer puts the rule's bytes first, then the operation runs:
                           a conditional put then loses its race (put only) */
    FAKE_LOST           /* the put is applied, but its answer is lost: STORE_ERR (put only) */
} fakeAction;

/* fakeStoreOpen: an empty in-memory store ("fake://", parallel 32). Close with storeClose.
 * NULL when out of memory. */
store *fakeStoreOpen(void);

/* fakeStoreRule: the nth (1 = the first) "put", "get" or "del" of key (NULL: of any key)
 * from now on does action; FAKE_FOREIGN writes foreign (len bytes, copied). Rules are kept
 * in order; the first that matches an operation is used once. 0 / -1 (too many rules). */
int fakeStoreRule(store *s, const char *op, const char *key, int nth, fakeAction action,
                  const void *foreign, size_t len);

/* fakeStoreLog: every operation so far, one line each, in call order:
 * "put KEY any|absent|match RC", "get KEY RC", "del KEY RC", "list PREFIX RC"; RC is the
 * STORE_* number returned. Valid until the next operation. */
const char *fakeStoreLog(const store *s);

/* fakeStoreLogReset: forget the log (and the operation counts rules match against). */
void fakeStoreLogReset(store *s);

/* fakeStoreSet: put bytes directly, as someone outside the code under test would (not
 * logged, no rule applies). 0 / -1 out of memory. */
int fakeStoreSet(store *s, const char *key, const void *data, size_t len);

/* fakeStoreObject: the bytes of key, or NULL when absent (valid until the next change). */
const buf *fakeStoreObject(const store *s, const char *key);

/* fakeStoreCount: the number of objects. */
size_t fakeStoreCount(const store *s);

#endif
