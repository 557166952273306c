#!/usr/bin/env bash
# cdnproxy.sh -- Debian's nginx as the caching CDN in front of a bucket, on 127.0.0.1, for
# tests and the demo: runs cron/nginx-cdn.conf (the configuration docs/cdn.md documents)
# with its @NAMES@ filled in, everything under DIR, stopped by PID.
#
#   tests/svc/cdnproxy.sh start DIR ORIGIN_PORT ORIGIN_PATH [PORT]
#                        start; prints CDN_PORT=… and CDN_URL=… lines to eval
#   tests/svc/cdnproxy.sh stop DIR
#
# ORIGIN_PATH is /BUCKET or /BUCKET/PREFIX on the S3 server at 127.0.0.1:ORIGIN_PORT
# (radosgw from tests/svc/radosgw.sh); PORT defaults to a free one. Sourced, it defines
# cdn_start DIR ORIGIN_PORT ORIGIN_PATH [PORT] (exports CDN_PORT, CDN_URL) and cdn_stop DIR.
# Exit codes: 0 ok, 1 nginx missing or did not start (its error log on stderr), 2 usage.
# The access log (DIR/access.log) has one line per request: "status cache-status uri".

_cdn_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CDN_NGINX=${CDN_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

_cdn_port() {
    local fp=$_cdn_here/../../${BUILD:-build}/helper/test-tool
    if [ -x "$fp" ]; then "$fp" freeport; return; fi
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# cdn_start DIR ORIGIN_PORT ORIGIN_PATH [PORT]
cdn_start() {
    local D=$1 oport=$2 opath=$3 port=${4:-}
    [ -x "$CDN_NGINX" ] || { echo "cdnproxy.sh: nginx is not installed (Debian nginx; scripts/deps.sh)" >&2; return 1; }
    mkdir -p "$D"/{cache,tmp} || return 1
    D=$(cd "$D" && pwd)
    [ -n "$port" ] || port=$(_cdn_port)
    sed -e "s#@LISTEN@#127.0.0.1:$port#" -e "s#@ORIGIN@#127.0.0.1:$oport#" \
        -e "s#@ORIGIN_PATH@#$opath#g" -e "s#@CACHE@#$D/cache#" \
        "$_cdn_here/../../cron/nginx-cdn.conf" >"$D/site.conf" || return 1
    {
        # as root the workers would otherwise drop to nobody, who cannot enter DIR
        [ "$(id -u)" -eq 0 ] && echo "user root;"
        cat <<CONF
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log warn;
events { worker_connections 256; }
http {
    types { text/html html; application/json json; }
    default_type application/octet-stream;
    log_format wa '\$status \$upstream_cache_status \$request_method \$request_uri';
    access_log $D/access.log wa;
    client_body_temp_path $D/tmp/body;
    proxy_temp_path $D/tmp/proxy;
    fastcgi_temp_path $D/tmp/fastcgi;
    uwsgi_temp_path $D/tmp/uwsgi;
    scgi_temp_path $D/tmp/scgi;
    include $D/site.conf;
}
CONF
    } >"$D/nginx.conf"
    "$CDN_NGINX" -t -q -p "$D" -c "$D/nginx.conf" 2>"$D/error.log" ||
        { echo "cdnproxy.sh: nginx -t refused the configuration" >&2; cat "$D/error.log" >&2; return 1; }
    "$CDN_NGINX" -p "$D" -c "$D/nginx.conf" -g 'daemon off;' </dev/null >/dev/null 2>>"$D/error.log" &
    echo $! >"$D/cdn.pid"
    local i
    for ((i = 0; i < 100; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    if [ "$i" -eq 100 ]; then
        echo "cdnproxy.sh: nginx did not listen on 127.0.0.1:$port" >&2; tail -5 "$D/error.log" >&2
        cdn_stop "$D"; return 1
    fi
    export CDN_PORT=$port CDN_URL=http://127.0.0.1:$port
}

# cdn_stop DIR: stop the nginx started under DIR (master by PID; its worker follows).
cdn_stop() {
    local p
    [ -f "$1/cdn.pid" ] || return 0
    p=$(cat "$1/cdn.pid")
    kill "$p" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    rm -f "$1/cdn.pid"
    return 0
}

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
    case "${1:-}" in
    start) [ $# -ge 4 ] || { echo "usage: $0 start DIR ORIGIN_PORT ORIGIN_PATH [PORT]" >&2; exit 2; }
           cdn_start "$2" "$3" "$4" "${5:-}" || exit 1
           printf 'CDN_PORT=%q\nCDN_URL=%q\n' "$CDN_PORT" "$CDN_URL" ;;
    stop)  [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
           cdn_stop "$2" ;;
    *) echo "usage: $0 start DIR ORIGIN_PORT ORIGIN_PATH [PORT] | stop DIR" >&2; exit 2 ;;
    esac
fi
