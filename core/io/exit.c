/* exit.c -- the exit-code table (exit.h) and its --help lines. */
#include "core/io/exit.h"

/* The wording is the README's "Exit codes" table. */
static const char *const meaning[EXIT_COUNT] = {
    [EXIT_OK] = "success: done, valid, every version anchored, nothing to do",
    [EXIT_FAIL] = "the answer is no, or the work failed: invalid, rejected, not found, root does\n"
                  "      not match, a batch failed or was interrupted (the next run resumes it)",
    [EXIT_USAGE] = "usage: a bad command line",
    [EXIT_CONFIG] = "configuration: a setting, key or named file cannot be used (read, parsed,\n"
                    "      written), or the store refuses the settings",
    [EXIT_UNAVAILABLE] = "unavailable: a service could not be reached (Redis, Ethereum RPC, the store,\n"
                         "      an HTTP(S) URL); try again later",
    [EXIT_CHAIN] = "wrong chain: the RPC node is on another chain than WA_CHAIN_ID / --chain-id\n"
                   "      (nothing was signed)",
    [EXIT_REVERTED] = "reverted: the contract call or the anchor transaction reverted",
    [EXIT_TIMEOUT] = "timed out: not mined and confirmed within WA_TX_TIMEOUT_SECONDS (the\n"
                     "      transaction may still mine)",
    [EXIT_PENDING] = "pending: valid so far, the newest versions are not anchored yet",
    [EXIT_STALE] = "stale: consistent, but the chain knows a later version than the one served",
};

const char *exitMeaning(int code) {
    return code >= 0 && code < EXIT_COUNT ? meaning[code] : NULL;
}

void exitHelp(FILE *f, unsigned mask) {
    fprintf(f, "Exit codes:\n");
    for (int c = 0; c < EXIT_COUNT; c++)
        if (mask & EXIT_BIT(c)) fprintf(f, "  %d   %s\n", c, meaning[c]);
}
