#!/usr/bin/env bash
# anchord_submit.sh -- `anchord submit FILE|-`: JSONL events with the checks of POST /events,
# one result per line, exit codes 0 / 1 / 2 / 3 / 4 (README "Exit codes"), against a real redis-server.
source "$(dirname "$0")/../lib.sh"
AD=$WA_ROOT/$BIN/anchord
svc_need redis
"$WA_ROOT/$BIN/didlog" keygen --out "$T_TMP/pub.key" >/dev/null   # the test subjects' DIDs derive from it
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_MAX_BODY=2048 WA_PUBLISHER_KEY_FILE=$T_TMP/pub.key
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
"$TT" register 1 && "$TT" register 2 || t_fail register "registry"

for i in 1 2 3; do "$TT" sign 1 s-$i; done >"$T_TMP/good.jsonl"
"$TT" sign 2 s-1 >>"$T_TMP/good.jsonl"
echo >>"$T_TMP/good.jsonl"     # blank lines are skipped
t_expect_rc "all good: exit 0" 0 "$AD" submit "$T_TMP/good.jsonl"
t_eq "one result per event" "$(grep -c '"status":"queued"' "$T_TMP/last.out")" 4
t_eq "queued 4" "$(RCLI XLEN 'wa:{s0}:events')" 4

{ "$TT" sign 1 s-4; "$TT" sign 1 s-1; echo 'garbage'; "$TT" sign 1 s-5 tamper=1; "$TT" sign 3 s-6
  printf '{"id":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' a)"; "$TT" sign 1 s-7; } >"$T_TMP/mixed.jsonl"
t_expect_rc "some rejected: exit 1" 1 "$AD" submit - <"$T_TMP/mixed.jsonl"
out=$T_TMP/last.out
t_check "line 1 queued" grep -q '^{"line":1,"id":"s-4","status":"queued"}$' "$out"
t_check "line 2 replay 409" grep -q '"line":2,.*"code":409,"error":"replay"' "$out"
t_check "line 3 malformed 400" grep -q '"line":3,.*"code":400' "$out"
t_check "line 4 bad signature 401" grep -q '"line":4,.*"code":401' "$out"
t_check "line 5 unknown DID 404" grep -q '"line":5,.*"code":404' "$out"
t_check "line 6 too large 413" grep -q '"line":6,.*"code":413' "$out"
t_check "line 7 queued after errors" grep -q '"line":7,"id":"s-7","status":"queued"' "$out"
t_eq "only the good ones queued" "$(RCLI XLEN 'wa:{s0}:events')" 6

t_expect_rc "missing file: exit 3" 3 "$AD" submit "$T_TMP/nope.jsonl"
t_check "names the file" grep -q "nope.jsonl" "$T_TMP/last.err"
t_expect_rc "no argument: exit 2" 2 "$AD" submit
t_expect_rc "--help: exit 0" 0 "$AD" submit --help
WA_STREAM_SHARDS=0 t_expect_rc "bad setting: exit 3" 3 "$AD" submit "$T_TMP/good.jsonl"
t_check "bad setting named" grep -q "WA_STREAM_SHARDS" "$T_TMP/last.err"
"$TT" sign 1 s-8 >"$T_TMP/one.jsonl"
WA_REDIS_URL=redis://127.0.0.1:1 t_expect_rc "Redis down: exit 4" 4 "$AD" submit "$T_TMP/one.jsonl"
t_check "says connection refused" grep -q "connection refused at 127.0.0.1:1" "$T_TMP/last.err"

# shards: with 4 shards, each DID's events land on its own {sN} stream
export WA_STREAM_SHARDS=4
WA_STREAM_SHARDS=4 "$TT" register 1; WA_STREAM_SHARDS=4 "$TT" register 2
{ "$TT" sign 1 sh-1; "$TT" sign 2 sh-2; } >"$T_TMP/sh.jsonl"
t_expect_rc "sharded submit" 0 "$AD" submit "$T_TMP/sh.jsonl"
n=0; for s in 0 1 2 3; do n=$((n + $(RCLI XLEN "wa:{s$s}:events"))); done
t_eq "sharded streams hold both" "$((n - 6))" 2
t_done
