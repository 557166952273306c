/* t.h -- the tiny unit-test harness every tests/unit/test_*.c uses.
 *
 * T_CHECK(cond, fmt, ...) records one assertion; T_DONE() prints
 * "# passed N failed M" (which tests/run.sh sums) and returns the exit code.
 * Vector paths are relative to the project root: tests run from there and read
 * tests/vectors/... (T_VECDIR; tests/vectors/README.md names each source). */
#ifndef WA_T_H
#define WA_T_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_pass, t_fail;

#define T_CHECK(cond, ...) do {                                         \
    if (cond) t_pass++;                                                 \
    else {                                                              \
        t_fail++;                                                       \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
        fprintf(stderr, __VA_ARGS__);                                   \
        fputc('\n', stderr);                                            \
    }                                                                   \
} while (0)

#define T_DONE() (printf("# passed %d failed %d\n", t_pass, t_fail), t_fail ? 1 : 0)

#define T_VECDIR "tests/vectors"

/* t_slurp: whole file into a NUL-terminated malloc'd string (NULL if missing). */
static inline char *t_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, r;
    char *p = malloc(cap);
    while (p && (r = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n <= 1) { char *q = realloc(p, cap *= 2); if (!q) { free(p); p = NULL; } else p = q; }
    }
    fclose(f);
    if (!p) return NULL;
    p[n] = 0;
    if (len) *len = n;
    return p;
}

#endif
