/* secret.c -- the one secret reader (secret.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/err.h"
#include "core/io/file.h"
#include "core/io/secret.h"

/* trimEnd: drop trailing whitespace (a final newline) from b. */
static void trimEnd(buf *b) {
    while (b->len && isspace(b->p[b->len - 1])) b->p[--b->len] = 0;
}

int secretEnvTake(const char *name, buf *out, char *err) {
    char *v = getenv(name);
    bufReset(out);
    if (!v || !*v) return 0;
    size_t n = strlen(v);
    int rc = bufAppend(out, v, n);
    sodium_memzero(v, n);      /* the process environment no longer holds it */
    unsetenv(name);
    if (rc < 0) return errSet(err, "%s: out of memory", name);
    trimEnd(out);
    return 1;
}

int secretRead(const char *env, const char *path, buf *out, char *err) {
    const char *v = getenv(env);
    if (!path) path = "";
    bufReset(out);
    if (v && *v && *path) return errSet(err, "both %s and %s_FILE are set; use one", env, env);
    if (!*path) return secretEnvTake(env, out, err);
    char e[ERR_MAX];
    if (fileSecretRead(path, SECRET_MAX, out, e) < 0) return errSet(err, "%s_FILE: %s", env, e);
    trimEnd(out);
    return 1;
}
