#!/usr/bin/env bash
# redteam_budget_s3.sh -- issue 14's poisoned-DID and private-object attacks on S3: `anchord
# run` against Ceph radosgw through test-tool faultproxy (real redis-server and anvil;
# tests/svc/pipeline_env.sh, fault_env.sh). A did.jsonl over the read limit, a store error
# on one DID's objects when reading and when publishing, a tampered object found when a
# crashed batch is resumed; then every key the worker writes (WA_STORE_TRACE) and the
# metadata of published objects. Expected (DESIGN.md §4 invariant 6): the healthy DIDs of
# the batch are anchored and verify, the poisoned DID's events are deferred or
# dead-lettered with the reason, no later run fails; internal objects live under _wa/ and
# no published object carries x-amz-meta-wa-* metadata. WA_SKIP_RGW=1 skips it.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
[ -n "${WA_SKIP_RGW:-}" ] && t_skip_rest radosgw "WA_SKIP_RGW is set"
pipe_env_s3 wabudget
source "$WA_ROOT/tests/svc/fault_env.sh"
fault_proxy "$RGW_PORT"
DIRECT=$AWS_ENDPOINT_URL
export AWS_ENDPOINT_URL=http://127.0.0.1:$PP WA_STORE_RETRIES=2 WA_DID_BUDGET=262144 WA_LEASE_TTL_MS=1000
ST() { "$TT" store -u s3://wabudget "$@"; }
STD() { AWS_ENDPOINT_URL=$DIRECT ST "$@"; }   # straight to radosgw, not through the proxy
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
KEY() { echo ".well-known/did/$(SCID "$1")/$2"; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" "${3:-status}"; }
dv() {   # N: didverify DID N's three objects (fetched from the bucket) against the chain
    local d=$T_TMP/dv$1 f; mkdir -p "$d"
    for f in did.jsonl witness.json did-witness.json; do STD get "$(KEY "$1" $f)" >"$d/$f" 2>/dev/null; done
    "$WA_ROOT/$BIN/didverify" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337
}
one() { local a; for a in "$@"; do "$TT" sign "${a%%:*}" "${a#*:}"; done >"$T_TMP/one.jsonl"; "$AD" submit "$T_TMP/one.jsonl" >/dev/null; }
anchored_ok() {
    t_eq "$1: DID $2's event anchored" "$(status "$2" "$3")" anchored
    t_expect_rc "$1: didverify DID $2 ANCHORED" 0 dv "$2"
}
# s3keys LOG: the object keys of every PUT and DELETE in a WA_STORE_TRACE log
s3keys() { sed -nE 's#^s3 (PUT|DELETE) http://[^/]*/wabudget/([^ ?]*) .*#\2#p' "$1"; }

"$TT" enqueue-dids 0 10 >/dev/null || t_fail setup register
WA_STORE_TRACE=1 pipe_run
t_eq "setup: 10 DIDs published on S3" "$RUN_RC" 0
cp "$RUN_LOG" "$T_TMP/trace.setup"

scenario attack s3-oversized-log "DID 1's did.jsonl in the bucket replaced by a 65 MiB object (over the 64 MiB read limit), events of DIDs 1, 2 and 3 queued" \
    "the run exits 0, anchors DIDs 2 and 3 (didverify ANCHORED), dead-letters DID 1's event 'budget_exceeded: ...'; the next run exits 0"
one 1:ov-1 2:ov-2 3:ov-3
head -c 65M /dev/zero >"$T_TMP/big"; STD put "$(KEY 1 did.jsonl)" "$T_TMP/big" >/dev/null; rm -f "$T_TMP/big"
pipe_run
t_eq "s3-oversized-log: run exit 0" "$RUN_RC" 0
anchored_ok s3-oversized-log 2 ov-2
t_eq "s3-oversized-log: DID 3 anchored" "$(status 3 ov-3)" anchored
[[ "$(status 1 ov-1)" == rejected && "$(status 1 ov-1 reason)" =~ ^budget_exceeded ]] &&
    t_ok "s3-oversized-log: DID 1 dead-lettered: $(status 1 ov-1 reason)" || t_fail "s3-oversized-log: DID 1" "$(status 1 ov-1) [$(status 1 ov-1 reason)]"
one 2:ov2-2
pipe_run
t_eq "s3-oversized-log: the next run exit 0 and anchors" "$RUN_RC $(status 2 ov2-2)" "0 anchored"

scenario attack s3-read-error-one-did "every GET of DID 4's did.jsonl answered 500 by the store, events of DIDs 4, 5 and 6 queued" \
    "the run exits 0 and anchors DIDs 5 and 6; DID 4's event is deferred (still queued, an error logged); the store healed, the next run anchors it"
one 4:re-4 5:re-5 6:re-6
rules "method=GET path=$(SCID 4)/did.jsonl status 500"
pipe_run
t_eq "s3-read-error-one-did: run exit 0" "$RUN_RC" 0
anchored_ok s3-read-error-one-did 5 re-5
t_eq "s3-read-error-one-did: DID 6 anchored" "$(status 6 re-6)" anchored
t_eq "s3-read-error-one-did: DID 4's event deferred (queued)" "$(status 4 re-4)" queued
t_check "s3-read-error-one-did: an error names the DID" grep -q "\"level\":\"error\".*$(SCID 4)" "$RUN_LOG"
rules
pipe_run
t_eq "s3-read-error-one-did: healed, the next run exit 0" "$RUN_RC" 0
anchored_ok s3-read-error-one-did 4 re-4

scenario attack s3-publish-error-one-did "every PUT of DID 7's did-witness.json refused (403) after its witness.json was written, events of DIDs 7, 8 and 9 queued" \
    "the run exits 0 and publishes DIDs 8 and 9 (didverify ANCHORED); DID 7's event goes back to the queue with an error; the store healed, the next run anchors it (its half-written witness.json is not mistaken for tampering)"
one 7:pe-7 8:pe-8 9:pe-9
rules "method=PUT path=$(SCID 7)/did-witness.json status 403"
pipe_run
t_eq "s3-publish-error-one-did: run exit 0" "$RUN_RC" 0
anchored_ok s3-publish-error-one-did 8 pe-8
t_eq "s3-publish-error-one-did: DID 9 anchored" "$(status 9 pe-9)" anchored
t_eq "s3-publish-error-one-did: DID 7's event back in the queue" "$(status 7 pe-7)" queued
rules
pipe_run
t_eq "s3-publish-error-one-did: healed, the next run exit 0" "$RUN_RC" 0
anchored_ok s3-publish-error-one-did 7 pe-7

scenario attack s3-poison-on-resume "the worker killed right after the anchor is confirmed; before the next run DID 2's witness.json in the bucket is replaced by junk" \
    "the resumed run publishes DIDs 0 and 5 and exits 0; DID 2's event goes back to the queue (an error says why) and the next batch dead-letters it 'store tampered: ...'; later runs exit 0"
one 0:pr-0 2:pr-2 5:pr-5
WA_STORE_TRACE=1 WA_CRASH_AT=confirmed pipe_run
t_eq "s3-poison-on-resume: killed after confirmed" "$RUN_RC" 137
cp "$RUN_LOG" "$T_TMP/trace.crash"
ST ls >"$T_TMP/keys.crash"
echo junk >"$T_TMP/junk"; STD put "$(KEY 2 witness.json)" "$T_TMP/junk" >/dev/null
sleep 1.1
pipe_run
t_eq "s3-poison-on-resume: resumed run exit 0" "$RUN_RC" 0
anchored_ok s3-poison-on-resume 0 pr-0
t_eq "s3-poison-on-resume: DID 5 anchored" "$(status 5 pr-5)" anchored
t_check "s3-poison-on-resume: DID 2's event re-queued (an error says why)" grep -q '"level":"error","msg":"publishing this DID failed.*witness.json' "$RUN_LOG"
pipe_run
t_eq "s3-poison-on-resume: the next run exit 0" "$RUN_RC" 0
[[ "$(status 2 pr-2)" == rejected && "$(status 2 pr-2 reason)" =~ ^store\ tampered ]] &&
    t_ok "s3-poison-on-resume: DID 2 dead-lettered: $(status 2 pr-2 reason)" || t_fail "s3-poison-on-resume: DID 2" "$(status 2 pr-2) [$(status 2 pr-2 reason)]"
one 5:pr2-5
pipe_run
t_eq "s3-poison-on-resume: a later run exit 0 and anchors" "$RUN_RC $(status 5 pr2-5)" "0 anchored"

scenario attack s3-private-keys "every key anchord writes or deletes on S3 (WA_STORE_TRACE of a whole run: probe, staging bundle, DID files, manifest) and the keys left by a run killed after the anchor" \
    "only the public layout (<prefix>/<scid>/did.jsonl|witness.json|did-witness.json|did.json, batches/<n>.json) and _wa/... (probe, staging bundles)"
cat "$T_TMP/trace.setup" "$T_TMP/trace.crash" | s3keys /dev/stdin | sort -u >"$T_TMP/written"
echo "# keys written: $(wc -l <"$T_TMP/written")"
t_check "s3-private-keys: the trace saw the writes" test "$(wc -l <"$T_TMP/written")" -gt 10
t_eq "s3-private-keys: no key written outside the public layout and _wa/" \
    "$(grep -cvE '^(\.well-known/did/Qm[^/]+/(did\.jsonl|witness\.json|did-witness\.json|did\.json)|batches/[0-9]+\.json|_wa/.+)$' "$T_TMP/written")" 0
t_check "s3-private-keys: the probe under _wa/probe/" grep -q '^_wa/probe/' "$T_TMP/written"
t_check "s3-private-keys: the staging bundle under _wa/staging/" grep -qE '[[:space:]]_wa/staging/[^/]+\.json$' "$T_TMP/keys.crash"

scenario attack s3-put-id-metadata "HEAD of published objects (did.jsonl, witness.json, did-witness.json, a manifest) straight from radosgw" \
    "no x-amz-meta-wa-* header: nothing internal is attached to a public object"
head_of() {
    curl -sI --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$DIRECT/wabudget/$1" | tr -d '\r'
}
MAN=$(STD ls batches/ | head -1 | cut -f2)
for k in "$(KEY 5 did.jsonl)" "$(KEY 5 witness.json)" "$(KEY 5 did-witness.json)" "$MAN"; do
    h=$(head_of "$k")
    echo "$h" | grep -q '^HTTP/1.1 200' && ! echo "$h" | grep -qi '^x-amz-meta-wa' &&
        t_ok "s3-put-id-metadata: $k has no x-amz-meta-wa-*" || t_fail "s3-put-id-metadata: $k" "$(echo "$h" | grep -i "HTTP/\|x-amz-meta")"
done
t_done
