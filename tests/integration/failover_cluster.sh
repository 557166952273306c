#!/usr/bin/env bash
# failover_cluster.sh -- fail-over of a Redis Cluster master under `anchord serve` and
# `anchord run` (issue 16): 3 masters with 1 replica each (tests/svc/rcluster.sh,
# cluster-node-timeout 1 s), WA_REDIS_URL = the seeds, WA_STREAM_SHARDS=4, WAIT before
# every 202 and every journal write (WA_REDIS_WAIT_REPLICAS=auto: 1 on a cluster).
#  - a master without its replica: 503 for its shard (the write is not known to survive a
#    fail-over), a retry is a 409 replay (= accepted), the other shards answer 202;
#  - a master killed while 240 POST /events are in flight: its replica is promoted; every
#    202 is still there afterwards; the 503s, retried, are 202 or 409 replay; all anchored;
#  - a master killed in the middle of a batch (after it is built, after its transaction is
#    journaled; FAILOVER_PHASES adds "batch published" etc.): the batch stops or goes on, `anchord run` again
#    (the old master back as a replica) finishes it; every event published exactly once,
#    no batch anchored twice (batchCount = the batches the published files name).
# FAILOVER_PHASES overrides the batch phases (log messages, comma separated).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
pipe_env_cluster 4
D=$T_TMP/rcl
export WA_REDIS_WAIT_MS=300 WA_LEASE_TTL_MS=3000
LIVE() { _rcl_alive "$D" | head -1; }   # a node that runs (a seed may be the one killed)
CCLI() { redis-cli -c -p "$(LIVE)" "$@" | grep -v '^-> Redirected'; }
SCID() { "$TT" did "$1" | cut -d: -f3; }
SHARD() { "$TT" shard "$1"; }
SLOT() { redis-cli -p "$(LIVE)" cluster keyslot "s$1"; }   # the slot of hash tag {sN}
count() { "$AD" batch-count 2>/dev/null; }
# subjects of shard N among 0..39, one a line
subjects() { local n; for n in $(seq 0 39); do [ "$(SHARD "$(SCID "$n")")" = "$1" ] && echo "$n"; done; }

t_check "40 DIDs queued" "$TT" enqueue-dids 0 40
pipe_run
t_eq "genesis batches: exit 0" "$RUN_RC" 0
# two shards on different masters: A (its replica is stopped), B (its master is killed)
A=0; B=
for s in 1 2 3; do [ "$(rcl_owner "$D" "$(SLOT $s)")" != "$(rcl_owner "$D" "$(SLOT $A)")" ] && { B=$s; break; }; done
[ -n "$B" ] || { t_fail "two shards on two masters" "all on one"; t_done; exit 1; }
SA=$(subjects $A | head -1); SB=$(subjects $B | head -1)

HTTP_PORT=$(freeport)
WA_LISTEN=127.0.0.1:$HTTP_PORT "$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
URL=http://127.0.0.1:$HTTP_PORT
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
post() { curl -s -m 40 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" "$URL/events"; }

scenario attack wait-no-replica "shard $A's master loses its replica; an event of that shard is POSTed" \
    "503 (WAIT: on no replica, it might not survive a fail-over); the retry is a 409 replay (it was accepted); another master's shard answers 202; with the replica back, 202"
MA=$(rcl_owner "$D" "$(SLOT $A)"); RA=$(rcl_replica "$D" "$MA")
t_check "the replica of shard $A's master stopped" rcl_kill_node "$D" "$RA"
sleep 0.5
EV=$("$TT" sign "$SA" nr-1)
t_eq "no replica: 503" "$(post "$EV")" 503
t_eq "the retry: 409 replay (it was queued: success-equivalent)" "$(post "$EV")" 409
t_eq "another master's shard: 202" "$(post "$("$TT" sign "$SB" nr-2)")" 202
t_check "the replica back" rcl_restart_node "$D" "$RA"
t_eq "with its replica again: 202" "$(post "$("$TT" sign "$SA" nr-3)")" 202

scenario attack failover-ingest "the master of shard $B is SIGKILLed while 240 POST /events (8 in flight) run" \
    "its replica is promoted; every 202 is there afterwards; the others (503 or lost), retried once the old master is back as a replica, are 202 or 409 replay; all anchored once"
"$TT" events 0 40 240 fi >"$T_TMP/fi.jsonl"
: >"$T_TMP/fi.codes"
( xargs -a "$T_TMP/fi.jsonl" -d '\n' -P 8 -I{} sh -c 'c=$(curl -s -m 40 -o /dev/null -w "%{http_code}" -H "Content-Type: application/json" --data-binary "$1" "$2"); printf "%s %s\n" "$(printf %s "$1" | jq -r .id)" "$c"' _ {} "$URL/events" \
    >>"$T_TMP/fi.codes" ) &
PP=$!
for _ in $(seq 300); do [ "$(wc -l <"$T_TMP/fi.codes")" -ge 60 ] && break; sleep 0.05; done
MB=$(rcl_owner "$D" "$(SLOT $B)")
NEWB=$(rcl_kill_master "$D" "$(SLOT $B)")
t_check "shard $B's replica promoted (old master $MB, new $NEWB)" test -n "$NEWB"
wait "$PP"
t_eq "every request answered" "$(wc -l <"$T_TMP/fi.codes")" 240
t_eq "only 202 and 503" "$(awk '$2 != 202 && $2 != 503' "$T_TMP/fi.codes" | wc -l)" 0
n202=$(awk '$2 == 202' "$T_TMP/fi.codes" | wc -l)
t_check "most accepted ($n202 of 240)" test "$n202" -ge 60
# every 202 is there: its status record (the replay marker), read on its master now
jq -r '(.did | split(":")[2]) + " " + .id' "$T_TMP/fi.jsonl" >"$T_TMP/fi.ids"
awk '$2 == 202 {print $1}' "$T_TMP/fi.codes" | sort >"$T_TMP/fi.202"
sort -k2,2 "$T_TMP/fi.ids" | join -1 2 -2 1 -o 1.1,1.2 - "$T_TMP/fi.202" >"$T_TMP/fi.202ids"   # scid id
cut -d' ' -f1 "$T_TMP/fi.202ids" | "$TT" shard - | paste -d' ' - "$T_TMP/fi.202ids" | sort -n -k1,1 |
    awk '{print "EXISTS wa:{s" $1 "}:events:" $2 ":" $3}' | CCLI >"$T_TMP/fi.exists"
t_eq "no 202 lost in the fail-over ($n202 status records read)" "$(grep -c '^1$' "$T_TMP/fi.exists")" "$n202"
t_check "the old master back (a replica now)" rcl_restart_node "$D" "$MB"
bad=0
while read -r id c; do
    [ "$c" = 202 ] && continue
    c2=$(post "$(grep "\"id\":\"$id\"" "$T_TMP/fi.jsonl")")
    [ "$c2" = 202 ] || [ "$c2" = 409 ] || { bad=$((bad + 1)); echo "retry of $id: $c2" >&2; }
done <"$T_TMP/fi.codes"
t_eq "every retry 202 or 409 replay" "$bad" 0

# drain: `anchord run` until nothing is queued or open (a lease of a killed run expires in 3 s)
drain() {
    local i s left
    for i in $(seq 30); do
        pipe_run
        left=0
        for s in 0 1 2 3; do left=$((left + $(CCLI XLEN "wa:{s$s}:events") + $(CCLI ZCARD "wa:{s$s}:batches"))); done
        [ "$left" -eq 0 ] && return 0
        sleep 1
    done
    return 1
}
t_check "anchord run drains every shard" drain

# the kill in the middle of a batch, at each phase: events of shard B only, one batch
IFS=, read -ra PHASES <<<"${FAILOVER_PHASES:-batch built,transaction journaled}"
k=0
for ph in "${PHASES[@]}"; do
    k=$((k + 1))
    scenario attack "failover-batch-$k" "the master of shard $B is SIGKILLed when the worker logs \"$ph\"" \
        "the batch stops or finishes; anchord run again (the old master back as a replica) finishes it: every event published once, no batch anchored twice"
    for n in $(subjects $B); do "$TT" sign "$n" "fb$k-$n"; done >"$T_TMP/fb$k.jsonl"
    t_expect_rc "queue $(wc -l <"$T_TMP/fb$k.jsonl") events of shard $B" 0 "$AD" submit "$T_TMP/fb$k.jsonl"
    "$AD" run 2>"$T_TMP/fb$k.log" >/dev/null & RP=$!
    for _ in $(seq 400); do grep -q "\"msg\":\"$ph\"" "$T_TMP/fb$k.log" && break; kill -0 "$RP" 2>/dev/null || break; sleep 0.02; done
    MB=$(rcl_owner "$D" "$(SLOT $B)")
    t_check "killed at \"$ph\" (the worker had logged it)" grep -q "\"msg\":\"$ph\"" "$T_TMP/fb$k.log"
    NEWB=$(rcl_kill_master "$D" "$(SLOT $B)")
    t_check "replica promoted" test -n "$NEWB"
    wait "$RP"; echo "# phase \"$ph\": that run exited $?"
    t_check "the old master back" rcl_restart_node "$D" "$MB"
    t_check "anchord run finishes the batch" drain
done

"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "every file valid (logs, witness.json proofs, manifests)" "$?" 0
grep '^event ' "$T_TMP/check.out" | cut -d' ' -f2- | sort >"$T_TMP/published.txt"
t_eq "no event published twice" "$(uniq -d "$T_TMP/published.txt" | wc -l)" 0
cat "$T_TMP/fi.jsonl" "$T_TMP"/fb*.jsonl | jq -r '(.did | split(":")[2]) + " " + .id' | sort >"$T_TMP/want.txt"
t_eq "every accepted event of the fail-overs published" "$(comm -13 "$T_TMP/published.txt" "$T_TMP/want.txt" | wc -l)" 0
nb=$(sed -n 's/.*summary .*batches=\([0-9]*\).*/\1/p' "$T_TMP/check.out")
t_eq "no batch anchored twice: batchCount = the batches published" "$(count)" "$nb"
t_check "every root is roots(batchId) on chain" pipe_chain_roots "$T_TMP/check.out"
t_done
