/* test-proxy.c -- `test-tool faultproxy`: a fault-injecting loopback HTTP proxy for the fault, malicious-RPC and
 * store suites: error answers, delays, hangs, dropped connections, stripped headers,
 * JSON-RPC errors and rewritten JSON-RPC results, chosen per request by a rules file.
 *
 * usage: test-tool faultproxy LISTEN_PORT UPSTREAM_PORT [RULES_FILE]
 *
 * Each connection carries one request ("Connection: close" both ways). Every request is
 * matched against the rules, in file order; the rules file is read again whenever it
 * changes (write a new one and rename it over the old: that is the control interface),
 * which also resets the counters. One line per rule, '#' comments:
 *
 *   [method=M] [path=SUBSTR] [rpc=METHOD] [nth=N|from=N] [frac=P] [times=K] [fwd] ACTION ARGS
 *
 *   method=, path=, rpc=  match the HTTP method, a substring of the request target, the
 *                         JSON-RPC method of the body (bodies up to 1 MiB are read)
 *   nth=N / from=N        only the N-th matching request / the N-th and later (1-based,
 *                         counted per rule); frac=P: each match with probability P
 *                         (FAULTPROXY_SEED, default 1); times=K: at most K firings
 *   fwd                   forward the request first and throw the answer away: the
 *                         write happened, the client never learns it (status/drop/hang/rpcerror)
 *   ACTION: pass | strip HEADER | delay MS | status CODE | drop | hang |
 *           rpcerror CODE MESSAGE... | rewrite PATH JSON
 *
 * strip rules apply along with the first other rule that fires. rewrite forwards the
 * request and replaces PATH (e.g. result, result.logs[0].topics[1]) in the JSON answer
 * by the JSON value. hang keeps the connection open, silent, until the client gives up
 * (at most 120 s). One stderr line per request: "#N METHOD TARGET [rpc] -> action".
 * Only 127.0.0.1, ever. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "tests/helper/test-tool.h"

#define HEAD_MAX 65536
#define BODY_MAX (1 << 20)          /* request bodies read for rpc= matching */
#define RESP_MAX (8 << 20)          /* upstream answers buffered for rewrite/fwd */
#define RULES_MAX 64
#define STRIP_MAX 8

enum { A_PASS, A_STRIP, A_DELAY, A_STATUS, A_DROP, A_HANG, A_RPCERROR, A_REWRITE };
static const char *actNames[] = {"pass", "strip", "delay", "status", "drop", "hang", "rpcerror", "rewrite"};

typedef struct rule {
    char method[16], path[256], rpc[64];
    long nth, from, times, fired, seen;
    double frac;
    int fwd, act;
    long num;                       /* delay ms, status code, rpcerror code */
    char arg[512], arg2[1024];      /* strip header / rewrite path / message; rewrite JSON */
} rule;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static rule rules[RULES_MAX];
static int nrules;
static const char *rulesPath;
static struct timespec rulesMtime;
static off_t rulesSize = -1;
static unsigned seed = 1;
static long reqCount;
static int upPort;

/* ---- rules ---- */

/* parseRule: one rules-file line into r; 0 ok, 1 blank, -1 bad. */
static int parseRule(char *line, rule *r) {
    memset(r, 0, sizeof *r);
    r->act = -1;
    char *save = NULL, *t;
    for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (*t == '#') break;
        if (!strncmp(t, "method=", 7)) snprintf(r->method, sizeof r->method, "%s", t + 7);
        else if (!strncmp(t, "path=", 5)) snprintf(r->path, sizeof r->path, "%s", t + 5);
        else if (!strncmp(t, "rpc=", 4)) snprintf(r->rpc, sizeof r->rpc, "%s", t + 4);
        else if (!strncmp(t, "nth=", 4)) r->nth = atol(t + 4);
        else if (!strncmp(t, "from=", 5)) r->from = atol(t + 5);
        else if (!strncmp(t, "frac=", 5)) r->frac = atof(t + 5);
        else if (!strncmp(t, "times=", 6)) r->times = atol(t + 6);
        else if (!strcmp(t, "fwd")) r->fwd = 1;
        else {
            for (int i = 0; i < (int)(sizeof actNames / sizeof *actNames); i++)
                if (!strcmp(t, actNames[i])) r->act = i;
            if (r->act < 0) return -1;
            break;
        }
    }
    if (!t || *t == '#') return r->method[0] || r->path[0] || r->rpc[0] ? -1 : 1;
    char *rest = save ? save + strspn(save, " \t") : NULL;
    if (rest) rest[strcspn(rest, "\r\n")] = 0;
    switch (r->act) {
    case A_DELAY: case A_STATUS:
        if (!rest || !*rest) return -1;
        r->num = atol(rest);
        break;
    case A_STRIP:
        if (!rest || !*rest) return -1;
        snprintf(r->arg, sizeof r->arg, "%s:", rest);
        break;
    case A_RPCERROR: {
        char *msg = NULL;
        if (!rest) return -1;
        r->num = strtol(rest, &msg, 10);
        snprintf(r->arg, sizeof r->arg, "%s", msg ? msg + strspn(msg, " ") : "");
        break;
    }
    case A_REWRITE: {
        if (!rest) return -1;
        size_t n = strcspn(rest, " ");
        if (!rest[n]) return -1;
        snprintf(r->arg, sizeof r->arg, "%.*s", (int)n, rest);
        snprintf(r->arg2, sizeof r->arg2, "%s", rest + n + 1);
        json_t *v = json_loads(r->arg2, JSON_DECODE_ANY, NULL);
        if (!v) return -1;
        json_decref(v);
        break;
    }
    default: break;
    }
    return 0;
}

/* reloadRules: read the rules file again if it changed (caller holds mu). */
static void reloadRules(void) {
    struct stat st;
    if (!rulesPath) return;
    if (stat(rulesPath, &st) < 0) { nrules = 0; rulesSize = -1; return; }
    if (st.st_size == rulesSize && st.st_mtim.tv_sec == rulesMtime.tv_sec && st.st_mtim.tv_nsec == rulesMtime.tv_nsec)
        return;
    FILE *f = fopen(rulesPath, "r");
    if (!f) return;
    rulesSize = st.st_size;
    rulesMtime = st.st_mtim;
    nrules = 0;
    char line[2048];
    for (int ln = 1; fgets(line, sizeof line, f); ln++) {
        if (nrules == RULES_MAX) break;
        int rc = parseRule(line, &rules[nrules]);
        if (rc < 0) fprintf(stderr, "faultproxy: %s:%d: bad rule ignored\n", rulesPath, ln);
        if (rc == 0) nrules++;
    }
    fclose(f);
    fprintf(stderr, "faultproxy: %d rule(s) from %s\n", nrules, rulesPath);
}

/* matches: whether r's criteria fit the request (not yet its selector). */
static int matches(const rule *r, const char *method, const char *target, const char *rpc) {
    if (r->method[0] && strcasecmp(r->method, method)) return 0;
    if (r->path[0] && !strstr(target, r->path)) return 0;
    if (r->rpc[0] && (!rpc || strcmp(r->rpc, rpc))) return 0;
    return 1;
}

/* fires: count the match and apply the selector (caller holds mu). */
static int fires(rule *r) {
    r->seen++;
    if (r->times && r->fired >= r->times) return 0;
    if (r->nth && r->seen != r->nth) return 0;
    if (r->from && r->seen < r->from) return 0;
    if (r->frac > 0 && (double)rand_r(&seed) / RAND_MAX >= r->frac) return 0;
    r->fired++;
    return 1;
}

/* choose: the strip rules and the first firing action rule, copied out under mu. */
static int choose(const char *method, const char *target, const char *rpc, rule *out, char strips[][512],
                  int *nstrips, long *reqNo) {
    int found = 0;
    *nstrips = 0;
    pthread_mutex_lock(&mu);
    reloadRules();
    *reqNo = ++reqCount;
    for (int i = 0; i < nrules; i++) {
        rule *r = &rules[i];
        if (!matches(r, method, target, rpc)) continue;
        if (r->act == A_STRIP) {
            if (*nstrips < STRIP_MAX && fires(r)) snprintf(strips[(*nstrips)++], 512, "%s", r->arg);
            continue;
        }
        if (!found && fires(r)) { *out = *r; found = 1; }
    }
    pthread_mutex_unlock(&mu);
    return found;
}

/* ---- I/O ---- */

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

static int dialUpstream(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)upPort)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
    return fd;
}

/* readAll: read fd until EOF or max bytes into a malloc'd buffer (NUL-terminated). */
static char *readAll(int fd, size_t max, size_t *len) {
    size_t cap = 65536, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max) break;
            cap *= 2;
            b = realloc(b, cap + 1);
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    b[n] = 0;
    *len = n;
    return b;
}

static void sleepMs(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

/* headerValue: the value of header name (with ':') in a request head, or NULL. */
static const char *headerValue(const char *head, const char *name, char *out, size_t cap) {
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l && l[2] && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, name, nl)) continue;
        const char *v = l + 2 + nl;
        v += strspn(v, " \t");
        size_t n = strcspn(v, "\r\n");
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), v);
        return out;
    }
    return NULL;
}

/* answer: a complete response with the given status and body. */
static void answer(int c, int code, const char *ctype, const char *body) {
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d Injected\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n", code, ctype, strlen(body));
    if (writeAll(c, head, (size_t)n) == 0) writeAll(c, body, strlen(body));
}

/* s3Error: an S3-style error answer for code (what a store client parses). */
static void s3Error(int c, int code) {
    const char *name = code == 412 ? "PreconditionFailed" : code == 409 ? "ConditionalRequestConflict"
                     : code == 503 ? "SlowDown" : code == 404 ? "NoSuchKey" : code >= 500 ? "InternalError" : "Injected";
    char body[512];
    snprintf(body, sizeof body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
             "<Message>injected by faultproxy</Message></Error>", name);
    answer(c, code, "application/xml", body);
}

/* rpcError: a JSON-RPC error object answering request id. */
static void rpcError(int c, json_t *id, long code, const char *msg) {
    json_t *o = json_pack("{s:s,s:O,s:{s:I,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", "code",
                          (json_int_t)code, "message", msg);
    char *s = json_dumps(o, JSON_COMPACT);
    answer(c, 200, "application/json", s);
    free(s);
    json_decref(o);
}

/* setPath: replace the value at path ("a.b[0].c") inside root by v (stolen). */
static int setPath(json_t *root, const char *path, json_t *v) {
    char keys[16][128];
    long idx[16];
    int n = 0;
    for (const char *s = path; *s && n < 16; n++) {
        if (*s == '.') s++;
        if (*s == '[') { idx[n] = strtol(s + 1, (char **)&s, 10); keys[n][0] = 0; if (*s == ']') s++; continue; }
        size_t l = strcspn(s, ".[");
        snprintf(keys[n], sizeof keys[n], "%.*s", (int)l, s);
        idx[n] = -1;
        s += l;
    }
    json_t *cur = root;
    for (int i = 0; cur && i < n - 1; i++)
        cur = idx[i] < 0 ? json_object_get(cur, keys[i]) : json_array_get(cur, (size_t)idx[i]);
    int rc = !cur || n == 0 ? -1
           : idx[n - 1] < 0 ? (json_is_object(cur) ? json_object_set_new(cur, keys[n - 1], v) : -1)
           : json_array_set_new(cur, (size_t)idx[n - 1], v);
    if (rc < 0 && (!cur || n == 0 || (idx[n - 1] < 0 && !json_is_object(cur)))) json_decref(v);
    return rc;
}

/* dechunk: decode a chunked body in place; returns the decoded length. */
static size_t dechunk(char *b, size_t n) {
    size_t in = 0, out = 0;
    while (in < n) {
        char *end;
        unsigned long sz = strtoul(b + in, &end, 16);
        char *crlf = strstr(end, "\r\n");
        if (!crlf || sz == 0) break;
        in = (size_t)(crlf - b) + 2;
        if (in + sz > n) sz = n - in;
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz + 2;
    }
    return out;
}

/* rewrite: the upstream answer resp with PATH replaced, sent to c. */
static void rewrite(int c, char *resp, size_t len, const rule *r) {
    char *h = resp;
    while (!strncmp(h, "HTTP/1.1 1", 10) || !strncmp(h, "HTTP/1.0 1", 10)) {   /* skip 1xx */
        char *e = strstr(h, "\r\n\r\n");
        if (!e) break;
        h = e + 4;
    }
    char *end = strstr(h, "\r\n\r\n"), te[64];
    if (!end) { answer(c, 502, "text/plain", "faultproxy: bad upstream answer"); return; }
    *end = 0;
    char *body = end + 4;
    size_t blen = len - (size_t)(body - resp);
    if (headerValue(h, "transfer-encoding:", te, sizeof te) && strcasestr(te, "chunked")) blen = dechunk(body, blen);
    json_t *j = json_loadb(body, blen, 0, NULL);
    json_t *v = json_loads(r->arg2, JSON_DECODE_ANY, NULL);
    if (!j || setPath(j, r->arg, v) < 0) {
        fprintf(stderr, "faultproxy: rewrite %s: path not found; answer passed unchanged\n", r->arg);
        json_decref(j);
        answer(c, 200, "application/json", body);
        return;
    }
    char *s = json_dumps(j, JSON_COMPACT);
    answer(c, 200, "application/json", s);
    free(s);
    json_decref(j);
}

/* pump: bytes both ways until either side closes. */
static void pump(int c, int u) {
    struct pollfd p[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};
    char b[65536];
    for (;;) {
        if (poll(p, 2, 120000) <= 0) break;
        int from = (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 : (p[1].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : -1;
        if (from < 0) break;
        ssize_t r = read(p[from].fd, b, sizeof b);
        if (r <= 0 || writeAll(p[1 - from].fd, b, (size_t)r) < 0) break;
    }
}

/* ---- one connection ---- */

static void serveConn(int c) {
    char *head = malloc(HEAD_MAX + 1), *out = malloc(HEAD_MAX + 64), *body = NULL;
    char method[16] = "", target[1024] = "", rpcName[64] = "", cl[32], strips[STRIP_MAX][512], exp[64];
    size_t n = 0, bodyHave = 0, bodyLen = 0;
    char *end = NULL;
    json_t *req = NULL;
    int u = -1;
    while (!end) {
        if (n == HEAD_MAX) goto out;
        ssize_t r = read(c, head + n, HEAD_MAX - n);
        if (r <= 0) goto out;
        n += (size_t)r;
        head[n] = 0;
        end = strstr(head, "\r\n\r\n");
    }
    sscanf(head, "%15s %1023s", method, target);
    size_t headLen = (size_t)(end - head) + 2;        /* keep the last line's CRLF */
    bodyHave = n - headLen - 2;
    body = head + headLen + 2;
    /* Small bodies are read whole, for rpc= matching and for fwd/rewrite. */
    if (headerValue(head, "content-length:", cl, sizeof cl) && (bodyLen = strtoul(cl, NULL, 10)) <= BODY_MAX &&
        bodyLen > bodyHave) {
        char *b = malloc(bodyLen + 1);
        memcpy(b, body, bodyHave);
        if (headerValue(head, "expect:", exp, sizeof exp) && strcasestr(exp, "100-continue"))
            writeAll(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        while (bodyHave < bodyLen) {
            ssize_t r = read(c, b + bodyHave, bodyLen - bodyHave);
            if (r <= 0) break;
            bodyHave += (size_t)r;
        }
        b[bodyHave] = 0;
        body = b;
    }
    if (bodyHave && (req = json_loadb(body, bodyHave, 0, NULL)) && json_is_object(req))
        snprintf(rpcName, sizeof rpcName, "%s", json_string_value(json_object_get(req, "method")) ?: "");
    rule r;
    int nstrips = 0;
    long no;
    int found = choose(method, target, rpcName[0] ? rpcName : NULL, &r, strips, &nstrips, &no);
    if (!found) r.act = A_PASS, r.fwd = 0;
    fprintf(stderr, "faultproxy: #%ld %s %s%s%s -> %s%s%s%s\n", no, method, target, rpcName[0] ? " rpc=" : "", rpcName,
            r.fwd ? "fwd " : "", actNames[r.act], nstrips ? " +strip" : "", found ? "" : " (no rule)");
    if (r.act == A_DELAY) { sleepMs(r.num); r.act = A_PASS; }
    int forward = r.act == A_PASS || r.act == A_REWRITE || r.fwd;
    if (forward) {
        size_t o = 0;
        for (char *line = head; line < head + headLen; ) {
            char *eol = strstr(line, "\r\n");
            size_t l = (size_t)(eol - line) + 2;
            int drop = !strncasecmp(line, "connection:", 11);
            for (int i = 0; i < nstrips && !drop; i++) drop = !strncasecmp(line, strips[i], strlen(strips[i]));
            if (!drop) { memcpy(out + o, line, l); o += l; }
            line += l;
        }
        o += (size_t)snprintf(out + o, HEAD_MAX + 64 - o, "Connection: close\r\n\r\n");
        if ((u = dialUpstream()) < 0) { answer(c, 502, "text/plain", "faultproxy: upstream down"); goto out; }
        if (writeAll(u, out, o) < 0 || writeAll(u, body, bodyHave) < 0) goto out;
        if (r.act == A_PASS) { pump(c, u); goto out; }
        size_t rl;
        char *resp = readAll(u, RESP_MAX, &rl);
        if (r.act == A_REWRITE) rewrite(c, resp, rl, &r);
        free(resp);
        if (r.act == A_REWRITE) goto out;
    }
    switch (r.act) {
    case A_STATUS: s3Error(c, (int)r.num); break;
    case A_RPCERROR: rpcError(c, json_object_get(req, "id"), r.num, r.arg); break;
    case A_HANG: {
        struct pollfd p = {c, POLLIN, 0};
        char b[4096];
        for (int i = 0; i < 120; i++)               /* until the client gives up */
            if (poll(&p, 1, 1000) > 0 && read(c, b, sizeof b) <= 0) break;
        break;
    }
    default: break;                                  /* drop: just close */
    }
out:
    if (u >= 0) close(u);
    if (body && (body < head || body > head + HEAD_MAX)) free(body);
    json_decref(req);
    free(head);
    free(out);
    close(c);
}

static void *connThread(void *arg) {
    serveConn((int)(long)arg);
    return NULL;
}

int cmdFaultproxy(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: test-tool faultproxy LISTEN_PORT UPSTREAM_PORT [RULES_FILE] (see tests/helper/test-proxy.c)\n");
        return 2;
    }
    int lp = atoi(argv[1]);
    upPort = atoi(argv[2]);
    rulesPath = argc == 4 ? argv[3] : NULL;
    if (getenv("FAULTPROXY_SEED")) seed = (unsigned)atol(getenv("FAULTPROXY_SEED"));
    setvbuf(stderr, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lp)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0) {
        perror("faultproxy");
        return 1;
    }
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) { if (errno == EINTR) continue; perror("accept"); return 1; }
        pthread_t th;
        if (pthread_create(&th, &at, connThread, (void *)(long)c)) close(c);
    }
}
