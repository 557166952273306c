/* cmd.h -- anchord subcommands as functions, so anchord_main.c only dispatches.
 * Each takes argv as seen after "anchord" (argv[0] is the subcommand name)
 * and returns the process exit code. */
#ifndef WA_CMD_H
#define WA_CMD_H
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"

/* cmdServe: `anchord serve [--config FILE]` -- the ingest API until SIGTERM.
 * Exit 0 clean shutdown, 1 start-up error (bad setting, cannot listen), 2 usage. */
int cmdServe(int argc, char **argv);

/* serveRun: the server itself with a loaded config and the genesis-log
 * verifier to use for POST /dids (NULL: shape check only). */
int serveRun(const config *cfg, genesisCheckFn genesisCheck, void *genesisCtx);

/* cmdSubmit: `anchord submit [--config FILE] FILE|-` -- queue signed events
 * from JSON Lines with the checks of POST /events; one JSON result per line.
 * Exit 0 all queued, 1 some rejected, 2 usage/config/file error, 3 Redis unavailable. */
int cmdSubmit(int argc, char **argv);

/* cmdRun: `anchord run [--config FILE] [--loop]` -- take the lease, resume an
 * unfinished batch or claim a new one, anchor it and publish it (DESIGN.md §1).
 * Exit 0 done or nothing to do, 1 batch failed (the next run resumes it), 2 usage,
 * 3 configuration. */
int cmdRun(int argc, char **argv);

/* cmdRotate: `anchord rotate-publisher [--config FILE]` -- queue, for every registered
 * DID, the entry rotating its updateKeys from WA_PREVIOUS_PUBLISHER_KEY to the publisher
 * key. Exit 0, 2 usage, 3 configuration or Redis unavailable. */
int cmdRotate(int argc, char **argv);

/* cmdTokenKeygen: `anchord token-keygen ed25519|secp256k1 URI` -- a key pair generated
 * in a PKCS#11 token (anchord/keys/pkcs11.h). Exit 0, 2 usage, 3 token/PIN/key refused. */
int cmdTokenKeygen(int argc, char **argv);

/* The chain subcommands (anchord/cmd_chain.c, docs/eth.md), each with argv after the
 * command name (a fixed count, checked by anchord_main.c). Exit 0 ok, 1 failure, 2 usage,
 * 3 configuration or key, 4 RPC unreachable, 5 chain id mismatch, 6 reverted,
 * 7 timed out; verify-root 8 when the root does not match. */
int cmdDeploy(int argc, char **argv);       /* deploy: prints the contract address */
int cmdAnchorRoot(int argc, char **argv);   /* anchor-root ROOT: one JSON line */
int cmdRoots(int argc, char **argv);        /* roots BATCHID */
int cmdVerifyRoot(int argc, char **argv);   /* verify-root BATCHID ROOT: true / false */
int cmdBatchCount(int argc, char **argv);   /* batch-count */
int cmdResumeTx(int argc, char **argv);     /* resume-tx FILE: follow a raw transaction */
int cmdAddress(int argc, char **argv);      /* address: the relayer address */
int cmdConfig(int argc, char **argv);       /* config: the effective settings */

#endif
