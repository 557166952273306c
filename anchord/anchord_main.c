/* anchord_main.c -- the anchord command: a table of subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/cmd.h"
#include "core/err.h"
#include "core/version.h"

typedef struct cmd {
    const char *name;
    int (*fn)(const cmdCtx *c, int argc, char **argv);
    const char *args;
    const char *help;
    int own;    /* parses its own arguments and --help (else: a fixed count from args, parsed here) */
} cmd;

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
        "                                   or false (exit 1)", 0},
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
    fprintf(f, "\n");
    exitHelp(f, EXIT_ANCHORD);
}

/* fixedArgs: the arguments of a command that takes a fixed count (its args string) and
 * --config: checked here, then the command runs with them alone. */
static int fixedArgs(const cmd *k, cmdCtx *ctx, int argc, char **argv) {
    static const optSpec spec[] = {{"config", OPT_VALUE}, {NULL, 0}};
    optArgs a;
    char err[ERR_MAX], prog[64];
    snprintf(prog, sizeof prog, "anchord %s", k->name);
    if (optParse(argc, argv, 1, spec, OPT_POS_ANY, 0, &a, err) < 0) return optUsageError(prog, err);
    if (a.help) {
        printf("usage: anchord [--config FILE] %s %s\n  %s\n  Settings: WA_RPC_URLS, WA_CHAIN_ID, WA_CONTRACT, WA_RELAYER_KEY_FILE and\n"
               "  the other chain settings of anchord --help.\n\n", k->name, k->args, k->help);
        exitHelp(stdout, EXIT_ANCHORD);
        return EXIT_OK;
    }
    if (a.npos != nargs(k->args)) {
        snprintf(err, sizeof err, "usage: anchord %s %s", k->name, k->args);
        return optUsageError(prog, err);
    }
    ctx->configPath = cmdConfigPath(ctx, &a);
    return k->fn(ctx, a.npos, a.pos);
}

int main(int argc, char **argv) {
    static const optSpec global[] = {{"config", OPT_VALUE}, {"version", OPT_FLAG}, {NULL, 0}};
    optArgs g;
    char err[ERR_MAX];
    if (optParse(argc, argv, 1, global, 0, OPT_STOP, &g, err) < 0) return optUsageError("anchord", err);
    if (optGet(&g, "version")) {
        if (g.next < argc) return optUsageError("anchord", "--version takes no command");
        printf("anchord %s\n", waVersion());
        return EXIT_OK;
    }
    if (g.help || (g.next < argc && !strcmp(argv[g.next], "help"))) { usage(stdout); return EXIT_OK; }
    if (g.next >= argc) { usage(stderr); return EXIT_USAGE; }
    cmdCtx ctx = {optGet(&g, "config")};
    int n = argc - g.next;
    char **av = argv + g.next;
    for (size_t i = 0; i < NCMDS; i++) {
        if (strcmp(av[0], cmds[i].name)) continue;
        return cmds[i].own ? cmds[i].fn(&ctx, n, av) : fixedArgs(&cmds[i], &ctx, n, av);
    }
    fprintf(stderr, "anchord: unknown command \"%.40s\" (anchord --help lists them)\n", av[0]);
    return EXIT_USAGE;
}
