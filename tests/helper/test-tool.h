/* test-tool.h -- the one test helper binary, `test-tool SUBCOMMAND ARGS...` (git's t/helper
 * model): the shell suites (tests/integration), the benches, the load test and the demo
 * reach the project's C code through it. One test-*.c file per group of subcommands:
 *
 *   test-ident.c     test identities and their events: ident, did, genesis, register,
 *                    register-many, enqueue-dids, sign, events, rawadd
 *   test-check.c     check: every DID folder and manifest of WA_STORE verified
 *   test-queue.c     queue-suite: the queue, lease and journal against a real Redis
 *   test-store.c     store: an object store from the shell, its conformance suite
 *   test-eth.c       eth: the Ethereum primitives (Keccak, EIP-55, signing, type-2 txs, RLP)
 *   test-fixture.c   fixture: published histories the pipeline never makes on purpose
 *   test-seed.c      seed-check: seed's events and logs checked, its DIDs registered
 *   test-insider.c   insider: the red-team insider holding the service's keys
 *   test-p11.c       p11: PKCS#11 keys (SoftHSM2)
 *   test-rcluster.c  rcluster: anchord/queue/rcluster against a Redis (Cluster)
 *   test-proxy.c     faultproxy: the fault-injecting loopback HTTP proxy
 *   test-http.c      httpstatic, slowloris, freeport: small HTTP/TCP helpers
 *   test-loadgen.c   loadgen: POST a JSON Lines file with many requests in flight
 *
 * Each subcommand is `int cmdX(int argc, char **argv)` with argv[0] its own name (as a
 * main() gets its program name). Unless its usage says otherwise it exits 0 ok, 1 a check
 * failed, 2 usage or a setup failure. Test code: it may include anything of the project. */
#ifndef WA_TEST_TOOL_H
#define WA_TEST_TOOL_H
#include <stddef.h>
#include "core/buf.h"
#include "core/edkey.h"
#include "core/err.h"
#include "core/multiformat.h"
#include "didlog/webvh.h"
#include "verifier/event/docevent.h"
#include "anchord/config/config.h"
#include "anchord/queue/queue.h"

/* ---- shared helpers (test-tool.c) ---- */

/* ttDie: "test-tool: WHAT: ERR" on stderr, exit 2 (a setup failure, not a finding). */
_Noreturn void ttDie(const char *what, const char *err);

/* ttArg: the VALUE of the first "KEY=VALUE" among argv[0..argc), or NULL. */
const char *ttArg(int argc, char **argv, const char *key);

/* ttTime: spec "now", "now+SECS", "now-SECS" (the wall clock) or a literal time (copied as
 * given, so a test can send a bad one) into out (RFC3339_MAX bytes); NULL = "now". */
void ttTime(const char *spec, char *out);

/* ttConfig: anchord's settings from the environment (configLoad, WA_CONFIG), loaded on
 * the first call; a bad setting is fatal (ttDie). */
const config *ttConfig(void);

/* ttQueue: a queue on WA_REDIS_URL / WA_STREAM_SHARDS of ttConfig(); fatal when it cannot
 * be opened. The caller closes it. */
queue *ttQueue(void);

/* ---- test identities (test-ident.c) ----
 * One scheme for every test subject n (n >= 0; the fixture's publisher and witness use
 * -1 and -2): its Ed25519 key is seeded by SHA-256("wa-test-subject-<n>") and, for key
 * generation g > 0 (a KeyRotation's new key), SHA-256("wa-test-subject-<n>-<g>"). Its DID
 * is the one of its genesis log under WA_DOMAIN / WA_PREFIX, signed by the publisher key
 * (WA_PUBLISHER_KEY_FILE), with verification method <DID>#key-1 for its key; the
 * genesis versionTime is fixed, so a subject's DID depends only on n, the publisher and
 * witness keys, WA_DOMAIN and WA_PREFIX. */

/* identKey: subject n's key of generation gen (0 = the one its genesis names). */
void identKey(int n, int gen, edKey *k);

/* identGenesis: subject n's genesis entry (one JCS line + "\n") into line and its DID into
 * did. updater >= 0: subject `updater`'s key is the only update key and signs it (a log the
 * service must refuse); mk non-NULL: this string is the assertion key, never decoded.
 * The parsed log; the caller frees it (webvhFree). Fatal on error. */
webvhLog *identGenesis(int n, int updater, const char *mk, buf *line, char did[DOC_DID_MAX]);

/* identDid: subject n's DID. */
void identDid(int n, char did[DOC_DID_MAX]);

/* identRegister: the DID registry record of scid (anchord/queue/didreg.h), as the worker
 * writes it once a genesis log is anchored: did, versionId, one assertion key vm/mk.
 * 0 / -1 + err. */
int identRegister(queue *q, const char *scid, const char *did, const char *versionId, const char *vm,
                  const char *mk, char *err);

/* fixturePublish: `fixture publish DIR EVENTS PUBKEY OUT K` (argv[0] "publish"), in
 * test-seed.c: the first K DIDs of the seed identities DIR get one log entry per event of
 * EVENTS (state.event = the event, signed by the key file PUBKEY), every entry but each
 * log's last goes into one RFC 6962 tree, witness.json per DID + anchors.json are written
 * under OUT (bucket layout); the last entries stay pending (seed_page.sh). */
int fixturePublish(int argc, char **argv);

/* ---- subcommands ---- */
int cmdIdent(int argc, char **argv);
int cmdDid(int argc, char **argv);
int cmdGenesis(int argc, char **argv);
int cmdRegister(int argc, char **argv);
int cmdRegisterMany(int argc, char **argv);
int cmdEnqueueDids(int argc, char **argv);
int cmdSign(int argc, char **argv);
int cmdSignVc(int argc, char **argv);
int cmdEvents(int argc, char **argv);
int cmdRawAdd(int argc, char **argv);
int cmdShard(int argc, char **argv);
int cmdCheck(int argc, char **argv);
int cmdQueueSuite(int argc, char **argv);
int cmdStore(int argc, char **argv);
int cmdEth(int argc, char **argv);
int cmdFixture(int argc, char **argv);
int cmdSeedCheck(int argc, char **argv);
int cmdInsider(int argc, char **argv);
int cmdP11(int argc, char **argv);
int cmdRcluster(int argc, char **argv);
int cmdFaultproxy(int argc, char **argv);
int cmdHttpstatic(int argc, char **argv);
int cmdSlowloris(int argc, char **argv);
int cmdFreeport(int argc, char **argv);
int cmdLoadgen(int argc, char **argv);

#endif
