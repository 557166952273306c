/* test_net.c -- core/io/net: the one parser of a listen address (WA_LISTEN), the rule
 * the settings table checks and the ingest server binds with. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "t.h"
#include "core/err.h"
#include "core/io/net.h"

/* v4: spec parses to AF_INET addr:port. */
static int v4(const char *spec, const char *addr, int port) {
    struct sockaddr_storage ss;
    char why[ERR_MAX], got[INET_ADDRSTRLEN];
    if (netListenParse(spec, &ss, why) < 0 || ss.ss_family != AF_INET) return 0;
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, got, sizeof got);
    return !strcmp(got, addr) && ntohs(a->sin_port) == port;
}

/* v6: spec parses to AF_INET6 addr:port. */
static int v6(const char *spec, const char *addr, int port) {
    struct sockaddr_storage ss;
    char why[ERR_MAX], got[INET6_ADDRSTRLEN];
    if (netListenParse(spec, &ss, why) < 0 || ss.ss_family != AF_INET6) return 0;
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, got, sizeof got);
    return !strcmp(got, addr) && ntohs(a->sin6_port) == port;
}

/* bad: spec is refused with a reason containing want. */
static int bad(const char *spec, const char *want) {
    char why[ERR_MAX] = "";
    return netListenParse(spec, NULL, why) < 0 && strstr(why, want);
}

int main(void) {
    T_CHECK(v4("127.0.0.1:8080", "127.0.0.1", 8080), "IPv4");
    T_CHECK(v4("0.0.0.0:0", "0.0.0.0", 0), "any address, port 0 (a free port)");
    T_CHECK(v4("localhost:65535", "127.0.0.1", 65535), "localhost is 127.0.0.1; the top port");
    T_CHECK(v6("[::1]:8080", "::1", 8080), "bracketed IPv6");
    T_CHECK(v6("::1:9", "::1", 9), "bare IPv6: the last colon splits");
    T_CHECK(v6("[::]:443", "::", 443), "IPv6 any");
    T_CHECK(netListenParse("127.0.0.1:80", NULL, NULL) == 0, "check only");
    T_CHECK(bad("8080", "host:port"), "no colon");
    T_CHECK(bad(":8080", "host:port"), "no host");
    T_CHECK(bad("[]:8080", "host:port"), "empty brackets");
    T_CHECK(bad("example.com:80", "IP address"), "no name lookup");
    T_CHECK(bad("127.0.0.1:", "port"), "empty port (atoi would have made it 0)");
    T_CHECK(bad("127.0.0.1:65536", "port"), "port above 65535");
    T_CHECK(bad("127.0.0.1:80x", "port"), "port with a suffix");
    T_CHECK(bad("127.0.0.1:-1", "port"), "negative port");
    T_CHECK(bad("127.0.0.1:+80", "port"), "signed port");
    T_CHECK(bad("127.0.0.1:000080", "port"), "more than 5 digits");
    T_CHECK(bad("[::1:8080", "IP address"), "unbalanced bracket");
    return T_DONE();
}
