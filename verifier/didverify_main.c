/* didverify_main.c -- the didverify command (placeholder until its issue lands). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: didverify --help\n");
        return 0;
    }
    fprintf(stderr, "didverify: not implemented yet\n");
    return 2;
}
