#!/usr/bin/env bash
# bench_ingest.sh -- `anchord serve` ingest throughput with wrk (Debian) posting DISTINCT
# valid signed events (pre-signed by test-tool events, over 200 registered DIDs)
# to 127.0.0.1 with a real redis-server (appendonly yes, everysec: the production
# setting), next to the bound it cannot beat: libsodium Ed25519 verify on both cores
# over messages of the same size (every event costs one verify). Target: >= 50 %.
# wrk and redis-server run on the same two cores as the server (loopback only), so the
# CPU each spends per request is printed too: the server alone costs ~2 verifies per
# event (HTTP, JSON, JCS, one Redis round trip), redis and wrk roughly one more.
# BENCH_SECONDS (5), BENCH_EVENTS (auto: enough distinct events for the run), BENCH_CONNS (64).
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}; BINDIR=${BIN:-bin}; TT=$B/helper/test-tool
SECS=${BENCH_SECONDS:-5}; CONNS=${BENCH_CONNS:-64}; THREADS=2
T=$(mktemp -d "${TMPDIR:-/tmp}/wa-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
port() { "$TT" freeport; }
waitport() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

RP=$(port)
redis-server --bind 127.0.0.1 --port "$RP" --dir "$T" --save '' --appendonly yes --appendfsync everysec \
    --daemonize no --loglevel warning >"$T/redis.log" 2>&1 &
PIDS+=($!)
waitport "$RP"
# No budget in the way: ~800 events per DID here, each reserving its bytes + 4 KB (the
# registry records test-tool register writes have no vbase), would come close to 4 MiB.
# The test subjects' DIDs derive from their genesis logs under the publisher key.
"$BINDIR/didlog" keygen --out "$T/pub.key" >/dev/null
export WA_REDIS_URL=redis://127.0.0.1:$RP WA_RATE_LIMIT=0 WA_LOG_LEVEL=warn WA_DID_BUDGET=67108864 WA_PUBLISHER_KEY_FILE=$T/pub.key
"$TT" register-many 200

# The bound first (it also tells how many distinct events the run needs).
"$TT" events 1 201 20000 warm- >"$T/sample.jsonl"
read -r bound bytes vcpu1 < <("$B/bench/ingest_bound" "$T/sample.jsonl" "$THREADS" 2)
N=${BENCH_EVENTS:-$(awk -v b="$bound" -v s="$SECS" 'BEGIN{printf "%d", b * s * 0.8 + 5000}')}
"$TT" events 1 201 "$N" ev- >"$T/events.jsonl"

HP=$(port)
WA_LISTEN=127.0.0.1:$HP WA_HTTP_THREADS=${BENCH_HTTP_THREADS:-$THREADS} \
    sh -c "exec '$BINDIR/anchord' serve" >"$T/serve.log" 2>&1 &
PIDS+=($!)
waitport "$HP" || { cat "$T/serve.log"; exit 1; }
SERVE_PID=$(pgrep -P "${PIDS[1]}" anchord || echo "${PIDS[1]}")
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # clock ticks (user + system)
s0=$(cpu "$SERVE_PID"); r0=$(cpu "${PIDS[0]}")
TIMEFORMAT='%U %S'   # wrk's own CPU (user, system seconds), from bash's `time`
{ time WA_BENCH_EVENTS=$T/events.jsonl WA_BENCH_WRK_THREADS=1 \
    wrk -t1 -c"$CONNS" -d"${SECS}s" -s bench/ingest_wrk.lua "http://127.0.0.1:$HP" >"$T/wrk.out" 2>&1; } 2>"$T/wrk.time"
read -r wu ws <"$T/wrk.time"
s1=$(cpu "$SERVE_PID"); r1=$(cpu "${PIDS[0]}"); HZ=$(getconf CLK_TCK)
curl -s "http://127.0.0.1:$HP/metrics" >"$T/metrics.txt" || true
# The bound again right after: on a shared machine the two can differ; use their mean.
read -r bound2 _ vcpu2 < <("$B/bench/ingest_bound" "$T/sample.jsonl" "$THREADS" 2)
bound1=$bound; bound=$(( (bound1 + bound2) / 2 ))
rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$T/wrk.out")
ok=$(awk '$1=="status" && $2==202{print $3}' "$T/wrk.out"); ok=${ok:-0}
other=$(awk '$1=="status" && $2!=202{s=s" "$2":"$3} END{print s}' "$T/wrk.out")
total=$(awk '$1=="status"{n+=$3} END{print n+0}' "$T/wrk.out")
queued=$(redis-cli -p "$RP" XLEN 'wa:{s0}:events')
accepted=$(awk -v o="$ok" -v t="$total" -v r="$rps" 'BEGIN{printf "%.0f", (t ? r * o / t : 0)}')
printf '%-48s %8s events/s  (%s requests in %ss, %s x 202%s; %s queued; p50 %s ms, p99 %s ms)\n' \
    "anchord serve, wrk -c$CONNS, distinct signed events" "$accepted" "$total" "$SECS" "$ok" \
    "${other:+, others:$other}" "$queued" "$(awk '/^p50_ms/{print $2}' "$T/wrk.out")" "$(awk '/^p99_ms/{print $2}' "$T/wrk.out")"
printf '%-48s %8s verifies/s (libsodium, %d threads, %s-byte messages; %s before, %s after)\n' \
    "Ed25519-verify bound (both cores)" "$bound" "$THREADS" "$bytes" "$bound1" "$bound2"
awk -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v hz="$HZ" -v n="$total" -v b="$bound" -v t="$THREADS" 'BEGIN{
  if (n) printf "CPU per request: anchord serve %.0f us, redis-server %.0f us; one Ed25519 verify %.0f us (wrk shares the cores too)\n",
    1e6*s/hz/n, 1e6*r/hz/n, 1e6*t/b }'
# The ceiling on these two cores: 50 % of the bound leaves each event 2 verifies' worth
# of CPU in all; the server's own share, redis' and wrk's are printed in that unit. The
# ratio reachable is 1 / (everything per event, in verifies): with a server that cost
# exactly its one verify, 1 / (1 + redis + wrk) -- printed as the ceiling of this run.
awk -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v w="$wu $ws" -v hz="$HZ" -v n="$total" -v b="$bound" -v t="$THREADS" 'BEGIN{
  split(w, x, " "); w = x[1] + x[2]
  if (n) { v = 1e6*t/b; sv = 1e6*s/hz/n/v; rv = 1e6*r/hz/n/v; wv = 1e6*w/n/v
    printf "in Ed25519 verifies per event: serve %.2f, redis %.2f, wrk %.2f (50%% of the bound allows 2.00 for everything, wrk and kernel included)\n", sv, rv, wv
    printf "ceiling of this run: a server costing exactly one verify would reach %.1f%% of the bound (redis and wrk as measured)\n", 100 / (1 + rv + wv) } }'
awk '$1=="ingest_commit_rounds_total"{r=$2} $1=="ingest_commit_events_total"{e=$2}
  END{if (r) printf "group commit: %d events in %d Redis round trips (%.1f per round trip)\n", e, r, e/r}' "$T/metrics.txt"
awk -v a="$accepted" -v b="$bound" 'BEGIN{printf "ratio ingest / bound %6.1f%%   (target >= 50%%)  %s\n", 100*a/b, (a/b>=0.5?"ok":"BELOW TARGET")}'
# Issue 16's target, replacing the one above on two shared cores: the server's own CPU per
# ACCEPTED event (202s only), in Ed25519 verifies -- CPU time against CPU time (ingest_bound's
# CPU us per verify, mean of its two runs), so other load on the machine cancels out.
awk -v s=$((s1 - s0)) -v hz="$HZ" -v ok="$ok" -v v1="$vcpu1" -v v2="$vcpu2" 'BEGIN{
  v = (v1 + v2) / 2
  if (ok && v > 0) { c = 1e6*s/hz/ok/v
    printf "anchord serve CPU per accepted event %6.2f Ed25519 verifies (%.0f us CPU; one verify %.1f us CPU)  (target <= 1.5)  %s\n",
      c, 1e6*s/hz/ok, v, (c <= 1.5 ? "ok" : "ABOVE TARGET") } }'
