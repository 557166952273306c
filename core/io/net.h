/* net.h -- network addresses given as text: the one parser of a listen address
 * (WA_LISTEN: the settings table validates with it, the ingest server binds with it). */
#ifndef WA_NET_H
#define WA_NET_H
#include <sys/socket.h>

/* netListenParse: "host:port" into *out. host is an IPv4 literal, an IPv6 literal
 * ("[::1]:8080", or bare "::1:8080": the last ":" splits), or "localhost" (127.0.0.1);
 * port is 0..65535 in decimal digits (0: any free port). No name lookup. out may be
 * NULL (check only). 0, or -1 with the reason in why (no value echoed). */
int netListenParse(const char *spec, struct sockaddr_storage *out, char *why);

#endif
