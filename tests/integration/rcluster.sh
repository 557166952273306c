#!/usr/bin/env bash
# rcluster.sh -- anchord/rcluster (slot routing over hiredis) against real servers:
# a single redis-server (the path WA_REDIS_URL has today: one connection, no routing)
# and a Redis Cluster of 3 masters with 1 replica each (tests/svc/rcluster.sh): the
# {s0}..{s15} shards routed to their owners, Lua and a 1,000-XADD pipeline in one
# slot, ASK during a slot migration then MOVED after it, lost replies, and a master
# killed in the middle of a stream of writes (every write WAIT saw on a replica survives).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/rcluster.sh"

# rt_start ARGS...: `test-tool rcluster repl ARGS` behind two fifos (their fds, unlike a
# coproc's, reach subshells and pipelines); rt REQUEST prints its one-line answer;
# rt_stop ends it. One at a time.
rt_start() {
    rm -f "$T_TMP/rt.in" "$T_TMP/rt.out"; mkfifo "$T_TMP/rt.in" "$T_TMP/rt.out"
    "$TT" rcluster repl "$@" <"$T_TMP/rt.in" >"$T_TMP/rt.out" 2>>"$T_TMP/rt.err" &
    RT_P=$!; T_PIDS+=("$RT_P")
    exec {RT_IN}>"$T_TMP/rt.in" {RT_OUT}<"$T_TMP/rt.out"
}
rt() {
    local l
    echo "$*" >&"$RT_IN"
    IFS= read -r -t 60 l <&"$RT_OUT" || l="(no answer)"
    echo "$l"
}
rt_stop() { exec {RT_IN}>&- {RT_OUT}<&-; wait "$RT_P" 2>/dev/null; }
# stat NAME: one counter of the coprocess's handle (rclusterStats).
stat() { rt stats | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# slow_lua MS: Lua that answers 0 when its marker KEYS[2] exists, else spins MS ms (a
# reply that outlives a short client timeout), then XADDs to KEYS[1] and sets the marker.
slow_lua() {
    echo "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end" \
         "local t0 = redis.call('TIME') local s = t0[1] * 1000000 + t0[2]" \
         "repeat local t = redis.call('TIME') until t[1] * 1000000 + t[2] - s > $1 * 1000" \
         "redis.call('XADD', KEYS[1], '*', 'a', 'b') redis.call('SET', KEYS[2], '1') return 1"
}

# ---------------------------------------------------------------- single Redis
svc_need redis
SURL=redis://127.0.0.1:$REDIS_PORT
rt_start "$SURL" 300

t_eq "single: mode found from CLUSTER SLOTS's error" "$(rt mode)" "mode single"
t_eq "single: SET" "$(rt cmd SET k1 v1)" "status OK"
t_eq "single: GET" "$(rt cmd GET k1)" "str v1"
t_eq "single: keys of two slots refused as on a cluster" "$(rt cmd MSET a 1 b 2 | cut -d' ' -f1-2)" "fail crossslot"
t_eq "single: keys of one {tag}" "$(rt cmd MSET {t}a 1 {t}b 2)" "status OK"
t_eq "single: a command without keys needs a slot" "$(rt cmd PING | cut -d' ' -f1-2)" "fail noroute"
t_eq "single: PING at a slot" "$(rt at 0 PING)" "status PONG"
t_eq "single: pipeline of 1000 XADD" "$(rt pipe-xadd wa:{s0}:events 1000)" "replies 1000 errors 0"
t_eq "single: all 1000 in the stream" "$(redis-cli -p "$REDIS_PORT" xlen wa:{s0}:events)" "1000"
t_eq "single: a multi-slot pipeline (RCLUSTER_MULTISLOT) in one go" \
    "$(rt pipem SET {a}m 1 \; SET {b}m 2 \; GET {a}m \; GET {b}m)" "status OK | status OK | str 1 | str 2"
t_eq "single: ... still no command of its own across slots" "$(rt pipem MSET {a}m 1 {b}m 2 | cut -d' ' -f1-2)" "fail crossslot"
t_eq "single: one connection, no slot map" "$(stat connects) $(stat refreshes)" "1 0"
t_eq "single: WAIT on a server without replicas" "$(rt wait 1 50)" "acked 0"
redis-cli -p "$REDIS_PORT" client kill type normal >/dev/null   # drops our idle connection
t_eq "single: an idle connection the server closed is re-opened" "$(rt cmd GET k1)" "str v1"
t_eq "single: ... once" "$(stat connects)" "2"
sha=$(rt "script return redis.call('SET', KEYS[1], ARGV[1])" | cut -d' ' -f2)
t_eq "single: EVALSHA of a registered script" "$(rt cmd EVALSHA "$sha" 1 {s1}:lua v)" "status OK"
redis-cli -p "$REDIS_PORT" script flush >/dev/null
t_eq "single: NOSCRIPT after SCRIPT FLUSH: loaded again and re-sent" "$(rt cmd EVALSHA "$sha" 1 {s1}:lua w)" "status OK"
t_eq "single: ... and it ran" "$(redis-cli -p "$REDIS_PORT" get {s1}:lua)" "w"

scenario fault rcluster-single-lost-reply "a write's reply outlives the client timeout (a 600 ms script, 300 ms timeout) on a single Redis" \
    "reported as maybe-run (RCLUSTER_E_LOST), not sent again, and it did run once"
sha=$(rt "script $(slow_lua 600)" | cut -d' ' -f2)
t_eq "single lost: the write is reported lost" "$(rt cmdi EVALSHA "$sha" 2 lz:{s1}:st lz:{s1}:m | cut -d' ' -f1-2)" "fail lost"
sleep 0.5
t_eq "single lost: it ran once (even marked idempotent, a single Redis is not retried)" \
    "$(redis-cli -p "$REDIS_PORT" xlen lz:{s1}:st)" "1"
scenario_close
rt_stop

rt_start "$SURL/3"
t_eq "single: /db selects the database" "$(rt cmd SET dbk x)" "status OK"
t_eq "single: ... database 3" "$(redis-cli -p "$REDIS_PORT" -n 3 get dbk)" "x"
rt_stop

scenario fault rcluster-single-down "WA_REDIS_URL names a port where no Redis listens" "refused at once with RCLUSTER_E_DOWN (no retries on a single Redis)"
rt_start "redis://127.0.0.1:$(freeport)" 300 20000
t0=$(date +%s%N)
t_eq "single down: connection refused" "$(rt cmd GET k | cut -d' ' -f1-2)" "fail down"
t_check "single down: within 1 s" test $((($(date +%s%N) - t0) / 1000000)) -lt 1000
scenario_close
rt_stop

scenario attack rcluster-two-standalone-seeds "WA_REDIS_URL lists two seeds that are not a cluster (two independent servers)" \
    "refused as a configuration error: a write must never land on whichever answers first"
rt_start "redis://127.0.0.1:$REDIS_PORT,127.0.0.1:$REDIS_PORT"
t_eq "two standalone seeds: refused" "$(rt cmd SET k x | cut -d' ' -f1-2)" "fail config"
scenario_close
rt_stop

PW_PORT=$(freeport)
redis-server --bind 127.0.0.1 --port "$PW_PORT" --requirepass s3cretpw --save '' --appendonly no \
    --daemonize no --loglevel warning >"$T_TMP/redis-pw.log" 2>&1 &
T_PIDS+=($!)
wait_port "$PW_PORT" 10 || t_fail "redis with a password" "did not start"
rt_start "redis://:s3cretpw@127.0.0.1:$PW_PORT"
t_eq "password: AUTH" "$(rt cmd SET k x)" "status OK"
rt_stop
rt_start "redis://:wr0ngpw@127.0.0.1:$PW_PORT"
out=$(rt cmd SET k x)
t_eq "wrong password: a configuration error" "$(echo "$out" | cut -d' ' -f1-2)" "fail config"
t_check "wrong password: not in the message" test "${out/wr0ngpw/}" == "$out"
rt_stop

# ---------------------------------------------------------------- Redis Cluster
CD=$T_TMP/cluster
rcl_start "$CD" 2>"$T_TMP/cluster.err" ||
    t_skip_rest rcluster "the Redis Cluster did not start: $(tail -3 "$T_TMP/cluster.err" | tr '\n' ' ')"
trap '_rcl_abort "$CD"; t_cleanup' EXIT
P1=$(echo "$RCL_URL" | sed 's|redis://127.0.0.1:\([0-9]*\),.*|\1|')
keyslot() { rcl_cli "$P1" cluster keyslot "$1"; }

scenario fault rcluster-seeds-down "every seed of a cluster URL refuses connections (retryMs 1500)" \
    "retried with back-off for retryMs, then RCLUSTER_E_DOWN with the reason"
rt_start "redis://127.0.0.1:$(freeport),127.0.0.1:$(freeport)" 300 1500
t0=$(date +%s%N)
out=$(rt cmd GET k)
ms=$((($(date +%s%N) - t0) / 1000000))
t_eq "seeds down: refused as down" "$(echo "$out" | cut -d' ' -f1-2)" "fail down"
t_check "seeds down: retried about retryMs ($ms ms)" test "$ms" -ge 1000 -a "$ms" -lt 4000
t_check "seeds down: ... and says so" grep -q "connection refused.*gave up after 1500 ms" <<<"$out"
scenario_close
rt_stop

rt_start "$RCL_URL" 300
t_eq "cluster: mode from CLUSTER SLOTS" "$(rt mode)" "mode cluster"
bad=0
for s in $(seq 0 15); do
    key="wa:{s$s}:events"
    want_slot=$(keyslot "$key"); owner=$(rcl_owner "$CD" "$want_slot")
    got=$(rt keyaddr "$key")
    [ "$got" == "slot $want_slot addr 127.0.0.1:$owner" ] || { bad=$((bad + 1)); echo "{s$s}: got [$got] want slot $want_slot at $owner"; }
    [ "$(rt cmd SET "wa:{s$s}:probe" "x$s")" == "status OK" ] || bad=$((bad + 1))
    # read on the owner itself, without redirection: the write went there
    [ "$(rcl_cli "$owner" get "wa:{s$s}:probe")" == "x$s" ] || { bad=$((bad + 1)); echo "{s$s}: not on $owner"; }
done
t_eq "cluster: {s0}..{s15} routed to the masters CLUSTER KEYSLOT / CLUSTER NODES name" "$bad" 0
t_eq "cluster: ... with no redirection" "$(stat moved) $(stat asked)" "0 0"
t_eq "cluster: one connection per master used" "$(stat connects)" "3"

sha=$(rt "script redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCR', KEYS[2])" | cut -d' ' -f2)
t_eq "cluster: Lua with two keys of one slot" "$(rt cmd EVALSHA "$sha" 2 wa:{s3}:a wa:{s3}:n v)" "int 1"
t_eq "cluster: Lua with keys of two slots refused, nothing sent" \
    "$(rt cmd EVALSHA "$sha" 2 wa:{s3}:a wa:{s4}:n v | cut -d' ' -f1-2)" "fail crossslot"
t_eq "cluster: a pipeline across slots refused" "$(rt pipe SET {a}1 x \; SET {b}1 y | cut -d' ' -f1-2)" "fail crossslot"
c0=$(stat commands)
t_eq "cluster: pipeline of 1000 XADD into shard {s7}" "$(rt pipe-xadd wa:{s7}:events 1000)" "replies 1000 errors 0"
t_eq "cluster: ... all on the shard's master" \
    "$(rcl_cli "$(rcl_owner "$CD" "$(keyslot s7)")" xlen wa:{s7}:events)" "1000"
t_eq "cluster: ... one pass, no retry" "$(($(stat commands) - c0)) $(stat retries)" "1000 0"
t_eq "cluster: WAIT 1 after a write (every master has a replica)" "$(rt wait 1 1000)" "acked 1"
t_eq "cluster: mark" "$(rt mark)" "ok"
m0=$(stat commands)
t_eq "cluster: a multi-slot pipeline over 3 masters, each command's order kept" \
    "$(rt pipem SET wa:{s0}:m 1 \; SET wa:{s2}:m 2 \; SET wa:{s3}:m 3 \; GET wa:{s0}:m \; INCR wa:{s2}:n \; INCR wa:{s2}:n)" \
    "status OK | status OK | status OK | str 1 | int 1 | int 2"
t_eq "cluster: ... each on its shard's master" \
    "$(rcl_cli "$(rcl_owner "$CD" "$(keyslot s2)")" get wa:{s2}:m)$(rcl_cli "$(rcl_owner "$CD" "$(keyslot s3)")" get wa:{s3}:m)" "23"
t_eq "cluster: ... 6 commands, no redirection" "$(($(stat commands) - m0)) $(stat moved)" "6 0"
t_eq "cluster: WAIT for the writes of shard {s2} since the mark" "$(rt waitslot wa:{s2}:x 1 1000)" "acked 1"
t_eq "cluster: ... and of {s3}" "$(rt waitslot wa:{s3}:x 1 1000)" "acked 1"
t_eq "cluster: mark again" "$(rt mark)" "ok"
t_eq "cluster: WAIT for a shard not written since the mark: unknown (lost)" "$(rt waitslot wa:{s3}:x 1 100 | cut -d' ' -f1-2)" "fail lost"

scenario fault rcluster-migration "a slot migrates while the client holds the old map (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE)" \
    "ASK is followed during the migration (map unchanged), MOVED after it (map updated); no command fails"
mslot=$(keyslot "mig:{m}:a"); src=$(rcl_owner "$CD" "$mslot")
t_eq "migration: write before" "$(rt cmd SET mig:{m}:a v1)" "status OK"
a0=$(stat asked); m0=$(stat moved)
rcl_migrate_start "$CD" "$mslot" && rcl_migrate_keys "$CD" "$mslot"
t_check "migration: slot marked, keys moved" test -f "$CD/migrate.$mslot"
dst=$(cut -d' ' -f2 "$CD/migrate.$mslot")
t_eq "migration: the key is on the importing node" "$(rcl_cli "$dst" cluster countkeysinslot "$mslot")" "1"
t_eq "ASK: a read of a migrated key" "$(rt cmd GET mig:{m}:a)" "str v1"
t_eq "ASK: a new key goes to the importing node" "$(rt cmd SET mig:{m}:b v2)" "status OK"
t_eq "ASK: a pipeline" "$(rt pipe GET mig:{m}:a \; SET mig:{m}:c v3)" "str v1 | status OK"
t_eq "ASK: four redirections, no MOVED" "$(($(stat asked) - a0)) $(($(stat moved) - m0))" "4 0"
t_eq "ASK: the map still names the old owner" "$(rt addr "$mslot")" "addr 127.0.0.1:$src"
rcl_migrate_finish "$CD" "$mslot"
t_eq "MOVED: a read after the slot moved" "$(rt cmd GET mig:{m}:b)" "str v2"
t_eq "MOVED: one redirection" "$(($(stat moved) - m0))" "1"
t_eq "MOVED: the map names the new owner" "$(rt addr "$mslot")" "addr 127.0.0.1:$dst"
m2=$(keyslot "mig:{m2}:a")
t_eq "MOVED pipeline: write before" "$(rt cmd SET mig:{m2}:a w1)" "status OK"
m0=$(stat moved)
rcl_migrate_start "$CD" "$m2" && rcl_migrate_keys "$CD" "$m2" && rcl_migrate_finish "$CD" "$m2"
t_eq "MOVED pipeline: both commands follow the slot" "$(rt pipe GET mig:{m2}:a \; SET mig:{m2}:b w2)" "str w1 | status OK"
t_eq "MOVED pipeline: two redirections" "$(($(stat moved) - m0))" "2"
t_eq "migration: nothing retried" "$(stat retries)" "0"
scenario_close

scenario fault rcluster-lost-reply "a write's reply outlives the client timeout (a 600 ms script, 300 ms timeout) on a cluster" \
    "idempotent (marker) writes are re-sent and answered as already done; other writes are reported as maybe-run, never re-sent"
sha=$(rt "script $(slow_lua 600)" | cut -d' ' -f2)
l0=$(stat lost)
t_eq "lost: idempotent write re-sent, answered by its marker" "$(rt cmdi EVALSHA "$sha" 2 lz:{s9}:st lz:{s9}:m1)" "int 0"
t_check "lost: ... after a lost reply" test "$(stat lost)" -gt "$l0"
t_eq "lost: it ran once" "$(rcl_cli "$(rcl_owner "$CD" "$(keyslot s9)")" xlen lz:{s9}:st)" "1"
t_eq "lost: a plain write is reported lost" "$(rt cmd EVALSHA "$sha" 2 lz:{s9}:st lz:{s9}:m2 | cut -d' ' -f1-2)" "fail lost"
sleep 0.5
t_eq "lost: ... it ran, once" "$(rcl_cli "$(rcl_owner "$CD" "$(keyslot s9)")" xlen lz:{s9}:st)" "2"
scenario_close
rt_stop

rt_start "redis://127.0.0.1:$P1/2"
t_eq "cluster: a database number is refused" "$(rt cmd SET k x | cut -d' ' -f1-2)" "fail config"
rt_stop

scenario fault rcluster-failover "SIGKILL the master of shard {s0} in the middle of a stream of writes (3 masters, 1 replica each; WAIT 1 after each write)" \
    "its replica is promoted; the client refreshes its map and goes on; every write WAIT saw on a replica is still there"
rt_start "$RCL_URL" 2000
t_eq "failover: a client with the map before" "$(rt cmd SET wa:{s0}:before x)" "status OK"
"$TT" rcluster writer "$RCL_URL" 9 "$T_TMP/acked" >"$T_TMP/writer.out" 2>"$T_TMP/writer.err" &
WPID=$!; T_PIDS+=($WPID)
for ((i = 0; i < 100; i++)); do n=$(grep -c '^acked' "$T_TMP/acked" 2>/dev/null); [ "${n:-0}" -ge 300 ] && break; sleep 0.1; done
s0=$(keyslot s0); old=$(rcl_owner "$CD" "$s0")
atkill=$(wc -l <"$T_TMP/acked")
new=$(rcl_kill_master "$CD" "$s0")
t_check "failover: the replica of {s0}'s master is promoted" test -n "$new" -a "$new" != "$old"
wait "$WPID"; wrc=$?
cat "$T_TMP/writer.out"; head -5 "$T_TMP/writer.err"
t_eq "failover: no write failed" "$wrc" 0
t_check "failover: writes went on after the fail-over (100+ after the kill)" \
    test $(($(wc -l <"$T_TMP/acked") - atkill)) -ge 100
t_check "failover: the writer saw it (retries or redirections)" \
    test "$(awk '/^commands/ { print $4 + $8 }' "$T_TMP/writer.out")" -gt 0
"$TT" rcluster verify "$RCL_URL" "$T_TMP/acked" >"$T_TMP/verify.out" 2>&1
t_eq "failover: every acknowledged write is there" "$(grep -o 'missing [0-9]*' "$T_TMP/verify.out")" "missing 0"
t_check "failover: ... 300 or more of them" test "$(awk '/^checked/ { print $2 }' "$T_TMP/verify.out")" -ge 300
t_eq "failover: the old client goes on (refreshes its map)" "$(rt cmd SET wa:{s0}:after y)" "status OK"
t_eq "failover: it wrote to the promoted master" "$(rcl_cli "$new" get wa:{s0}:after)" "y"
t_eq "failover: WAIT on the promoted master (no replica left)" "$(rt wait 1 100)" "acked 0"
rcl_cli "$new" config set min-replicas-to-write 1 >/dev/null
t_eq "failover: min-replicas-to-write 1 refuses writes without a replica (an answer, not a failure)" \
    "$(rt cmd SET wa:{s0}:after z | cut -d' ' -f1-2)" "err NOREPLICAS"
scenario_close
rt_stop

scenario fault rcluster-shard-lost "SIGKILL the promoted master of {s0} too (its shard has no node left)" \
    "commands are retried for retryMs (3 s) and then fail with RCLUSTER_E_DOWN, not hang"
rcl_kill_node "$CD" "$new"
rt_start "$RCL_URL" 300 3000
t0=$(date +%s%N)
out=$(rt cmd SET wa:{s0}:gone x)
ms=$((($(date +%s%N) - t0) / 1000000))
t_eq "shard lost: down" "$(echo "$out" | cut -d' ' -f1-2)" "fail down"
t_check "shard lost: after about retryMs ($ms ms)" test "$ms" -ge 2500 -a "$ms" -lt 6000
rt_stop

t_done
