#!/usr/bin/env bash
# anchord_ingest.sh -- `anchord serve` over real HTTP (curl) with a real redis-server:
# every status of docs/api.md, bounded bodies, slow clients, Redis outage (503, /health),
# and "nothing queued on any error" checked with XLEN.
source "$(dirname "$0")/../lib.sh"
svc_need redis
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
HTTP_PORT=$(freeport)
export WA_LISTEN=127.0.0.1:$HTTP_PORT WA_RATE_LIMIT=5 WA_MAX_BODY=4096 WA_HTTP_TIMEOUT=2s WA_HTTP_THREADS=2
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
URL=http://127.0.0.1:$HTTP_PORT
DIDLOG=$WA_ROOT/$BIN/didlog
"$DIDLOG" keygen --out "$T_TMP/pub.key" >/dev/null
export WA_PUBLISHER_KEY_FILE=$T_TMP/pub.key WA_DOMAIN=dids.example.com:8443   # POST /dids checks genesis logs against them

"$WA_ROOT/$BIN/anchord" serve >"$T_TMP/serve.log" 2>&1 &
SERVE_PID=$!; T_PIDS+=($SERVE_PID)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
t_check "listening logged as JSON" grep -q '"msg":"listening"' "$T_TMP/serve.log"

read -r SCID DID VM MK < <("$TT" ident 1)
read -r SCID2 DID2 _ _ < <("$TT" ident 2)
"$TT" register 1 || t_fail register "could not register identity 1"

# post BODY [CTYPE] -> sets CODE and BODY (response)
post() {
    local ct=${2:-application/json}
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H "Content-Type: $ct" --data-binary @- "$URL${3:-/events}" <<<"$1")
    RESP=$(cat "$T_TMP/resp")
}
xlen() { RCLI XLEN "wa:{s0}:events"; }
expect() {   # NAME CODE ERROR
    if [ "$CODE" = "$2" ] && { [ -z "${3:-}" ] || grep -q "\"error\":\"$3\"" <<<"$RESP"; }; then t_ok "$1"
    else t_fail "$1" "got $CODE $RESP, want $2 ${3:-}"; fi
}

# The rate limit counts per wall-clock minute, and evt-1 .. rl-5 below must fall into one:
# start with at least 30 s of the minute left (they take a few seconds, more under load).
while [ "$(date +%-S)" -gt 30 ]; do sleep 1; done
EV=$("$TT" sign 1 evt-1)
post "$EV"; expect "202 queued" 202
t_eq "202 body" "$RESP" '{"id":"evt-1","status":"queued"}'
t_eq "one entry queued" "$(xlen)" 1
t_eq "stream entry is the JCS event" "$(RCLI XRANGE 'wa:{s0}:events' - + | sed -n 9p)" "$EV"

post "$EV"; expect "409 replay" 409 replay
post "not json"; expect "400 malformed" 400 malformed
post '{"id":"x"}'; expect "422 missing fields" 422 invalid
grep -q 'missing field' <<<"$RESP" && t_ok "422 names the field" || t_fail "422 detail" "$RESP"
post "$("$TT" sign 1 evt-2 extra=1)"; expect "422 extra field" 422 invalid
post "$("$TT" sign 1 'bad id!')"; expect "422 bad id" 422 invalid
post "$("$TT" sign 1 evt-3 time=now+3600)"; expect "422 time in the future" 422 invalid
post "$("$TT" sign 1 evt-3 time=2020-01-01T00:00:00Z)"; expect "422 time too old" 422 invalid
post "$("$TT" sign 1 evt-3 time=2025-01-01T00:00:00+01:00)"; expect "422 time not UTC" 422 invalid
post "$("$TT" sign 1 evt-3 did=did:web:example.com)"; expect "422 not did:webvh" 422 invalid
post "$("$TT" sign 1 evt-3 "did=did:webvh:$SCID:LOCALHOST%3A8080")"; expect "422 uppercase host" 422 invalid
post "$("$TT" sign 1 evt-3 'data=[1]')"; expect "422 data not object" 422 invalid
post "$("$TT" sign 2 evt-3)"; expect "404 unknown DID" 404 unknown_did
post "$("$TT" sign 1 evt-3 "did=did:webvh:$SCID:evil.example")"; expect "404 same SCID, other host" 404 unknown_did
post "$("$TT" sign 1 evt-3 tamper=1)"; expect "401 tampered" 401 bad_signature
post "$("$TT" sign 1 evt-3 key=2)"; expect "401 wrong key" 401 bad_signature
post "$("$TT" sign 1 evt-3 "vm=$DID#key-2")"; expect "401 key not an assertionMethod" 401 bad_signature
post "$EV" text/plain; expect "415 content type" 415 unsupported_media_type
head -c 100000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$T_TMP/big" "$URL/events"); RESP=$(cat "$T_TMP/resp")
expect "413 by Content-Length" 413 too_large
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$T_TMP/big" "$URL/events"); RESP=$(cat "$T_TMP/resp")
expect "413 chunked" 413 too_large
CODE=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$URL/events"); t_eq "405 method" "$CODE" 405
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope"); t_eq "404 route" "$CODE" 404
t_eq "nothing queued by any error" "$(xlen)" 1

# rate limit: WA_RATE_LIMIT=5 accepted events per DID per minute (evt-1 was the first)
for i in 1 2 3 4; do post "$("$TT" sign 1 rl-$i)"; done
expect "5th accepted" 202
post "$("$TT" sign 1 rl-5)"; expect "429 rate limit" 429 rate_limited
curl -s -D "$T_TMP/hdr" -o /dev/null -H 'Content-Type: application/json' --data-binary "$("$TT" sign 1 rl-6)" "$URL/events"
t_check "429 has Retry-After" grep -qi '^Retry-After: [0-9]' "$T_TMP/hdr"
t_eq "rate-limited events not queued" "$(xlen)" 5

# status records
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' "$URL/events/$SCID/evt-1"); RESP=$(cat "$T_TMP/resp")
expect "GET status 200" 200; grep -q '"status":"queued"' <<<"$RESP" && t_ok "status queued" || t_fail "status" "$RESP"
RCLI HSET "wa:{s0}:events:$SCID:evt-1" status anchored versionId 2-QmX witness ".well-known/did/$SCID/witness.json" >/dev/null
RESP=$(curl -s "$URL/events/$SCID/evt-1")
grep -q '"status":"anchored"' <<<"$RESP" && grep -q 'witness.json' <<<"$RESP" && t_ok "status anchored with proof location" || t_fail anchored "$RESP"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL/events/$SCID/nope"); t_eq "GET unknown event 404" "$CODE" 404
CODE=$(curl -s -o /dev/null -w '%{http_code}' "$URL/events/bad/evt-1"); t_eq "GET bad scid 400" "$CODE" 400

# POST /dids: genesis logs go to their own stream, once per SCID
# (the genesis rules in detail: anchord_dids.sh)
"$DIDLOG" create --domain dids.example.com:8443 --path .well-known --path did --path "{SCID}" --update-key "$T_TMP/pub.key" --witness "$T_TMP/pub.key" \
    --out "$T_TMP/g.jsonl" >/dev/null
G=$(cat "$T_TMP/g.jsonl")
post "$G" application/jsonl /dids; expect "POST /dids 202" 202
t_eq "genesis queued" "$(RCLI XLEN 'wa:{s0}:dids')" 1
post "$G" application/jsonl /dids; expect "POST /dids twice 409" 409 replay
# a log with the shape of a genesis entry whose SCID is not derived from it (its proof a stub)
SHAPED=$(jq -cn --arg s "$SCID" --arg d "$DID" --arg k "$MK" '{versionId: "1-QmX", versionTime: "2025-01-01T00:00:00Z",
    parameters: {method: "did:webvh:1.0", scid: $s, updateKeys: [$k]}, state: {"@context": "https://www.w3.org/ns/did/v1", id: $d},
    proof: [{type: "DataIntegrityProof"}]}')
post "$SHAPED" application/jsonl /dids; expect "POST /dids genesis-shaped log with a wrong SCID refused" 422 invalid
post '{"versionId":"1"}' application/jsonl /dids; expect "POST /dids bad log 422" 422 invalid
t_eq "bad logs not queued" "$(RCLI XLEN 'wa:{s0}:dids')" 1

# health and metrics
t_eq "health 200" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200
curl -s "$URL/metrics" >"$T_TMP/metrics"
t_check "metrics: received" grep -q '^events_received_total 5$' "$T_TMP/metrics"
t_check "metrics: rejected by reason" grep -q '^events_rejected_total{reason="bad_signature"} 3$' "$T_TMP/metrics"
t_check "metrics: queue depth" grep -q '^queue_depth{stream="events"} 5$' "$T_TMP/metrics"
t_check "metrics: histogram" grep -q '^anchor_latency_seconds_bucket{le="+Inf"} 0$' "$T_TMP/metrics"
t_check "metrics: oldest queued event has an age" grep -qE '^queue_oldest_age_seconds\{stream="events"\} [0-9.]+$' "$T_TMP/metrics"
t_check "metrics: empty dead-letter stream has age 0" grep -q '^queue_oldest_age_seconds{stream="dead"} 0$' "$T_TMP/metrics"
t_check "metrics: no open batch" grep -q '^batches_open 0$' "$T_TMP/metrics"
# an open batch in the journal (as anchord run leaves one that failed) shows up with its age
RCLI ZADD 'wa:{s0}:batches' "$(( $(date +%s) * 1000 - 7200000 ))" b-test >/dev/null
curl -s "$URL/metrics" >"$T_TMP/metrics2"
t_check "metrics: open batch counted" grep -q '^batches_open 1$' "$T_TMP/metrics2"
t_check "metrics: its age (~2 h)" grep -qE '^batch_oldest_open_age_seconds 72[0-9][0-9](\.[0-9]+)?$' "$T_TMP/metrics2"
RCLI ZREM 'wa:{s0}:batches' b-test >/dev/null
for m in events_received_total batches_anchored_total anchor_latency_seconds queue_depth events_rejected_total \
         s3_conflicts_total rpc_errors_total batches_failed_total batch_last_success_timestamp_seconds; do
    t_check "metrics: family $m declared" grep -q "^# TYPE $m " "$T_TMP/metrics"
done

# slow client: sends headers but never the body -> dropped after WA_HTTP_TIMEOUT, server still serves
exec 7<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
printf 'POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{' >&7
t0=$SECONDS
timeout 10 cat <&7 >/dev/null
el=$((SECONDS - t0))
[ $el -le 6 ] && t_ok "slow client dropped after ${el}s" || t_fail "slow client" "held ${el}s"
exec 7>&-
t_eq "still serving" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200

# Redis down: 503 everywhere, nothing accepted; back up: works again
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
post "$("$TT" sign 1 down-1)"; expect "503 when Redis is down" 503 unavailable
grep -q "redis:" <<<"$RESP" && t_ok "503 detail names redis" || t_fail "503 detail" "$RESP"
t_eq "health 503" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 503
redis_restart
sleep 0.3
t_eq "health back" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200
t_eq "AOF kept the queue" "$(xlen)" 5
RCLI --scan --pattern 'wa:{s0}:rate:*' | while read -r k; do RCLI DEL "$k" >/dev/null; done   # a new minute
post "$("$TT" sign 1 down-1)"; expect "accepted after Redis is back (no marker left by the 503)" 202 ""

kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; t_eq "clean shutdown" "$?" 0
t_check "shutdown logged" grep -q '"msg":"shutting down"' "$T_TMP/serve.log"
t_done
