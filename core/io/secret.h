/* secret.h -- secrets (keys, PINs) from the environment or a 0600 file: the one reader.
 *
 * A secret never comes from the command line or a config file. From the environment it
 * is taken once: the value is copied, then zeroed in place and the variable unset, so
 * child processes and /proc/PID/environ do not keep it. From a file, the file must be
 * mode 0600 or stricter (fileSecretRead). Trailing whitespace (a final newline) is
 * dropped either way. Messages never contain the secret. The caller wipes out with
 * bufWipe. Not thread-safe (the environment is process-wide): read secrets at start-up. */
#ifndef WA_SECRET_H
#define WA_SECRET_H
#include "core/buf.h"

#define SECRET_MAX 4096   /* bytes a secret file may hold */

/* secretEnvTake: $name into out, then zeroed and unset. 1 taken, 0 unset or empty
 * (out empty), -1 + err (out of memory). */
int secretEnvTake(const char *name, buf *out, char *err);

/* secretRead: the secret in the file path ("" or NULL: none) or in $env; both set is an
 * error ("both ENV and ENV_FILE are set"). 1 found, 0 neither set (out empty), -1 + err. */
int secretRead(const char *env, const char *path, buf *out, char *err);

#endif
