/* product.h -- the product data of every generated identity, by profile and kind.
 *
 * Profiles: "dpp" (a window unit with its glass pane and frame: kinds window,
 * glassPane, frame, the rollout plan's §3.1 hierarchy) and "iot" (an EV battery
 * and a greenhouse sensor per group: kinds evBattery, greenhouseSensor).
 * Everything is derived from (seed, group number), never from order or clock. */
#ifndef WA_SEED_PRODUCT_H
#define WA_SEED_PRODUCT_H
#include <stdint.h>
#include <jansson.h>

#define PRODUCT_KINDS_MAX 3

typedef struct productProfile {
    const char *name;                       /* "dpp", "iot" */
    int nkinds;
    const char *kinds[PRODUCT_KINDS_MAX];   /* kind 0 first */
    int partsOfFirst;                       /* kinds 1.. are parts of kind 0 (linked 1:1) */
    int defaultCount;                       /* groups when --count-per-kind is not given */
} productProfile;

/* productProfileByName: the profile called name, or NULL. */
const productProfile *productProfileByName(const char *name);

/* productGroup: the product objects of group n (0-based), one per kind of the
 * profile, in kind order (new references in out[]). 0 / -1 (out of memory). */
int productGroup(const productProfile *p, uint64_t seed, long long n, json_t *out[PRODUCT_KINDS_MAX]);

#endif
