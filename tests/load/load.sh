#!/usr/bin/env bash
# load.sh -- issue 9's load test: LOAD_EVENTS signed events (10,000 by default) over
# LOAD_DIDS DIDs go through ingest (`anchord serve`, POST /events, test-tool loadgen with
# LOAD_CONNS connections) while `anchord run --loop` anchors and publishes them in batches
# of up to LOAD_BATCH events. Reports ingest throughput and client-side latency
# percentiles, batch throughput, event-to-anchored latency percentiles (status records:
# anchored - received), the RSS of serve over time and the worker's maxRssKb per batch;
# checks that nothing is lost or doubled, every file is valid, roots are on chain, memory
# stays flat; prints Redis bytes per event and per DID (MEMORY USAGE of a sample, INFO memory).
# Real redis-server (AOF everysec), anvil, a file store; 127.0.0.1 only.
# LOAD_REDIS=cluster: the same on a Redis Cluster of 3 masters with 1 replica each
# (tests/svc/rcluster.sh), WA_STREAM_SHARDS=LOAD_SHARDS (default 8) spread over them.
# `make load` runs 100,000 (docs/load.md); tests/integration/load_10k.sh runs 10,000.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
N=${LOAD_EVENTS:-10000}; D=${LOAD_DIDS:-$((N / 10))}; CONNS=${LOAD_CONNS:-32}
BATCH=${LOAD_BATCH:-$((N / 4 > 12000 ? 12000 : N / 4))}
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
source "$WA_ROOT/tests/svc/fault_env.sh"
if [ "${LOAD_REDIS:-single}" = cluster ]; then
    source "$WA_ROOT/tests/svc/rcluster.sh"
    rcl_start "$T_TMP/rcl" >/dev/null 2>"$T_TMP/rcl.err" ||
        { t_fail "Redis Cluster starts" "$(tail -3 "$T_TMP/rcl.err" | tr '\n' ' ')"; t_done; exit 1; }
    trap 'rcl_stop "$T_TMP/rcl"; t_cleanup' EXIT
    export WA_REDIS_URL=$RCL_URL WA_STREAM_SHARDS=${LOAD_SHARDS:-8}
    RCL_SEED=${RCL_URL#redis://}; RCL_SEED=${RCL_SEED%%,*}
    RCLI() { redis-cli -c -p "${RCL_SEED##*:}" "$@" | grep -v '^-> Redirected'; }   # follows MOVED
fi
SHARDS=${WA_STREAM_SHARDS:-1}
# qsum CMD WHAT: CMD wa:{sN}:WHAT summed over the shards (XLEN events, ZCARD batches).
qsum() { local s t=0; for ((s = 0; s < SHARDS; s++)); do t=$((t + $(RCLI "$1" "wa:{s$s}:$2"))); done; echo "$t"; }
export WA_BATCH_MAX_EVENTS=$BATCH WA_LEASE_TTL_MS=60000
ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
# pct FILE P: the P-th percentile (0..1) of the numbers in FILE (one a line).
pct() { sort -n "$1" | awk -v p="$2" '{a[NR] = $1} END {i = int((NR - 1) * p) + 1; print a[i] + 0}'; }

scenario load "ingest-and-anchor-$N" "$N signed events over $D DIDs POSTed to anchord serve ($CONNS connections) while anchord run --loop anchors them (batches of <= $BATCH)" \
    "every event 202 and anchored exactly once, every file valid, roots on chain; serve RSS and worker maxRssKb flat"
t0=$(ms)
"$TT" enqueue-dids 0 "$D" >/dev/null && WA_BATCH_MAX_EVENTS=$((D > BATCH ? D : BATCH)) pipe_run
t_eq "setup: $D DIDs registered and published" "$RUN_RC" 0
"$TT" events 0 "$D" "$N" ld- >"$T_TMP/ld.jsonl"
echo "# setup: $D DIDs and $N signed events in $(( $(ms) - t0 )) ms"

HP=$(freeport)
WA_LISTEN=127.0.0.1:$HP "$AD" serve 2>"$T_TMP/serve.log" & SERVE=$!; T_PIDS+=($SERVE)
wait_port "$HP" 10 || { t_fail "serve starts" "$(tail -3 "$T_TMP/serve.log")"; t_done; exit 1; }
# RSS of serve every 0.5 s while the test runs (bounded: at most 2 h).
( for _ in $(seq 14400); do ps -o rss= -p "$SERVE" 2>/dev/null || break; sleep 0.5; done ) >"$T_TMP/rss.serve" & T_PIDS+=($!)
WA_LOOP_INTERVAL=200ms "$AD" run --loop 2>"$T_TMP/worker.log" & WORKER=$!; T_PIDS+=($WORKER)

ti=$(ms)
"$TT" loadgen "http://127.0.0.1:$HP/events" "$T_TMP/ld.jsonl" "$CONNS" >"$T_TMP/loadgen.out"
LG=$?
read -r _ sent _ ok _ _ _ codes < <(sed 's/ seconds.*//' "$T_TMP/loadgen.out")
IN=$(sed 's/.* seconds //' "$T_TMP/loadgen.out")
t_eq "ingest: all $N answered 202" "$LG $ok" "0 $N"
echo "# ingest: $(cat "$T_TMP/loadgen.out")"

# The worker drains the queue (bounded: 20 min).
for _ in $(seq 4800); do
    [ "$(qsum XLEN events)" -eq 0 ] && [ "$(qsum ZCARD batches)" -eq 0 ] && break
    kill -0 "$WORKER" 2>/dev/null || break
    sleep 0.25
done
tdone=$(ms)
kill -TERM "$WORKER"; wait "$WORKER"; WRC=$?
t_eq "worker: queue drained, stopped cleanly on SIGTERM" "$(qsum XLEN events) $WRC" "0 0"

# Event-to-anchored: status records (received, anchored ms) of every event.
# (each event's shard from its SCID; sorted by shard: one redirection per shard on a cluster)
jq -r '.did + " " + .id' "$T_TMP/ld.jsonl" | sed 's/^did:webvh:\([^:]*\):[^ ]* /\1 /' >"$T_TMP/ids.txt"
cut -d' ' -f1 "$T_TMP/ids.txt" | "$TT" shard - | paste -d' ' - "$T_TMP/ids.txt" | sort -n -k1,1 |
    awk '{print "HMGET wa:{s" $1 "}:events:" $2 ":" $3 " status received anchored"}' | RCLI >"$T_TMP/status.out"
paste -d' ' - - - <"$T_TMP/status.out" >"$T_TMP/status.tsv"
t_eq "every event anchored" "$(grep -c '^anchored ' "$T_TMP/status.tsv")" "$N"
awk '$1 == "anchored" {print $3 - $2}' "$T_TMP/status.tsv" >"$T_TMP/e2a.ms"
first=$(awk '{print $2}' "$T_TMP/status.tsv" | sort -n | head -1); last=$(awk '{print $3}' "$T_TMP/status.tsv" | sort -n | tail -1)
E2A="p50 $(pct "$T_TMP/e2a.ms" 0.5) p90 $(pct "$T_TMP/e2a.ms" 0.9) p99 $(pct "$T_TMP/e2a.ms" 0.99) max $(pct "$T_TMP/e2a.ms" 1)"
echo "# event-to-anchored (ms): $E2A; first received -> last anchored $(( last - first )) ms"

# Redis memory (docs/operations.md "Redis memory"): MEMORY USAGE of a sample of each kind of
# per-event and per-DID record, and INFO memory for the whole. Per event: its status hash
# (the replay marker, kept until WA_MAX_AGE + WA_MAX_SKEW after the event's time); per DID:
# the registry hash plus its registration status (kept a day after registration).
# musage PATTERN MAX: "count mean-bytes" of up to MAX keys matching PATTERN.
musage() {
    RCLI --scan --pattern "$1" | head -"$2" | sed 's/^/MEMORY USAGE /' | RCLI |
        awk '{n++; s += $1} END {printf "%d %.0f", n, (n ? s / n : 0)}'
}
# (on a cluster the sample comes from the seed node's shards)
read -r _ MEV < <(musage 'wa:{s*}:events:*:ld-*' 500)
read -r _ MREG < <(musage 'wa:{s*}:did:*' 500)
read -r _ MGEN < <(musage 'wa:{s*}:dids:*:genesis' 500)
UM=$(RCLI INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}')
EVTTL=$(RCLI PTTL "$(RCLI --scan --pattern 'wa:{s*}:events:*:ld-*' | head -1)")
REDIS_MEM="per event: status hash $MEV B (expires in $(( EVTTL / 3600000 )) h: WA_MAX_AGE + WA_MAX_SKEW after its time); per DID: registry $MREG B + registration status $MGEN B (expires a day after registration) = $(( MREG + MGEN )) B; used_memory $UM B for $N events and $D DIDs"
echo "# redis: $REDIS_MEM"

# Batches: count, sizes, seconds, maxRssKb.
grep '"batch done"' "$T_TMP/worker.log" | jq -r '[.published, .seconds, .maxRssKb] | @tsv' >"$T_TMP/batches.tsv"
NB=$(wc -l <"$T_TMP/batches.tsv")
BS=$(awk '{n += $1; s += $2} END {printf "%d events in %.1f s of batch work: %.0f events/s", n, s, (s ? n / s : 0)}' "$T_TMP/batches.tsv")
echo "# batches: $NB ($BS); per batch: published seconds maxRssKb:"; sed 's/^/#   /' "$T_TMP/batches.tsv" | head -60
WR1=$(awk -v n="$NB" 'NR == int((n + 1) / 2) {print $3}' "$T_TMP/batches.tsv"); WRN=$(tail -1 "$T_TMP/batches.tsv" | cut -f3)
# Each batch holds the current objects of every DID it touches (publishing rewrites them
# whole), so here, where every batch touches every DID and the logs keep growing, the peak
# grows with their length (their verification no longer does: logs are replayed).
# Flatness proper: a fresh `run --loop` over STEADY batches of equal work -- batch r takes
# one event on each of SD DIDs of its own (logs of equal length), queued up front.
STEADY=6; SD=$((D / STEADY < 500 ? D / STEADY : 500))
for r in $(seq 0 $((STEADY - 1))); do
    "$TT" events $((r * SD)) $(((r + 1) * SD)) "$SD" "sy$r-" >"$T_TMP/sy$r.jsonl"
    "$AD" submit "$T_TMP/sy$r.jsonl" >/dev/null 2>&1
done
env WA_LOOP_INTERVAL=100ms WA_BATCH_MAX_EVENTS=$SD ${LOAD_WORKER_ENV:-} "$AD" run --loop 2>"$T_TMP/steady.log" & WORKER=$!; T_PIDS+=($WORKER)
# (on several shards a round is one batch per shard: wait until every one is done)
for _ in $(seq 1200); do
    [ "$(grep -c '"batch done"' "$T_TMP/steady.log")" -ge "$STEADY" ] && [ "$(qsum XLEN events)" -eq 0 ] &&
        [ "$(qsum ZCARD batches)" -eq 0 ] && break
    sleep 0.1
done
kill -TERM "$WORKER"; wait "$WORKER"
grep '"batch done"' "$T_TMP/steady.log" | jq -r '.maxRssKb' >"$T_TMP/steady.rss"
SRSS=$(tr '\n' ' ' <"$T_TMP/steady.rss")
echo "# steady: $STEADY batches of $SD events, maxRssKb: $SRSS"
# The high-water mark climbs over the first batches (malloc arenas of the per-batch
# threads warming up), then levels off: the last batch within 5 % or 4 MB (whichever is
# more: a new build thread's malloc arena alone is a few MB, ~6 % of a 36 MB batch) of the
# one before, and under twice the 2nd. Leaks proper are LeakSanitizer's job (make asan).
S2=$(sed -n 2p "$T_TMP/steady.rss"); SP=$(tail -2 "$T_TMP/steady.rss" | head -1); SL=$(tail -1 "$T_TMP/steady.rss")
t_check "steady: $STEADY equal batches done (or more: one per shard and round)" test "$(wc -l <"$T_TMP/steady.rss")" -ge "$STEADY"
if [ -n "${WA_ASAN:-}" ]; then t_ok "worker maxRssKb: not judged under ASan (its quarantine holds freed memory)"; else
SLACK=$(( ${SP:-0} * 5 / 100 > 4096 ? ${SP:-0} * 5 / 100 : 4096 ))
t_check "worker maxRssKb levels off over equal batches: last (${SL:-?}) <= previous (${SP:-?}) + max(5 %, 4 MB), < 2 x 2nd (${S2:-?})" \
    test "${SL:-1}" -le $(( ${SP:-0} + SLACK )) -a "${SL:-1}" -lt $(( ${S2:-0} * 2 )); fi
# serve: RSS after the first quarter of the samples vs at the end.
NS=$(wc -l <"$T_TMP/rss.serve")
SR1=$(sed -n "$(( NS / 4 + 1 ))p" "$T_TMP/rss.serve" | tr -d ' '); SRN=$(tail -1 "$T_TMP/rss.serve" | tr -d ' ')
SRMAX=$(sort -n "$T_TMP/rss.serve" | tail -1 | tr -d ' ')
echo "# serve RSS (KB): $NS samples, at 25 % $SR1, max $SRMAX, at the end $SRN"
t_check "serve RSS flat: end ($SRN) <= 1.25 x at 25 % ($SR1) + 8 MB" test "$SRN" -le $(( SR1 * 5 / 4 + 8192 ))

tc=$(ms)
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "every file valid" "$? $(tail -1 "$T_TMP/check.out" | grep -o 'staging=0 failures=0')" "0 staging=0 failures=0"
t_eq "each of the $N events published exactly once" "$(grep -c '^event .* ld-' "$T_TMP/check.out") $(grep '^event .* ld-' "$T_TMP/check.out" | sort -u | wc -l)" "$N $N"
t_check "every root is roots(batchId) on chain" pipe_chain_roots "$T_TMP/check.out"
echo "# check of $(tail -1 "$T_TMP/check.out" | sed 's/summary //') in $(( $(ms) - tc )) ms"
{
    echo "LOAD|events $N|dids $D|conns $CONNS|batch max $BATCH|redis ${LOAD_REDIS:-single}, $SHARDS shard(s)"
    echo "LOAD|ingest|$(cat "$T_TMP/loadgen.out")"
    echo "LOAD|event-to-anchored ms|$E2A"
    echo "LOAD|pipeline|first received -> last anchored $(( last - first )) ms; ingest start -> drained $(( tdone - ti )) ms"
    echo "LOAD|batches|$NB; $BS"
    echo "LOAD|worker maxRssKb|growing logs: middle batch $WR1, last $WRN; $STEADY equal batches of $SD: $SRSS"
    echo "LOAD|serve RSS KB|at 25 % $SR1, max $SRMAX, end $SRN"
    echo "LOAD|redis bytes|$REDIS_MEM"
} | tee "$T_TMP/figures"
[ -n "${LOAD_FIGURES:-}" ] && cp "$T_TMP/figures" "$LOAD_FIGURES"
t_done
