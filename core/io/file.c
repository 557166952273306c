/* file.c -- bounded file reads and atomic file writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "core/io/file.h"

int fileReadFd(int fd, const char *path, size_t max, buf *out, char *err) {
    bufReset(out);
    for (;;) {
        if (bufReserve(out, 65536) < 0) return errSet(err, "%s: out of memory", path);
        ssize_t r = read(fd, out->p + out->len, 65536);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errSet(err, "%s: read: %s", path, strerror(errno));
        if (r == 0) break;
        out->len += (size_t)r;
        out->p[out->len] = 0;
        if (out->len > max) {
            errSet(err, "%s: larger than the limit of %zu bytes", path, max);
            return FILE_TOO_LARGE;
        }
    }
    return 0;
}

int fileRead(const char *path, size_t max, buf *out, char *err) {
    if (!strcmp(path, "-")) return fileReadFd(0, "stdin", max, out, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errSet(err, "%s: %s", path, strerror(errno));
    int rc = fileReadFd(fd, path, max, out, err);
    close(fd);
    return rc;
}

int fileSecretRead(const char *path, size_t max, buf *out, char *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errSet(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || (st.st_mode & 077)) {
        close(fd);
        return errSet(err, "%s: key file must be mode 0600 (chmod 600 %s)", path, path);
    }
    int rc = fileReadFd(fd, path, max, out, err);
    close(fd);
    return rc;
}

static int writeAll(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* tempName: "<name>.tmp.XXXXXX" with 6 random characters into out (cap bytes). */
static int tempName(const char *name, char *out, size_t cap) {
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[6];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return -1;
    char suf[7];
    for (int i = 0; i < 6; i++) suf[i] = set[r[i] % (sizeof set - 1)];
    suf[6] = 0;
    int l = snprintf(out, cap, "%s.tmp.%s", name, suf);
    return l < 0 || (size_t)l >= cap ? -1 : 0;
}

/* writeAt: fileWriteAt, with shown naming the file in messages. */
static int writeAt(int dirfd, const char *name, const char *shown, const void *data, size_t n, mode_t mode, char *err) {
    size_t cap = strlen(name) + 16;
    char *tmp = malloc(cap);
    if (!tmp) return errSet(err, "out of memory");
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 16; attempt++) {
        if (tempName(name, tmp, cap) < 0) { free(tmp); return errSet(err, "%s: no temp name", shown); }
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) { errSet(err, "%s: %s", shown, strerror(errno)); free(tmp); return -1; }
    int rc = -1;
    if (fchmod(fd, mode) < 0 || writeAll(fd, data, n) < 0 || fsync(fd) < 0) {
        errSet(err, "%s: write: %s", shown, strerror(errno));
        close(fd); unlinkat(dirfd, tmp, 0);
        goto out;
    }
    close(fd);
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        errSet(err, "%s: rename: %s", shown, strerror(errno));
        unlinkat(dirfd, tmp, 0);
        goto out;
    }
    fsync(dirfd);
    rc = 0;
out:
    free(tmp);
    return rc;
}

int fileWriteAt(int dirfd, const char *name, const void *data, size_t n, mode_t mode, char *err) {
    return writeAt(dirfd, name, name, data, n, mode, err);
}

int fileWrite(const char *path, const void *data, size_t n, mode_t mode, char *err) {
    if (!strcmp(path, "-")) return writeAll(1, data, n) < 0 ? errSet(err, "stdout: %s", strerror(errno)) : 0;
    char *dcopy = strdup(path), *bcopy = strdup(path);
    if (!dcopy || !bcopy) { free(dcopy); free(bcopy); return errSet(err, "out of memory"); }
    int rc = -1, dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) errSet(err, "%s: %s", path, strerror(errno));
    else {
        rc = writeAt(dfd, basename(bcopy), path, data, n, mode, err);
        close(dfd);
    }
    free(dcopy);
    free(bcopy);
    return rc;
}

/* syncDir: fsync the directory path (best effort: a failure here loses durability
 * after a crash, not data the caller can see). */
static void syncDir(const char *path) {
    int fd = open(*path ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) { fsync(fd); close(fd); }
}

/* syncParent: syncDir of the folder that holds p. */
static void syncParent(const char *p) {
    const char *slash = strrchr(p, '/');
    if (!slash) { syncDir("."); return; }
    char *d = strndup(p, slash == p ? 1 : (size_t)(slash - p));
    if (d) { syncDir(d); free(d); }
}

/* mkdirOne: mkdir p (mode), fsyncing its parent when it was created; an existing
 * directory is fine. 0 / -1 + err. */
static int mkdirOne(const char *p, mode_t mode, char *err) {
    if (mkdir(p, mode) == 0) { syncParent(p); return 0; }
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    return errSet(err, "%s: mkdir: %s", p, e == EEXIST ? "exists and is not a directory" : strerror(e));
}

int fileMkdirs(const char *path, mode_t mode, char *err) {
    if (!*path) return errSet(err, "mkdir: empty path");
    char *p = strdup(path);
    if (!p) return errSet(err, "out of memory");
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s && *s != '/') continue;
        char c = *s;
        *s = 0;
        if (s[-1] != '/') rc = mkdirOne(p, mode, err);
        *s = c;
        if (!c) break;
    }
    free(p);
    return rc;
}
