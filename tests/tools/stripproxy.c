/* stripproxy.c -- a loopback HTTP proxy that removes conditional headers: an S3 server
 * that ignores If-Match / If-None-Match, for the store probe's negative test.
 *
 * usage: stripproxy LISTEN_PORT UPSTREAM_PORT [--anon]
 * Each connection carries one request: its head loses If-Match, If-None-Match and
 * Connection (plus Authorization with --anon) and gains "Connection: close"; then bytes
 * are pumped both ways until either side closes. SigV4 signs every header libcurl sends,
 * so a server would see a stripped request as forged (403); --anon drops the signature
 * too, for an upstream bucket that allows anonymous writes. Only 127.0.0.1, ever. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 65536

static int anon;

static int dialUpstream(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    return fd;
}

static int writeAll(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* dropped: whether a header line is one the proxy removes. */
static int dropped(const char *line) {
    static const char *names[] = {"if-match:", "if-none-match:", "connection:", "authorization:"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (i == 3 && !anon) continue;
        if (!strncasecmp(line, names[i], strlen(names[i]))) return 1;
    }
    return 0;
}

/* serve: one client connection. */
static void serve(int c, int upPort) {
    static char head[HEAD_MAX + 1], out[HEAD_MAX + 64];
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n == HEAD_MAX) return;
        ssize_t r = read(c, head + n, HEAD_MAX - n);
        if (r <= 0) return;
        n += (size_t)r;
        head[n] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    size_t headLen = (size_t)(end - head) + 2, o = 0;    /* keep the last line's CRLF */
    for (char *line = head; line < head + headLen; ) {
        char *eol = strstr(line, "\r\n");
        size_t l = (size_t)(eol - line) + 2;
        if (!dropped(line)) { memcpy(out + o, line, l); o += l; }
        line += l;
    }
    o += (size_t)snprintf(out + o, sizeof out - o, "Connection: close\r\n\r\n");
    int u = dialUpstream(upPort);
    if (u < 0) return;
    size_t rest = n - headLen - 2;
    if (writeAll(u, out, o) < 0 || writeAll(u, head + headLen + 2, rest) < 0) { close(u); return; }
    struct pollfd p[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
    char b[65536];
    for (;;) {
        if (poll(p, 2, 30000) <= 0) break;
        int from = (p[0].revents & (POLLIN | POLLHUP)) ? 0 : (p[1].revents & (POLLIN | POLLHUP)) ? 1 : -1;
        if (from < 0) break;
        ssize_t r = read(p[from].fd, b, sizeof b);
        if (r <= 0 || writeAll(p[1 - from].fd, b, (size_t)r) < 0) break;
    }
    close(u);
}

int main(int argc, char **argv) {
    if (argc < 3 || (argc == 4 && strcmp(argv[3], "--anon")) || argc > 4) {
        fprintf(stderr, "usage: stripproxy LISTEN_PORT UPSTREAM_PORT [--anon]\n");
        return 2;
    }
    anon = argc == 4;
    int lp = atoi(argv[1]), up = atoi(argv[2]);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lp)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0) {
        perror("stripproxy");
        return 1;
    }
    signal(SIGCHLD, SIG_IGN);       /* children reap themselves */
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) { if (errno == EINTR) continue; perror("accept"); return 1; }
        pid_t pid = fork();
        if (pid == 0) { close(s); serve(c, up); close(c); _exit(0); }
        close(c);
    }
}
