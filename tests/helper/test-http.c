/* test-http.c -- small HTTP/TCP helpers on 127.0.0.1 for the suites, the demo and the benches.
 *
 *   httpstatic ROOT PORT [MISSING]  tiny static file server (libmicrohttpd): GET /a/b serves ROOT/a/b (Content-Type, Cache-Control
 * as the store sets them, CORS *); GET / serves ROOT/index.html; 404 when missing (MISSING: another
 * status, e.g. 403 as S3 answers a reader who may not list the bucket); paths with ".." or "//"
 * are refused. Runs until killed.
 *   slowloris PORT N SECS MODE       hold N connections to 127.0.0.1:PORT for SECS: MODE idle
 *                                    (request line, then silence) or trickle (one header line every
 *                                    500 ms); prints "open K closed C" (closed = dropped by the server)
 *   freeport                         a free TCP port on 127.0.0.1 (bind to port 0, ask the kernel) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "anchord/store/store.h"
#include "tests/helper/test-tool.h"

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

int cmdHttpstatic(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: test-tool httpstatic ROOT PORT [MISSING-STATUS]\n");
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

/* closedByPeer: the server has closed fd (EOF or reset); never blocks. */
static int closedByPeer(int fd) {
    char c[256];
    ssize_t n = recv(fd, c, sizeof c, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* cmdSlowloris: the slow-client attack (docs/api.md: WA_HTTP_TIMEOUT, WA_HTTP_MAX_CONNS). */
int cmdSlowloris(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: test-tool slowloris PORT N SECS idle|trickle\n"); return 2; }
    int port = atoi(argv[1]), n = atoi(argv[2]), secs = atoi(argv[3]), trickle = !strcmp(argv[4], "trickle");
    int *fd = calloc((size_t)n, sizeof *fd), *dead = calloc((size_t)n, sizeof *dead), open = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < n; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&a, sizeof a) < 0) { dead[i] = 1; continue; }
        const char *req = "POST /events HTTP/1.1\r\nHost: x\r\n";
        if (send(fd[i], req, strlen(req), MSG_NOSIGNAL) < 0) dead[i] = 1;
        else open++;
    }
    for (int t = 0; t < secs * 2; t++) {
        usleep(500000);
        for (int i = 0; i < n; i++) {
            if (dead[i]) continue;
            if (closedByPeer(fd[i]) || (trickle && send(fd[i], "X-a: b\r\n", 8, MSG_NOSIGNAL) < 0)) dead[i] = 1;
        }
    }
    int closed = 0;
    for (int i = 0; i < n; i++) {
        if (!dead[i] && closedByPeer(fd[i])) dead[i] = 1;
        closed += dead[i];
        if (fd[i] >= 0) close(fd[i]);
    }
    printf("open %d closed %d\n", open, closed - (n - open));
    free(fd);
    free(dead);
    return 0;
}

int cmdFreeport(int argc, char **argv) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (argc != 1) { fprintf(stderr, "usage: test-tool freeport\n"); return 2; }
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &l) < 0) {
        perror("freeport");
        return 1;
    }
    printf("%u\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}
