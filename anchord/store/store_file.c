/* store_file.c -- the local-directory store: atomic renames, CAS under flock, SHA-256 ETags.
 *
 * Key "a/b.json" is the file <dir>/a/b.json, reached from the root's fd one segment at a
 * time without following links. Writes go through fileWriteAt (temp file in the same
 * directory, fsync, rename, directory fsync), so a reader sees the old or the new
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
#include "core/sha256.h"
#include "core/io/file.h"
#include "anchord/store/store_impl.h"

typedef struct fileBe {
    char *dir;      /* no trailing slash (messages, the description) */
    int root;       /* the directory, open: every key is resolved below it */
} fileBe;

/* A key is resolved one segment at a time from the root's fd with O_NOFOLLOW: a
 * symbolic link below the root (planted as a DID's folder or in place of an object)
 * is never followed, for reads, writes, renames, deletes or lists -- reaching one is a
 * store error naming the key (never the link's target or content). The root itself may
 * be a link (it is opened once, by name). Anything but a directory or a regular file
 * (a FIFO, a socket, a device) is not an object either. */

#define WALK_NOTFOUND (-2)

/* segLen: the length of the segment at k (up to '/' or the end). */
static size_t segLen(const char *k) { return strcspn(k, "/"); }

/* linkErr: the message for a symbolic link (or other non-directory) at segment seg
 * (n bytes) of key, inside the directory dfd. Always -1. */
static int linkErr(int dfd, const char *key, const char *seg, size_t n, char *err) {
    char name[256];
    struct stat st;
    snprintf(name, sizeof name, "%.*s", (int)(n < 255 ? n : 255), seg);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return errSet(err, "store key %.200s: %.*s is a symbolic link below the store root: not followed", key,
                      (int)(seg - key + (long)n), key);
    return errSet(err, "store key %.200s: %.*s is not a directory", key, (int)(seg - key + (long)n), key);
}

/* openParent: an O_DIRECTORY fd (the caller closes it) of the directory that holds
 * key's last segment, reached from the root with O_NOFOLLOW at every step; create makes
 * missing directories (fsyncing each parent). *leaf points at the last segment. The fd,
 * WALK_NOTFOUND when a directory is missing or a file (!create), or -1 + err (a link,
 * an empty, "." or ".." segment, an I/O error). */
static int openParent(fileBe *b, const char *key, int create, const char **leaf, char *err) {
    for (const char *k = key; ; k += segLen(k) + 1) {
        size_t n = segLen(k);
        if (n == 0 || n > 255 || (n == 1 && k[0] == '.') || (n == 2 && !strncmp(k, "..", 2)))
            return errSet(err, "store key %.200s: empty, '.', '..' or over-long segment", key);
        if (!k[n]) break;
    }
    int fd = openat(b->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errSet(err, "%s: %s", b->dir, strerror(errno));
    const char *k = key;
    for (size_t n = segLen(k); k[n]; k += n + 1, n = segLen(k)) {
        char seg[256];
        memcpy(seg, k, n);
        seg[n] = 0;
        int next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT && create) {
            if (mkdirat(fd, seg, 0755) == 0) fsync(fd);
            else if (errno != EEXIST) {
                errSet(err, "%s/%.*s: mkdir: %s", b->dir, (int)(k - key + (long)n), key, strerror(errno));
                close(fd);
                return -1;
            }
            next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) {
            int e = errno, rc;
            struct stat st;
            if (e == ENOENT) rc = WALK_NOTFOUND;
            else if (e == ELOOP || e == ENOTDIR) {
                /* a regular file where a folder would be: no such key (as before); a link: refused */
                int isFile = fstatat(fd, seg, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
                rc = isFile && !create ? WALK_NOTFOUND : linkErr(fd, key, k, n, err);
            } else rc = errSet(err, "%s/%.*s: %s", b->dir, (int)(k - key + (long)n), key, strerror(e));
            close(fd);
            return rc;
        }
        close(fd);
        fd = next;
    }
    *leaf = k;
    return fd;
}

/* isTempName: whether a file name is one of fileWrite's temp files ("x.tmp.XXXXXX"). */
static int isTempName(const char *name) {
    size_t n = strlen(name);
    return n > 11 && !strncmp(name + n - 11, ".tmp.", 5);
}

/* mkdirs: create every missing parent directory of path (fsyncing each new one's
 * parent); only for the store root, which is opened by name. */
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

/* readAt: read leaf of the directory dfd (<= max bytes) into body and its ETag (key
 * names it in messages). STORE_OK / NOTFOUND (absent, or not a regular file) / ERR (a
 * link: never followed). O_NONBLOCK: a FIFO planted there cannot stall the open. */
static int readAt(int dfd, const char *key, const char *leaf, size_t max, buf *body, char *etag, char *err) {
    int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return STORE_NOTFOUND;
        if (errno == ELOOP) return linkErr(dfd, key, leaf, strlen(leaf), err);
        return errSet(err, "store key %.200s: %s", key, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) { close(fd); return STORE_NOTFOUND; }   /* a "directory" key does not exist */
    if ((unsigned long long)st.st_size > max) { close(fd); return STORE_TOOLARGE; }
    buf tmp = BUF_INIT;
    int rc = fileReadFd(fd, key, max, &tmp, err);
    close(fd);
    if (rc < 0) { bufFree(&tmp); return STORE_ERR; }
    if (etag) sha256Hex(tmp.p ? tmp.p : (const unsigned char *)"", tmp.len, etag);
    if (body) { bufFree(body); *body = tmp; } else bufFree(&tmp);
    return STORE_OK;
}

static int fileGet(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    const char *leaf;
    int dfd = openParent(s->be, key, 0, &leaf, err);
    if (dfd == WALK_NOTFOUND) return STORE_NOTFOUND;
    if (dfd < 0) return STORE_ERR;
    int rc = readAt(dfd, key, leaf, max, body, etag, err);
    close(dfd);
    return rc;
}

/* condHolds: under the lock, whether the current object satisfies cond. */
static int condHolds(int dfd, const char *key, const char *leaf, storeCond cond, const char *ifMatch, char *err) {
    struct stat st;
    if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return linkErr(dfd, key, leaf, strlen(leaf), err);   /* not even replaced */
    if (cond == STORE_PUT_ANY) return STORE_OK;
    char cur[STORE_ETAG_MAX];
    int rc = readAt(dfd, key, leaf, (size_t)1 << 34, NULL, cur, err);
    if (rc == STORE_ERR) return rc;
    if (cond == STORE_PUT_IF_ABSENT) return rc == STORE_NOTFOUND ? STORE_OK : STORE_CONFLICT;
    return rc == STORE_OK && !strcmp(cur, ifMatch) ? STORE_OK : STORE_CONFLICT;
}

/* lockDir: flock(LOCK_EX) on the directory dfd (released when it is closed). */
static int lockDir(int dfd, const char *key, char *err) {
    while (flock(dfd, LOCK_EX) < 0) {
        if (errno == EINTR) continue;
        return errSet(err, "store key %.200s: flock: %s", key, strerror(errno));
    }
    return 0;
}

static int filePut(store *s, const char *key, const void *data, size_t len, storeCond cond,
                   const char *ifMatch, char *newEtag, char *err) {
    const char *base = strrchr(key, '/');
    if (isTempName(base ? base + 1 : key))
        return errSet(err, "store key %.80s: names ending in .tmp.XXXXXX are reserved", key);
    const char *leaf;
    int dfd = openParent(s->be, key, 1, &leaf, err);
    if (dfd == WALK_NOTFOUND) return errSet(err, "store key %.200s: a folder vanished while it was made", key);
    if (dfd < 0) return STORE_ERR;
    int rc = lockDir(dfd, key, err) < 0 ? STORE_ERR : condHolds(dfd, key, leaf, cond, ifMatch, err);
    if (rc == STORE_OK && fileWriteAt(dfd, leaf, data, len, 0644, err) < 0) rc = STORE_ERR;
    if (rc == STORE_OK) sha256Hex(data, len, newEtag);
    close(dfd);   /* closing releases the flock */
    return rc;
}

static int fileDel(store *s, const char *key, char *err) {
    const char *leaf;
    int dfd = openParent(s->be, key, 0, &leaf, err);
    if (dfd == WALK_NOTFOUND) return STORE_OK;
    if (dfd < 0) return STORE_ERR;
    int rc = lockDir(dfd, key, err) < 0 ? STORE_ERR : STORE_OK;
    struct stat st;
    if (rc == STORE_OK && fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        rc = linkErr(dfd, key, leaf, strlen(leaf), err);
    else if (rc == STORE_OK && unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT)
        rc = errSet(err, "store key %.200s: unlink: %s", key, strerror(errno));
    else if (rc == STORE_OK) fsync(dfd);
    close(dfd);
    return rc;
}

typedef struct keyItem { char *key; long long size; } keyItem;
typedef struct keyList { keyItem *v; size_t n, cap; } keyList;

/* walk: collect every regular file below the directory dfd (taken over and closed;
 * relative name rel) whose key starts with prefix. Links are not objects: skipped,
 * never followed. */
static int walk(int dfd, const char *rel, const char *prefix, keyList *out, int depth, char *err) {
    if (depth > 64) { close(dfd); return errSet(err, "%s: directories nested too deep", rel); }
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return errSet(err, "%s: %s", *rel ? rel : ".", strerror(errno)); }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || isTempName(de->d_name)) continue;
        char key[4096];
        snprintf(key, sizeof key, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        size_t kl = strlen(key), pl = strlen(prefix);
        /* Descend only where keys below can still start with prefix. */
        if (strncmp(key, prefix, kl < pl ? kl : pl)) continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) rc = walk(sub, key, prefix, out, depth + 1, err);
        } else if (S_ISREG(st.st_mode) && kl >= pl) {
            if (out->n == out->cap) {
                size_t cap = out->cap ? out->cap * 2 : 64;
                keyItem *v = realloc(out->v, cap * sizeof *v);
                if (!v) { rc = errSet(err, "out of memory"); break; }
                out->v = v; out->cap = cap;
            }
            if (!(out->v[out->n].key = strdup(key))) { rc = errSet(err, "out of memory"); break; }
            out->v[out->n++].size = (long long)st.st_size;
        }
    }
    closedir(d);
    return rc;
}

static int cmpKey(const void *a, const void *b) { return strcmp(((const keyItem *)a)->key, ((const keyItem *)b)->key); }

static int fileList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    fileBe *b = s->be;
    keyList kl = {0};
    int dfd = openat(b->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = dfd < 0 ? errSet(err, "%s: %s", b->dir, strerror(errno)) : walk(dfd, "", prefix, &kl, 0, err);
    if (rc == 0) qsort(kl.v, kl.n, sizeof *kl.v, cmpKey);
    for (size_t i = 0; i < kl.n; i++) {
        if (rc == 0 && fn(ctx, kl.v[i].key, kl.v[i].size)) rc = 1;
        free(kl.v[i].key);
    }
    free(kl.v);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

static int fileCors(store *s, char *err) { return STORE_OK; }

static void fileClose(store *s) {
    fileBe *b = s->be;
    if (b->root >= 0) close(b->root);
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
    if ((b->root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        errSet(err, "store %s: not a directory (%s)", dir, strerror(errno));
        free(dir); free(b);
        return -1;
    }
    b->dir = dir;
    s->be = b;
    s->ops = &fileOps;
    snprintf(s->desc, sizeof s->desc, "file://%s", dir);
    return 0;
}
