/* opt.c -- the one command-line parser (opt.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/version.h"
#include "core/io/exit.h"
#include "core/io/opt.h"

static int isHelp(const char *s) { return !strcmp(s, "-h") || !strcmp(s, "--help"); }

/* findSpec: the spec row of the n bytes at name, or NULL. */
static const optSpec *findSpec(const optSpec *spec, const char *name, size_t n) {
    for (; spec && spec->name; spec++)
        if (strlen(spec->name) == n && !memcmp(spec->name, name, n)) return spec;
    return NULL;
}

/* helpBefore: -h / --help among argv[first..argc) before "--". */
static int helpBefore(int argc, char **argv, int first) {
    for (int i = first; i < argc && strcmp(argv[i], "--"); i++)
        if (isHelp(argv[i])) return 1;
    return 0;
}

/* addPos: one positional, moved to a->pos[npos] (never after where it was). 0 / -1 + err. */
static int addPos(optArgs *a, char *s, int maxPos, char *err) {
    if (a->npos >= maxPos) return errSet(err, "unexpected argument \"%.60s\"", s);
    a->pos[a->npos++] = s;
    return 0;
}

/* addOpt: the option at argv[*i] ("--name" or "--name=value"); may consume argv[*i + 1]. */
static int addOpt(optArgs *a, const optSpec *spec, int argc, char **argv, int *i, char *err) {
    const char *s = argv[*i] + 2, *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    const optSpec *o = findSpec(spec, s, n);
    if (!o) return errSet(err, "unknown option --%.*s", (int)(n > 60 ? 60 : n), s);
    const char *v = "";
    if (o->kind == OPT_FLAG) {
        if (eq) return errSet(err, "--%s takes no value", o->name);
    } else if (eq) {
        v = eq + 1;
    } else {
        if (*i + 1 >= argc) return errSet(err, "--%s needs a value", o->name);
        v = argv[++*i];
    }
    if (o->kind != OPT_MULTI && optGet(a, o->name)) return errSet(err, "--%s given twice", o->name);
    if (a->n >= OPT_MAX) return errSet(err, "more than %d options", OPT_MAX);
    a->name[a->n] = o->name;
    a->val[a->n++] = v;
    return 0;
}

int optParse(int argc, char **argv, int first, const optSpec *spec, int maxPos, int flags, optArgs *a, char *err) {
    memset(a, 0, sizeof *a);
    a->next = argc;
    a->pos = argv + first;
    if (!(flags & OPT_STOP) && helpBefore(argc, argv, first)) return a->help = 1, 0;
    for (int i = first; i < argc; i++) {
        char *s = argv[i];
        if (!strcmp(s, "--")) {
            if (flags & OPT_STOP) return a->next = i + 1, 0;
            for (i++; i < argc; i++)
                if (addPos(a, argv[i], maxPos, err) < 0) return -1;
            return 0;
        }
        if (isHelp(s)) return a->help = 1, 0;
        if (s[0] != '-' || !s[1]) {
            if (flags & OPT_STOP) return a->next = i, 0;
            if (addPos(a, s, maxPos, err) < 0) return -1;
        } else if (s[1] != '-') {
            return errSet(err, "unknown option %.60s", s);
        } else if (addOpt(a, spec, argc, argv, &i, err) < 0) {
            return -1;
        }
    }
    return 0;
}

const char *optGet(const optArgs *a, const char *name) {
    const char *v = NULL;
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->name[i], name)) v = a->val[i];
    return v;
}

int optAll(const optArgs *a, const char *name, const char **out, int max) {
    int k = 0;
    for (int i = 0; i < a->n && k < max; i++)
        if (!strcmp(a->name[i], name)) out[k++] = a->val[i];
    return k;
}

int optU64(const char *s, uint64_t *out) {
    if (!s || *s < '0' || *s > '9') return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno) return -1;
    *out = v;
    return 0;
}

int optRange(const char *s, long long lo, long long hi, long long *out) {
    uint64_t v;
    if (optU64(s, &v) < 0 || v > (uint64_t)hi || (long long)v < lo) return -1;
    *out = (long long)v;
    return 0;
}

int optUsageError(const char *prog, const char *err) {
    fprintf(stderr, "%s: %s\nrun '%s --help' for usage\n", prog, err, prog);
    return EXIT_USAGE;
}

int optDispatch(const char *prog, int argc, char **argv, int first, const optCmd *cmds, void (*usage)(FILE *f)) {
    if (first >= argc) { usage(stderr); return EXIT_USAGE; }
    const char *name = argv[first];
    if (!strcmp(name, "help") || isHelp(name)) { usage(stdout); return EXIT_OK; }
    if (!strcmp(name, "--version") && first + 1 == argc) { printf("%s %s\n", prog, waVersion()); return EXIT_OK; }
    for (const optCmd *c = cmds; c->name; c++)
        if (!strcmp(name, c->name)) return c->run(argc - first, argv + first);
    fprintf(stderr, "%s: unknown command \"%.40s\" (%s --help lists them)\n", prog, name, prog);
    return EXIT_USAGE;
}

void optHelpCommands(FILE *f, const optCmd *cmds, int width) {
    for (const optCmd *c = cmds; c->name; c++) {
        char head[96];
        snprintf(head, sizeof head, "%s%s%s", c->name, c->args && *c->args ? " " : "", c->args ? c->args : "");
        fprintf(f, "  %-*s %s\n", width, head, c->help ? c->help : "");
    }
}
