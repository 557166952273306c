#!/usr/bin/env bash
# radosgw.sh -- a throw-away Ceph radosgw (S3) on 127.0.0.1 for tests and the demo.
#
# One ceph-mon + one memstore ceph-osd (no auth, data only in RAM) + radosgw with
# the beast frontend, all under DIR, all stopped by PID. Needs no systemd and no
# /etc/ceph; works as root in a fresh temp dir.
#
#   tests/svc/radosgw.sh start DIR   start; prints shell assignments to eval:
#                                    AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID
#                                    AWS_SECRET_ACCESS_KEY AWS_REGION RGW_PORT RGW_DIR
#   tests/svc/radosgw.sh stop DIR    stop every daemon started under DIR (by PID)
#   tests/svc/radosgw.sh bucket DIR NAME [ACL]   create a bucket (with the test keys)
#
# Sourced (`source tests/svc/radosgw.sh`) it defines rgw_start DIR / rgw_stop DIR
# / rgw_bucket DIR NAME, which export the same variables into the caller.
# Exit codes: 0 ok, 1 a daemon failed to start (its log is printed to stderr),
# 2 usage. Start to answering S3 takes about 5-10 s.

RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-WAACCESSKEY000000001}
RGW_SECRET_KEY=${RGW_SECRET_KEY:-wasecretkey0000000000000000000000000001}
_rgw_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# _rgw_port: a free TCP port on 127.0.0.1 (test-tool freeport, or python).
_rgw_port() {
    local fp=$_rgw_here/../../${BUILD:-build}/helper/test-tool
    if [ -x "$fp" ]; then "$fp" freeport; return; fi
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

_rgw_wait_port() {   # PORT TENTHS
    local i
    for ((i = 0; i < $2; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

_rgw_fail() { echo "radosgw.sh: $1" >&2; [ -f "$2" ] && tail -20 "$2" >&2; rgw_stop "$D"; return 1; }

# rgw_start DIR: start the cluster under DIR and export the AWS_* variables.
rgw_start() {
    local D=$1
    mkdir -p "$D"/{run,log,mon,osd} || return 1
    D=$(cd "$D" && pwd)
    local monport rgwport fsid
    monport=$(_rgw_port); rgwport=$(_rgw_port); fsid=$(uuidgen)
    cat >"$D/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$monport
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
# radosgw asks for "secure" mon connections, which auth "none" cannot give
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms cluster mode = crc
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 2147483648
osd data = $D/osd/\$cluster-\$id
mon data = $D/mon/\$cluster-\$id
osd crush chooseleaf type = 0
osd max object name len = 460
osd max object namespace len = 64
[client]
rgw frontends = beast endpoint=127.0.0.1:$rgwport
rgw data = $D/rgw
rgw dns name = localhost
rgw enable usage log = false
rgw crypt require ssl = false
CONF
    local C=(-c "$D/ceph.conf")
    monmaptool --create --add a "v2:127.0.0.1:$monport" --fsid "$fsid" "$D/monmap" >/dev/null 2>&1 ||
        { _rgw_fail "monmaptool failed"; return 1; }
    ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" >"$D/log/mkfs-mon.out" 2>&1 ||
        { _rgw_fail "ceph-mon --mkfs failed" "$D/log/mkfs-mon.out"; return 1; }
    ceph-mon "${C[@]}" -f -i a >"$D/log/mon.out" 2>&1 &
    echo $! >"$D/mon.pid"
    _rgw_wait_port "$monport" 200 || { _rgw_fail "ceph-mon did not listen" "$D/log/mon.out"; return 1; }
    local id
    id=$(timeout 30 ceph "${C[@]}" osd create 2>"$D/log/osdcreate.out") ||
        { _rgw_fail "ceph osd create failed" "$D/log/osdcreate.out"; return 1; }
    mkdir -p "$D/osd/ceph-$id"
    ceph-osd "${C[@]}" -i "$id" --mkfs >"$D/log/mkfs-osd.out" 2>&1 ||
        { _rgw_fail "ceph-osd --mkfs failed" "$D/log/mkfs-osd.out"; return 1; }
    ceph-osd "${C[@]}" -f -i "$id" >"$D/log/osd.out" 2>&1 &
    echo $! >"$D/osd.pid"
    radosgw "${C[@]}" -f -n client.rgw >"$D/log/rgw.out" 2>&1 &
    echo $! >"$D/rgw.pid"
    _rgw_wait_port "$rgwport" 600 || { _rgw_fail "radosgw did not listen" "$D/log/client.rgw.log"; return 1; }
    timeout 60 radosgw-admin "${C[@]}" user create --uid=wa --display-name=wa \
        --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >"$D/log/user.out" 2>&1 ||
        { _rgw_fail "radosgw-admin user create failed" "$D/log/user.out"; return 1; }
    export AWS_ENDPOINT_URL=http://127.0.0.1:$rgwport AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY \
        AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY AWS_REGION=us-east-1 RGW_PORT=$rgwport RGW_DIR=$D
    # radosgw listens before it serves; wait until an anonymous request gets an S3 answer.
    local i
    for ((i = 0; i < 300; i++)); do
        curl -s -o /dev/null -w '%{http_code}' "$AWS_ENDPOINT_URL/" 2>/dev/null | grep -q '^[24]' && return 0
        sleep 0.1
    done
    _rgw_fail "radosgw did not answer" "$D/log/client.rgw.log"
}

# rgw_bucket DIR NAME [ACL]: create bucket NAME (signed with the test keys); ACL e.g.
# public-read-write (anonymous writes, for test-tool faultproxy strip rules).
rgw_bucket() {
    local port acl=()
    port=$(grep -o 'endpoint=127.0.0.1:[0-9]*' "$1/ceph.conf" | cut -d: -f2)
    [ -n "${3:-}" ] && acl=(-H "x-amz-acl: $3")
    curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$RGW_ACCESS_KEY:$RGW_SECRET_KEY" \
        -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
        "${acl[@]}" "http://127.0.0.1:$port/$2" -o /dev/null
}

# rgw_stop DIR: stop radosgw, the osd and the mon started under DIR, by PID.
rgw_stop() {
    local D=$1 n p
    for n in rgw osd mon; do
        [ -f "$D/$n.pid" ] || continue
        p=$(cat "$D/$n.pid")
        kill "$p" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
        rm -f "$D/$n.pid"
    done
    return 0
}

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
    case "${1:-} ${2:-}" in
    start\ ?*) rgw_start "$2" >/dev/null || exit 1
               for v in AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION RGW_PORT RGW_DIR; do
                   printf '%s=%q\n' "$v" "${!v}"
               done ;;
    stop\ ?*)  rgw_stop "$2" ;;
    bucket\ ?*) [ -n "${3:-}" ] || { echo "usage: $0 bucket DIR NAME [ACL]" >&2; exit 2; }
               rgw_bucket "$2" "$3" "${4:-}" ;;
    *) echo "usage: $0 start DIR | stop DIR | bucket DIR NAME [ACL]" >&2; exit 2 ;;
    esac
fi
