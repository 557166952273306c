/* cmd.h -- anchord subcommands as functions, so anchord_main.c only dispatches.
 * Each takes the options given before the command (cmdCtx) and argv as seen after
 * "anchord" (argv[0] is the subcommand name), and returns the process exit code
 * (core/io/exit.h). */
#ifndef WA_CMD_H
#define WA_CMD_H
#include "core/io/exit.h"
#include "core/io/opt.h"
#include "anchord/chain/eth.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"

/* exitOfEth: the exit code (core/io/exit.h) of a chain result (anchord/chain/eth.h,
 * verifier/chain/chain.h): 0, or -CHAIN_E*, whose numbers are the exit table's (checked
 * here at compile time). */
_Static_assert((int)CHAIN_EFAIL == EXIT_FAIL && (int)CHAIN_ECONFIG == EXIT_CONFIG && (int)CHAIN_EDOWN == EXIT_UNAVAILABLE &&
               (int)CHAIN_ECHAIN == EXIT_CHAIN && (int)CHAIN_EREVERT == EXIT_REVERTED && (int)CHAIN_ETIMEOUT == EXIT_TIMEOUT,
               "chain result codes are the exit codes");
static inline int exitOfEth(int rc) { return rc < 0 ? -rc : rc; }

/* cmdCtx: what `anchord [--config FILE] COMMAND` gives every command. */
typedef struct cmdCtx {
    const char *configPath;          /* --config before the command, or NULL ($WA_CONFIG) */
} cmdCtx;

/* cmdConfigPath: the configuration file of a command: its own --config (a, parsed with
 * {"config", OPT_VALUE} in its spec), else the one before the command, else NULL
 * (configLoad then reads $WA_CONFIG). The one place --config is decided. */
static inline const char *cmdConfigPath(const cmdCtx *c, const optArgs *a) {
    const char *p = a ? optGet(a, "config") : NULL;
    return p ? p : c->configPath;
}

/* cmdServe: `anchord serve [--config FILE]` -- the ingest API until SIGTERM.
 * Exit 0 clean shutdown, 1 cannot start (cannot listen), 2 usage, 3 configuration. */
int cmdServe(const cmdCtx *c, int argc, char **argv);

/* cmdSubmit: `anchord submit [--config FILE] FILE|-` -- queue signed events
 * from JSON Lines with the checks of POST /events; one JSON result per line.
 * Exit 0 all queued, 1 some rejected, 2 usage, 3 configuration or an unreadable file,
 * 4 Redis unavailable. */
int cmdSubmit(const cmdCtx *c, int argc, char **argv);

/* cmdRun: `anchord run [--config FILE] [--loop]` -- take the lease, resume an
 * unfinished batch or claim a new one, anchor it and publish it (DESIGN.md §1).
 * Exit 0 done or nothing to do, 1 batch failed (the next run resumes it), 2 usage,
 * 3 configuration, key or store refused, 4 Redis or the RPC unreachable, 5 wrong chain. */
int cmdRun(const cmdCtx *c, int argc, char **argv);

/* cmdRotate: `anchord rotate-publisher [--config FILE]` -- queue, for every registered
 * DID, the entry rotating its updateKeys from WA_PREVIOUS_PUBLISHER_KEY to the publisher
 * key. Exit 0, 2 usage, 3 configuration or keys, 4 Redis unavailable. */
int cmdRotate(const cmdCtx *c, int argc, char **argv);

/* cmdTokenKeygen: `anchord token-keygen ed25519|secp256k1 URI` -- a key pair generated
 * in a PKCS#11 token (anchord/keys/pkcs11.h). Exit 0, 2 usage, 3 token/PIN/key refused. */
int cmdTokenKeygen(const cmdCtx *c, int argc, char **argv);

/* The chain subcommands (anchord/cmd_chain.c, docs/eth.md), each with its arguments
 * only (argv[0] is the first; a fixed count, checked by anchord_main.c, which also takes
 * the command's --config into c). Exit 0 ok, 1 failure (verify-root: the root does not
 * match), 2 usage, 3 configuration or key, 4 RPC unreachable, 5 chain id mismatch,
 * 6 reverted, 7 timed out. */
int cmdDeploy(const cmdCtx *c, int argc, char **argv);       /* deploy: prints the contract address */
int cmdAnchorRoot(const cmdCtx *c, int argc, char **argv);   /* anchor-root ROOT: one JSON line */
int cmdRoots(const cmdCtx *c, int argc, char **argv);        /* roots BATCHID */
int cmdVerifyRoot(const cmdCtx *c, int argc, char **argv);   /* verify-root BATCHID ROOT: true / false */
int cmdBatchCount(const cmdCtx *c, int argc, char **argv);   /* batch-count */
int cmdResumeTx(const cmdCtx *c, int argc, char **argv);     /* resume-tx FILE: follow a raw transaction */
int cmdAddress(const cmdCtx *c, int argc, char **argv);      /* address: the relayer address */
int cmdConfig(const cmdCtx *c, int argc, char **argv);       /* config: the effective settings */

#endif
