/* file.c -- bounded file reads and atomic file writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "didlog/file.h"

static int readFd(int fd, const char *path, size_t max, buf *out, char *err) {
    bufReset(out);
    for (;;) {
        if (bufReserve(out, 65536) < 0) return errSet(err, "%s: out of memory", path);
        ssize_t r = read(fd, out->p + out->len, 65536);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errSet(err, "%s: read: %s", path, strerror(errno));
        if (r == 0) break;
        out->len += (size_t)r;
        out->p[out->len] = 0;
        if (out->len > max) return errSet(err, "%s: larger than the limit of %zu bytes", path, max);
    }
    return 0;
}

int fileRead(const char *path, size_t max, buf *out, char *err) {
    if (!strcmp(path, "-")) return readFd(0, "stdin", max, out, err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errSet(err, "%s: %s", path, strerror(errno));
    int rc = readFd(fd, path, max, out, err);
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
    int rc = readFd(fd, path, max, out, err);
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

int fileWrite(const char *path, const void *data, size_t n, mode_t mode, char *err) {
    if (!strcmp(path, "-")) return writeAll(1, data, n) < 0 ? errSet(err, "stdout: %s", strerror(errno)) : 0;
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16), *dcopy = strdup(path);
    if (!tmp || !dcopy) { free(tmp); free(dcopy); return errSet(err, "out of memory"); }
    snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp), rc = -1;
    if (fd < 0) { errSet(err, "%s: %s", path, strerror(errno)); goto out; }
    if (fchmod(fd, mode) < 0 || writeAll(fd, data, n) < 0 || fsync(fd) < 0) {
        errSet(err, "%s: write: %s", path, strerror(errno));
        close(fd); unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0) { errSet(err, "%s: rename: %s", path, strerror(errno)); unlink(tmp); goto out; }
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    rc = 0;
out:
    free(tmp);
    free(dcopy);
    return rc;
}
