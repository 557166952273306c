#!/usr/bin/env bash
# fault_s3.sh -- issue 9's S3 faults: `anchord run` publishes to Ceph radosgw through
# test-tool faultproxy, which answers 5xx, 412 and 409 (with and without applying the
# write first) and lets a conditional PUT time out after it was applied. After every
# fault: no event lost, none twice, every published file valid, roots on chain.
# WA_SKIP_RGW=1 skips it.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
[ -n "${WA_SKIP_RGW:-}" ] && t_skip_rest radosgw "WA_SKIP_RGW is set"
pipe_env_s3 wafault
source "$WA_ROOT/tests/svc/fault_env.sh"
fault_proxy "$RGW_PORT"
export AWS_ENDPOINT_URL=http://127.0.0.1:$PP WA_STORE_RETRIES=4

"$TT" enqueue-dids 0 20 >/dev/null && pipe_run
t_eq "setup: 20 DIDs published through the proxy" "$RUN_RC $(count)" "0 1"

scenario fault s3-5xx "S3 answers 503 to a quarter of the PUTs (seeded) and 500 to the 2nd GET of a did.jsonl (not applied)" \
    "the store retries with back-off; the batch completes, one anchor"
rules 'method=PUT path=/.well-known/did/ frac=0.25 status 503' 'method=GET path=did.jsonl nth=2 status 500'
mark s5xx; events s5xx
pipe_run
t_eq "5xx: exit 0" "$RUN_RC" 0
t_check "5xx: injected" test "$(since s5xx | grep -c -- '-> status')" -gt 2
invariants s5xx 1

scenario fault s3-5xx-applied "a did.jsonl PUT is applied by S3 but answered 500 (the answer lost)" \
    "ambiguous: the store HEADs the key, finds its own write id, treats it as done; one anchor, no duplicate line"
rules 'method=PUT path=did.jsonl nth=3 fwd status 500'; mark s5a; events s5a
pipe_run
t_eq "5xx applied: exit 0" "$RUN_RC" 0
t_eq "5xx applied: injected once" "$(since s5a | grep -c -- '-> fwd status')" 1
invariants s5a 1

scenario fault s3-409 "conditional PUTs of did.jsonl answered 409 (once not applied, once applied)" \
    "the store HEADs: unchanged -> PUT again; own write id -> done; one anchor"
rules 'method=PUT path=did.jsonl nth=2 status 409' 'method=PUT path=did.jsonl nth=5 fwd status 409'; mark s409; events s409
pipe_run
t_eq "409: exit 0" "$RUN_RC" 0
t_eq "409: injected twice" "$(since s409 | grep -c -- '-> .*status')" 2
invariants s409 1

scenario fault s3-412-witness "a witness.json PUT answered 412 Precondition Failed (nothing written)" \
    "CONFLICT on the proofs: re-read and retry; the batch completes, one anchor"
rules 'method=PUT path=witness.json nth=2 status 412'; mark s412w; events s412w
pipe_run
t_eq "412 witness: exit 0" "$RUN_RC" 0
invariants s412w 1

scenario fault s3-412-log "a did.jsonl PUT answered 412 although nobody else wrote it" \
    "a lost race: re-read, the log is unchanged, PUT again; all entries published (none 'unused'), one anchor"
rules 'method=PUT path=did.jsonl nth=1 status 412'; mark s412; events s412
pipe_run
t_eq "412 log: exit 0" "$RUN_RC" 0
t_eq "412 log: injected once" "$(since s412 | grep -c -- '-> status')" 1
t_check "412 log: read again" grep -q 'conditional write lost a race; read again' "$RUN_LOG"
t_check "412 log: nothing unused" grep -q '"batch published".*"unused":0,"conflicts":1' "$RUN_LOG"
invariants s412 1

scenario fault s3-timeout "a did.jsonl PUT is applied but the answer never comes (the connection hangs)" \
    "the store times out (30 s stall limit), HEADs the key, finds its own write: done; one anchor"
rules 'method=PUT path=did.jsonl nth=1 fwd hang'; mark shang; events shang
t0=$SECONDS
pipe_run
t_eq "timeout: exit 0" "$RUN_RC" 0
t_check "timeout: the request hung for the stall limit" test $((SECONDS - t0)) -ge 25
invariants shang 1
scenario attack s3-conflicts-counted-once "exactly one did.jsonl PUT answered 412 Precondition Failed (one conflict, known)" \
    "s3_conflicts_total is counted by the store alone (anchord/ops/metrics.h): 1 after the run, not 2 (the publisher counted the same conflict again)"
rules 'method=PUT path=did.jsonl nth=1 status 412'; mark sonce; events sonce
WA_METRICS_TEXTFILE=$T_TMP/sonce.prom pipe_run
t_eq "s3-conflicts-counted-once: exit 0" "$RUN_RC" 0
t_eq "s3-conflicts-counted-once: injected once" "$(since sonce | grep -c -- '-> status')" 1
t_eq "s3-conflicts-counted-once: s3_conflicts_total 1" "$(sed -n 's/^s3_conflicts_total //p' "$T_TMP/sonce.prom")" 1
invariants sonce 1
t_done
