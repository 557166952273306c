/* opt.h -- the command line of every program (anchord, didlog, didverify, seed): options,
 * positionals, commands, --help and --version. One set of rules for all four:
 *
 *   --name VALUE and --name=VALUE   an option with a value (OPT_VALUE: at most once;
 *                                   OPT_MULTI: may repeat, every value kept in order)
 *   --name                          a flag (OPT_FLAG; "--name=x" is an error)
 *   -h, --help                      anywhere before "--": help wins over everything else
 *   --                              ends the options; every later argument is a positional
 *   -                               a positional (stdin for the commands that read files)
 *   anything else starting with -   an error ("unknown option")
 *
 * Example:
 *   static const optSpec spec[] = {{"out", OPT_VALUE}, {"json", OPT_FLAG}, {NULL, 0}};
 *   optArgs a;
 *   char err[ERR_MAX];
 *   if (optParse(argc, argv, 1, spec, 1, 0, &a, err) < 0) return optUsageError("didlog keygen", err);
 *   if (a.help) ...;
 *   const char *out = optGet(&a, "out");
 *
 * Values and positionals are borrowed from argv; names from the spec. Like GNU getopt,
 * optParse moves the positionals to the front of argv[first..) (in their order), so
 * a.pos is argv + first: any number of them, no copy. No global state (unlike getopt's
 * optind): parsers may run in any order, in any thread. */
#ifndef WA_OPT_H
#define WA_OPT_H
#include <stdint.h>
#include <stdio.h>

enum { OPT_FLAG, OPT_VALUE, OPT_MULTI };
enum { OPT_STOP = 1 };   /* optParse flag: stop at the first positional (options before a command) */
#define OPT_MAX 64       /* options one command line may give */
#define OPT_POS_ANY 0x7fffffff   /* maxPos: no limit */

typedef struct optSpec {
    const char *name;    /* without "--"; NULL ends a spec */
    int kind;            /* OPT_FLAG, OPT_VALUE or OPT_MULTI */
} optSpec;

typedef struct optArgs {
    const char *name[OPT_MAX], *val[OPT_MAX];   /* in command-line order; a flag's value is "" */
    int n;
    char **pos;          /* argv + first: the positionals, in order */
    int npos;
    int help;            /* -h or --help was given (nothing else was checked then) */
    int next;            /* with OPT_STOP: the index of the first argument not consumed (argc when none) */
} optArgs;

/* optParse: argv[first..argc) against spec, at most maxPos positionals, into *a
 * (reordering argv[first..argc): positionals first).
 * 0, or -1 + err naming the offending argument ("unknown option --x", "--out needs a
 * value", "--out given twice", "unexpected argument y"). With -h/--help anywhere before
 * "--", 0 with a->help set and nothing else parsed. */
int optParse(int argc, char **argv, int first, const optSpec *spec, int maxPos, int flags, optArgs *a, char *err);

/* optGet: the value of name ("" for a flag), or NULL when it was not given. For OPT_MULTI
 * the last value. */
const char *optGet(const optArgs *a, const char *name);

/* optAll: every value of name in command-line order into out (at most max); how many. */
int optAll(const optArgs *a, const char *name, const char **out, int max);

/* optU64: s is a whole unsigned decimal number (digits only: no sign, blank or suffix)
 * that fits in 64 bits. 0 and *out, or -1. */
int optU64(const char *s, uint64_t *out);

/* optRange: s is a whole decimal number (optU64's rule) in lo..hi (lo >= 0). 0 / -1. */
int optRange(const char *s, long long lo, long long hi, long long *out);

/* optUsageError: "PROG: ERR" and "run 'PROG --help' for usage" on stderr; returns
 * EXIT_USAGE (core/io/exit.h). */
int optUsageError(const char *prog, const char *err);

/* A program's command: run gets argc/argv from the command's name on (argv[0] is the
 * name) and returns an exit code; args and help are its line in the program's usage. */
typedef struct optCmd {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} optCmd;

/* optDispatch: run the command argv[first] names (cmds ends with a NULL name). No command:
 * usage on stderr, EXIT_USAGE. "help", -h, --help: usage on stdout, EXIT_OK. "--version"
 * alone: "PROG <version>", EXIT_OK. An unknown name: a message, EXIT_USAGE. */
int optDispatch(const char *prog, int argc, char **argv, int first, const optCmd *cmds, void (*usage)(FILE *f));

/* optHelpCommands: "  name args   help" for every command of cmds, the help column at width. */
void optHelpCommands(FILE *f, const optCmd *cmds, int width);

#endif
