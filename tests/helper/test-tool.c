/* test-tool.c -- `test-tool SUBCOMMAND ARGS...`: the dispatch table and the helpers every
 * subcommand shares (tests/helper/test-tool.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/rfc3339.h"
#include "core/io/clock.h"
#include "tests/helper/test-tool.h"

typedef struct ttCmd {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} ttCmd;

static const ttCmd cmds[] = {
    {"ident", "N", "\"SCID DID VM MULTIKEY\" of test subject N", cmdIdent},
    {"did", "N", "the DID of test subject N", cmdDid},
    {"genesis", "N [updater=M] [mk=MULTIKEY]", "subject N's genesis did.jsonl line", cmdGenesis},
    {"register", "N [DID]", "put subject N (or DID, with N's key) into the DID registry", cmdRegister},
    {"register-many", "N", "register subjects 1..N", cmdRegisterMany},
    {"enqueue-dids", "FROM TO", "queue the genesis logs of subjects [FROM,TO) on the \"dids\" stream", cmdEnqueueDids},
    {"sign", "N ID [KEY=VALUE...]", "one signed event of subject N (options: test-ident.c)", cmdSign},
    {"sign-vc", "N UUID [KEY=VALUE...]", "one signed credential-form event of subject N (options: test-ident.c)", cmdSignVc},
    {"events", "FROM TO COUNT PREFIX", "COUNT signed events round-robin over subjects [FROM,TO)", cmdEvents},
    {"rawadd", "N LINE", "XADD an event line to subject N's stream, bypassing ingest", cmdRawAdd},
    {"shard", "SCID|-", "the stream shard N of a SCID (its keys' hash tag {sN}, WA_STREAM_SHARDS); -: of each line of stdin", cmdShard},
    {"check", "", "verify every DID folder and manifest in WA_STORE", cmdCheck},
    {"queue-suite", "", "queue, lease and journal checks against WA_REDIS_URL", cmdQueueSuite},
    {"store", "[-u URL] COMMAND [ARGS]", "an object store from the shell (test-tool store --help)", cmdStore},
    {"eth", "COMMAND ARGS", "Ethereum primitives: keccak address sign-hash mktx decode-tx create-address rlp-check", cmdEth},
    {"fixture", "build|append|publish ARGS", "published histories for didverify's tests and bench", cmdFixture},
    {"seed-check", "register|events|logs DIR [ARGS]", "seed's identities, events and logs", cmdSeedCheck},
    {"insider", "create|append|anchor ARGS", "the red-team insider with the service's keys", cmdInsider},
    {"p11", "COMMAND ARGS", "PKCS#11 keys: pkcs8-ed pkcs8-k1 sign-ed public open generate threads", cmdP11},
    {"rcluster", "repl|writer|verify URL ARGS", "anchord/queue/rcluster against a Redis (Cluster)", cmdRcluster},
    {"faultproxy", "LISTEN_PORT UPSTREAM_PORT [RULES]", "fault-injecting loopback HTTP proxy", cmdFaultproxy},
    {"httpstatic", "ROOT PORT [MISSING-STATUS]", "static file server on 127.0.0.1", cmdHttpstatic},
    {"slowloris", "PORT N SECS idle|trickle", "hold N slow connections to 127.0.0.1:PORT", cmdSlowloris},
    {"freeport", "", "a free TCP port on 127.0.0.1", cmdFreeport},
    {"loadgen", "URL FILE CONNS", "POST every line of FILE with CONNS requests in flight", cmdLoadgen},
};

static void usage(FILE *f) {
    fprintf(f, "usage: test-tool SUBCOMMAND [ARGS...]   (the test helper: tests/helper/test-tool.h)\n");
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        fprintf(f, "  %-13s %-36s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
    fprintf(f, "Exit: 0 ok, 1 a check failed, 2 usage or setup (store, p11: their own codes, see their usage).\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].run(argc - 1, argv + 1);
    fprintf(stderr, "test-tool: unknown subcommand %s\n", argv[1]);
    usage(stderr);
    return 2;
}

void ttDie(const char *what, const char *err) {
    fprintf(stderr, "test-tool: %s: %s\n", what, err);
    exit(2);
}

const char *ttArg(int argc, char **argv, const char *key) {
    size_t n = strlen(key);
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=') return argv[i] + n + 1;
    return NULL;
}

void ttTime(const char *spec, char *out) {
    if (spec && strncmp(spec, "now", 3)) {
        snprintf(out, RFC3339_MAX, "%s", spec);
        return;
    }
    rfc3339Format(clockWallMs() / 1000 + (spec ? atoll(spec + 3) : 0), out);
}

const config *ttConfig(void) {
    static config cfg;
    static int loaded;
    char err[ERR_MAX];
    if (!loaded && configLoad(&cfg, NULL, err) < 0) ttDie("config", err);
    loaded = 1;
    return &cfg;
}

queue *ttQueue(void) {
    const config *c = ttConfig();
    char err[ERR_MAX];
    queue *q = queueOpen(c->redisUrl, (int)c->streamShards, 5000, err);
    if (!q) ttDie("redis", err);
    return q;
}
