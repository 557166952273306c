// azurite-blob.cjs -- test tooling: Azurite's blob service (npm azurite, the same arguments
// as its azurite-blob command) with its extent garbage collector run once a week instead of
// every 10 minutes. Why: Azurite 3.35.0 deletes each unreferenced extent with a LokiJS
// findAndRemove that rebuilds every index of the extents collection, so one sweep costs
// O(garbage x extents x log extents) and blocks Node's event loop: after the demo's event
// batch overwrote ~9,000 blobs the server answered nothing for more than 10 minutes (stack:
// Collection.ensureAllIndexes <- findAndRemove <- LokiExtentMetadataStore.deleteExtent <-
// MemoryExtentStore.deleteExtents). Without the sweep, overwritten and deleted blobs' bytes
// stay in memory until Azurite stops: fine for tests, the bench and the demo.
// Used by tests/svc/azurite.sh; never part of the product.
const constants = require("azurite/dist/src/blob/utils/constants");
constants.DEFAULT_GC_INTERVAL_MS = 7 * 24 * 3600 * 1000;
require("azurite/dist/src/blob/main");
