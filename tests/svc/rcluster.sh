#!/usr/bin/env bash
# rcluster.sh -- a throw-away Redis Cluster on 127.0.0.1 for tests and the demo:
# 3 masters with 1 replica each (6 redis-server processes, every one on its own free
# client port and cluster-bus port), all under DIR, all stopped by PID.
#
#   tests/svc/rcluster.sh start DIR      start; prints shell assignments to eval:
#                                        RCL_URL (the seed URL for WA_REDIS_URL) RCL_DIR
#   tests/svc/rcluster.sh stop DIR       stop every node started under DIR (by PID)
#   tests/svc/rcluster.sh owner DIR SLOT           port of the master serving SLOT
#   tests/svc/rcluster.sh kill-master DIR SLOT     SIGKILL the master serving SLOT, wait
#                                        until its replica is promoted and the cluster is ok;
#                                        prints the new master's port
#   tests/svc/rcluster.sh kill-node DIR PORT       SIGKILL one node, wait for nothing
#   tests/svc/rcluster.sh restart-node DIR PORT    start a killed node again (same port, files):
#                                        it rejoins, a former master as a replica; waits until ok
#   tests/svc/rcluster.sh replica DIR PORT         port of a replica of the master on PORT
#   tests/svc/rcluster.sh migrate-start DIR SLOT   mark SLOT MIGRATING on its master and
#                                        IMPORTING on another master (the next one)
#   tests/svc/rcluster.sh migrate-keys DIR SLOT    MIGRATE every key of SLOT (then the old
#                                        owner answers ASK for them)
#   tests/svc/rcluster.sh migrate-finish DIR SLOT  assign SLOT to the importing master on
#                                        every master (then the old owner answers MOVED)
#
# Sourced (`source tests/svc/rcluster.sh`) it defines rcl_start DIR, rcl_stop DIR
# (_rcl_abort DIR also stops the nodes whose pid files are gone),
# rcl_owner, rcl_kill_master, rcl_kill_node, rcl_restart_node, rcl_replica,
# rcl_migrate_start/keys/finish (same arguments) and
# rcl_cli PORT ARGS... (redis-cli on one node, no redirection); rcl_start exports
# RCL_URL and RCL_DIR into the caller. Fail-over is fast on purpose:
# cluster-node-timeout 1000 ms (RCL_NODE_TIMEOUT), so a replica takes over in ~2-4 s.
# Exit codes: 0 ok, 1 a node or the cluster did not come up / a step failed (the reason
# on stderr), 2 usage. Start to cluster_state:ok takes about 2-5 s.

RCL_NODE_TIMEOUT=${RCL_NODE_TIMEOUT:-1000}
_rcl_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_rcl_port() {
    local fp=$_rcl_here/../../${BUILD:-build}/helper/test-tool
    if [ -x "$fp" ]; then "$fp" freeport; return; fi
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

rcl_cli() { local p=$1; shift; redis-cli -h 127.0.0.1 -p "$p" "$@"; }

_rcl_fail() { echo "rcluster.sh: $1" >&2; [ -n "${2:-}" ] && [ -f "$2" ] && tail -20 "$2" >&2; return 1; }

# _rcl_alive DIR: the client ports of the nodes still running, one a line.
_rcl_alive() {
    local f p
    for f in "$1"/node.*.pid; do
        [ -f "$f" ] || continue
        p=${f##*/node.}; p=${p%.pid}
        kill -0 "$(cat "$f")" 2>/dev/null && echo "$p"
    done
}

# _rcl_nodes DIR: CLUSTER NODES as seen by the first live node that answers.
_rcl_nodes() {
    local p out
    for p in $(_rcl_alive "$1"); do
        out=$(rcl_cli "$p" cluster nodes 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return 0; }
    done
    return 1
}

# rcl_owner DIR SLOT: the client port of the master that serves SLOT (CLUSTER NODES).
rcl_owner() {
    _rcl_nodes "$1" | awk -v s="$2" '$3 ~ /master/ && $3 !~ /fail/ {
        for (i = 9; i <= NF; i++) {
            if ($i ~ /^\[/) continue
            n = split($i, r, "-"); lo = r[1]; hi = n > 1 ? r[2] : r[1]
            if (s + 0 >= lo + 0 && s + 0 <= hi + 0) { split($2, a, "@"); sub(/.*:/, "", a[1]); print a[1]; exit }
        }
    }'
}

# _rcl_id DIR PORT: the node id of the node on PORT.
_rcl_id() { rcl_cli "$2" cluster myid 2>/dev/null; }

# _rcl_ok DIR: every live node says cluster_state:ok, knows every node, and every
# replica's link to its master is up.
_rcl_ok() {
    local p n=0 want
    want=$(ls "$1"/node.*.pid 2>/dev/null | wc -l)
    for p in $(_rcl_alive "$1"); do
        n=$((n + 1))
        rcl_cli "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
        [ "$(rcl_cli "$p" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" -ge "$want" ] || return 1
        local info
        info=$(rcl_cli "$p" info replication 2>/dev/null | tr -d '\r')
        if echo "$info" | grep -q '^role:slave'; then
            echo "$info" | grep -q '^master_link_status:up' || return 1
        fi
    done
    [ "$n" -gt 0 ]
}

# _rcl_wait_ok DIR SECONDS
_rcl_wait_ok() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do _rcl_ok "$1" && return 0; sleep 0.1; done
    return 1
}

# _rcl_node DIR PORT: start (or start again) the node on PORT, its cluster bus port in
# DIR/nPORT/bus, its pid in DIR/node.PORT.pid.
_rcl_node() {
    local D=$1 port=$2
    redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes --cluster-port "$(cat "$D/n$port/bus")" \
        --cluster-config-file "$D/n$port/nodes.conf" --cluster-node-timeout "$RCL_NODE_TIMEOUT" \
        --cluster-replica-validity-factor 0 --dir "$D/n$port" --save '' --appendonly no \
        --daemonize no --loglevel warning >>"$D/n$port/log" 2>&1 &
    _RCL_PIDS+=($!)
    echo $! >"$D/node.$port.pid" || { _rcl_fail "cannot write $D/node.$port.pid"; return 1; }
    disown $!   # stopped by PID (rcl_stop); no job-control notice when killed
}

# rcl_restart_node DIR PORT: start a killed node again; wait (30 s) until it answers and
# every node is ok (a former master comes back as a replica of the one promoted).
rcl_restart_node() {
    local D=$1 p=$2 i
    [ -f "$D/n$p/bus" ] && [ ! -f "$D/node.$p.pid" ] || { _rcl_fail "no stopped node on port $p"; return 1; }
    _rcl_node "$D" "$p" || return 1
    for ((i = 0; i < 100; i++)); do rcl_cli "$p" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
    _rcl_wait_ok "$D" 30 || { _rcl_fail "cluster not ok 30 s after restarting $p" "$D/n$p/log"; return 1; }
}

# rcl_replica DIR PORT: the client port of a live replica of the master on PORT.
rcl_replica() {
    local id
    id=$(_rcl_id "$1" "$2") && [ -n "$id" ] || return 1
    _rcl_nodes "$1" | awk -v m="$id" '$3 ~ /slave/ && $3 !~ /fail/ && $4 == m { split($2, a, "@"); sub(/.*:/, "", a[1]); print a[1]; exit }'
}

# rcl_start DIR: six nodes, the cluster created, every replica attached; exports RCL_URL, RCL_DIR.
rcl_start() {
    local D=$1 i port bus ports=() seen=" "
    _RCL_PIDS=()
    command -v redis-server >/dev/null || { _rcl_fail "redis-server not installed"; return 1; }
    command -v redis-cli >/dev/null || { _rcl_fail "redis-cli not installed (redis-tools)"; return 1; }
    mkdir -p "$D" || return 1
    D=$(cd "$D" && pwd)
    for ((i = 0; i < 6; i++)); do
        for _ in 1 2 3 4 5; do   # two ports per node, none taken twice
            port=$(_rcl_port); bus=$(_rcl_port)
            [[ "$seen" != *" $port "* && "$seen" != *" $bus "* && "$port" != "$bus" ]] && break
        done
        seen="$seen$port $bus "
        mkdir -p "$D/n$port"
        echo "$bus" >"$D/n$port/bus"
        _rcl_node "$D" "$port" || { _rcl_abort "$D"; return 1; }
        ports+=("$port")
    done
    for port in "${ports[@]}"; do
        for ((i = 0; i < 100; i++)); do rcl_cli "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
        [ "$i" -lt 100 ] || { _rcl_fail "node $port did not start" "$D/n$port/log"; _rcl_abort "$D"; return 1; }
    done
    local addrs=()
    for port in "${ports[@]}"; do addrs+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$D/create.log" 2>&1 ||
        { _rcl_fail "redis-cli --cluster create failed" "$D/create.log"; _rcl_abort "$D"; return 1; }
    _rcl_wait_ok "$D" 30 || { _rcl_fail "cluster not ok after 30 s"; _rcl_nodes "$D" >&2; _rcl_abort "$D"; return 1; }
    # seeds: the three masters, as one comma list
    local seeds=() p
    for p in "${ports[@]}"; do
        rcl_cli "$p" role 2>/dev/null | head -1 | grep -q master && seeds+=("127.0.0.1:$p")
    done
    RCL_URL="redis://$(IFS=,; echo "${seeds[*]}")"
    RCL_DIR=$D
    export RCL_URL RCL_DIR
}

# _rcl_abort DIR: rcl_stop, plus every node this shell's rcl_start started, by the PIDs it
# kept, even when DIR or its pid files are gone (only a PID whose working directory is
# still under DIR: never a recycled one).
_rcl_abort() {
    local p
    rcl_stop "$1"
    for p in "${_RCL_PIDS[@]}"; do
        case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$1"/*) kill -9 "$p" 2>/dev/null ;; esac
    done
    return 0
}

# rcl_stop DIR: stop every node started under DIR, by PID (TERM, then KILL after 5 s).
rcl_stop() {
    local D=$1 f p
    for f in "$D"/node.*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        kill "$p" 2>/dev/null
    done
    for f in "$D"/node.*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
        rm -f "$f"
    done
    return 0
}

# rcl_kill_master DIR SLOT: SIGKILL the master serving SLOT; wait (30 s) for its replica
# to serve SLOT and for the remaining nodes to be ok; print the new master's port.
rcl_kill_master() {
    local D=$1 s=$2 old new i
    old=$(rcl_owner "$D" "$s")
    [ -n "$old" ] && [ -f "$D/node.$old.pid" ] || { _rcl_fail "no live master serves slot $s"; return 1; }
    kill -9 "$(cat "$D/node.$old.pid")"
    rm -f "$D/node.$old.pid"
    for ((i = 0; i < 300; i++)); do
        new=$(rcl_owner "$D" "$s")
        if [ -n "$new" ] && [ "$new" != "$old" ] && [ -f "$D/node.$new.pid" ] &&
           rcl_cli "$new" role 2>/dev/null | head -1 | grep -q master && _rcl_ok_state "$D"; then
            echo "$new"; return 0
        fi
        sleep 0.1
    done
    _rcl_fail "slot $s: no replica promoted after 30 s"
}

# rcl_kill_node DIR PORT: SIGKILL the node on PORT (a second failure, a partition test).
rcl_kill_node() {
    [ -f "$1/node.$2.pid" ] || { _rcl_fail "no node on port $2"; return 1; }
    kill -9 "$(cat "$1/node.$2.pid")"
    rm -f "$1/node.$2.pid"
}

# _rcl_ok_state DIR: every live node says cluster_state:ok (replica links not required:
# the promoted master has none left).
_rcl_ok_state() {
    local p
    for p in $(_rcl_alive "$1"); do
        rcl_cli "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}

# _rcl_target DIR SLOT: a live master other than SLOT's owner (the next in port order).
_rcl_target() {
    local own p
    own=$(rcl_owner "$1" "$2")
    for p in $(_rcl_alive "$1" | sort -n); do
        [ "$p" != "$own" ] && rcl_cli "$p" role 2>/dev/null | head -1 | grep -q master && { echo "$p"; return 0; }
    done
    return 1
}

# rcl_migrate_start DIR SLOT: IMPORTING on the target, then MIGRATING on the owner (the
# order the cluster tutorial gives); the target's port goes to DIR/migrate.SLOT.
rcl_migrate_start() {
    local D=$1 s=$2 src dst
    src=$(rcl_owner "$D" "$s"); dst=$(_rcl_target "$D" "$s")
    [ -n "$src" ] && [ -n "$dst" ] || { _rcl_fail "slot $s: no owner or no target"; return 1; }
    echo "$src $dst" >"$D/migrate.$s"
    rcl_cli "$dst" cluster setslot "$s" importing "$(_rcl_id "$D" "$src")" | grep -q OK &&
        rcl_cli "$src" cluster setslot "$s" migrating "$(_rcl_id "$D" "$dst")" | grep -q OK ||
        _rcl_fail "slot $s: SETSLOT IMPORTING/MIGRATING refused"
}

# rcl_migrate_keys DIR SLOT: MIGRATE every key of SLOT from the owner to the target.
rcl_migrate_keys() {
    local D=$1 s=$2 src dst keys
    read -r src dst <"$D/migrate.$s" || { _rcl_fail "slot $s: migrate-start first"; return 1; }
    while :; do
        mapfile -t keys < <(rcl_cli "$src" cluster getkeysinslot "$s" 100)
        [ "${#keys[@]}" -gt 0 ] && [ -n "${keys[0]}" ] || break
        rcl_cli "$src" migrate 127.0.0.1 "$dst" "" 0 5000 keys "${keys[@]}" | grep -q OK ||
            { _rcl_fail "slot $s: MIGRATE failed"; return 1; }
    done
}

# rcl_migrate_finish DIR SLOT: SETSLOT NODE target on the target, the old owner, then
# every other master, so the whole cluster agrees at once.
rcl_migrate_finish() {
    local D=$1 s=$2 src dst id p
    read -r src dst <"$D/migrate.$s" || { _rcl_fail "slot $s: migrate-start first"; return 1; }
    id=$(_rcl_id "$D" "$dst")
    for p in "$dst" "$src" $(_rcl_alive "$D"); do
        rcl_cli "$p" role 2>/dev/null | head -1 | grep -q master || continue
        rcl_cli "$p" cluster setslot "$s" node "$id" | grep -q OK ||
            { _rcl_fail "slot $s: SETSLOT NODE refused by $p"; return 1; }
    done
    rm -f "$D/migrate.$s"
}

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
    case "${1:-} ${2:-}" in
    start\ ?*) rcl_start "$2" >/dev/null || exit 1
               for v in RCL_URL RCL_DIR; do printf '%s=%q\n' "$v" "${!v}"; done ;;
    stop\ ?*)  rcl_stop "$2" ;;
    owner\ ?*) [ -n "${3:-}" ] || { echo "usage: $0 owner DIR SLOT" >&2; exit 2; }
               p=$(rcl_owner "$2" "$3"); [ -n "$p" ] && echo "$p" ;;
    kill-master\ ?*|kill-node\ ?*|restart-node\ ?*|replica\ ?*|migrate-start\ ?*|migrate-keys\ ?*|migrate-finish\ ?*)
               [ -n "${3:-}" ] || { echo "usage: $0 $1 DIR SLOT|PORT" >&2; exit 2; }
               f=${1//-/_}; "rcl_$f" "$2" "$3" ;;
    *) echo "usage: $0 start DIR | stop DIR | owner DIR SLOT | kill-master DIR SLOT | kill-node DIR PORT |" \
            "restart-node DIR PORT | replica DIR PORT |" \
            "migrate-start DIR SLOT | migrate-keys DIR SLOT | migrate-finish DIR SLOT" >&2; exit 2 ;;
    esac
fi
