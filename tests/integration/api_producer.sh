#!/usr/bin/env bash
# api_producer.sh -- what an integrator reads first, checked on real traffic: the producer
# quick start (docs/producer.md) end to end -- a DID registered with POST /dids, an event
# signed in the shell (`didlog sign-event`) and one signed in JavaScript with Digital
# Bazaar's Data Integrity libraries (tests/node/producer.mjs), both posted to a real
# `anchord serve`, anchored by `anchord run`, verified by didverify -- and docs/openapi.yaml
# and docs/schemas/*.json, served by the server byte for byte, against the requests, the
# answers and the published files, with independent validators (swagger-parser, ajv 2020-12:
# tests/node/api-validate.mjs).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
DL=$WA_ROOT/$BIN/didlog
DV=$WA_ROOT/$BIN/didverify
DOCS=$WA_ROOT/docs
V() { node "$WA_ROOT/tests/node/api-validate.mjs" "$1" "$DOCS" "${@:2}"; }
command -v node >/dev/null || t_skip_rest node "node is not installed (scripts/deps.sh installs it)"
HTTP_PORT=$(freeport); URL=http://127.0.0.1:$HTTP_PORT
export WA_LISTEN=127.0.0.1:$HTTP_PORT WA_DOMAIN=dpp.example.com

t_check "openapi.yaml is a valid OpenAPI 3.1 document" V spec
echo '{"id":"x"}' >"$T_TMP/missing-fields.json"
t_expect_rc "the validator refuses an event without its fields" 1 node "$WA_ROOT/tests/node/api-validate.mjs" schema "$DOCS" event "$T_TMP/missing-fields.json"

"$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }

# GET URL -> CODE, CTYPE, body in $T_TMP/body
get() { read -r CODE CTYPE < <(curl -s -o "$T_TMP/body" -w '%{http_code} %{content_type}\n' "$URL$1"); }
# post PATH CTYPE FILE -> CODE, CTYPE, answer in $T_TMP/body
post() { read -r CODE CTYPE < <(curl -s -o "$T_TMP/body" -w '%{http_code} %{content_type}\n' -H "Content-Type: $2" --data-binary @"$3" "$URL$1"); }

# The description is served as compiled in: byte for byte the repository's files.
get /openapi.yaml
t_eq "GET /openapi.yaml: 200 application/yaml" "$CODE $CTYPE" "200 application/yaml"
t_check "GET /openapi.yaml: the repository's file" cmp -s "$T_TMP/body" "$DOCS/openapi.yaml"
for s in "$DOCS"/schemas/*.json; do
    n=$(basename "$s")
    get "/schemas/$n"
    t_eq "GET /schemas/$n: 200 application/schema+json" "$CODE $CTYPE" "200 application/schema+json"
    t_check "GET /schemas/$n: the repository's file" cmp -s "$T_TMP/body" "$s"
done
get /schemas/nope.json
t_eq "unknown schema: 404" "$CODE" 404
t_check "unknown schema: a documented error" V response getSchema 404 "$CTYPE" "$T_TMP/body"
read -r CODE _ < <(curl -s --path-as-is -o /dev/null -w '%{http_code}\n' "$URL/schemas/../README.md")
t_eq "no path outside the table: 404" "$CODE" 404

# Register a DID whose assertion key the producer holds (docs/producer.md step 1).
t_check "producer key" "$DL" keygen --out "$T_TMP/producer.key"
DID=$("$DL" create --domain dpp.example.com --path .well-known --path did --path '{SCID}' \
      --update-key "$T_TMP/publisher.key" --witness "$T_TMP/publisher.key" --key "$T_TMP/producer.key" \
      --out "$T_TMP/genesis.jsonl") || t_fail "didlog create" "$DID"
SCID=$(cut -d: -f3 <<<"$DID")
t_check "genesis entry matches did-log-entry.json" V schema did-log-entry "$T_TMP/genesis.jsonl"
post /dids application/jsonl "$T_TMP/genesis.jsonl"
t_eq "POST /dids: 202" "$CODE" 202
t_check "POST /dids 202: as documented" V response postDid 202 "$CTYPE" "$T_TMP/body"
post /dids application/jsonl "$T_TMP/genesis.jsonl"
t_eq "POST /dids again: 409" "$CODE" 409
t_check "POST /dids 409: as documented" V response postDid 409 "$CTYPE" "$T_TMP/body"
pipe_run
t_eq "genesis anchored: exit 0" "$RUN_RC" 0
D=$FS/.well-known/did/$SCID
t_check "genesis published" test -s "$D/did.jsonl"

# The shell producer (step 2): didlog sign-event, then curl.
t_check "sign in the shell" bash -c "'$DL' sign-event --key '$T_TMP/producer.key' --did '$DID' --type Installed \
    --data '{\"site\":\"Berlin\",\"share\":0.6}' --id sh-1 >'$T_TMP/sh.json'"
t_check "shell event matches event.json" V schema event "$T_TMP/sh.json"
t_check "shell event is a valid postEvent request" V request postEvent "$T_TMP/sh.json"
post /events application/json "$T_TMP/sh.json"
t_eq "shell event: 202" "$CODE" 202
t_check "shell event 202: as documented" V response postEvent 202 "$CTYPE" "$T_TMP/body"
t_expect_rc "sign-event without --did: usage (exit 2)" 2 "$DL" sign-event --key "$T_TMP/producer.key" --type T
t_expect_rc "sign-event with --data not an object: usage (exit 2)" 2 "$DL" sign-event --key "$T_TMP/producer.key" --did "$DID" --type T --data '[1]'
t_expect_rc "sign-event with a missing key file: exit 3" 3 "$DL" sign-event --key "$T_TMP/nokey" --did "$DID" --type T

# The JavaScript producer (step 3): Digital Bazaar's libraries sign, fetch posts.
t_check "JavaScript producer: 202" bash -c "node '$WA_ROOT/tests/node/producer.mjs' --key '$T_TMP/producer.key' --did '$DID' \
    --type Inspected --data '{\"by\":\"js\"}' --id js-1 --post '$URL' >'$T_TMP/js.out'"
head -1 "$T_TMP/js.out" >"$T_TMP/js.json"
t_check "JavaScript event matches event.json" V schema event "$T_TMP/js.json"

# Refusals answer as documented, and the documents catch what the server refuses.
jq -c '.data.site = "Hamburg"' "$T_TMP/sh.json" >"$T_TMP/tampered.json"
post /events application/json "$T_TMP/tampered.json"
t_eq "tampered event: 401" "$CODE" 401
t_check "401: as documented" V response postEvent 401 "$CTYPE" "$T_TMP/body"
t_expect_rc "a refusal is not a documented 202 (the check can fail)" 1 node "$WA_ROOT/tests/node/api-validate.mjs" response "$DOCS" postEvent 202 "$CTYPE" "$T_TMP/body"
post /events application/json "$T_TMP/sh.json"
t_eq "replayed event: 409" "$CODE" 409
t_check "409: as documented" V response postEvent 409 "$CTYPE" "$T_TMP/body"
jq -c '. + {"extra":1}' "$T_TMP/sh.json" >"$T_TMP/extra.json"
post /events application/json "$T_TMP/extra.json"
t_eq "seventh field: 422" "$CODE" 422
t_check "422: as documented" V response postEvent 422 "$CTYPE" "$T_TMP/body"
t_expect_rc "event.json refuses the seventh field too" 1 node "$WA_ROOT/tests/node/api-validate.mjs" request "$DOCS" postEvent "$T_TMP/extra.json"
post /events text/plain "$T_TMP/sh.json"
t_check "415: as documented" V response postEvent 415 "$CTYPE" "$T_TMP/body"
printf '{"id":' >"$T_TMP/trunc.json"; post /events application/json "$T_TMP/trunc.json"
t_check "400: as documented" V response postEvent 400 "$CTYPE" "$T_TMP/body"
get "/events/$SCID/sh-1"
t_eq "status while queued: 200" "$CODE" 200
t_check "queued status: as documented" V response getEventStatus 200 "$CTYPE" "$T_TMP/body"
get "/events/$SCID/never"
t_check "404 status: as documented" V response getEventStatus 404 "$CTYPE" "$T_TMP/body"
get /health
t_check "health: as documented" V response getHealth 200 "$CTYPE" "$T_TMP/body"

# Anchored, published, verified; every published file matches its schema.
pipe_run
t_eq "events anchored: exit 0" "$RUN_RC" 0
for id in sh-1 js-1; do
    get "/events/$SCID/$id"
    t_check "$id anchored" grep -q '"status":"anchored"' "$T_TMP/body"
    t_check "$id anchored status: as documented" V response getEventStatus 200 "$CTYPE" "$T_TMP/body"
done
t_check "both events in the log" bash -c "grep -q '\"id\":\"sh-1\"' '$D/did.jsonl' && grep -q '\"id\":\"js-1\"' '$D/did.jsonl'"
t_expect_rc "didverify: every version anchored" 0 "$DV" --log "$D/did.jsonl" --witness "$D/witness.json" \
    --did-witness "$D/did-witness.json" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
t_check "did.jsonl entries match did-log-entry.json" V schema did-log-entry "$D/did.jsonl"
t_check "witness.json matches witness.json" V schema witness "$D/witness.json"
t_check "did-witness.json matches did-witness.json" V schema did-witness "$D/did-witness.json"
t_check "batch manifests match manifest.json" V schema manifest "$FS"/batches/*.json
t_check "anchors export" "$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json"
t_check "anchors file matches anchors.json" V schema anchors "$T_TMP/anchors.json"
jq -c '.anchors[0].root = "XYZ"' "$D/witness.json" >"$T_TMP/badwit.json"
t_expect_rc "a witness.json with a bad root fails its schema" 1 node "$WA_ROOT/tests/node/api-validate.mjs" schema "$DOCS" witness "$T_TMP/badwit.json"
t_done
