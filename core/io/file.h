/* file.h -- bounded file reads and atomic, mode-controlled file writes.
 * (The one place programs read and write whole files; core/ stays I/O-free.) */
#ifndef WA_FILE_H
#define WA_FILE_H
#include <stddef.h>
#include <sys/types.h>
#include "core/buf.h"

/* FILE_TOO_LARGE: what fileRead, fileReadFd and fileSecretRead return (with err) when
 * the file holds more than max bytes; negative, so every "< 0" check stays right. */
#define FILE_TOO_LARGE (-2)

/* fileRead: read all of path ("-" = stdin) into out, at most max bytes.
 * 0, FILE_TOO_LARGE + err when larger, -1 + err otherwise. */
int fileRead(const char *path, size_t max, buf *out, char *err);

/* fileReadFd: read all of the open fd (name for messages) into out, at most max
 * bytes. 0, FILE_TOO_LARGE + err, -1 + err. */
int fileReadFd(int fd, const char *name, size_t max, buf *out, char *err);

/* fileWrite: write data to path atomically (temp file in the same directory,
 * fsync, rename, directory fsync) with the given mode (e.g. 0600 for keys).
 * "-" writes to stdout. 0 / -1 + err. */
int fileWrite(const char *path, const void *data, size_t n, mode_t mode, char *err);

/* fileWriteAt: fileWrite of name in the open directory dirfd: the temp file
 * "<name>.tmp.XXXXXX" is created there with O_EXCL|O_NOFOLLOW, renamed over name
 * (which replaces a link rather than following it), then dirfd is fsynced.
 * 0 / -1 + err. */
int fileWriteAt(int dirfd, const char *name, const void *data, size_t n, mode_t mode, char *err);

/* fileSecretRead: like fileRead, but refuses files readable or writable by group
 * or others (key files must be 0600). The caller wipes out with bufWipe.
 * 0, FILE_TOO_LARGE + err, -1 + err. */
int fileSecretRead(const char *path, size_t max, buf *out, char *err);

/* fileMkdirs: "mkdir -p path": create path and each missing parent with mode (before
 * the umask), fsyncing the parent of each directory it creates, so the new folder
 * survives a crash. Links on the way are followed, as by mkdir -p: this is for roots
 * and output folders the operator names (a store's root, seed's output), never for
 * names that come from data (the file store walks keys itself with O_NOFOLLOW).
 * 0 when path is a directory at the end; -1 + err (a component is a file, permission). */
int fileMkdirs(const char *path, mode_t mode, char *err);

#endif
