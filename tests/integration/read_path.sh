#!/usr/bin/env bash
# read_path.sh -- the read path while batches publish (docs/didverify.md "Reading while a batch
# publishes"): readers run didverify in a loop straight against the store while `anchord run`
# publishes batches of 60 events (real redis-server and anvil). The worker writes witness.json
# and did-witness.json before did.jsonl, so a reader can get new proofs with the previous log:
# that must never be INVALID. Two stores: the file store served by test-tool httpstatic, and
# radosgw (tests/svc/radosgw.sh) read anonymously through a bucket policy that allows GetObject
# but not ListBucket -- so a missing object answers 403, which didverify takes for "not published".
# (The same through a caching proxy is the integrator's variant.)
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
DV=$WA_ROOT/$BIN/didverify
ROUNDS=${READ_PATH_ROUNDS:-8}

# reader OUT URL DID...: didverify each DID in turn until $T_TMP/stop exists; one line per read:
# "EXIT VERDICT FIRST-INVALID-REASON".
reader() {
    local out=$1 url=$2 d; shift 2
    while [ ! -e "$T_TMP/stop" ]; do
        for d in "$@"; do
            "$DV" "$d" --base-url "$url" --rpc "$RPC_URL" --contract "$WA_CONTRACT" --json >"$out.j" 2>"$out.e"
            echo "$? $(jq -r '.verdict + " " + ([.versions[] | select(.status == "invalid") | .reason][0] // .stale // "")' \
                "$out.j" 2>/dev/null) $(head -c 200 "$out.e")" >>"$out"
        done
    done
}

# publishing NAME URL: 8 DIDs registered; two readers on DIDs 0-3 while ROUNDS batches of 60
# events for those DIDs are published; then the tally.
publishing() {
    local name=$1 url=$2 r n dids=()
    "$TT" enqueue-dids 0 8 >/dev/null && pipe_run
    [ "$RUN_RC" = 0 ] || t_fail "$name: genesis batch" "$(tail -3 "$RUN_LOG")"
    for n in 0 1 2 3; do dids+=("$("$TT" did "$n")"); done
    rm -f "$T_TMP/stop" "$T_TMP/$name".r*
    reader "$T_TMP/$name.r1" "$url" "${dids[@]}" & T_PIDS+=($!); local p1=$!
    reader "$T_TMP/$name.r2" "$url" "${dids[3]}" "${dids[2]}" "${dids[1]}" "${dids[0]}" & T_PIDS+=($!); local p2=$!
    for ((r = 1; r <= ROUNDS; r++)); do
        "$TT" events 0 4 60 "$name-$r" >"$T_TMP/ev.jsonl" && "$AD" submit "$T_TMP/ev.jsonl" >/dev/null && pipe_run
        [ "$RUN_RC" = 0 ] || t_fail "$name: batch $r" "$(tail -3 "$RUN_LOG")"
    done
    touch "$T_TMP/stop"; wait "$p1" "$p2"
    cat "$T_TMP/$name".r1 "$T_TMP/$name".r2 >"$T_TMP/$name.all"
    local total invalid io stale
    total=$(wc -l <"$T_TMP/$name.all"); invalid=$(grep -c '^1 ' "$T_TMP/$name.all"); io=$(grep -c '^3 ' "$T_TMP/$name.all")
    stale=$(grep -c '^4 ' "$T_TMP/$name.all")
    [ "$total" -ge 20 ] && t_ok "$name: $total reads during $ROUNDS batches ($(cut -d' ' -f2 "$T_TMP/$name.all" | sort | uniq -c | tr -s ' ' | tr '\n' ','))" ||
        t_fail "$name: enough reads" "only $total"
    t_eq "$name: no INVALID verdict${invalid:+ $(grep -m1 '^1 ' "$T_TMP/$name.all" | cut -c1-200)}" "$invalid" 0
    t_eq "$name: no I/O error${io:+ $(grep -m1 '^3 ' "$T_TMP/$name.all" | cut -c1-200)}" "$io" 0
    echo "# $name: $stale STALE answers (another batch published between the two fetches)"
    grep '^4 ' "$T_TMP/$name.all" | head -3 | cut -c1-240 | sed 's/^/#   /'
    t_expect_rc "$name: after the batches, DID 0 ANCHORED" 0 "$DV" "${dids[0]}" --base-url "$url" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
}

# ---- the file store, served as files ----
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
HP=$(freeport); t_bg "$TT" httpstatic "$FS" "$HP"; wait_port "$HP" 10

scenario attack readers-while-publishing-file "two readers run didverify in a loop against the file store (httpstatic) while $ROUNDS batches of 60 events publish" \
    "zero INVALID verdicts and zero I/O errors (new proofs with the previous log are ignored, or the log is fetched again)"
publishing file "http://127.0.0.1:$HP"

# ---- radosgw, read anonymously (GetObject allowed, ListBucket not: missing keys answer 403) ----
rm -f "$T_TMP/publisher.key"   # a fresh environment (pipe_env writes new keys)
pipe_env_s3 readpath
POLICY='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::readpath/*"}]}'
curl -sf -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" --user "$RGW_ACCESS_KEY:$RGW_SECRET_KEY" \
    -H "x-amz-content-sha256: $(printf '%s' "$POLICY" | sha256sum | cut -d' ' -f1)" --data-binary "$POLICY" \
    "$AWS_ENDPOINT_URL/readpath?policy=" -o /dev/null || t_fail "bucket policy"
S3URL=$AWS_ENDPOINT_URL/readpath

scenario attack readers-while-publishing-s3 "the same against radosgw directly (anonymous GETs of a public-read, not listable bucket)" \
    "zero INVALID verdicts and zero I/O errors"
publishing s3 "$S3URL"

scenario attack missing-object-403 "S3 without list permission answers 403, not 404, for a missing object: DID 5's witness.json deleted; a DID never published" \
    "didverify: witness.json not published (every version PENDING, exit 8), not an HTTP error; a missing did.jsonl: 'not published' (exit 1)"
D5=$("$TT" did 5); S5=$(cut -d: -f3 <<<"$D5")
curl -sf -X DELETE --aws-sigv4 "aws:amz:us-east-1:s3" --user "$RGW_ACCESS_KEY:$RGW_SECRET_KEY" \
    -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
    "$AWS_ENDPOINT_URL/readpath/.well-known/did/$S5/witness.json" -o /dev/null || t_fail "delete witness.json"
t_eq "missing-object-403: the bucket answers 403 for the deleted key" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$S3URL/.well-known/did/$S5/witness.json")" 403
t_expect_rc "missing-object-403: DID 5 PENDING (exit 8)" 8 "$DV" "$D5" --base-url "$S3URL" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
t_check "missing-object-403: no anchor yet, not an HTTP error" grep -q "no anchor in witness.json yet" "$T_TMP/last.out"
t_expect_rc "missing-object-403: an unpublished DID: not found, exit 1" 1 "$DV" "$("$TT" did 99)" --base-url "$S3URL" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
t_check "missing-object-403: says not published" grep -q "did.jsonl: not published" "$T_TMP/last.err"
t_done
