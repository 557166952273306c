/* net.c -- the listen-address parser (net.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "core/err.h"
#include "core/io/net.h"

/* portOf: 0..65535 from decimal digits only. 0 / -1. */
static int portOf(const char *s, int *port) {
    long v = 0;
    if (!*s || strlen(s) > 5) return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > 65535) return -1;
    *port = (int)v;
    return 0;
}

int netListenParse(const char *spec, struct sockaddr_storage *out, char *why) {
    const char *colon = strrchr(spec, ':');
    if (!colon) return errSet(why, "must be host:port");
    char host[64];
    const char *h = spec;
    size_t hn = (size_t)(colon - spec);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') h++, hn -= 2;
    if (hn == 0 || hn >= sizeof host) return errSet(why, "must be host:port");
    memcpy(host, h, hn);
    host[hn] = 0;
    int port;
    if (portOf(colon + 1, &port) < 0) return errSet(why, "port must be 0..65535");
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
    } else {
        return errSet(why, "host must be an IP address or localhost");
    }
    if (out) *out = ss;
    return 0;
}
