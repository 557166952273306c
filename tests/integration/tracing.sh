#!/usr/bin/env bash
# tracing.sh -- OpenTelemetry traces (docs/tracing.md) against a receiver that decodes
# with the official OTLP definitions (tests/node/otlp-receiver.cjs, npm
# @opentelemetry/otlp-transformer), with real redis-server, anvil and `anchord serve`/`run`:
# a POST's W3C traceparent is continued by the ingest span, queued with the event (stream
# field "tp") and continued by `anchord run` (event span child of the ingest span, with the
# tx hash; the batch's own trace with claim..ack under it, linked to the ingest spans);
# JSON log lines carry trace_id/span_id; the OTEL_* settings (service name, resource
# attributes, headers, sampler) are honoured and malformed ones refused (exit 3); off by
# default (no "tp", no ids in logs); a collector that is down or refuses costs counted
# drops, never a slow answer or a failed batch.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
command -v node >/dev/null || t_skip_rest node "node is not installed (scripts/deps.sh)"
[ -d "$WA_ROOT/tests/node/node_modules/@opentelemetry/otlp-transformer" ] ||
    t_skip_rest otlp-transformer "npm @opentelemetry/otlp-transformer is not installed (scripts/deps.sh: npm ci in tests/node)"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
HTTP_PORT=$(freeport)
export WA_LISTEN=127.0.0.1:$HTTP_PORT
URL=http://127.0.0.1:$HTTP_PORT
SPANS=$T_TMP/spans.jsonl

# receiver [STATUS]: the OTLP receiver on a free port (OTLP_PORT); STATUS: it answers that.
receiver() {
    OTLP_PORT=$(freeport)
    node "$WA_ROOT/tests/node/otlp-receiver.cjs" "$OTLP_PORT" "$SPANS" "${1:-200}" 2>>"$T_TMP/receiver.log" &
    OTLP_PID=$!; T_PIDS+=($OTLP_PID)
    wait_port "$OTLP_PORT" 10 || t_fail receiver "did not listen: $(cat "$T_TMP/receiver.log")"
}
# serve LOG [ENV=VALUE...]: anchord serve with extra environment; SERVE_PID.
serve() {
    local log=$1; shift
    env "$@" "$AD" serve >"$log" 2>&1 & SERVE_PID=$!; T_PIDS+=($SERVE_PID)
    wait_port "$HTTP_PORT" 10 || t_fail serve "did not listen: $(tail -3 "$log")"
}
stop_serve() { kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; }
# post BODY [TRACEPARENT] -> CODE, with the time it took in SECS
post() {
    local tp=()
    [ -n "${2:-}" ] && tp=(-H "traceparent: $2")
    read -r CODE SECS < <(curl -s -o "$T_TMP/resp" -w '%{http_code} %{time_total}\n' -H "Content-Type: application/json" \
        "${tp[@]}" --data-binary @- "$URL/events" <<<"$1")
}
# span NAME [JQ-FILTER]: the received spans named NAME (that pass the filter), one a line
span() { jq -c "select(.name == \"$1\")${2:+ | select($2)}" "$SPANS" 2>/dev/null; }
# until SECONDS CMD...: CMD succeeds within SECONDS (tenths of a second between tries)
until_ok() { local i; for ((i = 0; i < $1 * 10; i++)); do "${@:2}" && return 0; sleep 0.1; done; return 1; }
# (Redis keeps the status's txHash without "0x": docs/operations.md "Redis memory")
tx_of() { local t; t=$(RCLI HGET "wa:{s0}:events:$(  "$TT" did 1 | cut -d: -f3):$1" txHash); echo "0x${t#0x}"; }

# DIDs 0..2 published (no trace: queued straight into Redis).
"$TT" enqueue-dids 0 3 >/dev/null
pipe_run
t_eq "genesis batch" "$RUN_RC" 0

scenario fault "trace-off-by-default" \
    "anchord serve and run without any OTEL_* setting; a POST carries a traceparent" \
    "nothing traced: no \"tp\" field queued, no trace_id in the log, run unchanged"
serve "$T_TMP/serve0.log" WA_LOG_LEVEL=debug
post "$("$TT" sign 1 off-1)" "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
t_eq "off: 202" "$CODE" 202
t_eq "off: no tp field queued" "$(RCLI XRANGE 'wa:{s0}:events' - + | grep -c '^tp$')" 0
post "$("$TT" sign 1 off-bad tamper=1)" "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
t_check "off: the debug line of a refusal has no trace_id" bash -c "grep '\"event rejected\"' '$T_TMP/serve0.log' | grep -vq trace_id"
stop_serve
pipe_run
t_eq "off: run exit 0" "$RUN_RC" 0
t_check "off: run's log has no trace_id" bash -c "! grep -q trace_id '$RUN_LOG'"

scenario attack "trace-bad-settings" \
    "OTEL_TRACES_SAMPLER=sometimes, OTEL_EXPORTER_OTLP_PROTOCOL=grpc, an endpoint that is not a URL, OTEL_BSP_MAX_QUEUE_SIZE=-1" \
    "serve and run refuse to start (exit 3), the message names the setting"
receiver
EP=http://127.0.0.1:$OTLP_PORT
for bad in OTEL_TRACES_SAMPLER=sometimes OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=ftp://x \
           OTEL_BSP_MAX_QUEUE_SIZE=-1 OTEL_TRACES_SAMPLER=traceidratio,OTEL_TRACES_SAMPLER_ARG=2; do
    envs=(OTEL_EXPORTER_OTLP_ENDPOINT=$EP ${bad//,/ })
    name=${bad##*,}; name=${name%%=*}
    env "${envs[@]}" "$AD" serve >"$T_TMP/bad.out" 2>&1 & p=$!
    for _ in $(seq 100); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
    if kill -0 $p 2>/dev/null; then kill $p; wait $p; t_fail "serve refuses $bad" "it started"
    else wait $p; t_eq "serve refuses $bad (exit 3)" "$?" 3; fi
    t_check "serve: the message names $name" grep -q "$name" "$T_TMP/bad.out"
    env "${envs[@]}" "$AD" run >/dev/null 2>"$T_TMP/bad.out"
    t_eq "run refuses $bad (exit 3)" "$?" 3
done

scenario fault "trace-ingest-to-anchor" \
    "POST /events with a W3C traceparent (and one without), then anchord run, exporting to an OTLP receiver" \
    "one trace from the POST to the anchored file: ingest (child of the caller's span) -> event (with the tx hash and version id); the batch trace claim..ack, linked to the ingest spans; log lines carry trace_id/span_id"
TID=4bf92f3577b34da6a3ce929d0e0e4736; PSID=00f067aa0ba902b7
OT=(OTEL_EXPORTER_OTLP_ENDPOINT=$EP OTEL_BSP_SCHEDULE_DELAY=100 OTEL_SERVICE_NAME=ingest-test
    "OTEL_RESOURCE_ATTRIBUTES=deployment.environment=test,team=a%20b" "OTEL_EXPORTER_OTLP_HEADERS=x-api-key=k%3D1")
serve "$T_TMP/serve1.log" "${OT[@]}" WA_LOG_LEVEL=debug
post "$("$TT" sign 1 tr-1)" "00-$TID-$PSID-01"
t_eq "traced POST: 202" "$CODE" 202
post "$("$TT" sign 2 tr-2)"
t_eq "untraced POST: 202" "$CODE" 202
post "$("$TT" sign 1 tr-bad tamper=1)" "00-$TID-$PSID-01"
t_eq "refused POST: 401" "$CODE" 401
t_check "the queued entry carries the trace context (tp)" bash -c \
    "redis-cli -p $REDIS_PORT XRANGE 'wa:{s0}:events' - + | grep -q '^00-$TID-[0-9a-f]\{16\}-01\$'"
until_ok 10 test -n "$(span ingest '.attributes["wa.event.id"] == "tr-bad"')"
t_check "the refusal's debug line carries trace_id" grep -q "\"event rejected\".*\"trace_id\":\"$TID\",\"span_id\":\"[0-9a-f]\{16\}\"" "$T_TMP/serve1.log"
ING=$(span ingest ".traceId == \"$TID\" and .attributes[\"wa.event.id\"] == \"tr-1\"")
t_check "ingest span continues the caller's trace (parent = its span)" test "$(jq -r .parentSpanId <<<"$ING")" == "$PSID"
t_eq "ingest span: server kind, 202, event id" "$(jq -r '[.kind, .attributes["http.response.status_code"], .attributes["wa.outcome"]] | join(" ")' <<<"$ING")" "2 202 queued"
t_eq "ingest span: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES" "$(jq -r '[.service, .resource["deployment.environment"], .resource.team] | join(",")' <<<"$ING")" "ingest-test,test,a b"
t_check "OTEL_EXPORTER_OTLP_HEADERS sent" grep -q '"x-api-key":"k=1"' "$SPANS.requests"
ING_SID=$(jq -r .spanId <<<"$ING")
ING2=$(span ingest '.attributes["wa.event.id"] == "tr-2"')
t_check "a POST without traceparent starts a trace (root span)" test -n "$ING2" -a "$(jq -r .parentSpanId <<<"$ING2")" == ""
t_eq "refused POST: ingest span with error status" "$(span ingest '.attributes["wa.event.id"] == "tr-bad"' | jq -r '.status.code')" 2
t_eq "nothing malformed reached the receiver" "$(grep -c '"error"' "$SPANS")" 0
stop_serve

env "${OT[@]}" OTEL_SERVICE_NAME= "$AD" run >/dev/null 2>"$T_TMP/run-traced.log"
t_eq "traced run: exit 0" "$?" 0
t_eq "nothing malformed reached the receiver (run)" "$(grep -c '"error"' "$SPANS")" 0
TX=$(tx_of tr-1)
EVS=$(span event ".traceId == \"$TID\"")
t_check "event span: in the caller's trace, child of the ingest span" test "$(jq -r .parentSpanId <<<"$EVS")" == "$ING_SID"
t_eq "event span: published, the anchoring tx hash" "$(jq -r '[.attributes["wa.outcome"], .attributes["eth.tx_hash"]] | join(" ")' <<<"$EVS")" "published $TX"
t_check "event span: the version id" bash -c "jq -e '.attributes[\"wa.version_id\"] | test(\"^[0-9]+-Q\")' <<<'$EVS' >/dev/null"
t_eq "run's default service.name" "$(jq -r .service <<<"$EVS")" anchord-run
BAT=$(span batch ".links | map(.spanId) | index(\"$ING_SID\")")
t_check "batch span links to the ingest span" test -n "$BAT"
BTID=$(jq -r .traceId <<<"$BAT"); BSID=$(jq -r .spanId <<<"$BAT")
t_check "event span links to the batch span" bash -c "jq -e '.links[] | select(.spanId == \"$BSID\" and .traceId == \"$BTID\")' <<<'$EVS' >/dev/null"
t_eq "batch span: the tx hash" "$(jq -r '.attributes["eth.tx_hash"]' <<<"$BAT")" "$TX"
t_eq "batch phases, children of the batch span" \
    "$(jq -r "select(.traceId == \"$BTID\" and .parentSpanId == \"$BSID\") | .name" "$SPANS" | tr '\n' ' ')" \
    "claim build stage anchor confirm publish ack "
t_eq "anchor span: the tx hash" "$(span anchor ".traceId == \"$BTID\"" | jq -r '.attributes["eth.tx_hash"]')" "$TX"
t_eq "confirm span: the tx hash" "$(span confirm ".traceId == \"$BTID\"" | jq -r '.attributes["eth.tx_hash"]')" "$TX"
t_check "an event posted without traceparent is also followed (its own trace)" test -n \
    "$(span event ".traceId == \"$(jq -r .traceId <<<"$ING2")\" and .attributes[\"wa.outcome\"] == \"published\"")"
t_check "run's log lines carry the batch's trace_id" grep -q "\"msg\":\"batch built\".*\"trace_id\":\"$BTID\"" "$T_TMP/run-traced.log"
t_check "the tx line carries the anchor span's id" bash -c \
    "grep '\"transaction journaled\"' '$T_TMP/run-traced.log' | grep -q '\"span_id\":\"$(span anchor ".traceId == \"$BTID\"" | jq -r .spanId)\"'"

scenario fault "trace-resumed-batch" \
    "a traced event is claimed by a run killed (SIGKILL) right after its transaction was journaled; the next run resumes the batch" \
    "the resumed batch still continues the event's trace: its event span (child of the ingest span, published, the tx hash) and a batch span marked wa.resumed"
: >"$SPANS"
TID2=5bf92f3577b34da6a3ce929d0e0e4737
serve "$T_TMP/serve5.log" "${OT[@]}"
post "$("$TT" sign 1 crash-1)" "00-$TID2-$PSID-01"
t_eq "crash: 202" "$CODE" 202
stop_serve
env "${OT[@]}" WA_LEASE_TTL_MS=1000 WA_CRASH_AT=submitted "$AD" run >/dev/null 2>"$T_TMP/run-crash.log"
t_eq "crash: the first run was killed" "$?" 137
sleep 1.2   # the killed run's lease (WA_LEASE_TTL_MS=1000) expires
env "${OT[@]}" "$AD" run >/dev/null 2>"$T_TMP/run-resume.log"
t_eq "crash: the resuming run exit 0" "$?" 0
ING3=$(span ingest ".traceId == \"$TID2\"" | jq -r .spanId)
EV3=$(span event ".traceId == \"$TID2\"")
t_eq "resumed: event span, child of the ingest span, published with the tx hash" \
    "$(jq -r '[.parentSpanId, .attributes["wa.outcome"], .attributes["eth.tx_hash"]] | join(" ")' <<<"$EV3")" \
    "$ING3 published $(tx_of crash-1)"
t_eq "resumed: the batch span says so" "$(span batch '.attributes["wa.resumed"] == "true"' | jq -r '.attributes["eth.tx_hash"]')" "$(tx_of crash-1)"
t_eq "resumed: confirm span follows the journaled transaction" "$(span confirm | jq -r '.attributes["eth.tx_hash"]' | tail -1)" "$(tx_of crash-1)"

scenario fault "trace-submit" \
    "events queued with anchord submit (no HTTP, no traceparent), then anchord run" \
    "each event starts its own trace (ingest span, producer kind, service anchord-submit) that run continues up to its publication"
: >"$SPANS"
{ "$TT" sign 1 sub-1; echo; "$TT" sign 2 sub-2; echo; } | grep . >"$T_TMP/submit.jsonl"
env "${OT[@]}" OTEL_SERVICE_NAME= "$AD" submit "$T_TMP/submit.jsonl" >/dev/null 2>"$T_TMP/submit.log"
t_eq "submit: exit 0" "$?" 0
SUB=$(span ingest '.attributes["wa.event.id"] == "sub-1"')
t_eq "submit: a producer span of anchord-submit, a root" "$(jq -r '[.kind, .service, .parentSpanId] | join(",")' <<<"$SUB")" "4,anchord-submit,"
env "${OT[@]}" "$AD" run >/dev/null 2>"$T_TMP/run-submit.log"
t_eq "submit: run exit 0" "$?" 0
t_eq "submit: the event span continues the submit's trace" \
    "$(span event ".traceId == \"$(jq -r .traceId <<<"$SUB")\"" | jq -r '[.parentSpanId, .attributes["wa.outcome"]] | join(" ")')" \
    "$(jq -r .spanId <<<"$SUB") published"

scenario fault "trace-sampler-off" \
    "OTEL_TRACES_SAMPLER=parentbased_always_off; one POST without and one with a sampled traceparent" \
    "the root is not exported, the sampled parent's child is (parent-based)"
: >"$SPANS"
serve "$T_TMP/serve2.log" "${OT[@]}" OTEL_TRACES_SAMPLER=parentbased_always_off
post "$("$TT" sign 1 smp-1)"
post "$("$TT" sign 1 smp-2)" "00-$TID-$PSID-01"
stop_serve
t_eq "unsampled root: not exported" "$(span ingest '.attributes["wa.event.id"] == "smp-1"' | wc -l)" 0
t_eq "sampled parent: exported" "$(span ingest '.attributes["wa.event.id"] == "smp-2"' | wc -l)" 1
pipe_run

scenario fault "trace-collector-down" \
    "the OTLP endpoint is a closed port (nothing listens), then a receiver that answers 503; events are posted and a batch runs" \
    "every POST answered 202 at once, the batch anchored (exit 0); spans counted in otel_spans_dropped_total{reason=\"export_failed\"}"
DOWN=http://127.0.0.1:$(freeport)
serve "$T_TMP/serve3.log" OTEL_EXPORTER_OTLP_ENDPOINT=$DOWN OTEL_BSP_SCHEDULE_DELAY=100 OTEL_EXPORTER_OTLP_TIMEOUT=2000
slow=0
for i in 1 2 3 4 5; do
    post "$("$TT" sign 1 down-$i)" "00-$TID-$PSID-01"
    [ "$CODE" = 202 ] || t_fail "down: POST $i" "got $CODE"
    awk -v s="$SECS" 'BEGIN { exit !(s > 1.0) }' && slow=$((slow + 1))
done
t_eq "down: no POST took more than 1 s" "$slow" 0
dropped_ge() {   # N: serve's otel_spans_dropped_total{reason="export_failed"} >= N
    local d
    d=$(curl -s "$URL/metrics" | awk '$1 == "otel_spans_dropped_total{reason=\"export_failed\"}" { print $2 }')
    awk -v d="${d:-0}" -v n="$1" 'BEGIN { exit !(d >= n) }'
}
t_check "down: serve counts the dropped spans (>= 5)" until_ok 10 dropped_ge 5
t_check "down: the failed export is logged" grep -q '"trace export failed; spans dropped"' "$T_TMP/serve3.log"
stop_serve
receiver 503
env OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$OTLP_PORT OTEL_BSP_SCHEDULE_DELAY=100 \
    WA_METRICS_TEXTFILE="$T_TMP/run.prom" "$AD" run >/dev/null 2>"$T_TMP/run-down.log"
t_eq "refusing collector: run exit 0" "$?" 0
t_eq "refusing collector: the events anchored" "$(RCLI HGET "wa:{s0}:events:$("$TT" did 1 | cut -d: -f3):down-5" status)" anchored
t_check "refusing collector: drops in the run's textfile" grep -q '^otel_spans_dropped_total{reason="export_failed"} [1-9]' "$T_TMP/run.prom"
kill "$OTLP_PID" 2>/dev/null

scenario fault "trace-collector-hangs" \
    "the collector accepts connections and never answers; the export queue holds 2 spans; 8 events are posted, serve is stopped, a batch runs" \
    "every POST answered 202 in under 1 s; the overflow counted in otel_spans_dropped_total{reason=\"queue_full\"}; serve stops within the export timeout; the batch anchors"
receiver 0
HANG=(OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$OTLP_PORT OTEL_EXPORTER_OTLP_TIMEOUT=2000 OTEL_BSP_SCHEDULE_DELAY=50
      OTEL_BSP_MAX_QUEUE_SIZE=2 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1)
serve "$T_TMP/serve4.log" "${HANG[@]}"
slow=0; bad=0
for i in 1 2 3 4 5 6 7 8; do
    post "$("$TT" sign 1 hang-$i)" "00-$TID-$PSID-01"
    [ "$CODE" = 202 ] || bad=$((bad + 1))
    awk -v s="$SECS" 'BEGIN { exit !(s > 1.0) }' && slow=$((slow + 1))
done
t_eq "hang: every POST 202" "$bad" 0
t_eq "hang: no POST took more than 1 s" "$slow" 0
full=$(curl -s "$URL/metrics" | awk '$1 == "otel_spans_dropped_total{reason=\"queue_full\"}" { print $2 }')
t_check "hang: the full queue's drops are counted (>= 4)" awk -v d="${full:-0}" 'BEGIN { exit !(d >= 4) }'
t0=$SECONDS; stop_serve
t_check "hang: serve stopped within 6 s (one export timeout to flush, one in flight)" test $((SECONDS - t0)) -le 6
env "${HANG[@]}" "$AD" run >/dev/null 2>"$T_TMP/run-hang.log"
t_eq "hang: run exit 0" "$?" 0
t_eq "hang: the events anchored" "$(RCLI HGET "wa:{s0}:events:$("$TT" did 1 | cut -d: -f3):hang-8" status)" anchored
t_done
