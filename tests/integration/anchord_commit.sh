#!/usr/bin/env bash
# anchord_commit.sh -- the ingest group commit (anchord/ingest/commit.c) over real HTTP and a real
# redis-server: concurrent POST /events share Redis round trips, yet each event is queued
# exactly once and answered 202 only after Redis accepted that very event; replays of one
# event inside the same group get one 202 and 409s; SIGTERM with requests in flight stops
# cleanly (suspended connections answered first) and loses no accepted event.
source "$(dirname "$0")/../lib.sh"
svc_need redis
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_RATE_LIMIT=0 WA_HTTP_THREADS=2 WA_LOG_LEVEL=warn
HTTP_PORT=$(freeport); export WA_LISTEN=127.0.0.1:$HTTP_PORT
URL=http://127.0.0.1:$HTTP_PORT
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
xlen() { RCLI XLEN 'wa:{s0}:events'; }
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
"$WA_ROOT/$BIN/didlog" keygen --out "$T_TMP/pub.key" >/dev/null
export WA_PUBLISHER_KEY_FILE=$T_TMP/pub.key
"$TT" register-many 50 >/dev/null || t_fail setup "register-many"
start_serve() {
    "$WA_ROOT/$BIN/anchord" serve >>"$T_TMP/serve.log" 2>&1 & SERVE_PID=$!; T_PIDS+=($SERVE_PID)
    wait_port "$HTTP_PORT" 10 || t_fail serve "did not listen: $(tail -3 "$T_TMP/serve.log")"
}
start_serve

scenario fault commit-concurrent "400 distinct signed events over 50 DIDs, 64 requests in flight" \
    "all 202; 400 stream entries, one per event; every enqueue went through the group commit"
"$TT" events 1 51 400 c- >"$T_TMP/c.jsonl"
OUT=$("$TT" loadgen "$URL/events" "$T_TMP/c.jsonl" 64); RC=$?
t_eq "400 concurrent: every answer 202 ($OUT)" "$RC" 0
t_eq "400 concurrent: 400 entries queued" "$(xlen)" 400
t_eq "400 concurrent: 400 distinct ids in the stream" \
    "$(RCLI XRANGE 'wa:{s0}:events' - + | grep -A1 '^id$' | grep -v '^id$\|^--$' | sort -u | wc -l)" 400
EV=$(metric ingest_commit_events_total); RO=$(metric ingest_commit_rounds_total)
echo "# group commit: $EV events in $RO Redis round trips"
t_eq "400 concurrent: every enqueue through the group commit" "$EV" 400
t_check "400 concurrent: round trips counted (1..400)" test "${RO:-0}" -ge 1 -a "${RO:-0}" -le 400

scenario attack commit-same-event "one signed event POSTed 32 times at once (replays inside one group)" \
    "exactly one 202 and 31 x 409 replay; one stream entry"
"$TT" events 1 51 1 same- >"$T_TMP/one.jsonl"
for _ in $(seq 32); do cat "$T_TMP/one.jsonl"; done >"$T_TMP/same.jsonl"
X0=$(xlen)
OUT=$("$TT" loadgen "$URL/events" "$T_TMP/same.jsonl" 32)
t_check "32 copies: one 202, 31 x 409 ($OUT)" grep -q 'ok 1 other 31 codes 202:1 409:31 ' <<<"$OUT"
t_eq "32 copies: one entry queued" "$(xlen)" $((X0 + 1))

scenario attack commit-mixed-replays "50 events each sent twice, shuffled, 64 in flight" "50 x 202, 50 x 409, 50 entries"
"$TT" events 1 51 50 mix- >"$T_TMP/m.jsonl"
cat "$T_TMP/m.jsonl" "$T_TMP/m.jsonl" | shuf --random-source=<(yes) >"$T_TMP/mm.jsonl"
X0=$(xlen)
OUT=$("$TT" loadgen "$URL/events" "$T_TMP/mm.jsonl" 64)
t_check "mixed: 50 x 202, 50 x 409 ($OUT)" grep -q 'ok 50 other 50 codes 202:50 409:50 ' <<<"$OUT"
t_eq "mixed: 50 entries queued" "$(xlen)" $((X0 + 50))

scenario fault commit-sigterm "SIGTERM while 3,000 events are being posted (64 in flight)" \
    "serve exits 0 within 5 s (no suspended connection left to MHD_stop_daemon); every event answered 202 is in the stream"
"$TT" events 1 51 3000 t- >"$T_TMP/t.jsonl"
X0=$(xlen)
"$TT" loadgen "$URL/events" "$T_TMP/t.jsonl" 64 >"$T_TMP/t.out" 2>&1 & LG=$!
for _ in $(seq 100); do [ "$(xlen)" -gt $((X0 + 200)) ] && break; sleep 0.02; done
kill -TERM "$SERVE_PID"; t1=$SECONDS
wait "$SERVE_PID"; R=$?
t_eq "SIGTERM under load: exit 0" "$R" 0
t_check "SIGTERM under load: within 5 s" test $((SECONDS - t1)) -le 5
wait "$LG"
OK=$(awk '{print $4}' "$T_TMP/t.out"); Q=$(( $(xlen) - X0 ))
echo "# SIGTERM: $(cat "$T_TMP/t.out"); $Q queued"
t_check "SIGTERM under load: some were accepted before it (${OK:-?})" test "${OK:-0}" -gt 0
t_check "SIGTERM under load: every 202 is queued ($OK answered 202, $Q queued)" test "${OK:-1}" -le "$Q"
t_check "SIGTERM under load: not logged as a crash" bash -c "! grep -qi 'panic\|suspended connections' '$T_TMP/serve.log'"
t_done
