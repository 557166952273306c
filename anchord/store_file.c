/* store_file.c -- the local-directory store: atomic renames, CAS under flock, SHA-256 ETags.
 *
 * Key "a/b.json" is the file <dir>/a/b.json. Writes go through fileWrite (temp file in
 * the same directory, fsync, rename, directory fsync), so a reader sees the old or the new
 * object, never a torn one. Conditional writes hold flock(LOCK_EX) on the key's parent
 * directory while they compare and rename, so two processes cannot both win. The ETag is
 * the hex SHA-256 of the content: it needs no side file and survives restarts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "didlog/file.h"
#include "anchord/store_impl.h"

typedef struct fileBe {
    char *dir;      /* no trailing slash */
} fileBe;

/* fullPath: malloc'd "<dir>/<key>". */
static char *fullPath(store *s, const char *key) {
    fileBe *b = s->be;
    size_t n = strlen(b->dir) + strlen(key) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", b->dir, key);
    return p;
}

/* isTempName: whether a file name is one of fileWrite's temp files ("x.tmp.XXXXXX"). */
static int isTempName(const char *name) {
    size_t n = strlen(name);
    return n > 11 && !strncmp(name + n - 11, ".tmp.", 5);
}

/* mkdirs: create every missing parent directory of path (fsyncing each new one's parent). */
static int mkdirs(char *path, char *err) {
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0;
        int rc = mkdir(path, 0755);
        if (rc == 0) {
            char *slash = strrchr(path, '/');
            *slash = 0;
            int dfd = open(*path ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            *slash = '/';
            if (dfd >= 0) { fsync(dfd); close(dfd); }
        }
        int e = errno;
        *p = '/';
        if (rc < 0 && e != EEXIST) return errSet(err, "%s: mkdir: %s", path, strerror(e));
    }
    return 0;
}

/* lockParent: open and flock(LOCK_EX) the parent directory of path; fd or -1 + err. */
static int lockParent(const char *path, char *err) {
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errSet(err, "%s: %s", dir, strerror(errno));
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR) continue;
        errSet(err, "%s: flock: %s", dir, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* readObj: read path (<= max bytes) into body and its ETag. STORE_OK/NOTFOUND/ERR. */
static int readObj(const char *path, size_t max, buf *body, char *etag, char *err) {
    struct stat st;
    if (stat(path, &st) < 0)
        return errno == ENOENT || errno == ENOTDIR ? STORE_NOTFOUND : errSet(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return STORE_NOTFOUND;    /* a "directory" key does not exist */
    if ((unsigned long long)st.st_size > max) return STORE_TOOLARGE;
    buf tmp = BUF_INIT;
    if (fileRead(path, max, &tmp, err) < 0) {
        bufFree(&tmp);
        return errno == ENOENT ? STORE_NOTFOUND : STORE_ERR;
    }
    if (etag) storeSha256Hex(tmp.p ? tmp.p : (const unsigned char *)"", tmp.len, etag);
    if (body) { bufFree(body); *body = tmp; } else bufFree(&tmp);
    return STORE_OK;
}

static int fileGet(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    char *path = fullPath(s, key);
    if (!path) return errSet(err, "out of memory");
    int rc = readObj(path, max, body, etag, err);
    free(path);
    return rc;
}

/* condHolds: under the lock, whether the current object satisfies cond. */
static int condHolds(const char *path, storeCond cond, const char *ifMatch, char *err) {
    if (cond == STORE_PUT_ANY) return STORE_OK;
    char cur[STORE_ETAG_MAX];
    int rc = readObj(path, (size_t)1 << 34, NULL, cur, err);
    if (rc == STORE_ERR) return rc;
    if (cond == STORE_PUT_IF_ABSENT) return rc == STORE_NOTFOUND ? STORE_OK : STORE_CONFLICT;
    return rc == STORE_OK && !strcmp(cur, ifMatch) ? STORE_OK : STORE_CONFLICT;
}

static int filePut(store *s, const char *key, const void *data, size_t len, storeCond cond,
                   const char *ifMatch, char *newEtag, char *err) {
    const char *base = strrchr(key, '/');
    if (isTempName(base ? base + 1 : key))
        return errSet(err, "store key %.80s: names ending in .tmp.XXXXXX are reserved", key);
    char *path = fullPath(s, key);
    if (!path) return errSet(err, "out of memory");
    int rc = STORE_ERR, fd = -1;
    if (mkdirs(path, err) < 0 || (fd = lockParent(path, err)) < 0) goto out;
    rc = condHolds(path, cond, ifMatch, err);
    if (rc != STORE_OK) goto out;
    if (fileWrite(path, data, len, 0644, err) < 0) { rc = STORE_ERR; goto out; }
    storeSha256Hex(data, len, newEtag);
out:
    if (fd >= 0) close(fd);     /* closing releases the flock */
    free(path);
    return rc;
}

static int fileDel(store *s, const char *key, char *err) {
    char *path = fullPath(s, key);
    if (!path) return errSet(err, "out of memory");
    int fd = lockParent(path, err), rc = STORE_OK;
    if (fd < 0) { free(path); return errno == ENOENT ? STORE_OK : STORE_ERR; }
    if (unlink(path) < 0 && errno != ENOENT) rc = errSet(err, "%s: unlink: %s", path, strerror(errno));
    else fsync(fd);
    close(fd);
    free(path);
    return rc;
}

typedef struct keyList { char **v; size_t n, cap; } keyList;

/* walk: collect every regular file under dir (relative name rel) starting with prefix. */
static int walk(const char *dir, const char *rel, const char *prefix, keyList *out, int depth, char *err) {
    if (depth > 64) return errSet(err, "%s: directories nested too deep", dir);
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT || errno == ENOTDIR ? 0 : errSet(err, "%s: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || isTempName(de->d_name)) continue;
        char path[4096], key[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(key, sizeof key, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        size_t kl = strlen(key), pl = strlen(prefix);
        /* Descend only where keys below can still start with prefix. */
        if (strncmp(key, prefix, kl < pl ? kl : pl)) continue;
        struct stat st;
        if (lstat(path, &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) rc = walk(path, key, prefix, out, depth + 1, err);
        else if (S_ISREG(st.st_mode) && kl >= pl) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                char **v = realloc(out->v, cap * sizeof *v);
                if (!v) { rc = errSet(err, "out of memory"); break; }
                out->v = v; out->cap = cap;
            }
            if (!(out->v[out->n] = strdup(key))) { rc = errSet(err, "out of memory"); break; }
            out->n++;
        }
    }
    closedir(d);
    return rc;
}

static int cmpStr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int fileList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    fileBe *b = s->be;
    keyList kl = {0};
    int rc = walk(b->dir, "", prefix, &kl, 0, err);
    if (rc == 0) qsort(kl.v, kl.n, sizeof *kl.v, cmpStr);
    for (size_t i = 0; i < kl.n; i++) {
        if (rc == 0) {
            struct stat st;
            char *path = fullPath(s, kl.v[i]);
            if (path && stat(path, &st) == 0 && fn(ctx, kl.v[i], (long long)st.st_size)) rc = 1;
            free(path);
        }
        free(kl.v[i]);
    }
    free(kl.v);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static int fileCors(store *s, char *err) { return STORE_OK; }

static void fileClose(store *s) {
    fileBe *b = s->be;
    free(b->dir);
    free(b);
}

static const storeOps fileOps = {
    fileGet, filePut, storePutManySerial, fileList, fileDel, fileCors, NULL, fileClose, NULL,
};

int storeFileOpen(store *s, const char *rest, char *err) {
    /* file:///abs/dir gives "/abs/dir"; file://./rel gives "./rel". */
    if (!*rest) return errSet(err, "store URL file://: no directory");
    fileBe *b = calloc(1, sizeof *b);
    char *dir = b ? malloc(strlen(rest) + 2) : NULL;
    if (!dir) { free(b); return errSet(err, "out of memory"); }
    strcpy(dir, rest);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') dir[--n] = 0;
    /* Create it (and parents) so the embedded default works on a fresh checkout. */
    strcat(dir, "/");
    if (mkdirs(dir, err) < 0) { free(dir); free(b); return -1; }
    dir[n] = 0;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        errSet(err, "store %s: not a directory", dir);
        free(dir); free(b);
        return -1;
    }
    b->dir = dir;
    s->be = b;
    s->ops = &fileOps;
    snprintf(s->desc, sizeof s->desc, "file://%s", dir);
    return 0;
}
