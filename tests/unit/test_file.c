/* test_file.c -- core/io/file: bounded reads say FILE_TOO_LARGE (a code, not a message
 * to match), atomic writes, and fileMkdirs ("mkdir -p" with mode), in a private
 * temporary folder ($TMPDIR). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "core/io/file.h"
#include "tests/unit/t.h"

static char root[512];

/* at: root + "/" + rel into a static buffer (one at a time). */
static const char *at(const char *rel) {
    static char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    return p;
}

static int isDir(const char *p, mode_t *mode) {
    struct stat st;
    if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) return 0;
    if (mode) *mode = st.st_mode & 07777;
    return 1;
}

static void testTooLarge(void) {
    char err[ERR_MAX];
    buf b = BUF_INIT;
    char path[1024];
    snprintf(path, sizeof path, "%s", at("ten"));
    T_CHECK(fileWrite(path, "0123456789", 10, 0600, err) == 0, "fileWrite: %s", err);
    T_CHECK(fileRead(path, 10, &b, err) == 0 && b.len == 10 && !memcmp(b.p, "0123456789", 10), "exactly max: read");
    err[0] = 0;
    T_CHECK(fileRead(path, 9, &b, err) == FILE_TOO_LARGE && err[0], "max 9: FILE_TOO_LARGE with a message");
    T_CHECK(fileSecretRead(path, 3, &b, err) == FILE_TOO_LARGE, "fileSecretRead: FILE_TOO_LARGE");
    int fd = open(path, O_RDONLY);
    T_CHECK(fileReadFd(fd, "ten", 0, &b, err) == FILE_TOO_LARGE, "fileReadFd: FILE_TOO_LARGE");
    close(fd);
    T_CHECK(fileRead(at("missing"), 10, &b, err) == -1, "missing: -1, not FILE_TOO_LARGE");
    chmod(path, 0644);
    T_CHECK(fileSecretRead(path, 100, &b, err) == -1, "group-readable secret: -1");
    bufFree(&b);
}

static void testMkdirs(void) {
    char err[ERR_MAX];
    mode_t m = 0;
    umask(022);
    T_CHECK(fileMkdirs(at("a/b/c"), 0750, err) == 0, "a/b/c: %s", err);
    T_CHECK(isDir(at("a/b/c"), &m) && m == 0750 && isDir(at("a"), &m) && m == 0750, "made with mode 0750 (%o)", m);
    T_CHECK(fileMkdirs(at("a/b/c"), 0750, err) == 0, "again: nothing to do");
    T_CHECK(fileMkdirs(at("a//b/d/"), 0755, err) == 0 && isDir(at("a/b/d"), NULL), "doubled and trailing slash: %s", err);
    fileWrite(at("a/file"), "x", 1, 0644, err);
    char path[1024];
    snprintf(path, sizeof path, "%s", at("a/file/sub"));
    err[0] = 0;
    T_CHECK(fileMkdirs(path, 0755, err) == -1 && err[0], "a file in the way: -1 + message");
    snprintf(path, sizeof path, "%s", at("a/file"));
    T_CHECK(fileMkdirs(path, 0755, err) == -1, "the path itself is a file: -1");
    T_CHECK(fileMkdirs("", 0755, err) == -1, "empty path: -1");
    T_CHECK(fileMkdirs("/", 0755, err) == 0, "/ exists");
    chmod(at("a/b"), 0500);
    snprintf(path, sizeof path, "%s", at("a/b/x/y"));
    int rc = fileMkdirs(path, 0755, err);
    T_CHECK(geteuid() == 0 || rc == -1, "no permission: -1");
    chmod(at("a/b"), 0750);
    /* relative, from the current folder */
    char cwd[1024];
    T_CHECK(getcwd(cwd, sizeof cwd) && chdir(root) == 0, "chdir");
    T_CHECK(fileMkdirs("rel/one", 0755, err) == 0 && isDir("rel/one", NULL), "relative path: %s", err);
    T_CHECK(chdir(cwd) == 0, "chdir back");
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/test_file.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) { perror("mkdtemp"); return 1; }
    testTooLarge();
    testMkdirs();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", root, root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
    return T_DONE();
}
