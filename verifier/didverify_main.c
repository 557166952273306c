/* didverify_main.c -- the didverify command: offline checks of anchored DID logs.
 *
 * Exit codes (every subcommand): 0 valid, 1 invalid (with the reason on
 * stderr), 2 pending (not anchored yet), 3 usage or I/O error. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/merkle.h"

enum { EX_VALID = 0, EX_INVALID = 1, EX_PENDING = 2, EX_USAGE = 3 };

/* ---- didverify proof ---- */

static void proofHelp(FILE *f) {
    fprintf(f,
        "usage: didverify proof --leaf-hash HEX --index N --size N --root HEX [--proof HEX,HEX,...]\n"
        "\n"
        "Checks one RFC 9162 (RFC 6962) inclusion proof, as in witness.json: that the\n"
        "leaf with hash --leaf-hash (SHA-256(0x00 || entry), 64 hex digits) is leaf\n"
        "number --index (0-based) of the Merkle tree of --size leaves whose root is\n"
        "--root. --proof is the audit path, leaf's sibling first, comma-separated;\n"
        "omit it (or pass \"\") for a one-leaf tree. Hashes may start with 0x.\n"
        "\n"
        "exit: 0 the proof holds, 1 it does not (reason on stderr), 3 usage error\n");
}

/* parseU64: strict unsigned decimal (no sign, no blanks, no overflow). */
static int parseU64(const char *s, uint64_t *out) {
    if (*s < '0' || *s > '9') return -1;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno || *e) return -1;
    *out = v;
    return 0;
}

/* usage: print a usage error for cmd and return the usage exit code. */
static int usage(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "didverify %s: %s%s%s\n", cmd, msg, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "run 'didverify %s --help' for usage\n", cmd);
    return EX_USAGE;
}

static int cmdProof(int argc, char **argv) {
    static const struct option opts[] = {
        {"leaf-hash", required_argument, NULL, 'l'}, {"index", required_argument, NULL, 'i'},
        {"size", required_argument, NULL, 's'},      {"root", required_argument, NULL, 'r'},
        {"proof", required_argument, NULL, 'p'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *leafS = NULL, *rootS = NULL, *proofS = "", *idxS = NULL, *sizeS = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': leafS = optarg; break;
        case 'i': idxS = optarg; break;
        case 's': sizeS = optarg; break;
        case 'r': rootS = optarg; break;
        case 'p': proofS = optarg; break;
        case 'h': proofHelp(stdout); return EX_VALID;
        default: return usage("proof", "bad option", NULL);
        }
    }
    if (optind < argc) return usage("proof", "unexpected argument", argv[optind]);
    if (!leafS || !rootS || !idxS || !sizeS)
        return usage("proof", "--leaf-hash, --index, --size and --root are required", NULL);

    merkleHash leaf, root, path[MERKLE_MAX_PROOF];
    uint64_t idx, size;
    size_t len;
    char err[ERR_MAX];
    if (hexDecode(leafS, leaf, sizeof leaf) < 0) return usage("proof", "--leaf-hash is not 64 hex digits", leafS);
    if (hexDecode(rootS, root, sizeof root) < 0) return usage("proof", "--root is not 64 hex digits", rootS);
    if (parseU64(idxS, &idx) < 0) return usage("proof", "--index is not an unsigned 64-bit number", idxS);
    if (parseU64(sizeS, &size) < 0) return usage("proof", "--size is not an unsigned 64-bit number", sizeS);
    if (merkleProofFromHex(proofS, path, MERKLE_MAX_PROOF, &len, err) < 0) return usage("proof", "--proof", err);

    if (merkleVerify(leaf, idx, size, (const merkleHash *)path, len, root, err) < 0) {
        fprintf(stderr, "didverify proof: invalid: %s\n", err);
        return EX_INVALID;
    }
    printf("valid: leaf %llu of %llu is included under root %s\n",
           (unsigned long long)idx, (unsigned long long)size, rootS);
    return EX_VALID;
}

/* ---- dispatch ---- */

static const struct command {
    const char *name, *summary;
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
} commands[] = {
    {"proof", "check one RFC 9162 Merkle inclusion proof", cmdProof},
};

static void mainHelp(FILE *f) {
    fprintf(f, "usage: didverify <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nrun 'didverify <command> --help' for a command's options.\n"
               "exit: 0 valid, 1 invalid, 2 pending, 3 usage or I/O error\n");
}

int main(int argc, char **argv) {
    if (argc < 2) { mainHelp(stderr); return EX_USAGE; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        mainHelp(stdout);
        return EX_VALID;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "didverify: unknown command '%s'\n", argv[1]);
    mainHelp(stderr);
    return EX_USAGE;
}
