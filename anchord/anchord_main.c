/* anchord_main.c -- the anchord command: a table of subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/cmd.h"
#include "core/err.h"
#include "core/version.h"

#define EXIT_USAGE 2

typedef struct cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *args;
    const char *help;
    int own;    /* parses its own arguments and --help (else: fixed count from args) */
} cmd;

static const char ethExits[] =
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 configuration or key, 4 RPC unreachable,\n"
    "  5 chain id mismatch, 6 reverted, 7 timed out, 8 verify-root: root does not match.\n";

static const cmd cmds[] = {
    {"run", cmdRun, "[--loop]", "anchor one batch (for cron / a Kubernetes CronJob); --loop keeps going", 1},
    {"serve", cmdServe, "", "the ingest HTTP API (POST /events, POST /dids, GET /health, /metrics)", 1},
    {"submit", cmdSubmit, "[--dids] FILE|-...", "queue signed events from JSON Lines (checks of POST /events), or\n"
        "                                   with --dids genesis did.jsonl files (checks of POST /dids)", 1},
    {"rotate-publisher", cmdRotate, "", "queue the rotation of every DID's updateKeys from\n"
        "                                   WA_PREVIOUS_PUBLISHER_KEY to the publisher key (docs/operations.md)", 1},
    {"deploy", cmdDeploy, "", "deploy WitnessAnchorRegistry with the relayer key (owner and first\n"
        "                                   relayer); prints the contract address", 0},
    {"anchor-root", cmdAnchorRoot, "ROOT", "anchor one 0x-hex 32-byte root (ops/debug); prints the batchId,\n"
        "                                   transaction and block as one JSON line", 0},
    {"roots", cmdRoots, "BATCHID", "print roots(BATCHID) (eth_call)", 0},
    {"verify-root", cmdVerifyRoot, "BATCHID ROOT", "eth_call verify(BATCHID, ROOT): prints true (exit 0)\n"
        "                                   or false (exit 8)", 0},
    {"batch-count", cmdBatchCount, "", "print batchCount() (eth_call)", 0},
    {"resume-tx", cmdResumeTx, "FILE", "follow a raw signed transaction (hex in FILE, e.g. from a journal):\n"
        "                                   rebroadcast, bump if stuck, wait for confirmations", 0},
    {"address", cmdAddress, "", "print the relayer address (the key itself is never printed)", 0},
    {"token-keygen", cmdTokenKeygen, "KIND URI", "generate an ed25519 or secp256k1 key pair inside a PKCS#11\n"
        "                                   token (docs/hsm.md); prints its public key or address", 1},
    {"config", cmdConfig, "", "check the configuration and print the effective settings (exit 3 names\n"
        "                                   the first bad one); secrets only as set / not set", 0},
};
#define NCMDS (sizeof cmds / sizeof *cmds)

/* nargs: the fixed argument count of a usage string ("BATCHID ROOT" = 2). */
static int nargs(const char *args) {
    int n = 0;
    for (const char *p = args; *p; p++) if (*p != ' ' && (p == args || p[-1] == ' ')) n++;
    return n;
}

static void usage(FILE *f) {
    fprintf(f, "usage: anchord [--config FILE] COMMAND [ARGS]   (anchord COMMAND --help for one command)\n"
               "       anchord --version\n\n"
               "Commands:\n");
    for (size_t i = 0; i < NCMDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", cmds[i].name, cmds[i].args);
        fprintf(f, "  %-30s %s\n", head, cmds[i].help);
    }
    fprintf(f, "\n");
    configHelp(f);
    fprintf(f, "\nrun: exit 0 done or nothing to do, 1 batch failed (the next run resumes it), 2 usage, 3 configuration.\n"
               "serve: exit 0 clean shutdown, 1 start-up error, 2 usage.\n"
               "submit: exit 0 all queued, 1 some rejected, 2 usage/config/file error, 3 Redis unavailable.\n"
               "Chain commands: %s", ethExits);
}

/* takeConfig: remove "--config FILE" / "--config=FILE" from argv and pass the
 * path on as WA_CONFIG (what configLoad reads), so every command takes it. */
static int takeConfig(int *argc, char **argv) {
    for (int i = 1; i < *argc; i++) {
        const char *path = NULL;
        int n = 0;
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= *argc) { fprintf(stderr, "anchord: --config needs a FILE\n"); return -1; }
            path = argv[i + 1], n = 2;
        } else if (!strncmp(argv[i], "--config=", 9)) path = argv[i] + 9, n = 1;
        else continue;
        if (setenv("WA_CONFIG", path, 1) < 0) return -1;
        memmove(argv + i, argv + i + n, (size_t)(*argc - i - n + 1) * sizeof *argv);
        *argc -= n;
        i--;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (takeConfig(&argc, argv) < 0) return EXIT_USAGE;
    if (argc == 2 && !strcmp(argv[1], "--version")) { printf("anchord %s\n", waVersion()); return 0; }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < NCMDS; i++) {
        if (strcmp(argv[1], cmds[i].name)) continue;
        int n = nargs(cmds[i].args);
        if (cmds[i].own) return cmds[i].fn(argc - 1, argv + 1);
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            printf("usage: anchord [--config FILE] %s %s\n  %s\n  Settings: WA_RPC_URLS, WA_CHAIN_ID, WA_CONTRACT, WA_RELAYER_KEY_FILE and\n"
                   "  the other chain settings of anchord --help.\n%s", cmds[i].name, cmds[i].args, cmds[i].help, ethExits);
            return 0;
        }
        if (argc - 2 != n) {
            fprintf(stderr, "usage: anchord %s %s\n", cmds[i].name, cmds[i].args);
            return EXIT_USAGE;
        }
        return cmds[i].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "anchord: unknown command '%.40s' (anchord --help lists them)\n", argv[1]);
    return EXIT_USAGE;
}
