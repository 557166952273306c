/* test_batch_group.c -- batchGroup (anchord/pipeline/group.c): how a batch's claimed
 * stream entries become one work per DID (docs/pipeline.md, "Build": genesis
 * registrations first in stream order, then DIDs in order of their first event; each
 * DID's events in stream order; entries that name no valid DID are dead letters
 * ("malformed"), a second registration of a DID in one batch is refused). No I/O: the
 * entries are built in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "anchord/queue/queue_impl.h"
#include "anchord/pipeline/batch.h"
#include "tests/unit/t.h"

/* scidOf: a valid SCID ("Qm" + 44 base58 characters) for number i. */
static void scidOf(unsigned i, char out[47]) {
    static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    memcpy(out, "Qm", 2);
    for (int k = 45; k >= 2; k--) { out[k] = b58[i % 58]; i /= 58; }
    out[46] = 0;
}

/* add: one stream entry (NULL field = missing, as queueEntryComplete leaves it: ""). */
static void add(queueEntries *es, const char *sid, const char *scid, const char *id, const char *did,
                const char *body) {
    queueEntry *e = queueEntriesAdd(es, sid);
    if (!e) { fprintf(stderr, "out of memory\n"); exit(1); }
    e->scid = scid ? strdup(scid) : NULL;
    e->id = id ? strdup(id) : NULL;
    e->did = did ? strdup(did) : NULL;
    e->payload = body ? strdup(body) : NULL;
    e->len = body ? strlen(body) : 0;
    if (queueEntryComplete(e) < 0) { fprintf(stderr, "out of memory\n"); exit(1); }
}

static char scids[8][47], dids[8][128];

static void names(void) {
    for (unsigned i = 0; i < 8; i++) {
        scidOf(1000 + i, scids[i]);
        snprintf(dids[i], sizeof dids[i], "did:webvh:%s:example.com", scids[i]);
    }
}

/* testOrder: genesis registrations first, then DIDs by their first event. */
static void testOrder(void) {
    batch b = {0};
    char err[ERR_MAX] = "";
    add(&b.dids, "1-0", scids[0], "genesis", dids[0], "{\"g\":0}");
    add(&b.dids, "2-0", scids[1], "genesis", dids[1], "{\"g\":1}");
    add(&b.events, "3-0", scids[2], "z1", dids[2], "{\"e\":1}");
    add(&b.events, "4-0", scids[0], "x1", dids[0], "{\"e\":2}");
    add(&b.events, "5-0", scids[2], "z2", dids[2], "{\"e\":3}");
    add(&b.events, "6-0", scids[3], "w1", dids[3], "{\"e\":4}");
    T_CHECK(batchGroup(&b, err) == 0, "group: %s", err);
    T_CHECK(b.nw == 4 && b.njunk == 0, "4 works, no junk (%zu, %zu)", b.nw, b.njunk);
    if (b.nw == 4) {
        T_CHECK(!strcmp(b.w[0].scid, scids[0]) && !strcmp(b.w[1].scid, scids[1]) && !strcmp(b.w[2].scid, scids[2]) &&
                !strcmp(b.w[3].scid, scids[3]), "genesis DIDs first (stream order), then by first event");
        T_CHECK(b.w[0].isNew && b.w[0].genesis == &b.dids.e[0] && b.w[0].nev == 1 && b.w[0].ev[0] == &b.events.e[1],
                "a registration with its event in the same batch");
        T_CHECK(b.w[1].isNew && b.w[1].genesis == &b.dids.e[1] && b.w[1].nev == 0, "a registration alone");
        T_CHECK(!b.w[2].isNew && !b.w[2].genesis && b.w[2].nev == 2 && b.w[2].ev[0] == &b.events.e[0] &&
                b.w[2].ev[1] == &b.events.e[2], "events of one DID in stream order");
        T_CHECK(!strcmp(b.w[0].did, dids[0]) && !strcmp(b.w[2].did, dids[2]), "the DID from its genesis or first event");
        int leaves = 1;
        for (size_t i = 0; i < b.nw; i++) leaves &= b.w[i].maxLeaves == 6 && b.w[i].nrej == 0;
        T_CHECK(leaves, "maxLeaves = every claimed entry (the anchor proof's bound)");
    }
    batchFree(&b);
    T_CHECK(b.nw == 0 && !b.w && !b.dids.e, "batchFree");
}

/* testJunk: entries that name no valid DID are dead letters without a work. */
static void testJunk(void) {
    batch b = {0};
    char err[ERR_MAX] = "";
    add(&b.dids, "1-0", "QmNotAScid", "genesis", "did:webvh:x:example.com", "{}");
    add(&b.dids, "2-0", scids[0], "genesis", dids[0], NULL);
    add(&b.events, "3-0", scids[1], NULL, dids[1], "{}");
    add(&b.events, "4-0", NULL, "e1", dids[1], "{}");
    add(&b.events, "5-0", scids[1], "e2", NULL, "{}");
    add(&b.events, "6-0", "Qm0000000000000000000000000000000000000000000O", "e3", dids[1], "{}");
    add(&b.events, "7-0", scids[1], "e4", dids[1], "{}");
    T_CHECK(batchGroup(&b, err) == 0, "group: %s", err);
    T_CHECK(b.njunk == 6 && b.nw == 1 && b.w[0].nev == 1 && b.w[0].ev[0] == &b.events.e[4],
            "six dead letters, the good entry grouped (%zu junk, %zu works)", b.njunk, b.nw);
    int ok = b.njunk == 6;
    for (size_t i = 0; ok && i < b.njunk; i++) ok = !strncmp(b.junk[i].reason, "malformed: ", 11);
    T_CHECK(ok, "each refused as malformed");
    T_CHECK(b.njunk == 6 && b.junk[0].genesis && b.junk[1].genesis && !b.junk[2].genesis &&
            b.junk[0].e == &b.dids.e[0] && b.junk[2].e == &b.events.e[0] && b.junk[5].e == &b.events.e[3],
            "junk in stream order, genesis junk marked for the dids stream");
    batchFree(&b);
}

/* testDuplicate: a second registration of a DID in one batch is refused; the first stays. */
static void testDuplicate(void) {
    batch b = {0};
    char err[ERR_MAX] = "";
    add(&b.dids, "1-0", scids[0], "genesis", dids[0], "{\"g\":1}");
    add(&b.dids, "2-0", scids[0], "genesis", dids[0], "{\"g\":2}");
    add(&b.events, "3-0", scids[0], "e1", dids[0], "{}");
    T_CHECK(batchGroup(&b, err) == 0, "group: %s", err);
    T_CHECK(b.nw == 1 && b.w[0].genesis == &b.dids.e[0] && b.w[0].nrej == 1 && b.w[0].rej[0].e == &b.dids.e[1] &&
            b.w[0].rej[0].genesis && b.w[0].nev == 1, "one work, the second registration rejected");
    T_CHECK(b.nw == 1 && b.w[0].nrej == 1 && strstr(b.w[0].rej[0].reason, "duplicate registration"), "its reason: %s",
            b.nw ? b.w[0].rej[0].reason : "");
    batchFree(&b);
}

/* testMany: 10,000 events over 1,000 DIDs, interleaved. */
static void testMany(void) {
    batch b = {0};
    char err[ERR_MAX] = "", scid[47], sid[32], id[16], did[128];
    for (unsigned i = 0; i < 10000; i++) {
        scidOf(i % 1000, scid);
        snprintf(sid, sizeof sid, "%u-0", i + 1);
        snprintf(id, sizeof id, "e%u", i);
        snprintf(did, sizeof did, "did:webvh:%s:example.com", scid);
        add(&b.events, sid, scid, id, did, "{}");
    }
    T_CHECK(batchGroup(&b, err) == 0, "group: %s", err);
    int ok = b.nw == 1000;
    for (size_t i = 0; ok && i < b.nw; i++) {
        scidOf((unsigned)i, scid);
        ok = !strcmp(b.w[i].scid, scid) && b.w[i].nev == 10 && b.w[i].maxLeaves == 10000;
        for (size_t k = 0; ok && k < 10; k++) ok = b.w[i].ev[k] == &b.events.e[k * 1000 + i];
    }
    T_CHECK(ok, "1,000 works of 10 events each, in order of first event, events in stream order");
    batchFree(&b);
}

static void testEmpty(void) {
    batch b = {0};
    char err[ERR_MAX] = "";
    T_CHECK(batchGroup(&b, err) == 0 && b.nw == 0 && b.njunk == 0, "an empty batch groups to nothing");
    batchFree(&b);
}

int main(void) {
    names();
    testOrder();
    testJunk();
    testDuplicate();
    testMany();
    testEmpty();
    return T_DONE();
}
