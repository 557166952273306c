#!/usr/bin/env bash
# pipeline_cluster.sh -- the pipeline on a real Redis Cluster (3 masters, 1 replica each,
# tests/svc/rcluster.sh) with WA_REDIS_URL = the seed list and WA_STREAM_SHARDS=4 (the
# shards {s0}..{s3} live on all three masters): `anchord config` takes the seeds;
# `anchord serve` answers POST /dids, POST /events, GET /events/{scid}/{id} and /health
# from the cluster (issue 16: every request answered 503 before); `anchord submit`,
# test-tool's enqueue and `anchord run` register and anchor 40 DIDs and 240 events; every
# event anchored once, every log and proof valid (test-tool check), every shard drained.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
pipe_env_cluster 4
SEED=${RCL_URL#redis://}; SEED=${SEED%%,*}; SEED_PORT=${SEED##*:}
CCLI() { redis-cli -c -p "$SEED_PORT" "$@" | grep -v '^-> Redirected'; }   # follows MOVED: any key from one seed
SCID() { "$TT" did "$1" | cut -d: -f3; }
SHARD() { "$TT" shard "$1" 2>/dev/null; }
count() { "$AD" batch-count 2>/dev/null; }

scenario feature cluster-config "WA_REDIS_URL names the three masters of a cluster" \
    "anchord config accepts the seed list and prints it"
t_expect_rc "config: the seed list is valid" 0 "$AD" config
t_check "config: prints the seeds" sh -c "'$AD' config 2>/dev/null | grep -q '127.0.0.1:.*,127.0.0.1:'"
WA_REDIS_URL="redis://127.0.0.1:1,127.0.0.1:2/3" t_expect_rc "config: a database on a seed list is refused (exit 3)" 3 "$AD" config

scenario feature cluster-serve "anchord serve with WA_REDIS_URL = the seeds of a 3-master cluster" \
    "GET /health 200, POST /dids 202 for 8 genesis logs, then 30 POST /events 202 and their status"
HTTP_PORT=$(freeport)
WA_LISTEN=127.0.0.1:$HTTP_PORT "$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
URL=http://127.0.0.1:$HTTP_PORT
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
t_eq "health on the cluster" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200
ok=0
for n in 0 1 2 3 4 5 6 7; do
    c=$("$TT" genesis "$n" | curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/jsonl' --data-binary @- "$URL/dids")
    [ "$c" = 202 ] && ok=$((ok + 1))
done
t_eq "POST /dids: 8 genesis logs accepted" "$ok" 8
t_check "the other 32 DIDs queued (test-tool)" "$TT" enqueue-dids 8 40
pipe_run
t_eq "genesis batch: exit 0" "$RUN_RC" 0
t_eq "40 logs published" "$(find "$FS/.well-known/did" -name did.jsonl | wc -l)" 40
t_eq "genesis status anchored (a key on another master)" "$(CCLI HGET "wa:{s$(SHARD "$(SCID 7)")}:dids:$(SCID 7):genesis" status)" anchored

"$TT" events 0 40 30 http >"$T_TMP/http.jsonl"
t_check "30 POST /events: all 202 (loadgen, 8 in flight)" "$TT" loadgen "$URL/events" "$T_TMP/http.jsonl" 8
read -r s0 i0 < <(jq -r '(.did | split(":")[2]) + " " + .id' "$T_TMP/http.jsonl" | head -1)
t_check "GET /events: queued" sh -c "curl -s '$URL/events/$s0/$i0' | grep -q '\"status\":\"queued\"'"
"$TT" events 0 40 210 sub >"$T_TMP/sub.jsonl"
t_expect_rc "anchord submit: 210 events" 0 "$AD" submit "$T_TMP/sub.jsonl"
shards_used=$(for n in $(seq 0 39); do SHARD "$(SCID "$n")"; done | sort -u | wc -l)
t_eq "the events span the 4 shards" "$shards_used" 4

pipe_run
t_eq "event batch: exit 0" "$RUN_RC" 0
cat "$T_TMP/http.jsonl" "$T_TMP/sub.jsonl" >"$T_TMP/all.jsonl"
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "every file valid (logs, witness.json proofs, manifests)" "$?" 0
t_check "check summary: 40 DIDs, 280 entries" grep -q "summary dids=40 entries=280 .*failures=0" "$T_TMP/check.out"
grep '^event ' "$T_TMP/check.out" | cut -d' ' -f2- | sort >"$T_TMP/published.txt"
jq -r '.did + " " + .id' "$T_TMP/all.jsonl" | sed 's/^did:webvh:\([^:]*\):[^ ]* /\1 /' | sort >"$T_TMP/submitted.txt"
t_eq "every event in exactly one published entry" "$(comm -3 "$T_TMP/published.txt" "$T_TMP/submitted.txt" | wc -l)" 0
t_eq "published once each" "$(uniq -d "$T_TMP/published.txt" | wc -l)" 0
t_check "every root is roots(batchId) on chain" pipe_chain_roots "$T_TMP/check.out"
anch=0
while read -r s i; do
    [ "$(CCLI HGET "wa:{s$(SHARD "$s")}:events:$s:$i" status)" = anchored ] && anch=$((anch + 1))
done <"$T_TMP/submitted.txt"
t_eq "every status anchored (read on its master)" "$anch" 240
t_check "GET /events: anchored" sh -c "curl -s '$URL/events/$s0/$i0' | grep -q '\"status\":\"anchored\"'"
left=0; for s in 0 1 2 3; do left=$((left + $(CCLI XLEN "wa:{s$s}:events") + $(CCLI XLEN "wa:{s$s}:dids"))); done
t_eq "every shard's streams drained" "$left" 0
pipe_run
t_eq "nothing left: exit 0" "$RUN_RC" 0
t_check "nothing left: says so" grep -q "queue empty" "$RUN_LOG"
t_done
