/* test_exit.c -- core/io/exit: the one exit-code table (README "Exit codes"). The numbers
 * are an interface (scripts, cron, systemd and the suites check them): they never change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "core/io/exit.h"

/* helpOf: exitHelp(mask) as a string (caller frees). */
static char *helpOf(unsigned mask) {
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f) return NULL;
    exitHelp(f, mask);
    fclose(f);
    return p;
}

int main(void) {
    /* the table's numbers, README "Exit codes" */
    T_CHECK(EXIT_OK == 0 && EXIT_FAIL == 1 && EXIT_USAGE == 2 && EXIT_CONFIG == 3 && EXIT_UNAVAILABLE == 4 &&
            EXIT_CHAIN == 5 && EXIT_REVERTED == 6 && EXIT_TIMEOUT == 7 && EXIT_PENDING == 8 && EXIT_STALE == 9 &&
            EXIT_COUNT == 10, "the codes are 0..9 in the README's order");
    for (int c = 0; c < EXIT_COUNT; c++) T_CHECK(exitMeaning(c) && *exitMeaning(c), "code %d has a meaning", c);
    T_CHECK(!exitMeaning(-1) && !exitMeaning(EXIT_COUNT), "no meaning outside the table");

    /* usage is the same code in every program, and every program lists it */
    unsigned progs[] = {EXIT_ANCHORD, EXIT_DIDLOG, EXIT_DIDVERIFY, EXIT_SEED};
    for (int i = 0; i < 4; i++)
        T_CHECK((progs[i] & EXIT_BIT(EXIT_USAGE)) && (progs[i] & EXIT_BIT(EXIT_OK)), "program %d lists 0 and 2", i);
    T_CHECK(!(EXIT_ANCHORD & (EXIT_BIT(EXIT_PENDING) | EXIT_BIT(EXIT_STALE))), "pending and stale are didverify's");
    T_CHECK(EXIT_DIDVERIFY & EXIT_BIT(EXIT_STALE), "didverify lists stale");

    /* exitHelp: the heading, then one "  N   meaning" line per code of the mask, in order */
    char *h = helpOf(EXIT_BIT(EXIT_USAGE) | EXIT_BIT(EXIT_STALE));
    T_CHECK(h && !strncmp(h, "Exit codes:\n  2   usage", 23), "heading and code 2 first: %s", h ? h : "");
    T_CHECK(h && strstr(h, "\n  9   stale") && !strstr(h, "\n  0 "), "9 listed, 0 not: %s", h ? h : "");
    free(h);
    h = helpOf(EXIT_DIDVERIFY);
    int lines = 0;
    for (const char *p = h; p && (p = strstr(p, "\n  ")); p++)
        if (p[3] >= '0' && p[3] <= '9' && p[4] == ' ') lines++;
    T_CHECK(lines == 8, "didverify: 8 codes listed (%d)", lines);
    free(h);
    h = helpOf(0);
    T_CHECK(h && !strcmp(h, "Exit codes:\n"), "empty mask: the heading only");
    free(h);
    return T_DONE();
}
