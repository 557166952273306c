/* httpstatic.c -- tiny static file server on 127.0.0.1 for tests (libmicrohttpd).
 *
 * usage: httpstatic ROOT PORT [MISSING]  -- GET /a/b serves ROOT/a/b (Content-Type, Cache-Control
 * as the store sets them, CORS *); GET / serves ROOT/index.html; 404 when missing (MISSING: another
 * status, e.g. 403 as S3 answers a reader who may not list the bucket); paths with ".." or "//"
 * are refused. Runs until killed. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include "anchord/store/store.h"

static const char *root;
static unsigned missingStatus = 404;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *msg) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result onRequest(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                 const char *version, const char *data, size_t *size, void **state) {
    if (strcmp(method, "GET")) return reply(c, 405, "method not allowed\n");
    if (url[0] != '/' || strstr(url, "..") || strstr(url, "//")) return reply(c, 400, "bad path\n");
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, strcmp(url, "/") ? url : "/index.html");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return reply(c, missingStatus, missingStatus == 404 ? "not found\n" : "access denied\n");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    MHD_add_response_header(r, "Content-Type", storeContentType(path));   /* as the store serves it */
    MHD_add_response_header(r, "Cache-Control", storeCacheControl(url + 1));
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: httpstatic ROOT PORT [MISSING-STATUS]\n");
        return 2;
    }
    root = argv[1];
    if (argc == 4) missingStatus = (unsigned)atoi(argv[3]);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)atoi(argv[2]), NULL, NULL, onRequest, NULL,
                                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "httpstatic: cannot listen on 127.0.0.1:%s\n", argv[2]);
        return 1;
    }
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int sig;
    sigwait(&s, &sig);
    MHD_stop_daemon(d);
    return 0;
}
