/* exit.h -- the exit codes of anchord, didlog, didverify and seed: one table.
 *
 * A code means the same thing in every program; each program (and each command)
 * uses the codes its --help lists (exitHelp prints them from this table, and the
 * README's "Exit codes" table is the same list). Scripts, cron, systemd and
 * Kubernetes need only "zero or not"; the numbers say why, for an operator and for
 * scripts that retry (4 and 7 are worth retrying as they are, 1 and 3 are not). */
#ifndef WA_EXIT_H
#define WA_EXIT_H
#include <stdio.h>

enum {
    EXIT_OK = 0,          /* success: done, valid, every version anchored, nothing to do */
    EXIT_FAIL = 1,        /* the answer is no, or the work failed (invalid, rejected, not found) */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_CONFIG = 3,      /* a setting, key or named file cannot be used */
    EXIT_UNAVAILABLE = 4, /* a service (Redis, RPC, store, HTTP(S) URL) could not be reached */
    EXIT_CHAIN = 5,       /* the RPC node is on another chain than the one configured */
    EXIT_REVERTED = 6,    /* the contract call or the anchor transaction reverted */
    EXIT_TIMEOUT = 7,     /* not mined / confirmed in time (the transaction may still mine) */
    EXIT_PENDING = 8,     /* didverify: valid so far, the newest versions not anchored yet */
    EXIT_STALE = 9,       /* didverify: consistent, but the chain knows a later version */
    EXIT_COUNT
};

#define EXIT_BIT(c) (1u << (c))
/* The codes each program can return (its --help lists them). */
#define EXIT_ANCHORD   (EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) | \
                        EXIT_BIT(EXIT_UNAVAILABLE) | EXIT_BIT(EXIT_CHAIN) | EXIT_BIT(EXIT_REVERTED) | EXIT_BIT(EXIT_TIMEOUT))
#define EXIT_DIDLOG    (EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) | \
                        EXIT_BIT(EXIT_UNAVAILABLE))
#define EXIT_DIDVERIFY (EXIT_BIT(EXIT_OK) | EXIT_BIT(EXIT_FAIL) | EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_CONFIG) | \
                        EXIT_BIT(EXIT_UNAVAILABLE) | EXIT_BIT(EXIT_CHAIN) | EXIT_BIT(EXIT_PENDING) | EXIT_BIT(EXIT_STALE))
#define EXIT_SEED      EXIT_DIDLOG

/* exitMeaning: one line saying what code means (the table's wording), or NULL for a
 * code outside the table. */
const char *exitMeaning(int code);

/* exitHelp: "Exit codes:" and one line "  N  meaning" per code whose bit is in mask
 * (EXIT_BIT(code), or a program's EXIT_<PROGRAM>), in order, to f. */
void exitHelp(FILE *f, unsigned mask);

#endif
