/* test_opt.c -- core/io/opt: the one command-line parser of the four programs (the rules in
 * opt.h: --name VALUE, --name=VALUE, flags, repeatable options, -h/--help anywhere, "--",
 * "-" as a positional, global options before a command with OPT_STOP). */
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "core/err.h"
#include "core/io/exit.h"
#include "core/io/opt.h"

static const optSpec spec[] = {{"out", OPT_VALUE}, {"json", OPT_FLAG}, {"key", OPT_MULTI}, {NULL, 0}};

/* parse: optParse of the NULL-terminated words (argv[0] = "cmd"); its return value. */
static int parse(optArgs *a, char *err, int maxPos, int flags, const char **words) {
    static char *argv[32];   /* a.pos points into it after the call */
    argv[0] = "cmd";
    int argc = 1;
    while (words[argc - 1]) argv[argc] = (char *)words[argc - 1], argc++;
    err[0] = 0;
    return optParse(argc, argv, 1, spec, maxPos, flags, a, err);
}
#define P(maxPos, flags, ...) parse(&a, err, maxPos, flags, (const char *[]){__VA_ARGS__, NULL})

static int ran;
static int runA(int argc, char **argv) { ran = argc; return !strcmp(argv[0], "alpha") ? 7 : 99; }
static void usage(FILE *f) { fputs("usage: prog\n", f); }

int main(void) {
    optArgs a;
    char err[ERR_MAX];
    const char *v[8];

    T_CHECK(P(2, 0, "--out", "x.json", "pos1", "--json", "pos2") == 0 && a.npos == 2 && !strcmp(a.pos[1], "pos2") &&
            !strcmp(optGet(&a, "out"), "x.json") && !strcmp(optGet(&a, "json"), "") && !optGet(&a, "key"),
            "values, flags and positionals in any order: %s", err);
    T_CHECK(P(0, 0, "--out=a=b") == 0 && !strcmp(optGet(&a, "out"), "a=b"), "--name=VALUE keeps the rest: %s", err);
    T_CHECK(P(0, 0, "--out=") == 0 && !strcmp(optGet(&a, "out"), ""), "--name= is an empty value");
    T_CHECK(P(0, 0, "--key", "k1", "--key=k2", "--key", "-k3") == 0 && optAll(&a, "key", v, 8) == 3 &&
            !strcmp(v[0], "k1") && !strcmp(v[2], "-k3") && !strcmp(optGet(&a, "key"), "-k3"),
            "OPT_MULTI keeps every value in order (a value may start with -)");
    T_CHECK(optAll(&a, "key", v, 2) == 2, "optAll stops at max");
    T_CHECK(P(1, 0, "-") == 0 && a.npos == 1 && !strcmp(a.pos[0], "-"), "- is a positional");
    T_CHECK(P(3, 0, "--", "--out", "-h") == 0 && a.npos == 2 && !optGet(&a, "out") && !a.help,
            "-- ends the options, even -h after it");

    /* errors name the offending argument */
    T_CHECK(P(0, 0, "--bogus") < 0 && strstr(err, "--bogus"), "unknown option: %s", err);
    T_CHECK(P(0, 0, "-x") < 0 && strstr(err, "-x"), "unknown short option: %s", err);
    T_CHECK(P(0, 0, "--out") < 0 && strstr(err, "needs a value"), "missing value: %s", err);
    T_CHECK(P(0, 0, "--json=1") < 0 && strstr(err, "no value"), "flag with a value: %s", err);
    T_CHECK(P(0, 0, "--out", "a", "--out", "b") < 0 && strstr(err, "twice"), "OPT_VALUE twice: %s", err);
    T_CHECK(P(0, 0, "--json", "--json") < 0, "a flag twice");
    T_CHECK(P(1, 0, "p1", "p2") < 0 && strstr(err, "p2"), "one positional too many: %s", err);
    T_CHECK(P(0, 0, "--ou", "x") < 0, "no prefix matching (--ou is not --out)");

    /* help anywhere wins, even over errors */
    T_CHECK(P(0, 0, "--bogus", "--help") == 0 && a.help, "--help after an error");
    T_CHECK(P(0, 0, "p", "-h") == 0 && a.help && a.npos == 0, "-h after a positional");

    /* OPT_STOP: global options before a command */
    T_CHECK(P(0, OPT_STOP, "--out", "c.conf", "run", "--loop", "--help") == 0 && a.next == 3 && !a.help &&
            !strcmp(optGet(&a, "out"), "c.conf"), "stops at the command (argv[3]), its --help not seen: next %d", a.next);
    T_CHECK(P(0, OPT_STOP, "--json") == 0 && a.next == 2, "no command: next = argc");
    T_CHECK(P(0, OPT_STOP, "--help", "run") == 0 && a.help, "--help before the command");
    T_CHECK(P(0, OPT_STOP, "--", "run") == 0 && a.next == 2, "-- before the command");

    /* numbers: whole decimal strings only */
    uint64_t u;
    long long r;
    T_CHECK(optU64("18446744073709551615", &u) == 0 && u == UINT64_MAX, "2^64 - 1");
    T_CHECK(optU64("18446744073709551616", &u) < 0, "2^64 overflows");
    T_CHECK(optU64("", &u) < 0 && optU64("-1", &u) < 0 && optU64("+1", &u) < 0 && optU64(" 1", &u) < 0 &&
            optU64("1x", &u) < 0 && optU64("1 ", &u) < 0 && optU64(NULL, &u) < 0, "no sign, blank, suffix or empty");
    T_CHECK(optU64("007", &u) == 0 && u == 7, "leading zeros");
    T_CHECK(optRange("64", 1, 64, &r) == 0 && r == 64 && optRange("65", 1, 64, &r) < 0 && optRange("0", 1, 64, &r) < 0,
            "optRange bounds are inclusive");
    T_CHECK(optRange("99999999999999999999", 0, 10, &r) < 0, "optRange: overflow refused");

    /* optDispatch */
    static const optCmd cmds[] = {{"alpha", "X", "the first", runA}, {NULL, NULL, NULL, NULL}};
    char *argv[] = {"prog", "alpha", "x", NULL};
    T_CHECK(optDispatch("prog", 3, argv, 1, cmds, usage) == 7 && ran == 2, "runs the command with argv from its name");
    char *unk[] = {"prog", "beta", NULL};
    T_CHECK(optDispatch("prog", 2, unk, 1, cmds, usage) == EXIT_USAGE, "unknown command: usage error");
    T_CHECK(optDispatch("prog", 1, unk, 1, cmds, usage) == EXIT_USAGE, "no command: usage error");
    char *hlp[] = {"prog", "help", NULL};
    T_CHECK(optDispatch("prog", 2, hlp, 1, cmds, usage) == EXIT_OK, "help: 0");
    T_CHECK(optUsageError("prog", "bad") == EXIT_USAGE, "optUsageError returns the usage code");
    return T_DONE();
}
