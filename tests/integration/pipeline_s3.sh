#!/usr/bin/env bash
# pipeline_s3.sh -- `anchord run` against a real S3 server (Ceph radosgw on 127.0.0.1):
# 300 DIDs and 1,000 events anchored and published with conditional PUTs, every file
# valid, roots on chain; then the S3 server goes away in the middle of a batch (after the
# anchor, before publishing): retries, a clean failure (exit 1), and the next run, with the
# server back, finishes the batch with no second anchor. WA_SKIP_RGW=1 skips it.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
[ -n "${WA_SKIP_RGW:-}" ] && t_skip_rest radosgw "WA_SKIP_RGW is set"
pipe_env_s3 wapipe
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
count() { "$AD" batch-count 2>/dev/null; }

t_check "register 300 DIDs" "$TT" enqueue-dids 0 300
pipe_run
t_eq "genesis batch on S3" "$RUN_RC $(count)" "0 1"
"$TT" events 0 300 1000 s3 >"$T_TMP/events.jsonl"
t_expect_rc "submit 1,000" 0 "$AD" submit "$T_TMP/events.jsonl"
pipe_run
t_eq "event batch on S3" "$RUN_RC $(count)" "0 2"
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "S3: every file valid" "$?" 0
t_check "S3: summary" grep -q "summary dids=300 entries=1300 batches=2 staging=0 failures=0" "$T_TMP/check.out"
t_eq "S3: 1,000 events published once each" "$(grep -c '^event .* s3-' "$T_TMP/check.out")" 1000
t_check "S3: roots on chain" pipe_chain_roots "$T_TMP/check.out"
H=$(curl -sI --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$AWS_ENDPOINT_URL/wapipe/.well-known/did/$("$TT" did 0 | cut -d: -f3)/did.jsonl" | tr -d '\r')
echo "$H" | grep -qi '^content-type: text/jsonl' && echo "$H" | grep -qi '^cache-control: no-cache' &&
    t_ok "did.jsonl served as text/jsonl, no-cache" || t_fail "headers" "$H"

# S3 gone mid-batch: radosgw killed while the worker waits for the 2nd confirmation.
"$TT" events 0 300 300 down >"$T_TMP/down.jsonl"; "$AD" submit "$T_TMP/down.jsonl" >/dev/null 2>&1
N0=$(count)
WA_CONFIRMATIONS=2 "$AD" run 2>"$T_TMP/down.log" & P=$!
for _ in $(seq 150); do grep -q '"transaction journaled"' "$T_TMP/down.log" && break; sleep 0.1; done
kill -9 "$(cat "$RGW/rgw.pid")"
"$NODE_BIN/cast" rpc --rpc-url "$RPC_URL" evm_mine >/dev/null
wait $P; R=$?
t_eq "S3 down mid-batch: clean failure (exit 1)" "$R" 1
t_check "S3 down: the error names the store" grep -q "s3 .*cannot reach\|s3 .*HTTP 5" "$T_TMP/down.log"
radosgw -c "$RGW/ceph.conf" -f -n client.rgw >>"$RGW/log/rgw.out" 2>&1 & echo $! >"$RGW/rgw.pid"
for _ in $(seq 300); do curl -s -o /dev/null -w '%{http_code}' "$AWS_ENDPOINT_URL/" | grep -q '^[24]' && break; sleep 0.1; done
sleep 1
pipe_run
t_eq "S3 back: the next run finishes" "$RUN_RC" 0
t_eq "S3 down: exactly one anchor for the batch" "$(count)" $((N0 + 1))
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "S3 back: every file valid" "$?" 0
t_eq "S3 down: 300 more events published" "$(grep -c '^event .* down-' "$T_TMP/check.out")" 300
t_done
