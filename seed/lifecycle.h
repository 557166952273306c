/* lifecycle.h -- `seed simulate-lifecycle`: the dpp profile's events, Manufacture -> Assemble -> Install.
 *
 * Per group (window n with its glass pane and frame), in lifecycle order:
 *   glassPane, frame: Manufactured, QualityChecked, Shipped (to the window plant),
 *                     Assembled (into the window: its DID and serial)
 *   window:           Assembled (glass pane and frame DIDs), QualityChecked, Shipped,
 *                     Installed (site, GPS, installer); one in ten also Inspected later
 * 12 events per group (+10% inspections): 12,1xx for the default 1,000 windows.
 * All times fall in (genesis time, genesis time + span]. */
#ifndef WA_SEED_LIFECYCLE_H
#define WA_SEED_LIFECYCLE_H
#include "seed/events.h"
#include "seed/meta.h"

/* lifecycleDrafts: the drafts of every group of ix (profile dpp) into l. 0 / -1 + err. */
int lifecycleDrafts(const seedIndex *ix, long long spanSeconds, evList *l, char *err);

#endif
